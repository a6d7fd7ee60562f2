import { randomUUID } from 'node:crypto';
import type { Sale } from '../../db/schema/index.js';
import type { ReturnRequest } from '../loyalty/backend.js';
import type { DbOrTx } from '../storage/database.js';
import { customerRepository } from './customer-repository.js';
import { ledgerEntriesRepository as entries } from './ledger-entry-repository.js';
import type { LedgerContext } from './ledger-context.js';
import { saleRepository } from './sale-repository.js';
import { afterReturn } from './tiers.js';
import { paidTotalKopecks, type DiscountedPosition, type ReceiptPosition } from '../receipt/positions.js';
import { returnedLines, soldLines, valueOfReturn, type ReturnValue } from '../receipt/return-value.js';

/** What one return reverses, given the sale's running totals. */
export interface Reversal {
  /** Running returned amount after this return, capped at the sale's amount. */
  returnedKopecks: number;
  earnedBack: number;
  spentBack: number;
  overReturned: boolean;
}

/**
 * Proportional reversal computed on running totals: after this return, floor(points × returned /
 * sold) of each kind is reversed in all, minus what earlier returns already reversed. Earlier
 * rounding is thus corrected later, the last return takes the exact remainder, and the sum over
 * all returns can never exceed what the sale had. `value` is the returned goods as the sale recorded
 * them (valueOfReturn), never the return's own prices.
 */
export function reversalFor(
  sale: Sale,
  value: Pick<ReturnValue, 'paidKopecks' | 'fullKopecks' | 'overQuantity'>,
): Reversal {
  // The basis is what was paid; a sale paid fully with points falls back to full prices.
  const useFull = sale.paidKopecks === 0;
  const basis = useFull ? sale.totalKopecks : sale.paidKopecks;
  const amount = useFull ? value.fullKopecks : value.paidKopecks;
  const wanted = sale.returnedKopecks + amount;
  const returned = Math.min(basis, wanted);
  const share = (points: number) =>
    basis === 0 || returned >= basis ? points : Number((BigInt(points) * BigInt(returned)) / BigInt(basis));
  return {
    returnedKopecks: returned,
    earnedBack: Math.max(0, share(sale.pointsEarned) - sale.earnedReversed),
    spentBack: Math.max(0, share(sale.pointsSpent) - sale.spentReversed),
    overReturned: wanted > basis || value.overQuantity,
  };
}

/** Records a return once per returnKey and reverses the linked sale's points; call inside immediate(). */
export function applyReturn(tx: DbOrTx, ctx: LedgerContext, request: ReturnRequest): boolean {
  const { tenantId, now } = ctx;
  if (saleRepository.findReturnByKey(tx, tenantId, request.returnKey)) return false;

  const returnId = randomUUID();
  const sale = request.saleMsId ? saleRepository.findForReturn(tx, tenantId, request.saleMsId) : undefined;
  // Worth what the sale recorded for these goods; a return without its sale has only its own prices.
  const value = sale ? saleValueOf(tx, sale, request.positions) : undefined;
  const amountKopecks = value ? value.paidKopecks : paidTotalKopecks(request.positions);
  const row = {
    id: returnId,
    tenantId,
    returnKey: request.returnKey,
    msId: request.msId || null,
    name: request.name ?? null,
    moment: request.moment ?? null,
    retailStoreId: request.retailStoreId ?? null,
    saleMsId: request.saleMsId || null,
    amountKopecks,
    cashKopecks: request.cashKopecks,
    noCashKopecks: request.noCashKopecks,
    positions: request.positions,
    createdAt: now,
  };

  if (!sale || !value) {
    // Never dropped: support staff reverse the points by hand from this row.
    const agent = request.agent ? customerRepository.resolve(tx, tenantId, request.agent) : undefined;
    saleRepository.insertReturn(tx, {
      ...row,
      customerId: agent?.id ?? null,
      needsSupport: true,
      supportReason: request.saleMsId
        ? `Продажа ${request.saleMsId} не найдена: баллы не пересчитаны`
        : 'В возврате нет ссылки на продажу: баллы не пересчитаны',
    });
    return true;
  }

  const reversal = reversalFor(sale, value);
  let taken = 0;
  if (sale.customerId) {
    const base = { tenantId, customerId: sale.customerId, saleId: sale.id, returnId };
    entries.append(tx, { ...base, points: reversal.spentBack, kind: 'return-spend' }, now);
    const balance = customerRepository.findById(tx, tenantId, sale.customerId)?.balance ?? 0;
    // CAP policy: never below zero; the shortfall goes to support. Reversing postponed points keeps
    // their date, so the reversal also leaves the pending sum (spendable = balance − pending).
    taken = Math.min(reversal.earnedBack, Math.max(0, balance));
    entries.append(
      tx,
      { ...base, points: -taken, kind: 'return-earn', availableAt: Math.max(now.getTime(), sale.earnAvailableAt) },
      now,
    );
  }
  const uncollected = sale.customerId ? reversal.earnedBack - taken : 0;
  const reasons = [
    value.unmatched > 0
      ? `Позиций возврата, которых нет в продаже: ${value.unmatched}. Баллы за них не пересчитаны`
      : '',
    uncollected > 0 ? `Не списано ${uncollected} начисленных баллов: покупатель их уже потратил` : '',
    reversal.overReturned ? 'Возвращено больше, чем было продано: пересчитано не больше суммы продажи' : '',
  ].filter(Boolean);

  saleRepository.recordReversal(tx, sale.id, {
    returnedKopecks: reversal.returnedKopecks,
    earnedReversed: sale.earnedReversed + reversal.earnedBack,
    spentReversed: sale.spentReversed + reversal.spentBack,
  });
  saleRepository.insertReturn(tx, {
    ...row,
    saleId: sale.id,
    customerId: sale.customerId,
    earnedTakenBack: taken,
    spentGivenBack: sale.customerId ? reversal.spentBack : 0,
    uncollectedPoints: uncollected,
    needsSupport: reasons.length > 0,
    supportReason: reasons.length > 0 ? reasons.join('; ') : null,
  });
  if (sale.customerId) afterReturn(tx, ctx, sale.customerId, returnId);
  return true;
}

/** This return's goods valued at the sale's recorded amounts, after the sale's earlier returns. */
function saleValueOf(tx: DbOrTx, sale: Sale, positions: ReceiptPosition[]): ReturnValue {
  const earlier = saleRepository.returnsOfSale(tx, sale.id).flatMap((r) => r.positions as ReceiptPosition[]);
  return valueOfReturn(
    soldLines(sale.positions as DiscountedPosition[]),
    returnedLines(positions),
    returnedLines(earlier),
  );
}
