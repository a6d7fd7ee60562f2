import { and, asc, desc, eq, gt, inArray, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import {
  customers,
  sales,
  tenants,
  tierJobs,
  tierLevelChanges,
  tierSeedPurchases,
  type Customer,
  type Tenant,
  type TierJobRow,
  type TierLevelChange,
} from '../../db/schema/index.js';
import { preparedOnce, type DbOrTx } from '../storage/database.js';

export interface PurchasesInWindow {
  totalKopecks: number;
  /** Epoch ms of the oldest purchase that still counts; null when none does. */
  oldestMs: number | null;
}

export type NewLevelChange = Omit<TierLevelChange, 'id'>;

export interface SeedPurchase {
  documentId: string;
  counterpartyId: string;
  momentMs: number;
  kopecks: number;
}

/** SQLite's limit on bound values is far above this; chunks keep every IN list small. */
const CHUNK = 500;

/** Tier standing, level history, the tier job's state and seeded purchases; callers decide the transaction. */
export const tierRepository = {
  /**
   * A customer's paid amounts since `sinceMs`, less what returns took back of each sale, read from the
   * covering index on sales (customer_id, created_at, paid_kopecks, returned_kopecks). A sale paid fully
   * with points counts nothing (its returns are on full prices: min() keeps it at zero).
   */
  purchasesSince(tx: DbOrTx, customerId: string, sinceMs: number): PurchasesInWindow {
    const query = preparedOnce(tx, 'tierPurchasesSince', () =>
      tx
        .select({
          total: sql<number>`coalesce(sum(${sales.paidKopecks} - ${sales.returnedKopecks}), 0)`,
          oldest: sql<number | null>`min(${sales.createdAt})`,
        })
        .from(sales)
        .where(
          and(
            eq(sales.customerId, sql.placeholder('customerId')),
            sql`${sales.createdAt} >= ${sql.placeholder('since')}`,
            sql`${sales.paidKopecks} > ${sales.returnedKopecks}`,
          ),
        )
        .prepare(),
    );
    const row = query.get({ customerId, since: sinceMs });
    return { totalKopecks: row?.total ?? 0, oldestMs: row?.oldest ?? null };
  },

  /** What seeding from МойСклад counted for this counterparty since `sinceMs`. */
  seededSince(tx: DbOrTx, tenantId: string, counterpartyId: string, sinceMs: number): PurchasesInWindow {
    const p = tierSeedPurchases;
    const query = preparedOnce(tx, 'tierSeededSince', () =>
      tx
        .select({
          total: sql<number>`coalesce(sum(${p.kopecks}), 0)`,
          oldest: sql<number | null>`min(${p.momentMs})`,
        })
        .from(p)
        .where(
          and(
            eq(p.tenantId, sql.placeholder('tenantId')),
            eq(p.counterpartyId, sql.placeholder('counterpartyId')),
            sql`${p.momentMs} >= ${sql.placeholder('since')}`,
          ),
        )
        .prepare(),
    );
    const row = query.get({ tenantId, counterpartyId, since: sinceMs });
    return { totalKopecks: row?.total ?? 0, oldestMs: row?.oldest ?? null };
  },

  setStanding(
    tx: DbOrTx,
    customerId: string,
    standing: { level: number; totalKopecks: number; rollsAt: number | null },
  ) {
    const query = preparedOnce(tx, 'tierSetStanding', () =>
      tx
        .update(customers)
        .set({
          tierLevel: sql`${sql.placeholder('level')}`,
          tierTotalKopecks: sql`${sql.placeholder('total')}`,
          tierRollsAt: sql`${sql.placeholder('rollsAt')}`,
        })
        .where(eq(customers.id, sql.placeholder('id')))
        .prepare(),
    );
    query.run({ id: customerId, level: standing.level, total: standing.totalKopecks, rollsAt: standing.rollsAt });
  },

  recordChange(tx: DbOrTx, change: NewLevelChange): void {
    tx.insert(tierLevelChanges).values(change).run();
  },

  /** A customer's level changes, newest first. */
  changesOf(tx: DbOrTx, customerId: string, limit = 50): TierLevelChange[] {
    return tx
      .select()
      .from(tierLevelChanges)
      .where(eq(tierLevelChanges.customerId, customerId))
      .orderBy(desc(tierLevelChanges.id))
      .limit(limit)
      .all();
  },

  /** Customers whose oldest counted purchase has left the window (or who were marked due), oldest first. */
  dueCustomers(tx: DbOrTx, tenantId: string, nowMs: number, limit: number): string[] {
    return tx
      .select({ id: customers.id })
      .from(customers)
      .where(and(eq(customers.tenantId, tenantId), isNotNull(customers.tierRollsAt), lte(customers.tierRollsAt, nowMs)))
      .orderBy(asc(customers.tierRollsAt))
      .limit(limit)
      .all()
      .map((row) => row.id);
  },

  /** One page of a tenant's customers by id, for a full recompute. */
  customersAfter(tx: DbOrTx, tenantId: string, cursor: string | null, limit: number): Customer[] {
    return tx
      .select()
      .from(customers)
      .where(and(eq(customers.tenantId, tenantId), cursor === null ? undefined : gt(customers.id, cursor)))
      .orderBy(asc(customers.id))
      .limit(limit)
      .all();
  },

  /** Tenants on the built-in ledger: the only ones with tiers. */
  ledgerTenants(tx: DbOrTx): Array<Pick<Tenant, 'accountId' | 'settings'>> {
    return tx
      .select({ accountId: tenants.accountId, settings: tenants.settings })
      .from(tenants)
      .where(and(eq(tenants.backend, 'ledger'), sql`${tenants.status} != 'Uninstalled'`))
      .all();
  },

  /** When the tenant's first sale reached us; seeding reads МойСклад's history only before it. */
  firstSaleAt(tx: DbOrTx, tenantId: string): number | undefined {
    const row = tx
      .select({ first: sql<number | null>`min(${sales.createdAt})` })
      .from(sales)
      .where(eq(sales.tenantId, tenantId))
      .get();
    return row?.first ?? undefined;
  },

  /** Which of these МойСклад retail sale ids we recorded ourselves (the till sent them to us). */
  recordedSaleIds(tx: DbOrTx, tenantId: string, msIds: readonly string[]): Set<string> {
    const found = new Set<string>();
    for (let i = 0; i < msIds.length; i += CHUNK) {
      const part = msIds.slice(i, i + CHUNK);
      for (const row of tx
        .select({ msId: sales.msId })
        .from(sales)
        .where(and(eq(sales.tenantId, tenantId), inArray(sales.msId, part)))
        .all()) {
        if (row.msId) found.add(row.msId);
      }
    }
    return found;
  },

  upsertSeedPurchases(tx: DbOrTx, tenantId: string, rows: readonly SeedPurchase[]): void {
    for (let i = 0; i < rows.length; i += 200) {
      const values = rows.slice(i, i + 200).map((row) => ({ ...row, tenantId }));
      tx.insert(tierSeedPurchases)
        .values(values)
        .onConflictDoUpdate({
          target: [tierSeedPurchases.tenantId, tierSeedPurchases.documentId],
          set: {
            counterpartyId: sql`excluded.counterparty_id`,
            momentMs: sql`excluded.moment_ms`,
            kopecks: sql`excluded.kopecks`,
          },
        })
        .run();
    }
  },

  /** Σ kopecks of the purchases seeding kept, for the owner's summary. */
  seededTotal(tx: DbOrTx, tenantId: string, sinceMs: number): number {
    const row = tx
      .select({ total: sql<number>`coalesce(sum(${tierSeedPurchases.kopecks}), 0)` })
      .from(tierSeedPurchases)
      .where(and(eq(tierSeedPurchases.tenantId, tenantId), sql`${tierSeedPurchases.momentMs} >= ${sinceMs}`))
      .get();
    return row?.total ?? 0;
  },

  jobState(tx: DbOrTx, tenantId: string): TierJobRow | undefined {
    return tx.select().from(tierJobs).where(eq(tierJobs.tenantId, tenantId)).get();
  },

  ensureJobState(tx: DbOrTx, tenantId: string, nowMs: number): void {
    tx.insert(tierJobs).values({ tenantId, updatedAt: nowMs }).onConflictDoNothing().run();
  },

  /** Takes the tenant's recompute until `until` unless another process holds it; call in immediate(). */
  claimJob(tx: DbOrTx, tenantId: string, nowMs: number, until: number): boolean {
    this.ensureJobState(tx, tenantId, nowMs);
    return (
      tx
        .update(tierJobs)
        .set({ claimedUntil: until, updatedAt: nowMs })
        .where(
          and(eq(tierJobs.tenantId, tenantId), or(isNull(tierJobs.claimedUntil), lte(tierJobs.claimedUntil, nowMs))),
        )
        .run().changes === 1
    );
  },

  /** Takes the tenant's seeding until `until` unless another process holds it; call in immediate(). */
  claimSeed(tx: DbOrTx, tenantId: string, nowMs: number, until: number): boolean {
    this.ensureJobState(tx, tenantId, nowMs);
    return (
      tx
        .update(tierJobs)
        .set({ seedClaimedUntil: until, updatedAt: nowMs })
        .where(
          and(
            eq(tierJobs.tenantId, tenantId),
            or(isNull(tierJobs.seedClaimedUntil), lte(tierJobs.seedClaimedUntil, nowMs)),
          ),
        )
        .run().changes === 1
    );
  },

  updateJob(tx: DbOrTx, tenantId: string, changes: Partial<Omit<TierJobRow, 'tenantId'>>): void {
    tx.update(tierJobs).set(changes).where(eq(tierJobs.tenantId, tenantId)).run();
  },

  /** Seedings asked for or under way whose process is gone (its claim ran out): the maintenance job resumes them. */
  abandonedSeeds(tx: DbOrTx, nowMs: number): string[] {
    return tx
      .select({ tenantId: tierJobs.tenantId })
      .from(tierJobs)
      .where(
        and(
          inArray(tierJobs.seedStatus, ['requested', 'running']),
          or(isNull(tierJobs.seedClaimedUntil), lte(tierJobs.seedClaimedUntil, nowMs)),
        ),
      )
      .all()
      .map((row) => row.tenantId);
  },
};
