import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { transactionLog } from '../../db/schema/index.js';
import type { DbOrTx } from '../storage/database.js';
import { recordedBetween } from './time-range.js';

/** Two of a tenant's LoyaltyAPI calls in a row (epoch ms of each): nothing reached us between them. */
export interface CallGap {
  fromMs: number;
  toMs: number;
}

const isCallOf = (tenantId: string) =>
  and(eq(transactionLog.tenantId, tenantId), eq(transactionLog.kind, 'loyalty-api'));

/**
 * The tenant's consecutive LoyaltyAPI calls recorded in [fromMs, toMs) more than `longerThanMs` apart,
 * oldest first. One walk of the tenant's rows of that range (txlog_tenant_idx), the pairs made by
 * SQLite's lag(); the pair of the range's first call and the one before it is the caller's (callAround).
 */
export function callGaps(db: DbOrTx, tenantId: string, fromMs: number, toMs: number, longerThanMs: number): CallGap[] {
  const t = transactionLog;
  const calls = db
    .select({ at: t.at, previous: sql<number | null>`lag(${t.at}) over (order by ${t.id})`.as('previous') })
    .from(t)
    .where(and(isCallOf(tenantId), ...recordedBetween(db, fromMs, toMs)))
    .as('calls');
  return db
    .select({ fromMs: sql<number>`${calls.previous}`, toMs: calls.at })
    .from(calls)
    .where(sql`${calls.previous} is not null and ${calls.at} - ${calls.previous} > ${longerThanMs}`)
    .all();
}

/**
 * The tenant's last LoyaltyAPI call recorded before `ms` and its first one at or after it (before
 * `untilMs`); the id bounds of recordedBetween keep each walk to the rows near `ms`.
 */
export function callAround(
  db: DbOrTx,
  tenantId: string,
  ms: number,
  untilMs: number,
): { before?: number; after?: number } {
  const t = transactionLog;
  const before = db
    .select({ at: t.at })
    .from(t)
    .where(and(isCallOf(tenantId), ...recordedBetween(db, undefined, ms)))
    .orderBy(desc(t.id))
    .limit(1)
    .get()?.at;
  const after = db
    .select({ at: t.at })
    .from(t)
    .where(and(isCallOf(tenantId), ...recordedBetween(db, ms, untilMs)))
    .orderBy(asc(t.id))
    .limit(1)
    .get()?.at;
  return { before, after };
}

/** The newest row's time, whoever wrote it: when the process before this one last did anything. */
export function newestRowAt(db: DbOrTx): number | undefined {
  const t = transactionLog;
  return db.select({ at: t.at }).from(t).orderBy(desc(t.id)).limit(1).get()?.at;
}
