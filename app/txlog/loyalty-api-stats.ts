import { and, asc, between, eq, isNull, lt, sql } from 'drizzle-orm';
import { loyaltyApiHourly, transactionLog } from '../../db/schema/index.js';
import type { Db, DbOrTx } from '../storage/database.js';
import { recordedBetween } from './time-range.js';

export const HOUR_MS = 3_600_000;
/** An hour is rolled up this long after it ended: its last rows may still sit in the writer's 50 ms queue. */
const SETTLE_MS = 60_000;
/** The dashboard's longest period: a call without a limit rolls up all of it. */
const MAX_HOURS = 24 * 31;

/**
 * The till's questions about one customer. A 404 to them is «клиент не найден»: the customer is not in the
 * program (not registered yet, a typo in the phone), a normal answer at the till and not a failure. A 404
 * elsewhere (a sale, a return, a method we do not have) is a failure like any other 4xx or 5xx.
 */
export const CUSTOMER_QUESTIONS = [
  'POST /counterparty/detail',
  'POST /retaildemand/recalc',
  'POST /retaildemand/verify',
];

/** A row that reads as «клиент не найден»: an answer the till expects, not a failure. */
export function isCustomerNotFound(row: { kind: string; endpoint: string; httpStatus: number | null }): boolean {
  return row.kind === 'loyalty-api' && row.httpStatus === 404 && CUSTOMER_QUESTIONS.includes(row.endpoint);
}

export interface HourStats {
  /** Hours since the epoch. */
  hour: number;
  calls: number;
  /** Answers of 400 or more, less the «клиент не найден» ones. */
  failures: number;
  /** 404 «клиент не найден» to a question about one customer (CUSTOMER_QUESTIONS). */
  notFound: number;
  p95Ms: number | null;
}

const t = transactionLog;
// `is`, not `=`: a row without a status (a crash before the answer) is still a failure.
const customerNotFoundSql = sql`(${t.httpStatus} is 404 and ${t.endpoint} in ${CUSTOMER_QUESTIONS})`;
const notFoundSql = sql<number>`coalesce(sum(${customerNotFoundSql}), 0)`;
/** Failures among the rows counted, as the dashboard defines them (see CUSTOMER_QUESTIONS). */
export const failuresSql = sql<number>`coalesce(sum(${t.ok} = 0 and not ${customerNotFoundSql}), 0)`;

/** The LoyaltyAPI calls recorded in [fromMs, toMs): as stored per hour (errors with the not-found ones). */
function measureRange(db: DbOrTx, fromMs: number, toMs: number) {
  const row = db
    .select({
      calls: sql<number>`count(*)`,
      errors: sql<number>`coalesce(sum(${t.ok} = 0), 0)`,
      notFound: notFoundSql,
      p95: sql<number | null>`percentile(${t.durationMs}, 95)`,
    })
    .from(t)
    .where(and(eq(t.kind, 'loyalty-api'), ...recordedBetween(db, fromMs, toMs)))
    .get();
  return {
    calls: row?.calls ?? 0,
    errors: row?.errors ?? 0,
    notFound: row?.notFound ?? 0,
    p95Ms: row?.p95 === null || row?.p95 === undefined ? null : Math.round(row.p95),
  };
}

/** «Клиент не найден» of one hour, for an hour rolled up before they were counted. */
function measureNotFound(db: DbOrTx, hour: number): number {
  const row = db
    .select({ notFound: notFoundSql })
    .from(t)
    .where(and(eq(t.kind, 'loyalty-api'), ...recordedBetween(db, hour * HOUR_MS, (hour + 1) * HOUR_MS)))
    .get();
  return row?.notFound ?? 0;
}

type Measured = ReturnType<typeof measureRange>;
const toStats = (hour: number, m: Measured & { notFound: number }): HourStats => ({
  hour,
  calls: m.calls,
  failures: m.errors - m.notFound,
  notFound: m.notFound,
  p95Ms: m.p95Ms,
});

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
      .map((row) => [row.hour, { ...row, notFound: row.notFound ?? fillNotFound(db, row.hour) }] as const),
  );
  const series: HourStats[] = [];
  for (let hour = fromHour; hour <= nowHour; hour++) {
    const row = stored.get(hour);
    series.push(toStats(hour, row ?? measureRange(db, hour * HOUR_MS, (hour + 1) * HOUR_MS)));
  }
  return series;
}

/**
 * An hour the previous version rolled up counted «клиент не найден» among its errors: they are counted from
 * the log (kept as long as the roll-up) and stored, once; another process filling it at the same time writes
 * the same number.
 */
function fillNotFound(db: Db, hour: number): number {
  const notFound = measureNotFound(db, hour);
  db.update(loyaltyApiHourly)
    .set({ notFound })
    .where(and(eq(loyaltyApiHourly.hour, hour), isNull(loyaltyApiHourly.notFound)))
    .run();
  return notFound;
}

/** The roll-up follows the log's retention. */
export function purgeHoursBefore(db: Db, cutoff: Date): void {
  db.delete(loyaltyApiHourly)
    .where(lt(loyaltyApiHourly.hour, Math.floor(cutoff.getTime() / HOUR_MS)))
    .run();
}
