import { transactionLogStorage, type LogStorage } from '../../app/txlog/log-storage.js';
import type { TestApp } from '../helpers/test-app.js';

/** The transaction log's footprint now, its queued rows written first. */
export function logFootprint(bench: TestApp): LogStorage {
  bench.flushLog();
  return transactionLogStorage(bench.storage.sqlite);
}

export interface RowBytes {
  /** Per row added between the two readings, as stored now (a read keeps its bodies for LOG_READ_BODIES_DAYS). */
  fresh: number;
  /** The same rows once the retention job has dropped the read bodies: what the log keeps for its whole life. */
  kept: number;
}

/** Bytes per row the log grew by between two readings, its indexes included (warm-up rows count as rows too). */
export function bytesPerRow(before: LogStorage, after: LogStorage): RowBytes {
  const rows = after.rows - before.rows;
  if (rows <= 0) return { fresh: 0, kept: 0 };
  const fresh = (after.bytes - before.bytes) / rows;
  return { fresh, kept: fresh - (after.expiringBodyBytes - before.expiringBodyBytes) / rows };
}
