declare module 'better-sqlite3-session-store' {
  import type Database from 'better-sqlite3';
  import type session from 'express-session';

  interface SqliteStoreOptions {
    client: Database.Database;
    expired?: { clear?: boolean; intervalMs?: number };
  }
  class SqliteStore extends session.Store {
    constructor(options: SqliteStoreOptions);
    protected expired: { clear: boolean; intervalMs: number };
    protected startInterval(): void;
    clearExpiredSessions(): void;
    get(sid: string, callback: (error: unknown, session?: session.SessionData | null) => void): void;
    set(sid: string, session: session.SessionData, callback?: (error?: unknown) => void): void;
    destroy(sid: string, callback?: (error?: unknown) => void): void;
  }
  export default function createStore(session: { Store: typeof session.Store }): typeof SqliteStore;
}
