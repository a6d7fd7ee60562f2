import { and, asc, inArray } from 'drizzle-orm';
import { transactionLog } from '../../db/schema/index.js';
import { immediate, type Db } from '../storage/database.js';
import { purgeHoursBefore } from './loyalty-api-stats.js';
import { recordedBetween } from './time-range.js';

const BATCH_ROWS = 5000;

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
