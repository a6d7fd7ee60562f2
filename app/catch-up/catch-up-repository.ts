import { and, asc, eq, gte, inArray, isNotNull, isNull, lt, lte, min, notInArray, or, sql } from 'drizzle-orm';
import {
  catchUpState,
  processStarts,
  sales,
  tenants,
  type CatchUpState,
  type ProcessStart,
} from '../../db/schema/index.js';
import type { DbOrTx } from '../storage/database.js';

const CHUNK = 500;

/** The catch-up job's state, claims and process starts, and what it asks of the sales table. */
export const catchUpRepository = {
  /** Tenants on the built-in ledger whose till may call us (as tenant-auth.ts lets it) and that gave us JSON API access. */
  ledgerTenantIds(tx: DbOrTx): string[] {
    return tx
      .select({ id: tenants.accountId })
      .from(tenants)
      .where(checkedTenant())
      .orderBy(asc(tenants.accountId))
      .all()
      .map((row) => row.id);
  },

  /** The oldest point up to which a tenant a pass checks has been checked; undefined when none has been yet. */
  oldestCheckedUntil(tx: DbOrTx): number | undefined {
    const row = tx
      .select({ oldest: min(catchUpState.checkedUntil) })
      .from(catchUpState)
      .innerJoin(tenants, eq(tenants.accountId, catchUpState.tenantId))
      .where(checkedTenant())
      .get();
    return row?.oldest ?? undefined;
  },

  state(tx: DbOrTx, tenantId: string): CatchUpState | undefined {
    return tx.select().from(catchUpState).where(eq(catchUpState.tenantId, tenantId)).get();
  },

  /** A tenant seen for the first time is checked from `checkedUntil` on. */
  ensureState(tx: DbOrTx, tenantId: string, checkedUntil: number, now: number): void {
    tx.insert(catchUpState).values({ tenantId, checkedUntil, updatedAt: now }).onConflictDoNothing().run();
  },

  /** Claims the tenant until `until` when nobody holds it; false when another process does. */
  claim(tx: DbOrTx, tenantId: string, now: number, until: number): boolean {
    const claimed = tx
      .update(catchUpState)
      .set({ claimedUntil: until, updatedAt: now })
      .where(
        and(
          eq(catchUpState.tenantId, tenantId),
          or(isNull(catchUpState.claimedUntil), lte(catchUpState.claimedUntil, now)),
        ),
      )
      .run();
    return claimed.changes === 1;
  },

  /** Records progress; `claimedUntil` null releases the claim. */
  advance(tx: DbOrTx, tenantId: string, checkedUntil: number, claimedUntil: number | null, now: number): void {
    tx.update(catchUpState)
      .set({ checkedUntil: sql`max(${catchUpState.checkedUntil}, ${checkedUntil})`, claimedUntil, updatedAt: now })
      .where(eq(catchUpState.tenantId, tenantId))
      .run();
  },

  recordStart(tx: DbOrTx, startedAt: number, lastRowAt: number | undefined): void {
    tx.insert(processStarts)
      .values({ startedAt, lastRowAt: lastRowAt ?? null })
      .run();
  },

  /** Deletes up to `limit` of the oldest process starts before `beforeMs`; returns how many. */
  deleteStartsBefore(tx: DbOrTx, beforeMs: number, limit: number): number {
    const ids = tx
      .select({ id: processStarts.id })
      .from(processStarts)
      .where(lt(processStarts.startedAt, beforeMs))
      .orderBy(asc(processStarts.startedAt))
      .limit(limit)
      .all()
      .map((row) => row.id);
    if (ids.length > 0) tx.delete(processStarts).where(inArray(processStarts.id, ids)).run();
    return ids.length;
  },

  /** Process starts in [fromMs, toMs), oldest first. */
  startsBetween(tx: DbOrTx, fromMs: number, toMs: number): ProcessStart[] {
    return tx
      .select()
      .from(processStarts)
      .where(and(gte(processStarts.startedAt, fromMs), lt(processStarts.startedAt, toMs)))
      .orderBy(asc(processStarts.startedAt))
      .all();
  },

  /** Of these МойСклад sale ids, those recorded as a sale's id or key (the till's, or caught up before). */
  recordedSaleIds(tx: DbOrTx, tenantId: string, ids: readonly string[]): Set<string> {
    const found = new Set<string>();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const part = ids.slice(i, i + CHUNK);
      for (const row of tx
        .select({ msId: sales.msId, saleKey: sales.saleKey })
        .from(sales)
        .where(and(eq(sales.tenantId, tenantId), or(inArray(sales.msId, part), inArray(sales.saleKey, part))))
        .all()) {
        if (row.msId) found.add(row.msId);
        found.add(row.saleKey);
      }
    }
    return found;
  },

  /** Whether the till sent a sale with this number and moment (to the second) without its МойСклад id. */
  hasSaleWithoutId(tx: DbOrTx, tenantId: string, name: string, moment: string): boolean {
    return tx
      .select({ moment: sales.moment })
      .from(sales)
      .where(and(eq(sales.tenantId, tenantId), isNull(sales.msId), eq(sales.name, name)))
      .all()
      .some((row) => row.moment?.slice(0, 19) === moment.slice(0, 19));
  },
};

function checkedTenant() {
  return and(
    notInArray(tenants.status, ['Uninstalled', 'Suspended']),
    eq(tenants.backend, 'ledger'),
    isNotNull(tenants.accessTokenEnc),
  );
}
