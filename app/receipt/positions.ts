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
