/**
 * A till receipt as every loyalty system sees it: integer kopecks and thousandths, with
 * МойСклад's own fields carried along untouched so they can be echoed back.
 */

export interface ReceiptPosition {
  /** Quantity × 1000, an integer (МойСклад quantities have 3 decimals). */
  quantityMilli: number;
  /** Full price of one unit in kopecks. */
  priceKopecks: number;
  /** Serial numbers, echoed (and split with the position when needed). */
  sn?: unknown[];
  /** Everything else МойСклад sent for the position (assortment, pack, ...), echoed back. */
  echo: Record<string, unknown>;
  /** What the restricted-goods rules allow on this line (app/receipt/restrictions.ts); absent: everything. */
  rule?: LineRule;
}

/** Why a line gets no discount: the law, the product card, the owner's settings, or nobody could tell. */
export type RestrictionReason = 'law' | 'prohibited' | 'owner' | 'unknown';

/**
 * What the restricted-goods rules allow on one line (app/receipt/restrictions.ts). A position without
 * one is allowed: a tenant with no МойСклад behind it has no flags to read.
 */
export interface LineRule {
  /** Spent points may become a discount on this line. */
  discount: boolean;
  /** The line's paid amount earns points. */
  earn: boolean;
  reason?: RestrictionReason;
}

export interface DiscountedPosition extends ReceiptPosition {
  discountedPriceKopecks: number;
  /** 0..100 with two decimals. */
  discountPercent: number;
}

/** round(quantity × price), half up — how a per-unit price becomes a line sum. */
export function lineAmountKopecks(quantityMilli: number, priceKopecks: number): number {
  return Math.floor((quantityMilli * priceKopecks + 500) / 1000);
}

export function receiptTotalKopecks(
  positions: readonly Pick<ReceiptPosition, 'quantityMilli' | 'priceKopecks'>[],
): number {
  return positions.reduce((sum, p) => sum + lineAmountKopecks(p.quantityMilli, p.priceKopecks), 0);
}

/** What the customer paid for these lines: the same sum over the discounted prices. */
export function paidTotalKopecks(
  positions: readonly { quantityMilli: number; discountedPriceKopecks: number }[],
): number {
  return positions.reduce((sum, p) => sum + lineAmountKopecks(p.quantityMilli, p.discountedPriceKopecks), 0);
}
