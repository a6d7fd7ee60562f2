import type { RecalcRequest, RecalcResult } from './backend.js';

/** Whether the till named a customer at all: no id, phone or card means an anonymous receipt. */
export function isAnonymous(agent: RecalcRequest['agent'] | undefined): boolean {
  return !agent || (!agent.id && !agent.phone && !agent.discountCardNumber);
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
