import { and, eq, gte, lt, sql } from 'drizzle-orm';
import { giftCards, ledgerEntries } from '../../db/schema/index.js';
import type { DbOrTx } from '../storage/database.js';

/**
 * The points statement's reads: sums over a tenant's entries, from the covering index on
 * (tenant_id, created_at, kind, points, available_at). Nothing is kept beside the entries, so there
 * is nothing that could drift from them.
 */

/** What a tenant's customers held just before `before`, and how much of it could not be spent yet at `pendingAt`. */
export function pointsBefore(db: DbOrTx, tenantId: string, before: number, pendingAt = before) {
  const e = ledgerEntries;
  const row = db
    .select({
      points: sql<number>`coalesce(sum(${e.points}), 0)`,
      pending: sql<number>`coalesce(sum(case when ${e.availableAt} > ${pendingAt} then ${e.points} end), 0)`,
    })
    .from(e)
    .where(and(eq(e.tenantId, tenantId), lt(e.createdAt, before)))
    .get();
  return { points: row?.points ?? 0, pending: row?.pending ?? 0 };
}

/** Σ points per entry kind over [from, to). Kinds are plain strings: a newer process may have written a new one. */
export function pointsByKind(db: DbOrTx, tenantId: string, from: number, to: number): Map<string, number> {
  const e = ledgerEntries;
  const rows = db
    .select({ kind: e.kind, points: sql<number>`sum(${e.points})` })
    .from(e)
    .where(and(eq(e.tenantId, tenantId), gte(e.createdAt, from), lt(e.createdAt, to)))
    .groupBy(e.kind)
    .all();
  return new Map(rows.map((row) => [row.kind as string, row.points]));
}

/** Kopecks left on a tenant's gift cards that can still pay: not blocked, not expired at `now`. */
export function giftCardKopecks(db: DbOrTx, tenantId: string, now: number): number {
  const g = giftCards;
  const row = db
    .select({ kopecks: sql<number>`coalesce(sum(${g.balanceKopecks}), 0)` })
    .from(g)
    .where(
      and(eq(g.tenantId, tenantId), eq(g.blocked, false), sql`(${g.expiresAt} is null or ${g.expiresAt} > ${now})`),
    )
    .get();
  return row?.kopecks ?? 0;
}

/** Runs `read` in one read transaction, so every sum sees the same entries. */
export function readSnapshot<T>(db: DbOrTx, read: (tx: DbOrTx) => T): T {
  return db.transaction((tx) => read(tx), { behavior: 'deferred' });
}
