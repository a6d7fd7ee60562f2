import { and, eq, gt, lte, sql } from 'drizzle-orm';
import type { Request, Response } from 'express';
import {
  rateLimit,
  type ClientRateLimitInfo,
  type Options,
  type RateLimitRequestHandler,
  type Store,
} from 'express-rate-limit';
import { loginThrottle } from '../../../db/schema/index.js';
import type { Db } from '../../storage/database.js';
import { normalizeLogin } from './admin-users.js';

/**
 * express-rate-limit's counters in SQLite instead of memory: a lockout survives a restart or a pm2
 * reload, and an attacker cannot reset it by crashing the process. Fixed windows, as the memory store.
 */
export class SqliteRateLimitStore implements Store {
  readonly localKeys = false;
  private windowMs = 60_000;

  constructor(
    private readonly db: Db,
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  get(key: string): ClientRateLimitInfo | undefined {
    const row = this.db
      .select()
      .from(loginThrottle)
      .where(and(eq(loginThrottle.key, this.prefix + key), gt(loginThrottle.resetAt, Date.now())))
      .get();
    return row ? { totalHits: row.hits, resetTime: new Date(row.resetAt) } : undefined;
  }

  increment(key: string): ClientRateLimitInfo {
    const now = Date.now();
    const expired = sql`${loginThrottle.resetAt} <= ${now}`;
    const row = this.db
      .insert(loginThrottle)
      .values({ key: this.prefix + key, hits: 1, resetAt: now + this.windowMs })
      .onConflictDoUpdate({
        target: loginThrottle.key,
        set: {
          hits: sql`case when ${expired} then 1 else ${loginThrottle.hits} + 1 end`,
          resetAt: sql`case when ${expired} then ${now + this.windowMs} else ${loginThrottle.resetAt} end`,
        },
      })
      .returning()
      .get();
    return { totalHits: row.hits, resetTime: new Date(row.resetAt) };
  }

  decrement(key: string): void {
    this.db
      .update(loginThrottle)
      .set({ hits: sql`max(${loginThrottle.hits} - 1, 0)` })
      .where(and(eq(loginThrottle.key, this.prefix + key), gt(loginThrottle.resetAt, Date.now())))
      .run();
  }

  resetKey(key: string): void {
    this.db
      .delete(loginThrottle)
      .where(eq(loginThrottle.key, this.prefix + key))
      .run();
  }
}

/** Counters whose window has passed; the maintenance job clears them. */
export function clearExpiredThrottles(db: Db, now = new Date()): void {
  db.delete(loginThrottle).where(lte(loginThrottle.resetAt, now.getTime())).run();
}

const WINDOW_MS = 15 * 60_000;
export const FAILURES_PER_LOGIN = 5;
export const FAILURES_PER_ADDRESS = 30;

export interface LoginThrottle {
  /** Run before checking the password: refuses while a login or an address is locked. */
  limiters: RateLimitRequestHandler[];
  /** A successful sign-in forgives that login's earlier failures. */
  forgive(req: Request): Promise<void>;
}

/**
 * Failed sign-ins are counted per login (5 in 15 minutes locks that login until the window ends, whoever
 * tries) and per address (30 in 15 minutes, against one address trying many logins). Only failures
 * count: a 401 or 403 answer. `refuse` renders the page that says until when.
 */
export function createLoginThrottle(
  db: Db,
  refuse: (req: Request, res: Response, until: Date | undefined) => void,
): LoginThrottle {
  const common = {
    windowMs: WINDOW_MS,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8' as const,
    legacyHeaders: false,
    handler: (req: Request, res: Response) =>
      refuse(req, res, (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime),
  };
  const loginKey = (req: Request) => normalizeLogin((req.body as { login?: unknown } | undefined)?.login);
  const perLogin = rateLimit({
    ...common,
    limit: FAILURES_PER_LOGIN,
    keyGenerator: loginKey,
    store: new SqliteRateLimitStore(db, 'login:'),
  });
  const perAddress = rateLimit({
    ...common,
    limit: FAILURES_PER_ADDRESS,
    store: new SqliteRateLimitStore(db, 'address:'),
  });
  return {
    limiters: [perAddress, perLogin],
    forgive: async (req) => perLogin.resetKey(loginKey(req)),
  };
}
