import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
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

/** Owner read and write only: the database holds customers' phones, balances and sealed secrets. */
export const PRIVATE_FILE_MODE = 0o600;
const PRIVATE_DIR_MODE = 0o700;

/**
 * Creates a database file readable by its owner only, before SQLite writes a byte into it. SQLite
 * gives the -wal, -shm and -journal files it creates later the mode of the database file, so they are
 * 0600 too. `exclusive` refuses a file that already exists (a backup never overwrites one). A folder
 * created on the way is 0700.
 */
export function createPrivateFile(path: string, options: { exclusive?: boolean } = {}): void {
  mkdirSync(dirname(path), { recursive: true, mode: PRIVATE_DIR_MODE });
  // open(2) applies the umask, which can only take bits away from 0600.
  closeSync(openSync(path, options.exclusive ? 'wx' : 'a', PRIVATE_FILE_MODE));
}

/**
 * A database created by an older version may be world-readable: group and other lose their rights
 * on the file and its -wal and -shm. A file owned by someone else is left to the operator.
 */
function tightenExisting(path: string): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      if (existsSync(file) && (statSync(file).mode & 0o077) !== 0) chmodSync(file, PRIVATE_FILE_MODE);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
    }
  }
}

/**
 * Opens the SQLite file with the pragmas the ledger relies on and applies pending migrations.
 * synchronous=FULL: a 201 for a sale must survive a power cut, and WAL keeps that affordable.
 * The file, its WAL and SHM are 0600 (see createPrivateFile).
 *
 * autoCheckpoint false (the serving process): SQLite no longer copies the WAL into the database inside
 * whichever commit crosses 1000 pages, a stall the till's sale would pay for; the caller runs
 * checkpoints itself (startWalCheckpoints, from the maintenance side). Migrations still run with
 * SQLite's own checkpoints. Other connections (CLI, backup, tests) keep SQLite's default.
 */
export function openStorage(path: string, options: { migrate?: boolean; autoCheckpoint?: boolean } = {}): Storage {
  if (path !== ':memory:') {
    tightenExisting(path);
    createPrivateFile(path);
  }
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = drizzle(sqlite, { schema });
  if (options.migrate !== false) migrate(db, { migrationsFolder: projectPath('db/migrations') });
  if (options.autoCheckpoint === false) sqlite.pragma('wal_autocheckpoint = 0');
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
