/**
 * Splits a points discount over receipt positions for LoyaltyAPI `POST /retaildemand/recalc`.
 *
 * МойСклад takes one discounted price *per unit* per position and computes a line sum as
 * round(quantity × price), so a kopeck-exact discount sometimes needs a position to be cut into
 * several lines with prices one kopeck apart. All money is integer kopecks, all quantities are
 * integer thousandths ("milli"), so the arithmetic here is exact.
 *
 * How a position is cut, when one price cannot reach its target sum exactly:
 * - whole units (q = n units): r units at d+1 and n−r units at d, where d = ⌊target / n⌋;
 * - fraction below one unit (0.537 kg): never cut — each step of one kopeck in price moves the
 *   sum by less than a kopeck, so some price always hits the target;
 * - more than one unit with a fraction (2.537 kg): the fractional tail (0.537) becomes its own
 *   line, which can absorb any sum from 0 to its full price; the whole part (2 units) takes one
 *   price if it fits, otherwise the whole-units cut above (three lines at most).
 * Every target between 0 and the line's full sum is reachable this way, so no remainder ever has
 * to move to another position; the result is still checked before it is returned. A position whose
 * share is zero keeps its full price and 0 %.
 */

import { lineAmountKopecks } from './positions.js';
import type { DiscountedPosition, ReceiptPosition } from './positions.js';

export interface SplittablePosition<Serial = unknown> {
  /** Quantity × 1000, an integer (МойСклад quantities have 3 decimals). */
  quantityMilli: number;
  /** Full price of one unit in kopecks. */
  priceKopecks: number;
  /** Serial numbers, one per unit; opaque to this module. */
  sn?: readonly Serial[];
}

type SerialOf<P> = P extends { sn?: readonly (infer S)[] } ? S : never;

/** One receipt line after the discount: the input's own fields plus the discounted price. */
export type DiscountedLine<P extends SplittablePosition> = Omit<
  P,
  'quantityMilli' | 'sn' | 'sourceIndex' | 'discountedPriceKopecks' | 'discountPercent'
> & {
  /** Index of the input position this line came from; a cut position yields several lines. */
  sourceIndex: number;
  quantityMilli: number;
  priceKopecks: number;
  /** Price of one unit after the discount, 0 ≤ discounted ≤ price. */
  discountedPriceKopecks: number;
  /** (price − discounted) / price × 100, 2 decimals; 0 for a free position. */
  discountPercent: number;
  /** Present only when the input position had serials: exactly this line's share of them. */
  sn?: SerialOf<P>[];
};

/** A piece of one position: how many thousandths at which per-unit price. */
interface LinePart {
  quantityMilli: number;
  discountedPriceKopecks: number;
}

/**
 * Discounts the receipt by exactly `discountKopecks`, in proportion to line sums.
 * Throws RangeError for inputs outside the contract (non-integers, negatives, discount > total):
 * callers validate requests first, so reaching that is a bug, not a user mistake.
 */
export function splitDiscount<P extends SplittablePosition>(
  positions: readonly P[],
  discountKopecks: number,
): DiscountedLine<P>[] {
  positions.forEach(assertValidPosition);
  const amounts = positions.map((p) => lineAmountKopecks(p.quantityMilli, p.priceKopecks));
  const total = amounts.reduce((sum, a) => sum + a, 0);
  if (!Number.isSafeInteger(discountKopecks) || discountKopecks < 0 || discountKopecks > total) {
    throw new RangeError(`discountKopecks must be an integer in 0..${total}, got ${discountKopecks}`);
  }

  const shares = largestRemainderShares(amounts, discountKopecks);
  const lines = positions.flatMap((position, index) => {
    const target = (amounts[index] ?? 0) - (shares[index] ?? 0);
    const parts = partsReaching(position.quantityMilli, position.priceKopecks, target);
    return toLines(position, index, parts);
  });

  const given = total - lines.reduce((s, l) => s + lineAmountKopecks(l.quantityMilli, l.discountedPriceKopecks), 0);
  if (given !== discountKopecks) {
    throw new Error(`discount split is off: gave ${given} instead of ${discountKopecks} kopecks`);
  }
  return lines;
}

function assertValidPosition(position: SplittablePosition, index: number): void {
  const { quantityMilli, priceKopecks } = position;
  const valid =
    Number.isSafeInteger(quantityMilli) &&
    Number.isSafeInteger(priceKopecks) &&
    quantityMilli >= 0 &&
    priceKopecks >= 0 &&
    Number.isSafeInteger(quantityMilli * priceKopecks + 500);
  if (!valid) {
    throw new RangeError(`position ${index}: quantityMilli and priceKopecks must be non-negative integers`);
  }
}

/**
 * Shares of `discount` proportional to `amounts`, summing to it exactly: everyone gets the floor
 * of their exact share, and the kopecks left go to the largest remainders (earlier lines win ties).
 * BigInt because discount × amount easily exceeds 2^53 on a big receipt.
 */
function largestRemainderShares(amounts: readonly number[], discount: number): number[] {
  const total = BigInt(amounts.reduce((sum, a) => sum + a, 0));
  if (total === 0n) return amounts.map(() => 0);
  const exact = amounts.map((amount) => BigInt(discount) * BigInt(amount));
  const shares = exact.map((e) => Number(e / total));
  let left = discount - shares.reduce((sum, s) => sum + s, 0);
  const byRemainder = exact
    .map((e, index) => ({ index, remainder: e % total }))
    .sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  for (const { index } of byRemainder) {
    if (left === 0) break;
    shares[index] = (shares[index] ?? 0) + 1;
    left -= 1;
  }
  return shares;
}

/** Cuts one position into at most three parts whose line sums add up to `target` exactly. */
function partsReaching(quantityMilli: number, price: number, target: number): LinePart[] {
  // No share, no change: on weighed goods another price often reaches the same sum (0.009 × 2.73
  // and 0.009 × 2.22 both make 0.02 ₽), and МойСклад would record a discount nobody got.
  if (target === lineAmountKopecks(quantityMilli, price)) return [{ quantityMilli, discountedPriceKopecks: price }];
  const single = priceReaching(quantityMilli, target, price);
  if (single !== null) return [{ quantityMilli, discountedPriceKopecks: single }];

  const units = Math.floor(quantityMilli / 1000);
  const fractionMilli = quantityMilli % 1000;
  if (fractionMilli === 0) return wholeUnitParts(units, target);

  // More than one unit plus a fraction: the fraction line absorbs what the whole units cannot.
  const fractionMax = lineAmountKopecks(fractionMilli, price);
  const ideal = (target * 1000) / quantityMilli;
  const uniformLow = Math.max(0, Math.ceil((target - fractionMax) / units));
  const uniformHigh = Math.min(price, Math.floor(target / units));
  if (uniformLow <= uniformHigh) {
    const wholePrice = clamp(Math.round(ideal), uniformLow, uniformHigh);
    return [
      { quantityMilli: units * 1000, discountedPriceKopecks: wholePrice },
      fractionPart(fractionMilli, target - units * wholePrice, price),
    ];
  }
  const fractionTarget = clamp(
    Math.round((target * fractionMilli) / quantityMilli),
    Math.max(0, target - units * price),
    Math.min(fractionMax, target),
  );
  return [...wholeUnitParts(units, target - fractionTarget), fractionPart(fractionMilli, fractionTarget, price)];
}

/** n whole units reach any sum 0..n×price: r of them one kopeck dearer than the rest. */
function wholeUnitParts(units: number, target: number): LinePart[] {
  const base = Math.floor(target / units);
  const dearer = target - base * units;
  const parts: LinePart[] = [];
  if (dearer > 0) parts.push({ quantityMilli: dearer * 1000, discountedPriceKopecks: base + 1 });
  if (units > dearer) parts.push({ quantityMilli: (units - dearer) * 1000, discountedPriceKopecks: base });
  return parts;
}

function fractionPart(fractionMilli: number, target: number, price: number): LinePart {
  const fractionPrice = priceReaching(fractionMilli, target, price);
  // Below one unit, a kopeck of price moves the sum by less than a kopeck, so this cannot miss.
  if (fractionPrice === null) throw new Error(`no price for ${fractionMilli} milli to reach ${target}`);
  return { quantityMilli: fractionMilli, discountedPriceKopecks: fractionPrice };
}

/**
 * A per-unit price in 0..maxPrice whose line sum is exactly `target`, or null.
 * Of all such prices, the one closest to target ÷ quantity (the "true" unit price).
 */
function priceReaching(quantityMilli: number, target: number, maxPrice: number): number | null {
  if (quantityMilli === 0) return target === 0 ? maxPrice : null;
  // lineAmount(q, d) = t  ⇔  1000t − 500 ≤ q·d ≤ 1000t + 499
  const low = Math.max(0, Math.ceil((target * 1000 - 500) / quantityMilli));
  const high = Math.min(maxPrice, Math.floor((target * 1000 + 499) / quantityMilli));
  if (low > high) return null;
  return clamp(Math.round((target * 1000) / quantityMilli), low, high);
}

function toLines<P extends SplittablePosition>(
  position: P,
  sourceIndex: number,
  parts: LinePart[],
): DiscountedLine<P>[] {
  const { sn, ...rest } = position;
  let serialsTaken = 0;
  return parts.map((part, partIndex) => {
    const line = {
      ...rest,
      sourceIndex,
      quantityMilli: part.quantityMilli,
      priceKopecks: position.priceKopecks,
      discountedPriceKopecks: part.discountedPriceKopecks,
      discountPercent: discountPercent(position.priceKopecks, part.discountedPriceKopecks),
    } as DiscountedLine<P>;
    if (sn !== undefined) {
      // One serial per whole unit, in order; the last line takes whatever is left.
      const isLast = partIndex === parts.length - 1;
      const count = isLast ? sn.length - serialsTaken : Math.floor(part.quantityMilli / 1000);
      line.sn = sn.slice(serialsTaken, serialsTaken + count) as SerialOf<P>[];
      serialsTaken += count;
    }
    return line;
  });
}

function discountPercent(price: number, discounted: number): number {
  if (price === 0) return 0;
  return Math.round(((price - discounted) * 10_000) / price) / 100;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/** The receipt's positions with `discountKopecks` spread over them exactly (positions split where needed). */
export function discountedPositions(positions: ReceiptPosition[], discountKopecks: number): DiscountedPosition[] {
  return splitDiscount(positions, discountKopecks).map(({ sourceIndex: _sourceIndex, ...line }) => line);
}
