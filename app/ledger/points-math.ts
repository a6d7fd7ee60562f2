import type { LedgerRules } from './rules.js';

const DAY_MS = 86_400_000;

/**
 * Points ↔ kopecks at `spendRatePointsToRouble`: kopecks = points × 100 / rate. Only whole kopecks
 * exist, so points are spent in steps of rate / gcd(100, rate) (rate 3 → 3 points = 1 ₽; rate 4 → 1
 * point = 25 kop.), which keeps every conversion exact.
 */
export function spendStepPoints(rules: LedgerRules): number {
  return rules.spendRatePointsToRouble / gcd(100, rules.spendRatePointsToRouble);
}

export function kopecksForPoints(points: number, rules: LedgerRules): number {
  return Math.floor((points * 100) / rules.spendRatePointsToRouble);
}

/** Most points the rules let this receipt spend (maxPaidRatePercents of the total), in whole steps. */
export function maxPointsForReceipt(totalKopecks: number, rules: LedgerRules): number {
  if (!rules.active) return 0;
  const maxKopecks = Math.floor((totalKopecks * rules.maxPaidRatePercents) / 100);
  return alignDown(Math.floor((maxKopecks * rules.spendRatePointsToRouble) / 100), rules);
}

/** min(wanted, spendable, rule maximum), rounded down to a whole step. */
export function pointsToSpend(
  wanted: number | undefined,
  spendable: number,
  totalKopecks: number,
  rules: LedgerRules,
): number {
  const max = Math.min(spendable, maxPointsForReceipt(totalKopecks, rules));
  const chosen = wanted === undefined ? max : Math.min(Math.max(0, Math.floor(wanted)), max);
  return alignDown(chosen, rules);
}

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

function alignDown(points: number, rules: LedgerRules): number {
  const step = spendStepPoints(rules);
  return Math.floor(points / step) * step;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
