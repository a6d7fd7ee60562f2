import type { RecalcRequest, RecalcResult } from '../loyalty/backend.js';
import { isAnonymous, noDiscount } from '../loyalty/anonymous-receipt.js';
import { discountedPositions } from '../receipt/discount-split.js';
import type { DbOrTx } from '../storage/database.js';
import { customerRepository } from './customer-repository.js';
import { spendablePoints } from './ledger-entry-repository.js';
import { pointsToEarn, receiptText } from './points-math.js';
import type { LedgerRules } from './rules.js';
import { receiptTotalKopecks } from '../receipt/positions.js';
import { kopecksForPoints, pointsToSpend } from '../receipt/points.js';

export const CUSTOMER_NOT_FOUND =
  'Покупатель не найден в программе лояльности. Зарегистрируйте его или проверьте телефон/карту.';

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
