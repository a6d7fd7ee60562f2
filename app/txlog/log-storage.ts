import type Database from 'better-sqlite3';
import { getTableName } from 'drizzle-orm';
import { transactionLog } from '../../db/schema/index.js';

export interface LogStorage {
  /** Rows in the transaction log. */
  rows: number;
  /** Bytes the log's pages hold (its table with overflow pages, and its indexes), free space in them left out (dbstat). */
  bytes: number;
  /** The same pages whole: what the file keeps for the log, free space inside its pages included. */
  pageBytes: number;
  /** Of those, the bodies of successful reads still stored, which the retention job drops after LOG_READ_BODIES_DAYS. */
  expiringBodyBytes: number;
}

/**
 * What the transaction log takes on disk now, for `npm run bench` and operators: take the difference
 * between two readings around a run of calls (after flushing the log) and divide by the rows it added.
 * `bytes - expiringBodyBytes` is about what those rows keep once the retention job has dropped their
 * read bodies. Reads every page of the log: seconds on a large database.
 */
export function transactionLogStorage(sqlite: Database.Database): LogStorage {
  const table = getTableName(transactionLog);
  const names = sqlite
    .prepare('select name from sqlite_schema where tbl_name = ? and type in (?, ?)')
    .pluck()
    .all(table, 'table', 'index') as string[];
  const pages = sqlite.prepare(
    `select coalesce(sum(pgsize - unused), 0) as used, coalesce(sum(pgsize), 0) as whole
       from dbstat where name = ? and aggregate = 1`,
  );
  let bytes = 0;
  let pageBytes = 0;
  for (const name of names) {
    const { used, whole } = pages.get(name) as { used: number; whole: number };
    bytes += used;
    pageBytes += whole;
  }
  const rows = sqlite.prepare(`select count(*) from "${table}"`).pluck().get() as number;
  const t = transactionLog;
  const bodyBytes = (column: { name: string }) => `coalesce(length(cast("${column.name}" as blob)), 0)`;
  const expiringBodyBytes = sqlite
    .prepare(
      `select coalesce(sum(${bodyBytes(t.requestBody)} + ${bodyBytes(t.responseBody)}), 0)
       from "${table}" where "${t.readBodies.name}" = 1`,
    )
    .pluck()
    .get() as number;
  return { rows, bytes, pageBytes, expiringBodyBytes };
}
