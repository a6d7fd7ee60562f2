import type { Request, Response } from 'express';
import { rateLimit, type RateLimitRequestHandler } from 'express-rate-limit';
import { SqliteRateLimitStore } from '../../http/rate-limit-repository.js';
import type { Db } from '../../storage/database.js';
import { normalizeLogin } from './admin-users.js';

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
