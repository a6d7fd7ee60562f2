import type Database from 'better-sqlite3';
import createSqliteStore from 'better-sqlite3-session-store';
import session from 'express-session';
import type { Request } from 'express';

declare module 'express-session' {
  interface SessionData {
    userId: number;
    /** The user's session_epoch at sign-in; a password, role or block change bumps it and ends the session. */
    epoch: number;
  }
}

const SqliteStore = createSqliteStore(session);

/** The library's clean-up timer would keep a stopping process alive; this one does not. */
class SessionStore extends SqliteStore {
  protected override startInterval(): void {
    setInterval(() => this.clearExpiredSessions(), this.expired.intervalMs).unref();
  }
}

export const SESSION_COOKIE = 'lb_admin';
const IDLE_MS = 8 * 60 * 60_000;

/**
 * Admin sessions in SQLite (the `sessions` table the store creates), so a restart signs nobody out.
 * The cookie is HttpOnly and SameSite=Strict, Secure in production (behind the TLS proxy, which
 * `trust proxy` believes), limited to /admin, and expires after 8 idle hours.
 */
export function adminSession(sqlite: Database.Database, options: { secret: string; production: boolean }) {
  return session({
    name: SESSION_COOKIE,
    secret: options.secret,
    store: new SessionStore({ client: sqlite }),
    resave: false,
    saveUninitialized: false,
    rolling: true,
    unset: 'destroy',
    cookie: { path: '/admin', httpOnly: true, sameSite: 'strict', secure: options.production, maxAge: IDLE_MS },
  });
}

/** A new session id on sign-in, so an id planted before sign-in (session fixation) is worth nothing. */
export function regenerateSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((error) => (error ? reject(error) : resolve())));
}

export function destroySession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.destroy((error) => (error ? reject(error) : resolve())));
}

export function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((error) => (error ? reject(error) : resolve())));
}
