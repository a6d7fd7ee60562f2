import type { BackendKind } from '../../db/schema/index.js';
import type { SettingsFormValues } from '../go-live/settings-input.js';
import { daysGenitive, daysText, plural, pointsText } from '../locale/plural.js';

/**
 * The settings form's foldable sections, in the order the page shows them: the chosen system's basics, then
 * the optional program features. Each id is also the section's element id on the page.
 */
export const SECTION_IDS = [
  'rules',
  'general',
  'ibonus',
  'provider-down',
  'customer-search',
  'expiry',
  'tiers',
  'birthdays',
  'catch-up',
  'restricted-goods',
] as const;
export type SectionId = (typeof SECTION_IDS)[number];

/** Folded or open, and the line the fold shows: the section's current values in a few words. */
export interface SectionView {
  open: boolean;
  summary: string;
}

/** Sections that belong to some systems only; the rest apply to every system. */
const SYSTEMS: Partial<Record<SectionId, readonly BackendKind[]>> = {
  rules: ['ledger'],
  expiry: ['ledger'],
  tiers: ['ledger'],
  birthdays: ['ledger'],
  'catch-up': ['ledger'],
  general: ['general'],
  ibonus: ['ibonus'],
  'provider-down': ['general', 'ibonus'],
};

const EXPIRY_FIELDS = new Set([
  'ledger.pointsLifetimeDays',
  'ledger.welcomeLifetimeDays',
  'ledger.expiryReminderDays',
  'ledger.expiryReminderTemplate',
]);

/** The section a form field (a problem's `field`) sits in; the system choice and the switch warning sit in none. */
export function sectionOfField(field: string): SectionId | undefined {
  if (EXPIRY_FIELDS.has(field)) return 'expiry';
  if (field.startsWith('ledger.birthday')) return 'birthdays';
  if (field === 'ledger.catchUpOfflineSales') return 'catch-up';
  if (field === 'programId' || field.startsWith('ledger.')) return 'rules';
  if (field.startsWith('tiers.')) return 'tiers';
  if (field.startsWith('general.') || field.startsWith('storePoints.')) return 'general';
  if (field.startsWith('ibonus.')) return 'ibonus';
  if (field.startsWith('restrictions.')) return 'restricted-goods';
  if (field === 'whenProviderDown') return 'provider-down';
  if (field === 'externalSearch') return 'customer-search';
  return undefined;
}

/**
 * Which sections are folded. A section is folded once the settings were saved for a system it belongs to;
 * until then the owner has something to decide there, so it is open. A section with a problem is always
 * open (the error summary links into it), and so is one an action just filled (`open`).
 */
export function settingsSections(input: {
  values: SettingsFormValues;
  problemFields: Iterable<string>;
  /** The stored system, when the settings have been saved at least once. */
  savedFor: BackendKind | undefined;
  open?: readonly SectionId[];
}): Record<SectionId, SectionView> {
  const atFault = new Set([...input.problemFields].map(sectionOfField));
  const saved = (id: SectionId) =>
    input.savedFor !== undefined && (SYSTEMS[id] ?? [input.savedFor]).includes(input.savedFor);
  const summaries = summariesOf(input.values);
  const view = {} as Record<SectionId, SectionView>;
  for (const id of SECTION_IDS) {
    view[id] = {
      open: !saved(id) || atFault.has(id) || Boolean(input.open?.includes(id)),
      summary: summaries[id],
    };
  }
  return view;
}

function summariesOf(values: SettingsFormValues): Record<SectionId, string> {
  const text = (name: string) => (values[name] ?? '').trim();
  const count = (name: string) => {
    const n = Number(text(name));
    return Number.isInteger(n) ? n : 0;
  };
  const on = (name: string) => values[name] === 'on';
  const countOf = (prefix: string) => Object.keys(values).filter((k) => k.startsWith(prefix) && on(k)).length;
  return {
    rules: rulesSummary(values, on('ledger.active')),
    general: text('general.baseUrl')
      ? [text('general.baseUrl'), text('general.defaultPoint') && `точка по умолчанию ${text('general.defaultPoint')}`]
          .filter(Boolean)
          .join(', ')
      : 'не подключено',
    ibonus: [text('ibonus.baseUrl'), text('ibonus.login') && `логин ${text('ibonus.login')}`]
      .filter(Boolean)
      .join(', '),
    'provider-down': values.whenProviderDown === 'no-discount' ? 'продавать без бонусов' : 'сообщить кассиру',
    'customer-search': values.externalSearch === 'true' ? 'в системе лояльности' : 'в МоёмСкладе',
    expiry:
      (count('ledger.pointsLifetimeDays') > 0
        ? `через ${daysText(count('ledger.pointsLifetimeDays'))}`
        : 'баллы не сгорают') +
      (count('ledger.expiryReminderDays') > 0
        ? `, напоминание за ${daysText(count('ledger.expiryReminderDays'))}`
        : ''),
    tiers: on('tiers.enabled') ? tiersSummary(values, count('tiers.windowDays')) : 'выключены',
    birthdays: on('ledger.birthdayEnabled')
      ? [
          birthdayGift(count('ledger.birthdayPoints'), count('ledger.birthdayMinMemberDays')),
          count('ledger.birthdayEarnMultiplier') > 1 && `баллы за покупки ×${count('ledger.birthdayEarnMultiplier')}`,
        ]
          .filter(Boolean)
          .join(', ')
      : 'выключены',
    'catch-up': on('ledger.catchUpOfflineSales') ? 'начислять баллы' : 'не начислять, только отмечать в журнале',
    'restricted-goods': restrictedSummary(countOf('restrictions.type_'), countOf('restrictions.folder_')),
  };
}

function rulesSummary(values: SettingsFormValues, active: boolean): string {
  const earn = values['ledger.earnRateRoublesToPoint']?.trim();
  const spend = Number(values['ledger.spendRatePointsToRouble']);
  const max = values['ledger.maxPaidRatePercents']?.trim();
  const parts = [
    active ? '' : 'выключена',
    earn ? `1 балл за каждые ${earn} ₽` : '',
    Number.isInteger(spend) && spend > 0 ? `${pointsText(spend)} = 1 ₽ скидки` : '',
    max ? `баллами до ${max} % чека` : '',
  ];
  return parts.filter(Boolean).join(', ');
}

/** «подарок 500 баллов тем, кто в программе от 30 дней»: the wait only matters when there is a gift. */
function birthdayGift(points: number, waitDays: number): string {
  if (points <= 0) return 'без подарка';
  return `подарок ${pointsText(points)}${waitDays > 0 ? ` тем, кто в программе от ${daysGenitive(waitDays)}` : ''}`;
}

function tiersSummary(values: SettingsFormValues, windowDays: number): string {
  const names = [1, 2, 3, 4, 5].map((i) => (values[`tiers.name${i}`] ?? '').trim()).filter(Boolean);
  const levels = `${names.length} ${plural(names.length, ['уровень', 'уровня', 'уровней'])}`;
  return `${levels}${names.length > 0 ? ` (${names.join(', ')})` : ''}, покупки за ${daysText(windowDays)}`;
}

function restrictedSummary(types: number, folders: number): string {
  const extra = [
    types > 0 && `${types} ${plural(types, ['вид маркировки', 'вида маркировки', 'видов маркировки'])}`,
    folders > 0 && `${folders} ${plural(folders, ['группа товаров', 'группы товаров', 'групп товаров'])}`,
  ].filter(Boolean);
  const base = 'табак, никотин и товары с запретом скидки';
  return extra.length > 0 ? `${base}, а также ${extra.join(' и ')}` : base;
}
