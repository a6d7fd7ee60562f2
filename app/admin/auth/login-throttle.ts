import type { Request, Response } from 'express';
import { ipKeyGenerator, rateLimit, type RateLimitRequestHandler } from 'express-rate-limit';
import { SqliteRateLimitStore } from '../../http/rate-limit-repository.js';
import type { Db } from '../../storage/database.js';
import { normalizeLogin } from './admin-users.js';

const WINDOW_MS = 15 * 60_000;
/** Failures of one login from one address that lock that login there. */
export const FAILURES_PER_LOGIN_FROM_ADDRESS = 5;
/** Failures from one address, whatever logins it tries, that lock the address. */
export const FAILURES_PER_ADDRESS = 30;
/** Failures of one login from all addresses together after which each address gets a single try. */
export const FAILURES_PER_LOGIN_EVERYWHERE = 20;

export interface LoginThrottle {
  /** Run before checking the password: refuses while a login or an address is locked. */
  limiters: RateLimitRequestHandler[];
  /** A successful sign-in forgives that login's earlier failures from this address. */
  forgive(req: Request): Promise<void>;
}

const UNDER_ATTACK = Symbol('login under attack');
type MarkedRequest = Request & { [UNDER_ATTACK]?: boolean };

/**
 * Failed sign-ins, counted by express-rate-limit in SQLite (a lockout survives a restart). Only
 * failures count: a 4xx answer.
 * - per address: 30 in 15 minutes lock the address, against one address trying many logins;
 * - per login and address: 5 lock that login from that address, so someone guessing anna's password
 *   stops, while anna at her own desk is not locked out by them;
 * - per login everywhere: past 20, a login is under attack from many addresses; it is not locked for
 *   everyone (that would hand any attacker a way to lock the real user out), but each address gets one
 *   try at it per window instead of five. The real user, whose address has not failed, still gets in
 *   with the right password; an attacker gets one guess per address they own.
 * `refuse` renders the page that says until when.
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
  const loginOf = (req: Request) => normalizeLogin((req.body as { login?: unknown } | undefined)?.login);
  const loginFromAddress = (req: Request) => `${loginOf(req)}|${ipKeyGenerator(req.ip ?? '')}`;
  const perAddress = rateLimit({
    ...common,
    limit: FAILURES_PER_ADDRESS,
    store: new SqliteRateLimitStore(db, 'address:'),
  });
  const perLoginEverywhere = rateLimit({
    ...common,
    limit: FAILURES_PER_LOGIN_EVERYWHERE,
    keyGenerator: loginOf,
    store: new SqliteRateLimitStore(db, 'login:'),
    // Its count says nothing an attacker should read, and its own info must not hide the next limiter's.
    standardHeaders: false,
    requestPropertyName: 'loginEverywhere',
    handler: (req: Request, _res: Response, next: () => void) => {
      (req as MarkedRequest)[UNDER_ATTACK] = true;
      next();
    },
  });
  const perLoginFromAddress = rateLimit({
    ...common,
    limit: (req: Request) => ((req as MarkedRequest)[UNDER_ATTACK] ? 1 : FAILURES_PER_LOGIN_FROM_ADDRESS),
    keyGenerator: loginFromAddress,
    store: new SqliteRateLimitStore(db, 'login-address:'),
  });
  return {
    limiters: [perAddress, perLoginEverywhere, perLoginFromAddress],
    forgive: async (req) => perLoginFromAddress.resetKey(loginFromAddress(req)),
  };
}
