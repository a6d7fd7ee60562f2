import { and, asc, eq, gt, lte, sql } from 'drizzle-orm';
import { ledgerEntries, ledgerLots, ledgerLotUses, type LedgerLot } from '../../db/schema/index.js';
import { preparedOnce, type DbOrTx } from '../storage/database.js';
import { insertRow } from '../storage/statements.js';

/** Points of one expiry date still held by a customer, split by whether they can be spent yet. */
export interface ExpiryGroup {
  expiresAt: number;
  available: number;
  pending: number;
}

/** A lot's part of what one spend took, with the lot's expiry date. */
export interface LotUse {
  lotId: number;
  points: number;
  expiresAt: number;
}

// Every query below repeats `remaining > 0` literally: it is what lets SQLite use the partial indexes.
const live = sql`${ledgerLots.remaining} > 0`;

/** Lots of points that can expire and what consumed them; callers decide the transaction. */
export const lotRepository = {
  /** Prepared once (app/storage/statements.ts): every sale that earns dated points and every imported balance writes one. */
  insert(tx: DbOrTx, lot: Omit<LedgerLot, 'remaining' | 'expireEntryId'>): void {
    insertRow(tx, ledgerLots, { ...lot, remaining: lot.points });
  },

  /** A customer's lots with points left, the soonest to expire first (ties: the oldest lot). */
  liveOf(tx: DbOrTx, customerId: string): LedgerLot[] {
    const query = preparedOnce(tx, 'liveLots', () =>
      tx
        .select()
        .from(ledgerLots)
        .where(and(eq(ledgerLots.customerId, sql.placeholder('customerId')), live))
        .orderBy(asc(ledgerLots.expiresAt), asc(ledgerLots.entryId))
        .prepare(),
    );
    return query.all({ customerId });
  },

  /** A customer's lots whose time has come (expiresAt ≤ now) with points left. */
  dueOf(tx: DbOrTx, customerId: string, now: number): LedgerLot[] {
    const query = preparedOnce(tx, 'dueLotsOfCustomer', () =>
      tx
        .select()
        .from(ledgerLots)
        .where(
          and(
            eq(ledgerLots.customerId, sql.placeholder('customerId')),
            live,
            lte(ledgerLots.expiresAt, sql.placeholder('now')),
          ),
        )
        .orderBy(asc(ledgerLots.expiresAt), asc(ledgerLots.entryId))
        .prepare(),
    );
    return query.all({ customerId, now });
  },

  /**
   * What a customer holds per expiry date in (after, until], soonest first: the till's read. It touches
   * only live lots, never the customer's history. (No LIMIT: a bound one costs SQLite more than it saves.)
   */
  groupsBetween(tx: DbOrTx, customerId: string, now: number, after: number, until: number): ExpiryGroup[] {
    const query = preparedOnce(tx, 'lotGroupsBetween', () =>
      tx
        .select({
          expiresAt: ledgerLots.expiresAt,
          available: sql<number>`coalesce(sum(case when ${ledgerLots.availableAt} <= ${sql.placeholder('now')} then ${ledgerLots.remaining} end), 0)`,
          pending: sql<number>`coalesce(sum(case when ${ledgerLots.availableAt} > ${sql.placeholder('now')} then ${ledgerLots.remaining} end), 0)`,
        })
        .from(ledgerLots)
        .where(
          and(
            eq(ledgerLots.customerId, sql.placeholder('customerId')),
            live,
            gt(ledgerLots.expiresAt, sql.placeholder('after')),
            lte(ledgerLots.expiresAt, sql.placeholder('until')),
          ),
        )
        .groupBy(ledgerLots.expiresAt)
        .orderBy(asc(ledgerLots.expiresAt))
        .prepare(),
    );
    return query.all({ customerId, now, after, until });
  },

  /** Σ remaining of a customer's lots past their time but not yet written off. */
  dueRemaining(tx: DbOrTx, customerId: string, now: number): number {
    const query = preparedOnce(tx, 'dueLotRemaining', () =>
      tx
        .select({ total: sql<number>`coalesce(sum(${ledgerLots.remaining}), 0)` })
        .from(ledgerLots)
        .where(
          and(
            eq(ledgerLots.customerId, sql.placeholder('customerId')),
            live,
            lte(ledgerLots.expiresAt, sql.placeholder('now')),
          ),
        )
        .prepare(),
    );
    return query.get({ customerId, now })?.total ?? 0;
  },

  /** Takes `points` from a lot for the entry `entryId`, and records the use. */
  take(tx: DbOrTx, lotId: number, entryId: number, points: number): void {
    const changed = tx
      .update(ledgerLots)
      .set({ remaining: sql`${ledgerLots.remaining} - ${points}` })
      .where(and(eq(ledgerLots.entryId, lotId), sql`${ledgerLots.remaining} >= ${points}`))
      .run().changes;
    if (changed !== 1) throw new Error(`lot ${lotId} has fewer than ${points} points left`);
    this.recordUse(tx, entryId, lotId, points);
  },

  recordUse(tx: DbOrTx, entryId: number, lotId: number, points: number): void {
    tx.insert(ledgerLotUses).values({ entryId, lotId, points }).run();
  },

  /**
   * Closes a lot: nothing left, written off by `expireEntryId` (null: closed with nothing to write off).
   * Guarded: a lot already closed changes nothing and false comes back; the unique expire_entry_id is the
   * last guard.
   */
  markExpired(tx: DbOrTx, lotId: number, expireEntryId: number | null): boolean {
    return (
      tx
        .update(ledgerLots)
        .set({ expireEntryId, remaining: 0 })
        .where(and(eq(ledgerLots.entryId, lotId), live, sql`${ledgerLots.expireEntryId} is null`))
        .run().changes === 1
    );
  },

  /** Up to `limit` lots of any tenant whose time has come, with points left: the expiry job's batch. */
  dueBatch(tx: DbOrTx, now: number, limit: number): LedgerLot[] {
    return tx
      .select()
      .from(ledgerLots)
      .where(and(live, lte(ledgerLots.expiresAt, now)))
      .orderBy(asc(ledgerLots.expiresAt), asc(ledgerLots.entryId))
      .limit(limit)
      .all();
  },

  /** The lot a sale's earning made, if it can expire. */
  earnLotOfSale(tx: DbOrTx, saleId: string): LedgerLot | undefined {
    return tx
      .select({ lot: ledgerLots })
      .from(ledgerEntries)
      .innerJoin(ledgerLots, eq(ledgerLots.entryId, ledgerEntries.id))
      .where(and(eq(ledgerEntries.saleId, saleId), eq(ledgerEntries.kind, 'earn')))
      .get()?.lot;
  },

  /** Points the lot's 'expire' entry wrote off (0 if it has not expired). */
  expiredPoints(tx: DbOrTx, lot: Pick<LedgerLot, 'expireEntryId'>): number {
    if (lot.expireEntryId === null) return 0;
    const row = tx
      .select({ points: ledgerEntries.points })
      .from(ledgerEntries)
      .where(eq(ledgerEntries.id, lot.expireEntryId))
      .get();
    return row ? -row.points : 0;
  },

  /** What a sale's spend took from lots, in the order it took them (soonest expiry first). */
  usesOfSaleSpend(tx: DbOrTx, saleId: string): LotUse[] {
    return tx
      .select({ lotId: ledgerLotUses.lotId, points: ledgerLotUses.points, expiresAt: ledgerLots.expiresAt })
      .from(ledgerEntries)
      .innerJoin(ledgerLotUses, eq(ledgerLotUses.entryId, ledgerEntries.id))
      .innerJoin(ledgerLots, eq(ledgerLots.entryId, ledgerLotUses.lotId))
      .where(and(eq(ledgerEntries.saleId, saleId), eq(ledgerEntries.kind, 'spend')))
      .orderBy(asc(ledgerLots.expiresAt), asc(ledgerLots.entryId))
      .all();
  },

  /** Customers of a tenant with live points expiring in (from, until], per expiry date: reminder candidates. */
  expiringBetween(
    tx: DbOrTx,
    tenantId: string,
    from: number,
    until: number,
  ): Array<{ customerId: string; expiresAt: number; points: number }> {
    return tx
      .select({
        customerId: ledgerLots.customerId,
        expiresAt: ledgerLots.expiresAt,
        points: sql<number>`sum(${ledgerLots.remaining})`,
      })
      .from(ledgerLots)
      .where(
        and(eq(ledgerLots.tenantId, tenantId), live, gt(ledgerLots.expiresAt, from), lte(ledgerLots.expiresAt, until)),
      )
      .groupBy(ledgerLots.customerId, ledgerLots.expiresAt)
      .all();
  },
};
