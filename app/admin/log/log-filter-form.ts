import Joi from 'joi';
import { LOG_KINDS, type LogKind } from '../../../db/schema/index.js';
import { checkFields, type FieldProblem } from '../../http/validate.js';
import { findEndpointName } from '../../txlog/endpoint-names.js';
import type { LogCursor, LogFilter } from '../../txlog/log-query.js';
import type { TimeZone } from '../time-zone.js';

/** The log filter as the form sends it (GET, so a filtered view is a link support can share). */
export interface LogFilterForm {
  tenant: string;
  /** `kind`, `kind|key` (a name from endpoint-names.ts) or, in older links, `kind|raw endpoint`. */
  type: string;
  /** A request id: every row of one incoming call. */
  request: string;
  status: '' | 'ok' | 'error';
  from: string;
  to: string;
  doc: string;
  sale: string;
  /** Only ever the last four digits, also when more were typed: a full phone never comes back in the page. */
  phone: string;
  card: string;
}

const text = (label: string, max = 100) => Joi.string().trim().allow('').max(max).default('').label(label);
const dateTime = (label: string) => text(label, 20).pattern(/^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?)?$/);

const schema = Joi.object({
  tenant: text('Аккаунт'),
  type: text('Тип', 200).custom((value: string, helpers) =>
    value === '' || LOG_KINDS.includes(value.split('|')[0] as LogKind) ? value : helpers.error('any.invalid'),
  ),
  status: Joi.string().valid('', 'ok', 'error').default('').label('Результат'),
  from: dateTime('С'),
  to: dateTime('По'),
  doc: text('Номер документа'),
  sale: text('Ключ продажи', 200),
  request: text('Номер запроса', 100),
  phone: text('Телефон', 30)
    .pattern(/^(\D*\d){4,}\D*$|^$/)
    .messages({ 'string.pattern.base': 'Телефон: введите хотя бы 4 последние цифры.' }),
  card: text('Карта'),
  before: Joi.number().integer().min(1),
  after: Joi.number().integer().min(0),
}).unknown(true);

export interface ParsedLogQuery {
  form: LogFilterForm;
  filter: LogFilter;
  cursor: LogCursor;
  problems: FieldProblem[];
  /** Said above the rows when the filter was read in a way the person may not expect. */
  note?: string;
}

/** Query string → the filter, the cursor and the values to show back in the form. */
export function parseLogQuery(query: unknown, tz: TimeZone): ParsedLogQuery {
  const { value, problems } = checkFields(schema, query);
  const v = value as LogFilterForm & { before?: number; after?: number };
  const last4 = v.phone ? v.phone.replace(/\D/g, '').slice(-4) : '';
  const form: LogFilterForm = {
    tenant: v.tenant,
    type: v.type,
    status: v.status,
    from: v.from,
    to: v.to,
    doc: v.doc,
    sale: v.sale,
    request: v.request,
    phone: last4,
    card: v.card,
  };
  if (problems.length > 0) {
    // A bad field is shown, not guessed around: the list stays empty until the filter is fixed.
    return {
      form: { ...form, phone: problems.some((p) => p.field === 'phone') ? '' : last4 },
      filter: {},
      cursor: undefined,
      problems,
    };
  }
  const [kind, endpoint] = v.type ? (v.type.split('|', 2) as [LogKind, string?]) : [];
  const named = kind && endpoint ? findEndpointName(kind, endpoint) : undefined;
  const filter: LogFilter = {
    tenantId: v.tenant || undefined,
    kind,
    endpoint: named ? undefined : endpoint || undefined,
    endpointGlobs: named?.globs,
    requestId: v.request || undefined,
    status: v.status || undefined,
    from: v.from ? tz.parseInput(v.from) : undefined,
    to: v.to ? tz.parseInput(v.to) : undefined,
    documentName: v.doc || undefined,
    saleKey: v.sale || undefined,
    phoneLast4: last4 || undefined,
    cardNumber: v.card || undefined,
  };
  const cursor: LogCursor =
    v.before !== undefined ? { before: v.before } : v.after !== undefined ? { after: v.after } : undefined;
  return { form, filter, cursor, problems };
}

/** A shop as the «Аккаунт» field may name it. */
export interface KnownShop {
  accountId: string;
  accountName: string;
}

/**
 * Reads the «Аккаунт» field: an account id as is, else a fragment of a shop's name in any case. One match
 * filters by it; none or several is a problem shown next to the form, never a silent «Записей нет».
 */
export function resolveShop(parsed: ParsedLogQuery, shops: readonly KnownShop[]): ParsedLogQuery {
  const typed = parsed.form.tenant;
  if (!typed || parsed.problems.length > 0) return parsed;
  const needle = typed.toLowerCase();
  const exact = shops.filter((shop) => shop.accountId === typed || shop.accountName.toLowerCase() === needle);
  const matches = exact.length > 0 ? exact : shops.filter((shop) => shop.accountName.toLowerCase().includes(needle));
  if (matches.length === 1) return { ...parsed, filter: { ...parsed.filter, tenantId: matches[0]!.accountId } };
  if (matches.length === 0) {
    // Rows may belong to an account whose shop is gone: the text is still tried as an id, and the page says so.
    const note = `Магазина с названием или id «${typed}» сейчас нет; показаны записи с таким id аккаунта.`;
    return { ...parsed, filter: { ...parsed.filter, tenantId: typed }, note };
  }
  const message = `Аккаунт: подходят несколько магазинов (${matches
    .slice(0, 5)
    .map((shop) => `«${shop.accountName}»`)
    .join(', ')}${matches.length > 5 ? ' и другие' : ''}). Выберите один из подсказки.`;
  return { ...parsed, filter: {}, cursor: undefined, problems: [{ field: 'tenant', message }] };
}
