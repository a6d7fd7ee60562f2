import type { Customer, TierChangeReason } from '../../db/schema/index.js';
import type { DbOrTx } from '../storage/database.js';
import { formatWholeRoublesUp } from '../receipt/money.js';
import { customerRepository } from './customer-repository.js';
import type { LedgerRules } from './rules.js';
import { tiersOn, type TierRules } from './tier-rules.js';
import { tierRepository, type PurchasesInWindow } from './tier-repository.js';

const DAY_MS = 86_400_000;

/**
 * Tiers (уровни) on the built-in ledger. A customer's level and purchase total live on their row, so
 * recalc reads them with the customer and runs no query of its own. They are recomputed from the sales
 * (an indexed sum over the window) only when something changes them:
 * - a sale moves the customer up at once, after its own earning (which used the level before it);
 * - a return moves them down at once, since it undoes the purchases that earned the level;
 * - the window rolling past old purchases is the tier job's (tier-job.ts): each row says when its oldest
 *   counted purchase leaves the window (`tierRollsAt`), and the job recomputes it then.
 * Level changes are rows of tier_level_changes, never points entries.
 */

/** Where tiers apply: whose ledger, under which tiers, when. */
export interface TierScope {
  tenantId: string;
  tiers: TierRules;
  now: Date;
}

/** What a customer's row says about their tier, as recalc and the pages read it. */
export interface TierStanding {
  level: number;
  name: string;
  totalKopecks: number;
  /** The next level and how much is left to buy to reach it; absent at the top. */
  next?: { name: string; leftKopecks: number };
}

type StoredTier = Pick<Customer, 'tierLevel' | 'tierTotalKopecks'>;

/** The highest level whose threshold the total reaches. */
export function levelFor(tiers: TierRules, totalKopecks: number): number {
  let level = 0;
  tiers.levels.forEach((candidate, i) => {
    if (totalKopecks >= candidate.thresholdKopecks) level = i;
  });
  return level;
}

/** A stored level the owner has since removed counts as the highest that is left. */
function clampLevel(tiers: TierRules, level: number): number {
  return Math.max(0, Math.min(level, tiers.levels.length - 1));
}

function nameOf(tiers: TierRules, level: number): string {
  return tiers.levels[level]?.name ?? `Уровень ${level + 1}`;
}

export function standingOf(tiers: TierRules, stored: StoredTier): TierStanding {
  const level = clampLevel(tiers, stored.tierLevel);
  const next = tiers.levels[level + 1];
  return {
    level,
    name: nameOf(tiers, level),
    totalKopecks: stored.tierTotalKopecks,
    next: next && {
      name: next.name,
      leftKopecks: Math.max(0, next.thresholdKopecks - stored.tierTotalKopecks),
    },
  };
}

/** The rules a customer earns and spends under: their level's earn rate and, if set, its maximum share. */
export function rulesAtLevel(rules: LedgerRules, tiers: TierRules | undefined, stored?: StoredTier): LedgerRules {
  if (!tiersOn(tiers)) return rules;
  const level = tiers.levels[clampLevel(tiers, stored?.tierLevel ?? 0)]!;
  return {
    ...rules,
    earnRateRoublesToPoint: level.earnRateRoublesToPoint,
    maxPaidRatePercents: level.maxPaidRatePercents ?? rules.maxPaidRatePercents,
  };
}

/**
 * «Уровень «Золото». До уровня «Платина» 3 200 ₽». The owner types names in the nominative; «до уровня …»
 * keeps any name grammatical without declining it. The amount is rounded up to whole roubles.
 */
export function tierReceiptLine(standing: TierStanding): string {
  const here = `Уровень «${standing.name}».`;
  if (!standing.next) return here;
  return `${here} До уровня «${standing.next.name}» ${formatWholeRoublesUp(standing.next.leftKopecks)}`;
}

/**
 * The standing of a customer the till names but we have not registered yet: what seeding from
 * МойСклад's history counted for that counterparty, so recalc agrees with the sale that will register them.
 */
export function newcomerStanding(
  tx: DbOrTx,
  scope: TierScope,
  counterpartyId: string | undefined,
): StoredTier & Pick<Customer, 'tierLevel'> {
  const total = counterpartyId
    ? tierRepository.seededSince(tx, scope.tenantId, counterpartyId, windowStart(scope)).totalKopecks
    : 0;
  return { tierLevel: levelFor(scope.tiers, total), tierTotalKopecks: total };
}

export interface StandingChange {
  reason: TierChangeReason;
  /** 'up': never lowers (a sale); 'down': never raises (a return); 'any': the job. */
  direction: 'up' | 'down' | 'any';
  saleId?: string;
  returnId?: string;
}

type TierRow = Pick<Customer, 'id' | 'msId' | 'tierLevel' | 'tierTotalKopecks' | 'tierRollsAt'>;

/**
 * Recomputes a customer's purchase total over the window and moves their level as `change` allows, in
 * the caller's transaction; a move is recorded in tier_level_changes. Idempotent: run twice, the second
 * finds the level already where the total puts it. Returns the row's new tier fields.
 */
export function refreshStanding(tx: DbOrTx, scope: TierScope, customer: TierRow, change: StandingChange): TierRow {
  const { tiers, now } = scope;
  const since = windowStart(scope);
  const own = tierRepository.purchasesSince(tx, customer.id, since);
  const seeded = customer.msId ? tierRepository.seededSince(tx, scope.tenantId, customer.msId, since) : NOTHING;
  const total = own.totalKopecks + seeded.totalKopecks;
  const oldest = [own.oldestMs, seeded.oldestMs].filter((ms): ms is number => ms !== null);
  const computed = levelFor(tiers, total);
  const current = clampLevel(tiers, customer.tierLevel);
  const level =
    change.direction === 'up'
      ? Math.max(current, computed)
      : change.direction === 'down'
        ? Math.min(current, computed)
        : computed;
  // A level this change may not move (a sale never lowers one) is left to the job, which runs for it at once.
  // Otherwise the oldest purchase stops counting 1 ms after it is exactly a window old.
  const rollsAt =
    level !== computed ? now.getTime() : oldest.length > 0 ? Math.min(...oldest) + tiers.windowDays * DAY_MS + 1 : null;
  tierRepository.setStanding(tx, customer.id, { level, totalKopecks: total, rollsAt });
  if (level !== customer.tierLevel) {
    tierRepository.recordChange(tx, {
      tenantId: scope.tenantId,
      customerId: customer.id,
      fromLevel: customer.tierLevel,
      toLevel: level,
      fromName: nameOf(tiers, customer.tierLevel),
      toName: nameOf(tiers, level),
      totalKopecks: total,
      reason: change.reason,
      saleId: change.saleId ?? null,
      returnId: change.returnId ?? null,
      createdAt: now.getTime(),
    });
  }
  return { ...customer, tierLevel: level, tierTotalKopecks: total, tierRollsAt: rollsAt };
}

const NOTHING: PurchasesInWindow = { totalKopecks: 0, oldestMs: null };

function windowStart(scope: TierScope): number {
  return scope.now.getTime() - scope.tiers.windowDays * DAY_MS;
}

/** What the ledger's writes pass: the tenant's tiers ride on the ledger context. */
interface TierContext {
  tenantId: string;
  now: Date;
  tiers?: TierRules;
}

function scopeOf(ctx: TierContext): TierScope | undefined {
  return tiersOn(ctx.tiers) ? { tenantId: ctx.tenantId, tiers: ctx.tiers, now: ctx.now } : undefined;
}

/** In the sale's transaction, after its entries: the sale moves the customer up at once, never down. */
export function afterSale(tx: DbOrTx, ctx: TierContext, customer: TierRow, saleId: string): void {
  const scope = scopeOf(ctx);
  if (scope) refreshStanding(tx, scope, customer, { reason: 'sale', direction: 'up', saleId });
}

/** In the return's transaction: what the return took back lowers the level at once, never raises it. */
export function afterReturn(tx: DbOrTx, ctx: TierContext, customerId: string, returnId: string): void {
  const scope = scopeOf(ctx);
  const customer = scope && customerRepository.findById(tx, ctx.tenantId, customerId);
  if (scope && customer) refreshStanding(tx, scope, customer, { reason: 'return', direction: 'down', returnId });
}

/** A new customer starts at the level МойСклад's seeded history gives their counterparty. */
export function afterRegistration<C extends TierRow>(tx: DbOrTx, ctx: TierContext, customer: C): C {
  const scope = scopeOf(ctx);
  if (!scope || !customer.msId) return customer;
  return { ...customer, ...refreshStanding(tx, scope, customer, { reason: 'seed', direction: 'up' }) };
}
