import { groupDigits, plural } from '../../app/locale/plural.js';
import { formatRoubles, kopecksFromRoubles, quantityMilliFrom } from '../../app/receipt/money.js';
import { lineAmountKopecks } from '../../app/receipt/positions.js';
import type { Json } from './till-documents.js';

/**
 * What МойСклад's till shows the cashier from a LoyaltyAPI answer: the receipt's lines with their
 * discounts, the totals, the points and the text to print, all as text ready for the page.
 */
export interface ReceiptLine {
  name: string;
  /** `2 × 95,50 ₽` */
  quantityPrice: string;
  /** `9,55 ₽ (5 %)`, absent without a discount. */
  discount?: string;
  sum: string;
}

export interface ReceiptPoints {
  spent: string;
  earned: string;
  /** The sum the spent points paid, when they paid any. */
  paidByPoints?: string;
  balanceBefore?: string;
  balanceAfter?: string;
}

export interface ReceiptView {
  lines: ReceiptLine[];
  totalBefore: string;
  discount?: string;
  /** «К оплате» on a sale, «К возврату» on a return. */
  totalLabel: string;
  total: string;
  points?: ReceiptPoints;
  /** `receiptExtraInfo`: printed on the receipt as it is, line breaks included. */
  text?: string;
  /** The system asks for the customer's code before points are spent (`needVerification`). */
  needsCode: boolean;
}

/** `1 балл`, `1 600 баллов`, `40,55 балла`: the points a loyalty system answered, fractions included (i-bonus). */
export function pointsCount(points: number): string {
  const abs = Math.abs(points);
  const digits = Number.isInteger(abs) ? groupDigits(abs) : String(abs).replace('.', ',');
  return `${points < 0 ? '−' : ''}${digits} ${plural(points, ['балл', 'балла', 'баллов'])}`;
}

/** A recalc's, a sale's or a return's positions (and the recalc's bonusProgram), as the till lays them out. */
export function receiptView(
  positions: Json[],
  { bonusProgram, needVerification = false, totalLabel = 'К оплате' }: ReceiptOptions = {},
): ReceiptView {
  let before = 0;
  let paid = 0;
  const lines = positions.map((position): ReceiptLine => {
    const quantityMilli = quantityMilliFrom(Number(position.quantity));
    const price = kopecksFromRoubles(Number(position.price));
    const full = lineAmountKopecks(quantityMilli, price);
    const sum = lineAmountKopecks(
      quantityMilli,
      kopecksFromRoubles(Number(position.discountedPrice ?? position.price)),
    );
    before += full;
    paid += sum;
    const percent = Number(position.discountPercent ?? 0);
    return {
      // LoyaltyAPI sends no product names; the sandbox's till adds its own, which the app echoes.
      name: String(position.name ?? position.assortment?.meta?.id ?? 'Товар'),
      quantityPrice: `${decimal(quantityMilli / 1000)} × ${formatRoubles(price)}`,
      ...(full > sum ? { discount: `${formatRoubles(full - sum)} (${decimal(percent)} %)` } : {}),
      sum: formatRoubles(sum),
    };
  });
  return {
    lines,
    totalBefore: formatRoubles(before),
    ...(before > paid ? { discount: formatRoubles(before - paid) } : {}),
    totalLabel,
    total: formatRoubles(paid),
    ...(bonusProgram ? { points: pointsOf(bonusProgram) } : {}),
    ...(bonusProgram?.receiptExtraInfo ? { text: String(bonusProgram.receiptExtraInfo) } : {}),
    needsCode: needVerification,
  };
}

interface ReceiptOptions {
  bonusProgram?: Json;
  needVerification?: boolean;
  totalLabel?: string;
}

function pointsOf(bonus: Json): ReceiptPoints {
  const paidByPoints = kopecksFromRoubles(Number(bonus.paidByBonusPoints ?? 0));
  const known = (value: unknown) => typeof value === 'number';
  return {
    spent: pointsCount(Number(bonus.bonusValueToSpend ?? 0)),
    earned: pointsCount(Number(bonus.bonusValueToEarn ?? 0)),
    ...(paidByPoints > 0 ? { paidByPoints: formatRoubles(paidByPoints) } : {}),
    ...(known(bonus.agentBonusBalance) ? { balanceBefore: pointsCount(bonus.agentBonusBalance) } : {}),
    ...(known(bonus.agentBonusBalanceAfter) ? { balanceAfter: pointsCount(bonus.agentBonusBalanceAfter) } : {}),
  };
}

/** A customer row of `GET /counterparty`, as the till lists it for the cashier to pick. */
export interface FoundCustomer {
  name: string;
  details: string;
}

export function foundCustomers(response: unknown): FoundCustomer[] {
  const rows = ((response as { rows?: Json[] } | undefined)?.rows ?? []) as Json[];
  return rows.map((row) => ({
    name: String(row.name ?? 'Без имени'),
    details: [row.phone, row.discountCardNumber && `карта ${row.discountCardNumber}`, row.email]
      .filter(Boolean)
      .join(', '),
  }));
}

/** `Найден 1 покупатель`, `Найдено 3 покупателя`. */
export function foundTitle(count: number): string {
  return `${plural(count, ['Найден', 'Найдено', 'Найдено'])} ${count} ${plural(count, ['покупатель', 'покупателя', 'покупателей'])}`;
}

/**
 * What the till shows the cashier when the app refuses: the answer's `error_message` is written for
 * them (the spec's error body); an answer without one still gets a sentence that says what to do.
 */
export function cashierMessage(status: number, response: unknown): string {
  const first = (response as { errors?: Json[] } | undefined)?.errors?.[0];
  const message = first?.error_message ?? first?.error;
  if (typeof message === 'string' && message.trim()) return message;
  if (status === 401 || status === 403)
    return 'Бонусы недоступны: попросите владельца магазина проверить приложение в МоёмСкладе.';
  if (status >= 500) return 'Приложение не смогло ответить: попробуйте ещё раз чуть позже.';
  return `Приложение отказало без пояснения (код ${status}): покажите журнал панели поддержки разработчику.`;
}

/** `2`, `1,5`: a quantity or percent as Russian receipts write it. */
function decimal(value: number): string {
  return String(value).replace('.', ',');
}
