import { randomUUID } from 'node:crypto';
import type { Sale } from '../../db/schema/index.js';
import type { ReturnRequest } from '../loyalty/backend.js';
import type { DbOrTx } from '../storage/database.js';
import { customerRepository } from './customer-repository.js';
import type { LedgerContext } from './ledger-context.js';
import { lotRepository as lots } from './lot-repository.js';
import { postEntry, settleExpiry } from './point-lots.js';
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

/** Records a return once per returnKey and reverses the linked sale's points; call inside one write transaction. */
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
  let expired = 0;
  if (sale.customerId) {
    const customerId = sale.customerId;
    const base = { tenantId, customerId, saleId: sale.id, returnId };
    settleExpiry(tx, customerId, now);
    // Spent points come back with the expiry dates they had; those already past expire at once.
    for (const part of givenBackParts(tx, sale, reversal.spentBack)) {
      postEntry(tx, { ...base, points: part.points, kind: 'return-spend' }, now, { expiresAt: part.expiresAt });
    }
    settleExpiry(tx, customerId, now);
    // Earned points that expired are gone already: taking them back again would take other points.
    const ownLot = lots.earnLotOfSale(tx, sale.id);
    expired = ownLot ? expiredShare(tx, sale, lots.expiredPoints(tx, ownLot), reversal.earnedBack) : 0;
    const balance = customerRepository.findById(tx, tenantId, customerId)?.balance ?? 0;
    // CAP policy: never below zero; the shortfall goes to support. Reversing postponed points keeps
    // their date, so the reversal also leaves the pending sum (spendable = balance − pending).
    taken = Math.min(reversal.earnedBack - expired, Math.max(0, balance));
    postEntry(
      tx,
      { ...base, points: -taken, kind: 'return-earn', availableAt: Math.max(now.getTime(), sale.earnAvailableAt) },
      now,
      { takeFirst: ownLot?.entryId },
    );
  }
  const uncollected = sale.customerId ? reversal.earnedBack - expired - taken : 0;
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

/**
 * The part of this reversal of earned points that had already expired: the sale's lot wrote off
 * `expiredPoints`, of which earlier returns of the sale were already let off some. What they were let
 * off is what they reversed but neither took back nor left uncollected.
 */
function expiredShare(tx: DbOrTx, sale: Sale, expiredPoints: number, earnedBack: number): number {
  const earlier = saleRepository.returnsOfSale(tx, sale.id);
  const settled = earlier.reduce((sum, r) => sum + r.earnedTakenBack + r.uncollectedPoints, 0);
  const letOffBefore = Math.max(0, sale.earnedReversed - settled);
  return Math.min(earnedBack, Math.max(0, expiredPoints - letOffBefore));
}

/**
 * The spent points this return gives back, as lots: the reverse of the order the spend took them
 * (undated points, which it took last, first; then dated ones, latest expiry first), continuing after
 * what earlier returns gave back. A spend from before lots existed took only undated points.
 */
export function givenBackParts(
  tx: DbOrTx,
  sale: Sale,
  spentBack: number,
): Array<{ points: number; expiresAt: number | null }> {
  if (spentBack <= 0) return [];
  const uses = lots.usesOfSaleSpend(tx, sale.id);
  const dated = uses.reduce((sum, use) => sum + use.points, 0);
  const order = [
    { points: sale.pointsSpent - dated, expiresAt: null },
    ...uses.reverse().map((use) => ({ points: use.points, expiresAt: use.expiresAt as number | null })),
  ];
  const parts: Array<{ points: number; expiresAt: number | null }> = [];
  let skip = sale.spentReversed;
  let left = spentBack;
  for (const piece of order) {
    const skipped = Math.min(skip, piece.points);
    skip -= skipped;
    const points = Math.min(left, piece.points - skipped);
    if (points <= 0) continue;
    left -= points;
    const last = parts.at(-1);
    if (last && last.expiresAt === piece.expiresAt) last.points += points;
    else parts.push({ points, expiresAt: piece.expiresAt });
  }
  // Nothing recorded covers the rest (a sale spent more than its uses say): undated, like before lots.
  if (left > 0) parts.push({ points: left, expiresAt: null });
  return parts;
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
