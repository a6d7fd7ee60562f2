import { and, asc, between, eq, lt, sql } from 'drizzle-orm';
import { loyaltyApiHourly, transactionLog } from '../../db/schema/index.js';
import type { Db, DbOrTx } from '../storage/database.js';
import { recordedBetween } from './time-range.js';

export const HOUR_MS = 3_600_000;
/** An hour is rolled up this long after it ended: its last rows may still sit in the writer's 50 ms queue. */
const SETTLE_MS = 60_000;
/** The dashboard's longest period: a call without a limit rolls up all of it. */
const MAX_HOURS = 24 * 31;

export interface HourStats {
  /** Hours since the epoch. */
  hour: number;
  calls: number;
  errors: number;
  p95Ms: number | null;
}

/** Calls, errors and p95 latency of LoyaltyAPI calls recorded in [fromMs, toMs), read from the log itself. */
function measureRange(db: DbOrTx, fromMs: number, toMs: number): Omit<HourStats, 'hour'> {
  const t = transactionLog;
  const row = db
    .select({
      calls: sql<number>`count(*)`,
      errors: sql<number>`coalesce(sum(${t.ok} = 0), 0)`,
      p95: sql<number | null>`percentile(${t.durationMs}, 95)`,
    })
    .from(t)
    .where(and(eq(t.kind, 'loyalty-api'), ...recordedBetween(db, fromMs, toMs)))
    .get();
  return {
    calls: row?.calls ?? 0,
    errors: row?.errors ?? 0,
    p95Ms: row?.p95 === null || row?.p95 === undefined ? null : Math.round(row.p95),
  };
}

/**
 * Stores the stats of closed hours in [fromHour, now) not stored yet, at most `limit` of them, and returns
 * how many it stored. Closed hours never change, so each is measured once; the maintenance job keeps this
 * current in small steps and the dashboard tops it up.
 */
export function rollUpLoyaltyHours(db: Db, fromHour: number, now: Date, limit = MAX_HOURS): number {
  const lastClosed = Math.floor((now.getTime() - SETTLE_MS) / HOUR_MS) - 1;
  if (lastClosed < fromHour) return 0;
  const stored = new Set(
    db
      .select({ hour: loyaltyApiHourly.hour })
      .from(loyaltyApiHourly)
      .where(between(loyaltyApiHourly.hour, fromHour, lastClosed))
      .all()
      .map((row) => row.hour),
  );
  let added = 0;
  for (let hour = fromHour; hour <= lastClosed && added < limit; hour++) {
    if (stored.has(hour)) continue;
    const stats = measureRange(db, hour * HOUR_MS, (hour + 1) * HOUR_MS);
    db.insert(loyaltyApiHourly)
      .values({ hour, ...stats })
      .onConflictDoNothing()
      .run();
    added++;
  }
  return added;
}

/**
 * Per-hour LoyaltyAPI stats for [fromHour, now]: closed hours from the roll-up table (rolled up first if
 * missing), the hours still open measured live. Hours without calls are included with zero calls.
 */
export function loyaltyHourlySeries(db: Db, fromHour: number, now: Date): HourStats[] {
  rollUpLoyaltyHours(db, fromHour, now);
  const nowHour = Math.floor(now.getTime() / HOUR_MS);
  const stored = new Map(
    db
      .select()
      .from(loyaltyApiHourly)
      .where(between(loyaltyApiHourly.hour, fromHour, nowHour))
      .orderBy(asc(loyaltyApiHourly.hour))
      .all()
      .map((row) => [row.hour, row] as const),
  );
  const series: HourStats[] = [];
  for (let hour = fromHour; hour <= nowHour; hour++) {
    series.push(stored.get(hour) ?? { hour, ...measureRange(db, hour * HOUR_MS, (hour + 1) * HOUR_MS) });
  }
  return series;
}

/** The roll-up follows the log's retention. */
export function purgeHoursBefore(db: Db, cutoff: Date): void {
  db.delete(loyaltyApiHourly)
    .where(lt(loyaltyApiHourly.hour, Math.floor(cutoff.getTime() / HOUR_MS)))
    .run();
}
