import type Database from 'better-sqlite3';
import { getTableName } from 'drizzle-orm';
import { transactionLog } from '../../db/schema/index.js';
import type { TestApp } from '../helpers/test-app.js';

const LOG_TABLE = getTableName(transactionLog);

export interface LogFootprint {
  rows: number;
  /** Pages of the log table and its indexes in use, from SQLite's dbstat: what the disk really keeps. */
  bytes: number;
}

/** The transaction log's footprint now, its queued rows written first. */
export function logFootprint(bench: TestApp): LogFootprint {
  bench.flushLog();
  const sqlite: Database.Database = bench.storage.sqlite;
  const { rows } = sqlite.prepare(`select count(*) as rows from "${LOG_TABLE}"`).get() as { rows: number };
  const { bytes } = sqlite
    .prepare(
      `select coalesce(sum(pgsize - unused), 0) as bytes from dbstat
        where name in (select name from sqlite_schema where tbl_name = ?)`,
    )
    .get(LOG_TABLE) as { bytes: number };
  return { rows, bytes };
}

/** Bytes the log grew by per call between two footprints (its indexes included). */
export function bytesPerCall(before: LogFootprint, after: LogFootprint, calls: number): number {
  return calls > 0 ? (after.bytes - before.bytes) / calls : 0;
}
