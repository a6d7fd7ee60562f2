import Joi from 'joi';
import { BACKEND_KINDS, type BackendKind } from '../../db/schema/index.js';
import { REFUSED_ADDRESS_MESSAGES, readTenantUrl, type OutboundGuard } from '../http/outbound-guard.js';
import { checkFields, type FieldProblem } from '../http/validate.js';
import {
  DEFAULT_LEDGER_RULES,
  MAX_BIRTHDAY_MULTIPLIER,
  MAX_BIRTHDAY_MEMBER_DAYS,
  MAX_BIRTHDAY_POINTS,
  MAX_BIRTHDAY_WINDOW_DAYS,
  MAX_LIFETIME_DAYS,
  MAX_REMINDER_DAYS,
  MAX_REMINDER_TEMPLATE,
  type LedgerRules,
} from '../ledger/rules.js';
import type { ProviderSecrets, TenantSettings } from '../tenants/tenant-settings.js';
import { IBONUS_DEFAULTS, IBONUS_USUAL_URL } from '../providers/ibonus/ibonus-settings.js';
import {
  DEFAULT_RESTRICTION_SETTINGS,
  OWNER_EXCLUDABLE_TRACKING_TYPES,
  type RestrictionSettings,
} from '../receipt/restrictions.js';
import { tierFormValues, tierRulesFromForm, tiersFormSchema, type TierForm } from './tier-settings-input.js';

/**
 * The settings form as flat fields named like `general.baseUrl` or `storePoints.<retailstore id>`:
 * the same names the page's inputs carry, so a problem's `field` is the input it belongs to.
 */
export type SettingsFormValues = Record<string, string>;

/**
 * What the owner asked for. Secrets left blank keep the stored ones ("задан"), unless the address they
 * are sent to changed. The SMS gateway's URL travels with the secrets: it often carries the gateway's key.
 */
export interface SettingsChange {
  backend: BackendKind;
  externalSearch: boolean;
  settings: TenantSettings;
  secrets: SecretsPatch;
}

export interface SecretsPatch {
  general?: { apiKey?: string };
  ibonus?: { login?: string; password?: string };
  /** Present when the ledger section was posted: a URL sets it, `null` removes it. */
  smsGateway?: { webhookUrl: string | null };
}

/** The stored state the form is judged against: current settings and which secrets are set. */
export interface StoredSettings {
  backend: BackendKind;
  externalSearch: boolean;
  settings: TenantSettings;
  secretsSet: SecretsSet;
  /** The SMS gateway's URL, opened from the sealed secrets, for the form to show. */
  smsWebhookUrl?: string;
  /** The i-bonus login, opened from the sealed secrets: a login is not a secret, and shows which cabinet is connected. */
  ibonusLogin?: string;
  /** The built-in ledger has been live: customers may hold points that a switch leaves behind. */
  ledgerLive?: boolean;
}

export interface SecretsSet {
  generalApiKey: boolean;
  ibonusLogin: boolean;
  ibonusPassword: boolean;
}

export function secretsSetOf(secrets: ProviderSecrets): SecretsSet {
  return {
    generalApiKey: Boolean(secrets.general?.apiKey),
    ibonusLogin: Boolean(secrets.ibonus?.login),
    ibonusPassword: Boolean(secrets.ibonus?.password),
  };
}

const SECTIONS = ['general', 'ibonus', 'ledger', 'tiers', 'storePoints', 'restrictions'] as const;
const TOP_LEVEL = ['backend', 'externalSearch', 'whenProviderDown', 'confirmLeaveLedger'] as const;
const SUBKEY = /^[\w-]{1,64}$/;

const text = (label: string, max = 255) => Joi.string().trim().max(max).allow('').default('').label(label);
/** An address the server will call: see readTenantUrl. A provider's takes no query; an SMS gateway's may. */
const url = (label: string, options: { allowQuery: boolean } = { allowQuery: false }) =>
  Joi.string()
    .trim()
    .max(500)
    .empty('')
    .custom((value: string, helpers) => {
      const read = readTenantUrl(value, options);
      return read.problem ? helpers.error(`tenantUrl.${read.problem}`) : read.href;
    })
    .messages({
      'tenantUrl.invalid': 'Поле «{{#label}}» должно быть адресом http(s)://…',
      'tenantUrl.scheme': 'Поле «{{#label}}» должно быть адресом http(s)://…',
      'tenantUrl.userinfo':
        'Уберите из поля «{{#label}}» логин и пароль (часть до @): данные доступа вводятся в отдельные поля.',
      'tenantUrl.fragment': 'Уберите из поля «{{#label}}» часть после #.',
      'tenantUrl.query': 'Уберите из поля «{{#label}}» часть после ?: пути запросов к адресу добавляем мы сами.',
    })
    .label(label);
const whole = (label: string, min: number, max: number) =>
  Joi.number().integer().min(min).max(max).empty('').required().label(label);
/** A whole number where blank means 0 (off). */
const orZero = (label: string, max: number) => Joi.number().integer().min(0).max(max).empty('').default(0).label(label);
// An unchecked box is simply absent from the post.
const flag = (label: string) => Joi.boolean().truthy('on').default(false).label(label);

const generalSchema = Joi.object({
  baseUrl: url('Адрес API').required(),
  apiKey: text('Ключ API', 500),
  defaultPoint: text('Точка по умолчанию'),
});

const ibonusSchema = Joi.object({
  baseUrl: url('Адрес i-bonus').required(),
  login: text('Логин i-bonus', 255),
  password: text('Пароль i-bonus', 255),
  maxPaidRatePercents: whole('Какую часть чека можно оплатить баллами, %', 0, 100),
  spendRatePointsToRouble: whole('Сколько баллов равны 1 ₽ скидки', 1, 1_000_000),
});

/**
 * The ledger's rules as the form has them: the audience is a choice and a comma-separated list, and
 * the SMS gateway's address (sealed with the secrets, not stored with the rules).
 */
type LedgerForm = Omit<LedgerRules, 'allAgents' | 'agentTags'> & {
  audience: 'all' | 'tags';
  agentTags: string;
  codeWebhookUrl?: string;
};

const ledgerSchema = Joi.object<LedgerForm>({
  active: flag('Программа включена'),
  earnRateRoublesToPoint: whole('Сколько рублей покупки дают 1 балл', 1, 1_000_000),
  spendRatePointsToRouble: whole('Сколько баллов равны 1 ₽ скидки', 1, 1_000_000),
  maxPaidRatePercents: whole('Какую часть чека можно оплатить баллами, %', 0, 100),
  earnWhileRedeeming: flag('Начислять баллы, даже когда покупатель ими платит'),
  welcomeBonusesEnabled: flag('Дарить приветственные баллы'),
  welcomeBonusesValue: Joi.when('welcomeBonusesEnabled', {
    is: true,
    then: whole('Сколько приветственных баллов', 1, 1_000_000),
    otherwise: Joi.number().integer().min(0).max(1_000_000).empty('').default(0).label('Сколько приветственных баллов'),
  }),
  welcomeBonusesMode: Joi.string()
    .valid('REGISTRATION', 'FIRST_PURCHASE')
    .default('REGISTRATION')
    .label('Когда дарить')
    .messages({ 'any.only': 'Выберите, когда дарить приветственные баллы.' }),
  postponedBonusesDelayDays: whole('Через сколько дней баллы можно тратить', 0, 365),
  receiptTemplate: text('Текст в чеке', 1000),
  requireSpendingCode: flag('Спрашивать код из SMS перед списанием баллов'),
  confirmRegistrationByCode: flag('Подтверждать регистрацию покупателя кодом'),
  // Either kind of code goes out through the store's SMS gateway. Gateways often take their key in the
  // query, and we POST to the URL as typed: the query is allowed.
  codeWebhookUrl: url('Адрес для отправки кодов (ваш SMS-шлюз)', { allowQuery: true })
    .when('requireSpendingCode', { is: true, then: Joi.required() })
    .when('confirmRegistrationByCode', { is: true, then: Joi.required() })
    .messages({ 'any.required': 'Чтобы спрашивать код, укажите адрес, куда отправлять коды покупателям.' })
    .when('expiryReminderDays', {
      is: Joi.number().greater(0),
      then: Joi.required().messages({
        'any.required': 'Чтобы напоминать о сгорании баллов, укажите адрес вашего SMS-шлюза.',
      }),
    }),
  pointsLifetimeDays: orZero('Сколько дней действуют баллы', MAX_LIFETIME_DAYS),
  welcomeLifetimeDays: orZero('Сколько дней действуют подарочные баллы', MAX_LIFETIME_DAYS),
  expiryReminderDays: orZero('За сколько дней напомнить покупателю по SMS', MAX_REMINDER_DAYS),
  expiryReminderTemplate: Joi.string()
    .trim()
    .max(MAX_REMINDER_TEMPLATE)
    .empty('')
    .default(DEFAULT_LEDGER_RULES.expiryReminderTemplate)
    .label('Текст напоминания'),
  birthdayEnabled: flag('Включить подарки ко дню рождения'),
  birthdayPoints: orZero('Сколько баллов подарить', MAX_BIRTHDAY_POINTS),
  birthdayDaysBefore: Joi.number()
    .integer()
    .min(0)
    .max(MAX_BIRTHDAY_WINDOW_DAYS)
    .empty('')
    .default(DEFAULT_LEDGER_RULES.birthdayDaysBefore)
    .label('За сколько дней до дня рождения'),
  birthdayDaysAfter: Joi.number()
    .integer()
    .min(0)
    .max(MAX_BIRTHDAY_WINDOW_DAYS)
    .empty('')
    .default(DEFAULT_LEDGER_RULES.birthdayDaysAfter)
    .label('Сколько дней после дня рождения'),
  birthdayEarnMultiplier: Joi.number()
    .integer()
    .min(1)
    .max(MAX_BIRTHDAY_MULTIPLIER)
    .empty('')
    .default(1)
    .label('Во сколько раз больше баллов за покупки в эти дни'),
  birthdayMinMemberDays: orZero('Подарок — тем, кто в программе не меньше, дней', MAX_BIRTHDAY_MEMBER_DAYS),
  catchUpOfflineSales: flag('Начислять баллы за чеки, пробитые без связи с сервисом'),
  audience: Joi.string()
    .valid('all', 'tags')
    .default('all')
    .label('Кому действует программа')
    .messages({ 'any.only': 'Выберите, кому действует программа.' }),
  agentTags: Joi.when('audience', {
    is: 'tags',
    then: Joi.string()
      .trim()
      .max(2000)
      .pattern(/[^,\s]/)
      .required()
      .messages({
        'any.required': 'Укажите хотя бы один тег покупателей: программа будет действовать только для них.',
        'string.empty': 'Укажите хотя бы один тег покупателей: программа будет действовать только для них.',
        'string.pattern.base': 'Укажите хотя бы один тег покупателей: программа будет действовать только для них.',
      }),
    otherwise: Joi.string().allow('').max(2000).default(''),
  }).label('Теги покупателей'),
});

/**
 * Goods points never discount beyond the law's: checkboxes named `type_<TRACKING TYPE>` and
 * `folder_<id>`, and two earn switches. `shown` marks a post that had the section: without it the
 * stored choices stay, so a form that never showed them cannot clear them.
 */
const restrictionsSchema = Joi.object({
  shown: Joi.string().valid('1').required(),
  earnLaw: flag('Начислять баллы за табак и никотинсодержащую продукцию'),
  earnOther: flag('Начислять баллы за остальные товары без скидки'),
})
  .pattern(
    Joi.string().valid(...OWNER_EXCLUDABLE_TRACKING_TYPES.map(([code]) => `type_${code}`)),
    Joi.string().valid('on'),
  )
  .pattern(/^folder_[\w-]{1,56}$/, Joi.string().valid('on'))
  .messages({ 'object.unknown': 'Такого вида маркировки или группы товаров нет.' });

const storePointsSchema = Joi.object()
  .pattern(Joi.string().guid(), text('Точка в системе лояльности'))
  .messages({ 'object.unknown': 'Такой точки продаж нет в МоёмСкладе.' });

const formSchema = Joi.object({
  backend: Joi.string()
    .valid(...BACKEND_KINDS)
    .required()
    .label('Система лояльности')
    .messages({ 'any.only': 'Выберите систему лояльности.' }),
  externalSearch: Joi.boolean()
    .required()
    .label('Где искать покупателей')
    .messages({ 'boolean.base': 'Выберите, где искать покупателей.' }),
  whenProviderDown: Joi.string()
    .valid('refuse', 'no-discount')
    .default('refuse')
    .label('Если система лояльности недоступна')
    .messages({ 'any.only': 'Выберите, что делать, если система лояльности недоступна.' }),
  confirmLeaveLedger: Joi.boolean().truthy('on').default(false),
  general: Joi.when('backend', { is: 'general', then: generalSchema.required(), otherwise: Joi.any().strip() }),
  ibonus: Joi.when('backend', { is: 'ibonus', then: ibonusSchema.required(), otherwise: Joi.any().strip() }),
  ledger: Joi.when('backend', { is: 'ledger', then: ledgerSchema.required(), otherwise: Joi.any().strip() }),
  tiers: Joi.when('backend', { is: 'ledger', then: tiersFormSchema, otherwise: Joi.any().strip() }),
  storePoints: Joi.when('backend', {
    is: 'general',
    then: storePointsSchema.default({}),
    otherwise: Joi.any().strip(),
  }),
  restrictions: restrictionsSchema,
});

interface ParsedForm {
  backend: BackendKind;
  externalSearch: boolean;
  whenProviderDown: 'refuse' | 'no-discount';
  confirmLeaveLedger: boolean;
  general?: { baseUrl: string; apiKey: string; defaultPoint: string };
  ibonus?: {
    baseUrl: string;
    login: string;
    password: string;
    maxPaidRatePercents: number;
    spendRatePointsToRouble: number;
  };
  ledger?: LedgerForm;
  tiers?: TierForm;
  storePoints?: Record<string, string>;
  restrictions?: Record<string, string | boolean>;
}

/** Picks the form's known fields out of a posted body; anything else (session, _csrf, ...) is ignored. */
export function formValuesOf(body: unknown): SettingsFormValues {
  const values: SettingsFormValues = {};
  if (!body || typeof body !== 'object') return values;
  for (const [name, raw] of Object.entries(body as Record<string, unknown>)) {
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (typeof value !== 'string') continue;
    const [section, key, ...rest] = name.split('.');
    const known =
      (TOP_LEVEL as readonly string[]).includes(name) ||
      ((SECTIONS as readonly string[]).includes(section!) &&
        key !== undefined &&
        SUBKEY.test(key) &&
        rest.length === 0);
    if (known) values[name] = value;
  }
  return values;
}

/** Flat fields → nested object; Object.fromEntries defines own keys, so no name reaches a prototype. */
function nest(values: SettingsFormValues): Record<string, unknown> {
  const sections = new Map<string, Array<[string, string]>>();
  const top: Array<[string, unknown]> = [];
  for (const [name, value] of Object.entries(values)) {
    const dot = name.indexOf('.');
    if (dot < 0) top.push([name, value]);
    else sections.set(name.slice(0, dot), [...(sections.get(name.slice(0, dot)) ?? []), [name.slice(dot + 1), value]]);
  }
  for (const [section, entries] of sections) top.push([section, Object.fromEntries(entries)]);
  return Object.fromEntries(top);
}

/**
 * Validates the posted form against what is stored: only the chosen system's section is checked and
 * replaced, the other sections keep their stored values, and a blank secret keeps the stored one as
 * long as the address (and, for i-bonus, the login) it goes to is unchanged.
 */
export function parseSettingsForm(
  values: SettingsFormValues,
  stored: StoredSettings,
): { change: SettingsChange; problems: [] } | { change?: undefined; problems: FieldProblem[] } {
  const { value, problems } = checkFields<ParsedForm>(formSchema, nest(values));
  // Every problem of the chosen section in one round: the fields' own, the secrets it lacks, the tiers'.
  const bad = new Set(problems.map((p) => p.field));
  const more = [
    ...leavingLedger(value, stored),
    ...missingSecrets(value, stored, bad),
    ...(value.tiers?.shown && ![...bad].some((field) => field.startsWith('tiers.'))
      ? tierRulesFromForm(value.tiers).problems
      : []),
  ].filter((p) => !bad.has(p.field));
  if (problems.length + more.length > 0) return { problems: [...problems, ...more] };

  const settings: TenantSettings = { ...stored.settings, whenProviderDown: value.whenProviderDown };
  const secrets: SecretsPatch = {};
  if (value.general) {
    const { apiKey, baseUrl, defaultPoint } = value.general;
    settings.general = { baseUrl, ...(defaultPoint ? { defaultPoint } : {}) };
    settings.storePoints = Object.fromEntries(
      Object.entries(value.storePoints ?? {}).filter(([, point]) => point !== ''),
    );
    if (apiKey) secrets.general = { apiKey };
  }
  if (value.ibonus) {
    const { login, password, ...rest } = value.ibonus;
    settings.ibonus = rest;
    if (login || password) secrets.ibonus = { ...(login ? { login } : {}), ...(password ? { password } : {}) };
  }
  if (value.ledger) {
    const { codeWebhookUrl, audience, agentTags, ...rules } = value.ledger;
    settings.ledger = {
      ...rules,
      allAgents: audience === 'all',
      agentTags: audience === 'tags' ? tagList(agentTags) : [],
    };
    secrets.smsGateway = { webhookUrl: codeWebhookUrl ?? null };
  }
  if (value.tiers?.shown) {
    const tiers = tierRulesFromForm(value.tiers);
    // An owner who never touched tiers gets no tiers section stored.
    const untouched = !tiers.rules.enabled && tiers.rules.levels.length === 0 && !stored.settings.tiers;
    if (!untouched) settings.tiers = tiers.rules;
  }
  if (value.restrictions) settings.restrictions = restrictionsOf(value.restrictions);
  return { change: { backend: value.backend, externalSearch: value.externalSearch, settings, secrets }, problems: [] };
}

/** "vip, Постоянные ,vip" → ["vip", "Постоянные"]: МойСклад's counterparty tags, as typed. */
function tagList(text: string): string[] {
  const tags = text
    .split(',')
    .map((tag) => tag.trim())
    .filter(Boolean);
  return [...new Set(tags)];
}

function restrictionsOf(fields: Record<string, string | boolean>): RestrictionSettings {
  const names = Object.keys(fields);
  return {
    excludedTrackingTypes: names.filter((n) => n.startsWith('type_')).map((n) => n.slice('type_'.length)),
    excludedFolderIds: names.filter((n) => n.startsWith('folder_')).map((n) => n.slice('folder_'.length)),
    earnOnLawRestricted: fields.earnLaw === true,
    earnOnOtherRestricted: fields.earnOther === true,
  };
}

/**
 * A provider cannot work without its credentials: blank is fine only when they are already stored, and
 * only for the address they were typed for. A stored secret is never sent to an address typed after it,
 * so a changed address (or i-bonus login) needs the secret typed again.
 */
/** A live ledger's balances stay behind when the shop moves to another system: the owner confirms that. */
function leavingLedger(value: ParsedForm, stored: StoredSettings): FieldProblem[] {
  if (!stored.ledgerLive || stored.backend !== 'ledger' || !value.backend || value.backend === 'ledger') return [];
  if (value.confirmLeaveLedger) return [];
  return [
    {
      field: 'confirmLeaveLedger',
      message:
        'Подтвердите переход: баллы покупателей останутся во встроенной программе и не перейдут в новую систему.',
    },
  ];
}

/** Secrets the chosen section lacks; an address already at fault (`bad`) is not compared with the stored one. */
function missingSecrets(value: ParsedForm, stored: StoredSettings, bad: ReadonlySet<string>): FieldProblem[] {
  const { secretsSet: set, settings } = stored;
  const problems: FieldProblem[] = [];
  if (value.general && !value.general.apiKey) {
    if (!set.generalApiKey) {
      problems.push({ field: 'general.apiKey', message: 'Укажите ключ API, выданный системой лояльности.' });
    } else if (!bad.has('general.baseUrl') && !sameUrl(value.general.baseUrl, settings.general?.baseUrl)) {
      problems.push({
        field: 'general.apiKey',
        message: 'Адрес API изменился: введите ключ API ещё раз. Сохранённый ключ на новый адрес не отправляется.',
      });
    }
  }
  if (value.ibonus && !value.ibonus.login && !set.ibonusLogin) {
    problems.push({ field: 'ibonus.login', message: 'Укажите логин i-bonus.' });
  }
  if (value.ibonus && !value.ibonus.password) {
    if (!set.ibonusPassword) {
      problems.push({ field: 'ibonus.password', message: 'Укажите пароль i-bonus.' });
    } else if (!bad.has('ibonus.baseUrl') && !sameUrl(value.ibonus.baseUrl, settings.ibonus?.baseUrl)) {
      problems.push({
        field: 'ibonus.password',
        message: 'Адрес i-bonus изменился: введите пароль ещё раз. Сохранённый пароль на новый адрес не отправляется.',
      });
    } else if (value.ibonus.login && value.ibonus.login !== stored.ibonusLogin) {
      problems.push({
        field: 'ibonus.password',
        message: 'Вы ввели новый логин i-bonus: введите к нему и пароль i-bonus.',
      });
    }
  }
  return problems;
}

/** The same address however it was written (a trailing slash, 127.1): both as WHATWG URL reads them. */
function sameUrl(typed: string, stored: string | undefined): boolean {
  if (stored === undefined) return false;
  const read = readTenantUrl(stored, { allowQuery: true });
  return read.href !== undefined && read.href === readTenantUrl(typed, { allowQuery: true }).href;
}

/**
 * The form's addresses that lead into our own network, or that no DNS knows, resolved now: the owner is
 * told next to the field, and nothing is sent there. The calls themselves are checked again at connect time.
 */
export async function refusedAddresses(change: SettingsChange, guard: OutboundGuard): Promise<FieldProblem[]> {
  const { settings, secrets } = change;
  const typed: Record<BackendKind, Array<{ field: string; url?: string | null; message: string }>> = {
    general: [{ field: 'general.baseUrl', url: settings.general?.baseUrl, message: REFUSED_ADDRESS_MESSAGES.provider }],
    ibonus: [{ field: 'ibonus.baseUrl', url: settings.ibonus?.baseUrl, message: REFUSED_ADDRESS_MESSAGES.provider }],
    ledger: [
      {
        field: 'ledger.codeWebhookUrl',
        url: secrets.smsGateway?.webhookUrl,
        message: REFUSED_ADDRESS_MESSAGES.smsGateway,
      },
    ],
  };
  const problems = await Promise.all(
    typed[change.backend].map(async ({ field, url, message }) =>
      url && !(await guard.permits(url)) ? [{ field, message }] : [],
    ),
  );
  return problems.flat();
}

/**
 * The form as the stored settings fill it. Secrets are never part of it (the page says "задан"); the SMS
 * gateway's URL and the i-bonus login are, for whoever may change them. Only the chosen system's section is
 * read back on save, so the offered i-bonus address configures nothing until i-bonus is chosen.
 */
export function formValuesFromStored(stored: Omit<StoredSettings, 'secretsSet'>): SettingsFormValues {
  const { settings } = stored;
  const { codeWebhookUrl: _plain, ...ledger } = { ...DEFAULT_LEDGER_RULES, ...settings.ledger } as LedgerRules & {
    codeWebhookUrl?: string;
  };
  const ibonus = { ...IBONUS_DEFAULTS, ...settings.ibonus };
  const values: SettingsFormValues = {
    backend: stored.backend,
    externalSearch: String(stored.externalSearch),
    whenProviderDown: settings.whenProviderDown ?? 'refuse',
    'general.baseUrl': settings.general?.baseUrl ?? '',
    'general.defaultPoint': settings.general?.defaultPoint ?? '',
    // Prefilled, so the field never looks filled by a grey placeholder while the error says it is empty.
    'ibonus.baseUrl': settings.ibonus?.baseUrl ?? IBONUS_USUAL_URL,
    'ibonus.login': stored.ibonusLogin ?? '',
    'ibonus.maxPaidRatePercents': String(ibonus.maxPaidRatePercents),
    'ibonus.spendRatePointsToRouble': String(ibonus.spendRatePointsToRouble),
    ...ledgerFormValues(ledger),
    'ledger.codeWebhookUrl': stored.smsWebhookUrl ?? '',
    ...tierFormValues(settings.tiers),
    ...restrictionFormValues(settings.restrictions ?? DEFAULT_RESTRICTION_SETTINGS),
  };
  for (const [store, point] of Object.entries(settings.storePoints ?? {})) values[`storePoints.${store}`] = point;
  return values;
}

/** The form field a ledger rule is edited in: the audience is one choice, the tags one text field. */
export function ledgerFormField(rule: keyof LedgerRules): string {
  return rule === 'allAgents' ? 'ledger.audience' : `ledger.${rule}`;
}

/** Ledger rules as form fields; checkboxes are "on" or absent, like a browser posts them. */
export function ledgerFormValues(rules: Partial<LedgerRules>): SettingsFormValues {
  const values: SettingsFormValues = {};
  for (const [key, value] of Object.entries(rules)) {
    if (key === 'allAgents') {
      values['ledger.audience'] = value ? 'all' : 'tags';
    } else if (key === 'agentTags') {
      values['ledger.agentTags'] = (value as string[]).join(', ');
    } else if (typeof value === 'boolean') {
      if (value) values[`ledger.${key}`] = 'on';
    } else if (value !== undefined) {
      values[`ledger.${key}`] = String(value);
    }
  }
  return values;
}

/** The restricted-goods choices as form fields (checkboxes "on" or absent). */
export function restrictionFormValues(restrictions: RestrictionSettings): SettingsFormValues {
  const values: SettingsFormValues = { 'restrictions.shown': '1' };
  for (const code of restrictions.excludedTrackingTypes) values[`restrictions.type_${code}`] = 'on';
  for (const id of restrictions.excludedFolderIds) values[`restrictions.folder_${id}`] = 'on';
  if (restrictions.earnOnLawRestricted) values['restrictions.earnLaw'] = 'on';
  if (restrictions.earnOnOtherRestricted) values['restrictions.earnOther'] = 'on';
  return values;
}

/** Stored credentials with the newly typed ones laid over them; i-bonus keeps login and password together. */
export function mergeSecrets(stored: ProviderSecrets, patch: SecretsPatch): ProviderSecrets {
  const merged: ProviderSecrets = { ...stored };
  if (patch.smsGateway) {
    const { webhookUrl } = patch.smsGateway;
    if (webhookUrl) merged.smsGateway = { webhookUrl };
    else delete merged.smsGateway;
  }
  if (patch.general?.apiKey) merged.general = { apiKey: patch.general.apiKey };
  if (patch.ibonus) {
    const login = patch.ibonus.login ?? stored.ibonus?.login;
    const password = patch.ibonus.password ?? stored.ibonus?.password;
    if (login && password) merged.ibonus = { login, password };
  }
  return merged;
}
