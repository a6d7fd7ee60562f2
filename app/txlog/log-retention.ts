import { and, asc, inArray, lt, sql } from 'drizzle-orm';
import { transactionLog } from '../../db/schema/index.js';
import { immediate, type Db } from '../storage/database.js';
import { purgeHoursBefore } from './loyalty-api-stats.js';
import { recordedBetween } from './time-range.js';

const BATCH_ROWS = 5000;
/** Dropping bodies rewrites each row's pages, so these batches are smaller than the purge's deletes. */
const BODY_BATCH_ROWS = 250;

/**
 * Deletes transaction-log rows recorded before `cutoff`, and the hourly stats of those hours. Each batch
 * is its own short transaction with a pause between, so a sale waiting for the write lock waits for one
 * batch at most, never for the whole purge. Returns the number of log rows deleted; stops early (between
 * batches) when `signal` aborts, as on shutdown.
 */
export async function purgeLogBefore(db: Db, cutoff: Date, signal?: AbortSignal): Promise<number> {
  const t = transactionLog;
  // Old rows sit at the start of the primary key, so each batch is found at once, and the id bound
  // from recordedBetween stops the walk where the kept rows begin.
  const old = recordedBetween(db, undefined, cutoff.getTime());
  let deleted = 0;
  for (;;) {
    // IMMEDIATE: a deferred read-then-delete fails at once (SQLITE_BUSY) when another process (the other
    // side of a pm2 reload) commits between the read and the delete; taking the write lock first waits instead.
    const batch = immediate(db, (tx) => {
      const ids = tx
        .select({ id: t.id })
        .from(t)
        .where(and(...old))
        .orderBy(asc(t.id))
        .limit(BATCH_ROWS)
        .all()
        .map((row) => row.id);
      if (ids.length > 0) tx.delete(t).where(inArray(t.id, ids)).run();
      return ids.length;
    });
    deleted += batch;
    if (batch < BATCH_ROWS || signal?.aborted) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  purgeHoursBefore(db, cutoff);
  return deleted;
}

/**
 * Drops the bodies of successful reads (read_bodies = 1) recorded before `cutoff`; their facts stay.
 * Oldest first through txlog_read_bodies_idx, in short IMMEDIATE transactions with a pause between.
 * Each row is deleted and written back under its own id without the bodies: SQLite frees the space of
 * a row that shrinks in place only when the row is deleted (it merges underfull pages on delete, never
 * on update), and new rows always go to the end of the table, so an UPDATE would leave the pages as
 * large as before. A row leaves the index as its bodies go (read_bodies = 0), so two processes
 * overlapping during a reload each take the next batch, never the same one. Returns the number of rows
 * changed; stops early (between batches) when `signal` aborts.
 */
export async function dropReadBodiesBefore(db: Db, cutoff: Date, signal?: AbortSignal): Promise<number> {
  const t = transactionLog;
  let dropped = 0;
  for (;;) {
    const batch = immediate(db, (tx) => {
      const ids = tx
        .select({ id: t.id })
        .from(t)
        // Literal 1, not a bound parameter: only then may SQLite use the partial index.
        .where(and(sql`${t.readBodies} = 1`, lt(t.at, cutoff.getTime())))
        .orderBy(asc(t.at))
        .limit(BODY_BATCH_ROWS)
        .all()
        .map((row) => row.id);
      if (ids.length === 0) return 0;
      const rows = tx.delete(t).where(inArray(t.id, ids)).returning().all();
      tx.insert(t)
        .values(rows.map((row) => ({ ...row, requestBody: null, responseBody: null, readBodies: 0 })))
        .run();
      return rows.length;
    });
    dropped += batch;
    if (batch < BODY_BATCH_ROWS || signal?.aborted) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return dropped;
}
