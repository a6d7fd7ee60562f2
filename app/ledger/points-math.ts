import { moscowDayMonth } from '../locale/moscow-day.js';
import { pointsText } from '../locale/plural.js';
import type { LedgerRules } from './rules.js';

const DAY_MS = 86_400_000;

/** floor(paid roubles / earnRate); nothing when the program is off or the receipt spends and may not earn. */
export function pointsToEarn(paidKopecks: number, spentPoints: number, rules: LedgerRules): number {
  if (!rules.active) return 0;
  if (spentPoints > 0 && !rules.earnWhileRedeeming) return 0;
  return Math.floor(Math.max(0, paidKopecks) / (rules.earnRateRoublesToPoint * 100));
}

/** When points earned now become spendable (epoch ms). */
export function earnAvailableAt(now: Date, rules: LedgerRules): number {
  return now.getTime() + rules.postponedBonusesDelayDays * DAY_MS;
}

export function receiptText(
  template: string,
  values: { balance: number; earned: number; spent: number; balanceAfter: number },
): string | undefined {
  if (template === '') return undefined;
  return template.replace(/\{(balance|earned|spent|balanceAfter)\}/g, (_m, key: keyof typeof values) =>
    String(values[key]),
  );
}

/** «Сгорит 120 баллов 01.03»: the last day the points can be spent (they expire at the midnight after it). */
export function expiryNote(points: number, expiresAt: number): string {
  return `Сгорит ${pointsText(points)} ${moscowDayMonth(expiresAt - 1)}`;
}
