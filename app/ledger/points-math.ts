import { moscowDayMonth } from '../locale/moscow-day.js';
import { pointsText } from '../locale/plural.js';
import type { LedgerRules } from './rules.js';
import type { DiscountedPosition, ReceiptPosition } from '../receipt/positions.js';
import { kopecksForPoints, pointsToSpend } from '../receipt/points.js';
import { allowedTotalKopecks, discountAllowedLines, earningPaidKopecks } from '../receipt/restrictions.js';

const DAY_MS = 86_400_000;

/** floor(paid roubles / earnRate); nothing when the program is off or the receipt spends and may not earn. */
export function pointsToEarn(paidKopecks: number, spentPoints: number, rules: LedgerRules): number {
  if (!rules.active) return 0;
  if (spentPoints > 0 && !rules.earnWhileRedeeming) return 0;
  return Math.floor(Math.max(0, paidKopecks) / (rules.earnRateRoublesToPoint * 100));
}

/**
 * Spendable points: the balance less pending points and points past their expiry not yet written off,
 * never negative (a return may have taken back points already spent out of pending ones).
 */
export function spendableOf(balance: number, pending: number, due: number): number {
  return Math.max(0, balance - pending - due);
}

/** One receipt priced under a customer's rules: what it spends, the discount it gets, what it earns. */
export interface ReceiptQuote {
  spent: number;
  discountKopecks: number;
  positions: DiscountedPosition[];
  earned: number;
}

/**
 * Points to spend over the lines points may discount (at most `wanted`, undefined: as many as allowed),
 * the exact split of their discount over those lines, and the points the lines that earn bring (times
 * the birthday multiplier, if any). The
 * till's recalc and the what-if replay (replay.ts) price a receipt with this one function.
 */
export function quoteReceipt(
  positions: ReceiptPosition[],
  rules: LedgerRules,
  customer: { spendable: number; spending: boolean; active: boolean; wanted?: number; earnMultiplier?: number },
): ReceiptQuote {
  const allowed = allowedTotalKopecks(positions);
  const spent = customer.spending ? pointsToSpend(customer.wanted, customer.spendable, allowed, rules) : 0;
  const discountKopecks = kopecksForPoints(spent, rules);
  const discounted = discountAllowedLines(positions, discountKopecks);
  const earned = customer.active
    ? pointsToEarn(earningPaidKopecks(discounted), spent, rules) * (customer.earnMultiplier ?? 1)
    : 0;
  return { spent, discountKopecks, positions: discounted, earned };
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
