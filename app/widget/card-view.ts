import type { BackendKind } from '../../db/schema/index.js';
import { BACKEND_LABELS, ENTRY_KIND_LABELS } from '../admin/view-helpers.js';
import type { EntryLine } from '../ledger/ledger-queries.js';
import { EXPIRY_NOTE_DAYS } from '../ledger/recalc.js';
import { moscowDayMonth } from '../locale/moscow-day.js';
import { countText, groupDigits, POINT_FORMS } from '../locale/plural.js';
import { formatWholeRoublesUp } from '../receipt/money.js';
import type { CounterpartyCard } from './counterparty-card.js';

/**
 * The widget's fixed height, declared in the descriptor (`<height><fixed>…px</fixed></height>`); МойСклад
 * gives every widget 400 px of width. The page is laid out to fit both exactly, with the adjustment form
 * taking the place of the operations, so nothing ever scrolls.
 */
export const WIDGET_HEIGHT_PX = 300;
export const WIDGET_WIDTH_PX = 400;

export interface CardLine {
  date: string;
  what: string;
  /** The receipt (or return, or the adjustment's reason) behind the operation. */
  basis?: string;
  points: string;
  negative: boolean;
}

/** What the widget's fragment prints: every value already in words, the view only places them. */
export interface CardView {
  kind: CounterpartyCard['kind'];
  name?: string;
  level?: string;
  stats: Array<{ label: string; value: string; hint?: string }>;
  operations: CardLine[];
  text?: string;
  /** Only the built-in ledger's customers can be corrected here. */
  adjustable: boolean;
}

const dateFormat = new Intl.DateTimeFormat('ru-RU', {
  timeZone: 'Europe/Moscow',
  day: '2-digit',
  month: '2-digit',
  year: '2-digit',
});

const signed = (n: number) => `${n < 0 ? '−' : '+'}${groupDigits(Math.abs(n))}`;
const points = (n: number) => countText(n, POINT_FORMS);

function basisOf(line: EntryLine): string | undefined {
  if (line.saleReturn) return `возврат ${line.saleReturn.name ?? 'без номера'}`;
  if (line.sale) return `чек ${line.sale.name ?? line.sale.saleKey}`;
  if (line.adjustment) return line.adjustment.reason;
  return undefined;
}

export function cardView(card: CounterpartyCard): CardView {
  if (card.kind === 'none') return { kind: 'none', stats: [], operations: [], text: card.text, adjustable: false };
  if (card.kind === 'provider') {
    return {
      kind: 'provider',
      name: BACKEND_LABELS[card.system as BackendKind] ?? card.system,
      stats: card.balance === undefined ? [] : [{ label: 'Баланс', value: points(card.balance) }],
      operations: [],
      text: card.note,
      adjustable: false,
    };
  }
  const c = card.card;
  const soon = c.expiringSoon;
  return {
    kind: 'ledger',
    name: c.name,
    level: c.tier
      ? `Уровень «${c.tier.name}»${
          c.tier.next ? ` · до «${c.tier.next.name}» ещё ${formatWholeRoublesUp(c.tier.next.leftKopecks)}` : ' · высший'
        }`
      : undefined,
    stats: [
      {
        label: 'Баланс',
        value: points(c.balance),
        hint: c.spendable !== c.balance ? `списать можно ${groupDigits(c.spendable)}` : undefined,
      },
      { label: 'Ожидают', value: points(c.pending), hint: c.pending > 0 ? 'ещё не доступны' : undefined },
      soon
        ? { label: 'Скоро сгорят', value: points(soon.points), hint: `срок ${moscowDayMonth(soon.expiresAt - 1)}` }
        : { label: 'Скоро сгорят', value: '—', hint: `за ${EXPIRY_NOTE_DAYS} дней — нет` },
    ],
    operations: c.operations.map((line) => ({
      date: dateFormat.format(line.createdAt),
      what: ENTRY_KIND_LABELS[line.kind] ?? line.kind,
      basis: basisOf(line),
      points: signed(line.points),
      negative: line.points < 0,
    })),
    adjustable: true,
  };
}
