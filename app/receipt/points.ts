/**
 * Spending points on a receipt, for any points program: the built-in ledger and i-bonus.me alike.
 */

/** The part of a program's rules that decides how many points a receipt may spend. */
export interface SpendRules {
  active: boolean;
  /** Points per 1 rouble of discount (4 → 4 points = 1 ₽). */
  spendRatePointsToRouble: number;
  /** At most this % of the receipt may be paid with points. */
  maxPaidRatePercents: number;
}

/**
 * Points ↔ kopecks at `spendRatePointsToRouble`: kopecks = points × 100 / rate. Only whole kopecks
 * exist, so points are spent in steps of rate / gcd(100, rate) (rate 3 → 3 points = 1 ₽; rate 4 → 1
 * point = 25 kop.), which keeps every conversion exact.
 */
export function spendStepPoints(rules: SpendRules): number {
  return rules.spendRatePointsToRouble / gcd(100, rules.spendRatePointsToRouble);
}

export function kopecksForPoints(points: number, rules: SpendRules): number {
  return mulDivFloor(points, 100, rules.spendRatePointsToRouble);
}

/** Most points the rules let this receipt spend (maxPaidRatePercents of the total), in whole steps. */
export function maxPointsForReceipt(totalKopecks: number, rules: SpendRules): number {
  if (!rules.active) return 0;
  const maxKopecks = mulDivFloor(totalKopecks, rules.maxPaidRatePercents, 100);
  return alignDown(mulDivFloor(maxKopecks, rules.spendRatePointsToRouble, 100), rules);
}

/** min(wanted, spendable, rule maximum), rounded down to a whole step. */
export function pointsToSpend(
  wanted: number | undefined,
  spendable: number,
  totalKopecks: number,
  rules: SpendRules,
): number {
  const max = Math.min(spendable, maxPointsForReceipt(totalKopecks, rules));
  const chosen = wanted === undefined ? max : Math.min(Math.max(0, Math.floor(wanted)), max);
  return alignDown(chosen, rules);
}

function alignDown(points: number, rules: SpendRules): number {
  const step = spendStepPoints(rules);
  return Math.floor(points / step) * step;
}

/**
 * ⌊a × b / c⌋ exactly. With the receipt bounds (app/receipt/bounds.ts) a × b stays far below 2^53,
 * except kopecks × a high points rate (1e10 × 1e6): that one is done in BigInt.
 */
function mulDivFloor(a: number, b: number, c: number): number {
  const product = a * b;
  const integers = Number.isInteger(a) && Number.isInteger(b) && Number.isInteger(c);
  if (Number.isSafeInteger(product) || !integers) return Math.floor(product / c);
  return Number((BigInt(a) * BigInt(b)) / BigInt(c));
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
