import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from '../../db/schema/index.js';
import { projectPath } from '../project-root.js';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };
/** What a repository accepts: the database or an open transaction on it. */
export type DbOrTx = Db | Parameters<Parameters<Db['transaction']>[0]>[0];

export interface Storage {
  sqlite: Database.Database;
  db: Db;
  close(): void;
}

/**
 * Opens the SQLite file with the pragmas the ledger relies on and applies pending migrations.
 * synchronous=FULL: a 201 for a sale must survive a power cut, and WAL keeps that affordable.
 */
export function openStorage(path: string, options: { migrate?: boolean } = {}): Storage {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = drizzle(sqlite, { schema });
  if (options.migrate !== false) migrate(db, { migrationsFolder: projectPath('db/migrations') });
  return {
    sqlite,
    db,
    close: () => {
      if (sqlite.open) sqlite.close();
    },
  };
}

/**
 * Runs fn in one BEGIN IMMEDIATE transaction: the write lock is taken up front, so a
 * read-modify-write never races another connection (a pm2 reload overlap, a backup, the CLI).
 */
export function immediate<T>(db: Db, fn: (tx: DbOrTx) => T): T {
  return db.transaction((tx) => fn(tx), { behavior: 'immediate' });
}

const preparedQueries = new WeakMap<object, Map<string, unknown>>();

/**
 * Drizzle builds and prepares SQL on every call, which dominates the till's cheap reads. Hot
 * queries are prepared once per connection: a transaction handle shares its database's session,
 * and a statement prepared on one runs inside any transaction on that connection.
 */
export function preparedOnce<Q>(handle: DbOrTx, name: string, build: () => Q): Q {
  const connection = (handle as unknown as { session?: object }).session ?? handle;
  let cache = preparedQueries.get(connection);
  if (!cache) preparedQueries.set(connection, (cache = new Map()));
  let query = cache.get(name) as Q | undefined;
  if (!query) cache.set(name, (query = build()));
  return query;
}
