import { and, asc, desc, eq, getTableColumns, gt, lt, sql, type SQL } from 'drizzle-orm';
import { transactionLog, type LogKind, type LogRow } from '../../db/schema/index.js';
import { redactText } from '../logging/redact.js';
import type { DbOrTx } from '../storage/database.js';
import { recordedBetween } from './time-range.js';

/** What support staff filter the log by; every field is optional and they combine with AND. */
export interface LogFilter {
  tenantId?: string;
  kind?: LogKind;
  endpoint?: string;
  /** Any of these SQLite GLOB patterns (one Russian endpoint name, see endpoint-names.ts). */
  endpointGlobs?: readonly string[];
  /** The id every row of one incoming request shares (the till's call and the provider calls behind it). */
  requestId?: string;
  status?: 'ok' | 'error';
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
  /** Sale or return number as the till shows it. */
  documentName?: string;
  saleKey?: string;
  phoneLast4?: string;
  cardNumber?: string;
}

/** Newest first; `before` pages to older rows, `after` back to newer ones (keyset on id, never OFFSET). */
export type LogCursor = { before: number } | { after: number } | undefined;

/** A row as the list shows it: everything but the bodies; its error text redacted (see `shown`). */
export type LogListRow = Omit<LogRow, 'requestBody' | 'responseBody'>;

export interface LogPage {
  rows: LogListRow[];
  /** Pass as `after` to see newer rows; absent on the newest page. */
  newer?: number;
  /** Pass as `before` to see older rows; absent on the oldest page. */
  older?: number;
}

export const PAGE_SIZE = 50;

const { requestBody: _request, responseBody: _response, ...listColumns } = getTableColumns(transactionLog);

/** The WHERE of a filter. Written so each equality can drive its own index and nothing forces a sort. */
function conditions(db: DbOrTx, filter: LogFilter): SQL[] {
  const t = transactionLog;
  const where: SQL[] = [];
  if (filter.tenantId) where.push(eq(t.tenantId, filter.tenantId));
  if (filter.kind) where.push(eq(t.kind, filter.kind));
  if (filter.endpoint) where.push(eq(t.endpoint, filter.endpoint));
  if (filter.endpointGlobs?.length)
    where.push(
      sql`(${sql.join(
        filter.endpointGlobs.map((glob) => sql`${t.endpoint} glob ${glob}`),
        sql` or `,
      )})`,
    );
  if (filter.requestId) where.push(eq(t.requestId, filter.requestId));
  // Literal 0/1, not a bound parameter: only then may SQLite use the partial error indexes.
  if (filter.status === 'error') where.push(sql`${t.ok} = 0`);
  if (filter.status === 'ok') where.push(sql`${t.ok} = 1`);
  if (filter.documentName) where.push(eq(t.documentName, filter.documentName));
  if (filter.saleKey) where.push(eq(t.saleKey, filter.saleKey));
  if (filter.phoneLast4) where.push(eq(t.phoneLast4, filter.phoneLast4));
  if (filter.cardNumber) where.push(eq(t.cardNumber, filter.cardNumber));
  where.push(...recordedBetween(db, filter.from?.getTime(), filter.to?.getTime()));
  return where;
}

/** The page query itself; exposed so tests can EXPLAIN exactly what the admin page runs. */
export function pageQuery(db: DbOrTx, filter: LogFilter, cursor: LogCursor, limit: number) {
  const t = transactionLog;
  const where = conditions(db, filter);
  const newerFirst = !(cursor && 'after' in cursor);
  if (cursor && 'before' in cursor) where.push(lt(t.id, cursor.before));
  if (cursor && 'after' in cursor) where.push(gt(t.id, cursor.after));
  return db
    .select(listColumns)
    .from(t)
    .where(and(...where))
    .orderBy(newerFirst ? desc(t.id) : asc(t.id))
    .limit(limit);
}

/** One page, newest first, with the cursors to the neighbouring pages. */
export function logPage(db: DbOrTx, filter: LogFilter, cursor?: LogCursor, size = PAGE_SIZE): LogPage {
  const fetched = pageQuery(db, filter, cursor, size + 1)
    .all()
    .map(shown);
  const more = fetched.length > size;
  const rows = fetched.slice(0, size);
  if (cursor && 'after' in cursor) {
    rows.reverse();
    return { rows, newer: more ? rows[0]?.id : undefined, older: rows.at(-1)?.id ?? cursor.after + 1 };
  }
  const newest = rows[0]?.id;
  const hasNewer =
    cursor !== undefined && newest !== undefined && pageQuery(db, filter, { after: newest }, 1).get() !== undefined;
  return { rows, newer: hasNewer ? newest : undefined, older: more ? rows.at(-1)?.id : undefined };
}

/**
 * Every row of a filter, newest first, in chunks of `chunk` rows: the CSV export streams a range of any
 * size without holding it in memory or keeping a read transaction open between chunks.
 */
export function* eachLogRow(db: DbOrTx, filter: LogFilter, chunk = 1000): Generator<LogListRow> {
  let cursor: LogCursor;
  for (;;) {
    const rows = pageQuery(db, filter, cursor, chunk).all();
    yield* rows.map(shown);
    if (rows.length < chunk) return;
    cursor = { before: rows.at(-1)!.id };
  }
}

export function findLogRow(db: DbOrTx, id: number): LogRow | undefined {
  const row = db.select().from(transactionLog).where(eq(transactionLog.id, id)).get();
  return row && shown(row);
}

/**
 * The body of a sale's first accepted LoyaltyAPI call (as logged, redacted), for support comparing a
 * repeat with it; undefined when the log no longer has it (retention) or has not written it yet.
 */
export function firstSaleCallBody(db: DbOrTx, tenantId: string, saleKey: string): unknown {
  const t = transactionLog;
  const row = db
    .select({ body: t.requestBody })
    .from(t)
    .where(
      and(
        eq(t.saleKey, saleKey),
        eq(t.tenantId, tenantId),
        eq(t.kind, 'loyalty-api'),
        eq(t.endpoint, 'POST /retaildemand'),
        sql`${t.ok} = 1`,
      ),
    )
    .orderBy(asc(t.id))
    .limit(1)
    .get();
  if (!row?.body) return undefined;
  try {
    return JSON.parse(row.body);
  } catch {
    return row.body; // cut at 64 KB by the writer: shown as text
  }
}

/**
 * Error texts come from other systems and may quote a phone or a token; the writer redacts them, and rows
 * are redacted again on the way out, so one written by an older version is safe to show or export too.
 */
function shown<R extends { errorMessage: string | null }>(row: R): R {
  return row.errorMessage ? { ...row, errorMessage: redactText(row.errorMessage) } : row;
}

/** A sale's story reaches back and forth this far: the recalc before it, a return later the same day. */
const CUSTOMER_WINDOW_MS = 30 * 60_000;
const LINKED_LIMIT = 100;

/**
 * Rows that belong with this one: the same request (the till's call and the provider and МойСклад calls it
 * made), the same sale (its recalc-free steps, provider calls, outbox attempts and returns share sale_key)
 * and, within half an hour, the same customer's calls at the same tenant (the recalc that preceded a sale
 * has no sale key yet). Oldest first, the row itself excluded.
 */
export function linkedRows(db: DbOrTx, row: LogListRow): LogListRow[] {
  const t = transactionLog;
  const found = new Map<number, LogListRow>();
  const sameTenant = row.tenantId ? eq(t.tenantId, row.tenantId) : sql`${t.tenantId} is null`;
  if (row.saleKey) {
    for (const linked of db
      .select(listColumns)
      .from(t)
      .where(and(eq(t.saleKey, row.saleKey), sameTenant))
      .orderBy(desc(t.id))
      .limit(LINKED_LIMIT)
      .all()) {
      found.set(linked.id, linked);
    }
  }
  if (row.requestId) {
    // One incoming call and what it caused (a provider lookup behind a 404 «Клиент не найден») share it.
    for (const linked of db
      .select(listColumns)
      .from(t)
      .where(eq(t.requestId, row.requestId))
      .orderBy(desc(t.id))
      .limit(LINKED_LIMIT)
      .all()) {
      found.set(linked.id, linked);
    }
  }
  if (row.customerId && row.tenantId) {
    const around: LogFilter = {
      tenantId: row.tenantId,
      from: new Date(row.at - CUSTOMER_WINDOW_MS),
      to: new Date(row.at + CUSTOMER_WINDOW_MS),
    };
    const rows = db
      .select(listColumns)
      .from(t)
      .where(and(...conditions(db, around), eq(t.customerId, row.customerId)))
      .orderBy(desc(t.id))
      .limit(LINKED_LIMIT)
      .all();
    for (const linked of rows) found.set(linked.id, linked);
  }
  found.delete(row.id);
  return [...found.values()].sort((a, b) => a.id - b.id).map(shown);
}
