import { randomUUID } from 'node:crypto';
import { BusinessRuleError } from '../errors.js';
import type { Sale } from '../../db/schema/index.js';
import type { SaleConflict, SaleRequest } from '../loyalty/backend.js';
import { canonicalJson, tillLines } from '../loyalty/sale-repeat.js';
import type { DbOrTx } from '../storage/database.js';
import { customerRepository } from './customer-repository.js';
import type { Audience, GiftCardBook, LedgerContext } from './ledger-context.js';
import { spendablePoints } from './ledger-entry-repository.js';
import { lotExpiresAt, postEntry, settleExpiry } from './point-lots.js';
import { earnMultiplierAt, rememberBirthDate } from './birthdays.js';
import { earnAvailableAt, pointsToEarn } from './points-math.js';
import { registerCustomer } from './registration.js';
import type { LedgerRules } from './rules.js';
import { afterSale, rulesAtLevel } from './tiers.js';
import { saleRepository } from './sale-repository.js';
import { paidTotalKopecks, receiptTotalKopecks } from '../receipt/positions.js';
import { kopecksForPoints } from '../receipt/points.js';
import { MAX_POINTS } from '../receipt/bounds.js';
import { allowedTotalKopecks, earningPaidKopecks } from '../receipt/restrictions.js';
import { isAnonymous } from '../loyalty/anonymous-receipt.js';

/**
 * Applies a sale once per saleKey; call inside one write transaction (immediate(), or a GroupCommit
 * job's savepoint) so the check-then-write cannot race.
 * Returns false for a repeat (nothing changed). Order: spend (checked against what is spendable
 * now and against the lines points may discount), earn on the lines that earn, first-purchase
 * welcome, gift cards, all in the caller's transaction. A customer outside the program's audience
 * neither spends nor earns. The till's birth date updates the stored one; inside the birthday window
 * the sale earns the owner's multiple. A sale the catch-up job reads from МойСклад comes with `caughtUpAt`.
 */
export function applySale(
  tx: DbOrTx,
  ctx: LedgerContext,
  giftCards: GiftCardBook,
  request: SaleRequest,
  audience: Audience = { member: true },
  options: { caughtUpAt?: number } = {},
): boolean {
  const { tenantId, now } = ctx;
  if (saleRepository.findByKey(tx, tenantId, request.saleKey)) return false;
  // The till may send a sale the catch-up job already credited without its id: the same number and moment is a repeat.
  if (!request.msId && request.name && request.moment) {
    if (saleRepository.findCaughtUpTwin(tx, tenantId, request.name, request.moment)) return false;
  }

  // A customer МойСклад knows but we do not yet is registered here: refusing would block the till's sale.
  const known = isAnonymous(request.agent) ? undefined : customerRepository.resolve(tx, tenantId, request.agent ?? {});
  const found = isAnonymous(request.agent)
    ? undefined
    : known
      ? rememberBirthDate(tx, known, request.agent?.birthDate)
      : registerCustomer(tx, ctx, { ...request.agent, msId: request.agent?.id }, audience);
  // Points whose time has come are written off first, so the checks below see the balance without them.
  const customer = found && { ...found, balance: found.balance - settleExpiry(tx, found.id, now) };

  // The customer's level before this sale sets its earning and cap; the sale may then raise the level.
  const rules = rulesAtLevel(ctx.rules, ctx.tiers, customer);
  const totalKopecks = receiptTotalKopecks(request.positions);
  const paidKopecks = paidTotalKopecks(request.positions);
  // An anonymous sale has nobody to debit or credit: it is recorded for the log and returns only.
  const spent = customer ? request.pointsToSpend : 0;
  if (customer && spent > 0) {
    if (!audience.member) throw new BusinessRuleError(OUTSIDE_AUDIENCE_SPEND);
    checkSpend(spent, spendablePoints(tx, customer, now), allowedTotalKopecks(request.positions), rules);
  }
  const multiplier = customer && audience.member ? earnMultiplierAt(rules, customer.birthDate, now.getTime()) : 1;
  const earned =
    customer && audience.member ? pointsToEarn(earningPaidKopecks(request.positions), spent, rules) * multiplier : 0;
  const availableAt = earnAvailableAt(now, rules);
  const welcome =
    customer !== undefined &&
    rules.active &&
    audience.member &&
    rules.welcomeBonusesEnabled &&
    rules.welcomeBonusesMode === 'FIRST_PURCHASE' &&
    !customer.welcomeGranted;
  if (customer) checkBalanceBound(customer.balance - spent + earned + (welcome ? rules.welcomeBonusesValue : 0));

  const saleId = randomUUID();
  saleRepository.insert(tx, {
    id: saleId,
    tenantId,
    saleKey: request.saleKey,
    msId: request.msId || null,
    name: request.name ?? null,
    moment: request.moment ?? null,
    retailStoreId: request.retailStoreId ?? null,
    customerId: customer?.id ?? null,
    totalKopecks,
    paidKopecks,
    discountKopecks: kopecksForPoints(spent, rules),
    cashKopecks: request.cashKopecks,
    noCashKopecks: request.noCashKopecks,
    giftCardKopecks: request.giftCards.reduce((s, g) => s + g.paymentKopecks, 0),
    pointsSpent: spent,
    pointsEarned: earned,
    earnAvailableAt: availableAt,
    positions: request.positions,
    createdAt: now,
    caughtUpAt: options.caughtUpAt ?? null,
  });

  if (customer) {
    const base = { tenantId, customerId: customer.id, saleId };
    postEntry(tx, { ...base, points: -spent, kind: 'spend' }, now);
    postEntry(tx, { ...base, points: earned, kind: 'earn', availableAt }, now, {
      expiresAt: lotExpiresAt(rules, 'earned', availableAt),
    });
    if (welcome) {
      postEntry(tx, { ...base, points: rules.welcomeBonusesValue, kind: 'welcome' }, now, {
        expiresAt: lotExpiresAt(rules, 'welcome', now.getTime()),
      });
      customerRepository.markWelcomeGranted(tx, customer.id);
    }
    afterSale(tx, ctx, customer, saleId);
  }
  if (request.giftCards.length > 0) giftCards.redeem(tx, tenantId, saleId, request.giftCards, now);
  return true;
}

/** A balance past MAX_POINTS would leave exact integer arithmetic behind: the sale is refused, nothing is stored. */
function checkBalanceBound(balanceAfter: number): void {
  if (balanceAfter > MAX_POINTS) {
    throw new BusinessRuleError(
      `Баланс покупателя превысил бы ${MAX_POINTS.toLocaleString('ru-RU')} баллов: продажа с баллами не проведена. Проведите её без карты покупателя и сообщите в поддержку.`,
    );
  }
}

const OUTSIDE_AUDIENCE_SPEND =
  'Покупатель не участвует в бонусной программе: списать баллы нельзя. Проведите продажу без списания.';

/**
 * The till's spend is re-checked here: a balance may have moved since recalc (another till, a
 * return). The maximum share is of the lines points may discount.
 */
function checkSpend(spent: number, spendable: number, allowedKopecks: number, rules: LedgerRules): void {
  if (!Number.isSafeInteger(spent) || spent < 0) throw new BusinessRuleError(`Неверное число баллов: ${spent}`);
  if (!rules.active) throw new BusinessRuleError('Программа лояльности отключена: списание баллов невозможно');
  if (spent > spendable) throw new BusinessRuleError(`Недостаточно баллов: доступно ${spendable}`);
  const maxKopecks = Math.floor((allowedKopecks * rules.maxPaidRatePercents) / 100);
  if (kopecksForPoints(spent, rules) > maxKopecks) {
    throw new BusinessRuleError(`Баллами можно оплатить не больше ${rules.maxPaidRatePercents}% чека`);
  }
}

/**
 * For a sale key already applied: a SaleConflict when this request asks for something else than what
 * was recorded (goods, points spent, payments, customer, number, moment, store), else undefined.
 * The points to earn are not compared: the ledger computes them itself.
 */
export function repeatConflict(
  tx: DbOrTx,
  tenantId: string,
  recorded: Sale,
  request: SaleRequest,
): SaleConflict | undefined {
  const customer = isAnonymous(request.agent)
    ? undefined
    : customerRepository.resolve(tx, tenantId, request.agent ?? {});
  const asked = recordedContent({
    msId: request.msId || null,
    name: request.name ?? null,
    moment: request.moment ?? null,
    retailStoreId: request.retailStoreId ?? null,
    customerId: customer?.id ?? null,
    positions: request.positions,
    pointsSpent: customer ? request.pointsToSpend : 0,
    cashKopecks: request.cashKopecks,
    noCashKopecks: request.noCashKopecks,
    giftCardKopecks: request.giftCards.reduce((s, g) => s + g.paymentKopecks, 0),
  });
  const first = recordedContent(recorded);
  return canonicalJson(asked) === canonicalJson(first) ? undefined : { recorded: first };
}

function recordedContent(
  sale: Pick<
    Sale,
    | 'msId'
    | 'name'
    | 'moment'
    | 'retailStoreId'
    | 'customerId'
    | 'positions'
    | 'pointsSpent'
    | 'cashKopecks'
    | 'noCashKopecks'
    | 'giftCardKopecks'
  >,
) {
  const { msId, name, moment, retailStoreId, customerId, positions, pointsSpent } = sale;
  const { cashKopecks, noCashKopecks, giftCardKopecks } = sale;
  return {
    msId,
    name,
    moment,
    retailStoreId,
    customerId,
    // The restricted-goods rule is ours and may differ between two sends of the same sale.
    positions: tillLines(positions as Array<{ rule?: unknown }>),
    pointsSpent,
    cashKopecks,
    noCashKopecks,
    giftCardKopecks,
  };
}
