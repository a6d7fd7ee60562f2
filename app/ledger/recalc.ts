import type { DiscountedPosition, ReceiptPosition, RecalcRequest, RecalcResult } from '../loyalty/backend.js';
import type { DbOrTx } from '../storage/database.js';
import { customerRepository } from './customer-repository.js';
import { receiptTotalKopecks, splitDiscount } from './discount-split.js';
import { spendablePoints } from './ledger-entries.js';
import { kopecksForPoints, pointsToEarn, pointsToSpend, receiptText } from './points-math.js';
import type { LedgerRules } from './rules.js';

export const CUSTOMER_NOT_FOUND = 'Покупатель не найден в программе лояльности. Зарегистрируйте его или проверьте телефон/карту.';

/** Whether the till named a customer at all: no id, phone or card means an anonymous receipt. */
export function isAnonymous(agent: RecalcRequest['agent'] | undefined): boolean {
  return !agent || (!agent.id && !agent.phone && !agent.discountCardNumber);
}

/** Find customer → compute spendable → choose points → split the discount → compute earning. */
export function recalcReceipt(
  tx: DbOrTx,
  tenantId: string,
  rules: LedgerRules,
  request: RecalcRequest,
  now: Date,
): RecalcResult {
  if (isAnonymous(request.agent)) return noDiscount(request);
  const customer = customerRepository.resolve(tx, tenantId, request.agent);
  // A customer МойСклад knows but we do not yet has no points; the sale will register them.
  const spendable = customer ? spendablePoints(tx, customer, now) : 0;
  const total = receiptTotalKopecks(request.positions);
  const spending = request.transactionType === 'SPENDING' && rules.active;
  const spent = spending ? pointsToSpend(request.preferredPointsToSpend, spendable, total, rules) : 0;
  const discount = kopecksForPoints(spent, rules);
  const earned = pointsToEarn(total - discount, spent, rules);
  // Postponed points are not spendable right after the sale, so the till should not show them.
  const earnedNow = rules.postponedBonusesDelayDays === 0 ? earned : 0;
  const balanceAfter = spendable - spent + earnedNow;

  return {
    positions: discountedPositions(request.positions, discount),
    transactionType: request.transactionType,
    agentBonusBalance: spendable,
    bonusValueToSpend: spent,
    bonusValueToEarn: earned,
    agentBonusBalanceAfter: balanceAfter,
    paidByBonusPointsKopecks: discount,
    receiptExtraInfo: rules.active
      ? receiptText(rules.receiptTemplate, { balance: spendable, earned, spent, balanceAfter })
      : undefined,
    needVerification: rules.requireSpendingCode && spent > 0,
  };
}

/** The receipt's positions with `discountKopecks` spread over them exactly (positions split where needed). */
export function discountedPositions(positions: ReceiptPosition[], discountKopecks: number): DiscountedPosition[] {
  return splitDiscount(positions, discountKopecks).map(({ sourceIndex: _sourceIndex, ...line }) => line);
}

/** An anonymous receipt: nothing to spend from and nobody to credit, so it passes through unchanged. */
export function noDiscount(request: RecalcRequest): RecalcResult {
  return {
    positions: request.positions.map((p) => ({ ...p, discountedPriceKopecks: p.priceKopecks, discountPercent: 0 })),
    transactionType: 'EARNING',
    agentBonusBalance: 0,
    bonusValueToSpend: 0,
    bonusValueToEarn: 0,
    agentBonusBalanceAfter: 0,
    paidByBonusPointsKopecks: 0,
    needVerification: false,
  };
}
