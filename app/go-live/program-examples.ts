import { DAY_MS, moscowDayMonth } from '../locale/moscow-day.js';
import { countText, daysGenitive, daysText, POINT_FORMS } from '../locale/plural.js';
import { lotExpiresAt } from '../ledger/point-lots.js';
import { DEFAULT_LEDGER_RULES } from '../ledger/rules.js';

/**
 * The settings sections' one-line examples, computed from what the form holds now (the owner's
 * stored values, or what they just typed), so the owner sees in roubles and dates what a rule does.
 */

const points = (n: number) => countText(n, POINT_FORMS);

/** A whole number the form holds, or the fallback when the field is blank or not a number. */
function whole(values: Record<string, string>, name: string, fallback: number): number {
  const raw = values[name]?.trim();
  const value = raw ? Number(raw) : Number.NaN;
  return Number.isSafeInteger(value) && value >= 0 ? value : fallback;
}

/** «Покупка на 1 000 ₽ → 100 баллов» at the program's earn rate. */
function earnedFor1000(values: Record<string, string>): number {
  return Math.floor(1000 / Math.max(1, whole(values, 'ledger.earnRateRoublesToPoint', 10)));
}

/**
 * «Покупка на 1 000 ₽ 1 марта → 100 баллов, их можно потратить до 27.08 включительно.» The last day is
 * computed as the ledger computes it (lotExpiresAt), from today.
 */
export function expiryExample(values: Record<string, string>, now: number): string {
  const days = whole(values, 'ledger.pointsLifetimeDays', 0);
  const earned = earnedFor1000(values);
  if (days === 0) return `Покупка на 1 000 ₽ → ${points(earned)}, они не сгорают.`;
  const delay = whole(values, 'ledger.postponedBonusesDelayDays', 0);
  const expiresAt = lotExpiresAt(
    { pointsLifetimeDays: days, welcomeLifetimeDays: 0 },
    'earned',
    now + Math.min(delay, 365) * DAY_MS,
  )!;
  return `Покупка на 1 000 ₽ сегодня → ${points(earned)}, их можно потратить до ${moscowDayMonth(expiresAt - 1)} включительно.`;
}

/**
 * «Покупка на 1 000 ₽ в день рождения, за 3 дня до него или 7 дней после → 200 баллов (×2). В подарок —
 * 500 баллов раз в год тем, кто в программе не меньше 30 дней до дня рождения.»
 */
export function birthdayExample(values: Record<string, string>): string {
  const gift = whole(values, 'ledger.birthdayPoints', 0);
  const multiplier = Math.max(1, whole(values, 'ledger.birthdayEarnMultiplier', 1));
  const before = whole(values, 'ledger.birthdayDaysBefore', DEFAULT_LEDGER_RULES.birthdayDaysBefore);
  const after = whole(values, 'ledger.birthdayDaysAfter', DEFAULT_LEDGER_RULES.birthdayDaysAfter);
  const earned = earnedFor1000(values) * multiplier;
  const purchase = `Покупка на 1 000 ₽ в день рождения, за ${daysText(before)} до него или ${daysText(after)} после → ${points(earned)}${multiplier > 1 ? ` (×${multiplier})` : ''}.`;
  const wait = whole(values, 'ledger.birthdayMinMemberDays', 0);
  const who = wait > 0 ? ` тем, кто в программе не меньше ${daysGenitive(wait)} до дня рождения` : '';
  return gift > 0 ? `${purchase} В подарок — ${points(gift)} раз в год${who}.` : purchase;
}
