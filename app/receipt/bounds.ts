/**
 * The largest numbers a receipt, a payment or a points balance may carry. A real shop never comes near
 * them; they exist so that every product computed from them stays an exact integer, far below
 * 2^53 ≈ 9.0e15 (`Number.MAX_SAFE_INTEGER`). The LoyaltyAPI edge refuses anything larger with a 400,
 * and a sale that would grow a balance past MAX_POINTS is refused with a 422.
 *
 * The products, with these bounds (and the rules' own: rates ≤ 1 000 000, percentages ≤ 100):
 * - quantityMilli × priceKopecks ≤ 1000 × MAX_RECEIPT_KOPECKS + 500 ≈ 1e13 (`lineAmountKopecks`, and
 *   target × 1000 in the discount split's price search);
 * - receipt total × 100 ≤ 1e12 (the percentage maths: most paid by points, a provider's percent);
 * - (price − discounted) × 10 000 ≤ 1e14 (a position's discount percent);
 * - points × 100 ≤ 1e14 (points → kopecks);
 * - kopecks × points rate can reach 1e16: `app/receipt/points.ts` computes it with BigInt, as the
 *   discount split does for discount × amount and the ledger's returns for points × returned;
 * - a balance: a sale that would take it past MAX_POINTS is refused (app/ledger/sale.ts); one sale
 *   earns at most MAX_RECEIPT_KOPECKS / 100 points plus a welcome bonus (≤ 1 000 000), and a return
 *   only gives back points once spent from the same balance.
 */

/** Units on one receipt line (МойСклад sends 3 decimals: up to 1e9 thousandths). */
export const MAX_QUANTITY = 1_000_000;
/** 100 000 000 ₽: one unit's price, and also a line's sum, a receipt's total, a cash or card payment. */
export const MAX_RECEIPT_ROUBLES = 100_000_000;
export const MAX_RECEIPT_KOPECKS = MAX_RECEIPT_ROUBLES * 100;
/** One trillion points: a balance, and the points one request may name. */
export const MAX_POINTS = 1_000_000_000_000;

/** A line's quantity × price is within MAX_RECEIPT_KOPECKS (checked on the product, which may be inexact only when far over). */
export function lineWithinBounds(quantityMilli: number, priceKopecks: number): boolean {
  return quantityMilli * priceKopecks <= MAX_RECEIPT_KOPECKS * 1000;
}
