import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { transactionLog } from '../../db/schema/index.js';
import type { DbOrTx } from '../storage/database.js';
import { failuresSql } from './loyalty-api-stats.js';
import { recordedBetween } from './time-range.js';

export interface LoyaltyActivity {
  /** Epoch ms of the tenant's newest LoyaltyAPI call, if any. */
  lastCallAt?: number;
  calls24h: number;
  /** Failures as the dashboard counts them: «клиент не найден» is an answer, not a failure. */
  failures24h: number;
}

const DAY_MS = 86_400_000;

/**
 * LoyaltyAPI activity of a page of tenants: their newest call (one index seek each) and the last 24 hours'
 * calls and failures (a range read over those tenants' rows of that day, never the whole log).
 */
export function loyaltyActivity(db: DbOrTx, tenantIds: string[], now: Date): Map<string, LoyaltyActivity> {
  const t = transactionLog;
  const activity = new Map<string, LoyaltyActivity>(tenantIds.map((id) => [id, { calls24h: 0, failures24h: 0 }]));
  if (tenantIds.length === 0) return activity;

  for (const [tenantId, entry] of activity) {
    const last = db
      .select({ at: t.at })
      .from(t)
      .where(and(eq(t.tenantId, tenantId), eq(t.kind, 'loyalty-api')))
      .orderBy(desc(t.id))
      .limit(1)
      .get();
    entry.lastCallAt = last?.at;
  }

  const counts = db
    .select({ tenantId: t.tenantId, calls: sql<number>`count(*)`, failures: failuresSql })
    .from(t)
    .where(
      and(inArray(t.tenantId, tenantIds), eq(t.kind, 'loyalty-api'), ...recordedBetween(db, now.getTime() - DAY_MS)),
    )
    .groupBy(t.tenantId)
    .all();
  for (const row of counts) {
    const entry = row.tenantId ? activity.get(row.tenantId) : undefined;
    if (entry) Object.assign(entry, { calls24h: row.calls, failures24h: row.failures });
  }
  return activity;
}
