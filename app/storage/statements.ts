import type Database from 'better-sqlite3';
import {
  Column,
  getTableColumns,
  getTableName,
  is,
  SQL,
  type InferInsertModel,
  type InferSelectModel,
} from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { DbOrTx } from './database.js';

/**
 * Raw better-sqlite3 statements for the till's hot reads and writes. drizzle builds its SQL and, for
 * writes, prepares a new statement on every call; these are prepared once per connection and bind
 * plain values. Rows keep drizzle's shape: the select list and the decoding come from the same
 * schema (booleans, JSON columns, timestamps as Date), so a repository can switch one query at a
 * time and return exactly what drizzle returned.
 */

/** The better-sqlite3 connection under the database or under a transaction or savepoint on it. */
export function connectionOf(handle: DbOrTx): Database.Database {
  return (handle as unknown as { session: { client: Database.Database } }).session.client;
}

const statements = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/**
 * `sql` prepared once per connection. A statement prepared on the connection runs inside whatever
 * transaction or savepoint is open on it, so repositories pass the caller's handle as before.
 */
export function statement(handle: DbOrTx, sql: string): Database.Statement {
  const connection = connectionOf(handle);
  let cache = statements.get(connection);
  if (!cache) statements.set(connection, (cache = new Map()));
  let prepared = cache.get(sql);
  if (!prepared) cache.set(sql, (prepared = connection.prepare(sql)));
  return prepared;
}

const identity = Column.prototype.mapFromDriverValue;
const identityEncoder = Column.prototype.mapToDriverValue;
const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

interface TableShape {
  selectList: string;
  /** Columns whose stored value drizzle converts when reading (booleans, JSON, dates), by key. */
  decoded: Array<[string, SQLiteColumn]>;
  insertSql: string;
  insertColumns: Array<[string, SQLiteColumn]>;
}

const shapes = new WeakMap<SQLiteTable, TableShape>();

function shapeOf(table: SQLiteTable): TableShape {
  let shape = shapes.get(table);
  if (shape) return shape;
  const columns = Object.entries(getTableColumns(table)) as Array<[string, SQLiteColumn]>;
  // As drizzle: a generated column (other than "by default") is never written.
  const insertColumns = columns.filter(([, c]) => c.generated === undefined || c.generated.type === 'byDefault');
  shape = {
    selectList: columns.map(([key, column]) => `${quote(column.name)} as ${quote(key)}`).join(', '),
    decoded: columns.filter(([, column]) => column.mapFromDriverValue !== identity),
    insertSql: insertSql(table, insertColumns),
    insertColumns,
  };
  shapes.set(table, shape);
  return shape;
}

/** Every column of `table` under its drizzle key (`"tenant_id" as "tenantId", …`), for `select … from`. */
export function columnsOf(table: SQLiteTable): string {
  return shapeOf(table).selectList;
}

/**
 * A row read with `columnsOf(table)` as drizzle would return it: each converting column's own decoder
 * runs on its non-null value, in place. undefined (no row) stays undefined.
 */
export function rowOf<T extends SQLiteTable>(table: T, row: unknown): InferSelectModel<T> | undefined {
  if (row === undefined) return undefined;
  const values = row as Record<string, unknown>;
  for (const [key, column] of shapeOf(table).decoded) {
    const value = values[key];
    if (value !== null) values[key] = column.mapFromDriverValue(value);
  }
  return values as InferSelectModel<T>;
}

export function rowsOf<T extends SQLiteTable>(table: T, rows: unknown[]): Array<InferSelectModel<T>> {
  return rows.map((row) => rowOf(table, row)!);
}

/**
 * Inserts one row as drizzle's `insert(table).values(row)` does: every insertable column, each value
 * through its column's encoder; an omitted one takes its default (a value, $defaultFn or $onUpdateFn)
 * or null. An omitted column whose default is SQL text is left out of the statement, so SQLite
 * applies the same default from the table's definition (the migrations are generated from the schema).
 */
export function insertRow<T extends SQLiteTable>(
  handle: DbOrTx,
  table: T,
  row: InferInsertModel<T>,
): Database.RunResult {
  const shape = shapeOf(table);
  const given = row as Record<string, unknown>;
  const values: unknown[] = [];
  let columns = shape.insertColumns;
  for (const [key, column] of shape.insertColumns) {
    let value = given[key];
    if (value === undefined) {
      if (column.default !== undefined && column.default !== null) {
        if (is(column.default, SQL)) {
          columns = columns.filter(([other]) => other !== key);
          continue;
        }
        value = column.default;
      } else if (column.defaultFn !== undefined) value = column.defaultFn();
      else if (column.onUpdateFn !== undefined) value = column.onUpdateFn();
      else value = null;
      if (is(value, SQL)) throw new Error(`insertRow: ${getTableName(table)}.${key} has an SQL default function`);
    }
    values.push(value === null || column.mapToDriverValue === identityEncoder ? value : column.mapToDriverValue(value));
  }
  const sql = columns === shape.insertColumns ? shape.insertSql : insertSql(table, columns);
  return statement(handle, sql).run(values);
}

function insertSql(table: SQLiteTable, columns: Array<[string, SQLiteColumn]>): string {
  return (
    `insert into ${quote(getTableName(table))} (${columns.map(([, c]) => quote(c.name)).join(', ')}) ` +
    `values (${columns.map(() => '?').join(', ')})`
  );
}
