import { and, asc, count, desc, eq, inArray, lt, lte, notInArray, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import { outbox, type NewOutboxRow, type OutboxRow, type OutboxStatus } from '../../db/schema/index.js';
import type { DbOrTx } from '../storage/database.js';

/** Statuses a delivery is still owed in: they hold back later items of the same customer. */
export const WAITING_STATUSES: OutboxStatus[] = ['pending', 'sending'];

/** Plain reads and writes of the outbox; callers decide the transaction. */
export const outboxRepository = {
  /** Adds the item unless the same document is already there; returns the stored row either way. */
  insertOnce(tx: DbOrTx, row: NewOutboxRow): OutboxRow {
    tx.insert(outbox).values(row).onConflictDoNothing().run();
    return tx
      .select()
      .from(outbox)
      .where(
        and(eq(outbox.tenantId, row.tenantId), eq(outbox.kind, row.kind), eq(outbox.operationKey, row.operationKey)),
      )
      .get()!;
  },

  find(tx: DbOrTx, id: number): OutboxRow | undefined {
    return tx.select().from(outbox).where(eq(outbox.id, id)).get();
  },

  findSale(tx: DbOrTx, tenantId: string, saleKey: string): OutboxRow | undefined {
    return tx
      .select()
      .from(outbox)
      .where(and(eq(outbox.tenantId, tenantId), eq(outbox.kind, 'sale'), eq(outbox.operationKey, saleKey)))
      .get();
  },

  /** Returns of a sale that wait for a person: their note may depend on how the sale went. */
  returnsNeedingSupport(tx: DbOrTx, tenantId: string, saleKey: string): OutboxRow[] {
    return tx
      .select()
      .from(outbox)
      .where(
        and(
          eq(outbox.tenantId, tenantId),
          eq(outbox.saleKey, saleKey),
          eq(outbox.kind, 'return'),
          eq(outbox.status, 'needs_support'),
        ),
      )
      .orderBy(asc(outbox.id))
      .all();
  },

  /** The return entries of one sale, oldest first. */
  returnsOfSale(tx: DbOrTx, tenantId: string, saleKey: string): OutboxRow[] {
    return tx
      .select()
      .from(outbox)
      .where(and(eq(outbox.tenantId, tenantId), eq(outbox.kind, 'return'), eq(outbox.saleKey, saleKey)))
      .orderBy(asc(outbox.id))
      .all();
  },

  /**
   * Pending items whose time has come and which are first in line for their customer: an earlier
   * item of the same customer still waiting holds them back, so deliveries keep their order.
   */
  due(tx: DbOrTx, now: number, limit: number, skipTenants: string[] = []): OutboxRow[] {
    return tx
      .select()
      .from(outbox)
      .where(
        and(
          eq(outbox.status, 'pending'),
          lte(outbox.nextAttemptAt, now),
          firstInLine(),
          notInArray(outbox.tenantId, skipTenants),
        ),
      )
      .orderBy(asc(outbox.id))
      .limit(limit)
      .all();
  },

  /** When the next item that is first in line falls due, if any. */
  nextDueAt(tx: DbOrTx, skipTenants: string[] = []): number | undefined {
    const row = tx
      .select({ at: sql<number | null>`min(${outbox.nextAttemptAt})` })
      .from(outbox)
      .where(and(eq(outbox.status, 'pending'), firstInLine(), notInArray(outbox.tenantId, skipTenants)))
      .get();
    return row?.at ?? undefined;
  },

  /** Attempts whose claim ran out: the process stopped (or hung) mid-call. */
  staleClaims(tx: DbOrTx, now: number): OutboxRow[] {
    return tx
      .select()
      .from(outbox)
      .where(and(eq(outbox.status, 'sending'), lt(outbox.claimedUntil, now)))
      .all();
  },

  /**
   * Takes an item for one attempt, only if it is still pending, due and first in line for its customer:
   * the list it was picked from may be stale (another worker, in this process or in one overlapping it
   * during a pm2 reload, took it, or it failed and waits for a later retry). One UPDATE, so the check
   * and the take are atomic. Returns the item as claimed, or undefined when it is not to be sent now.
   */
  claim(tx: DbOrTx, id: number, now: number, claimedUntil: number): OutboxRow | undefined {
    return tx
      .update(outbox)
      .set({ status: 'sending', attempts: sql`${outbox.attempts} + 1`, claimedUntil, updatedAt: now })
      .where(and(eq(outbox.id, id), eq(outbox.status, 'pending'), lte(outbox.nextAttemptAt, now), firstInLine()))
      .returning()
      .get();
  },

  /**
   * Settles an attempt whose claim ran out, only if that claim is still the one in place: another
   * worker may have settled it and claimed the item afresh since the stale list was read.
   */
  settleStaleClaim(tx: DbOrTx, id: number, now: number, changes: Partial<NewOutboxRow>): boolean {
    return (
      tx
        .update(outbox)
        .set(changes)
        .where(and(eq(outbox.id, id), eq(outbox.status, 'sending'), lt(outbox.claimedUntil, now)))
        .run().changes === 1
    );
  },

  update(tx: DbOrTx, id: number, changes: Partial<NewOutboxRow>, onlyIn?: OutboxStatus[]): boolean {
    const where = onlyIn ? and(eq(outbox.id, id), inArray(outbox.status, onlyIn)) : eq(outbox.id, id);
    return tx.update(outbox).set(changes).where(where).run().changes === 1;
  },

  /** Newest first, keyset-paged by id. */
  list(tx: DbOrTx, tenantId: string, statuses: OutboxStatus[], limit: number, beforeId?: number): OutboxRow[] {
    return tx
      .select()
      .from(outbox)
      .where(
        and(
          eq(outbox.tenantId, tenantId),
          inArray(outbox.status, statuses),
          beforeId === undefined ? undefined : lt(outbox.id, beforeId),
        ),
      )
      .orderBy(desc(outbox.id))
      .limit(limit)
      .all();
  },

  countByStatus(tx: DbOrTx, statuses: OutboxStatus[]): Array<{ status: OutboxStatus; count: number }> {
    return tx
      .select({ status: outbox.status, count: count() })
      .from(outbox)
      .where(inArray(outbox.status, statuses))
      .groupBy(outbox.status)
      .all();
  },

  countByTenant(tx: DbOrTx, statuses: OutboxStatus[]): Array<{ tenantId: string; count: number }> {
    return tx
      .select({ tenantId: outbox.tenantId, count: count() })
      .from(outbox)
      .where(inArray(outbox.status, statuses))
      .groupBy(outbox.tenantId)
      .all();
  },
};

/** No earlier item of the same customer is still waiting. */
function firstInLine() {
  const earlier = alias(outbox, 'earlier');
  // drizzle renders an alias by its name only, so the FROM clause names the table itself.
  return sql`not exists (select 1 from ${outbox} as ${sql.identifier('earlier')} where ${earlier.tenantId} = ${outbox.tenantId}
    and ${earlier.customerKey} = ${outbox.customerKey} and ${earlier.id} < ${outbox.id}
    and ${inArray(earlier.status, WAITING_STATUSES)})`;
}
