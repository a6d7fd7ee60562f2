import type { NextFunction, Request, Response } from 'express';
import { rateLimit, type ClientRateLimitInfo, type Options, type RateLimitInfo, type Store } from 'express-rate-limit';
import { AppError, TooManyRequestsError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { Db } from '../storage/database.js';
import { rateLimitRepository } from './rate-limit-repository.js';

/**
 * Failed authentications (401/403 before a token or JWT was accepted) allowed per client address in
 * one window. Past it the address gets 429 until the window ends. Only failures are counted and only
 * failures are refused: a request with a valid token never meets the limiter.
 */
export const AUTH_FAILURES_PER_WINDOW = 30;
export const AUTH_FAILURE_WINDOW_MS = 15 * 60_000;

/** A refused caller still sending more than this gets its connection closed rather than its body drained. */
const UNREAD_BODY_KEEPALIVE_BYTES = 64 * 1024;
/** Counts are written to SQLite together, at most once a second: a flood of 401s costs no fsync each. */
const SAVE_DELAY_MS = 1000;
/** Past this many addresses in memory, the saved ones are dropped (and read again if they come back). */
const MAX_IN_MEMORY = 50_000;

interface Counter {
  hits: number;
  resetAt: number;
  /** Hits not yet written to SQLite. */
  unsaved: number;
}

/**
 * An express-rate-limit Store that counts in memory and writes behind to SQLite (`rateLimitRepository`):
 * a lockout survives a restart or a pm2 reload (a new process reads the saved count the first time it
 * sees an address), while the failure path stays a map lookup. A crash loses at most the last second of
 * counts. Fixed windows, as express-rate-limit's memory store.
 */
export class WriteBehindRateLimitStore implements Store {
  readonly localKeys = false;
  private windowMs = AUTH_FAILURE_WINDOW_MS;
  private readonly counters = new Map<string, Counter>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly db: Db,
    readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  get(key: string): ClientRateLimitInfo | undefined {
    const counter = this.current(key, Date.now());
    return counter ? { totalHits: counter.hits, resetTime: new Date(counter.resetAt) } : undefined;
  }

  increment(key: string): ClientRateLimitInfo {
    const now = Date.now();
    let counter = this.current(key, now);
    if (!counter) {
      counter = { hits: 0, resetAt: now + this.windowMs, unsaved: 0 };
      this.counters.set(key, counter);
    }
    counter.hits += 1;
    counter.unsaved += 1;
    this.timer ??= setTimeout(() => this.flush(), SAVE_DELAY_MS).unref();
    return { totalHits: counter.hits, resetTime: new Date(counter.resetAt) };
  }

  decrement(key: string): void {
    const counter = this.counters.get(key);
    if (counter && counter.hits > 0) {
      counter.hits -= 1;
      counter.unsaved -= 1;
    }
  }

  resetKey(key: string): void {
    this.counters.delete(key);
    rateLimitRepository.remove(this.db, this.prefix + key);
  }

  /**
   * Writes the unsaved counts now; on a timer, and by tests and shutdown. Never throws: when the file is
   * locked past busy_timeout (the other side of a reload), the counts stay in memory for the next try.
   */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    const dirty: Array<{ key: string; counter: Counter; hits: number }> = [];
    for (const [key, counter] of this.counters) {
      // A window that has ended needs no saving: its count no longer matters.
      if (counter.resetAt <= now) this.counters.delete(key);
      else if (counter.unsaved !== 0) dirty.push({ key, counter, hits: counter.unsaved });
    }
    if (dirty.length > 0 && this.db.$client.open) {
      const rows = dirty.map(({ key, counter, hits }) => ({ key: this.prefix + key, hits, resetAt: counter.resetAt }));
      try {
        rateLimitRepository.addHits(this.db, rows, now);
        for (const { counter, hits } of dirty) counter.unsaved -= hits;
      } catch (error) {
        this.logger.warn('rate-limit counters not saved, will retry', { error });
        this.timer = setTimeout(() => this.flush(), SAVE_DELAY_MS).unref();
        return;
      }
    }
    if (this.counters.size > MAX_IN_MEMORY) {
      for (const [key, counter] of this.counters) if (counter.unsaved === 0) this.counters.delete(key);
    }
  }

  shutdown(): void {
    this.flush();
  }

  /** The open window of a key: in memory, else as an earlier process saved it. */
  private current(key: string, now: number): Counter | undefined {
    const counter = this.counters.get(key);
    if (counter && counter.resetAt > now) return counter;
    const saved = rateLimitRepository.find(this.db, this.prefix + key, now);
    if (!saved) {
      this.counters.delete(key);
      return undefined;
    }
    const loaded = { hits: saved.hits, resetAt: saved.resetAt, unsaved: 0 };
    this.counters.set(key, loaded);
    return loaded;
  }
}

/** Set by an API's authentication step once the caller is known; what follows is never counted or cut. */
export function markAuthenticated(res: Response): void {
  res.locals.authenticated = true;
}

export function isAuthenticated(res: Response): boolean {
  return res.locals.authenticated === true;
}

export interface AuthFailureLimiter {
  /** Error middleware, placed before the API's error renderer. */
  (error: unknown, req: Request, res: Response, next: NextFunction): void;
  /** Writes the counters now (tests, shutdown). */
  flush(): void;
}

/**
 * Counts each failed authentication per client address (`req.ip`, so `trust proxy` decides which
 * X-Forwarded-For hop is the client; IPv6 by /56, express-rate-limit's default) and turns failures
 * past the limit into 429. Errors after a successful authentication pass through untouched.
 */
export function authFailureLimiter(deps: { db: Db; logger: Logger; name: string }): AuthFailureLimiter {
  const store = new WriteBehindRateLimitStore(deps.db, `auth-failures:${deps.name}:`, deps.logger);
  const limiter = rateLimit({
    windowMs: AUTH_FAILURE_WINDOW_MS,
    limit: AUTH_FAILURES_PER_WINDOW,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    store,
    logger: {
      error: (error, message) => deps.logger.error(message ?? 'express-rate-limit', { error }),
      warn: (error, message) => deps.logger.warn(message ?? 'express-rate-limit', { error }),
    },
    handler: (req, res, next) => {
      const info = (req as Request & { rateLimit: RateLimitInfo }).rateLimit;
      // The first refusal of a window is logged; the rest of a flood would be thousands of rows saying the same.
      if (info.used > info.limit + 1) res.locals.skipLog = true;
      const minutes = Math.max(1, Math.ceil(((info.resetTime?.getTime() ?? Date.now()) - Date.now()) / 60_000));
      next(
        new TooManyRequestsError(
          `Бонусы недоступны: слишком много запросов с неверным ключом доступа. Попросите владельца магазина проверить приложение в МоёмСкладе; повторить можно через ${minutes} мин.`,
        ),
      );
    },
  });

  const middleware = (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    const failedAuthentication =
      error instanceof AppError && (error.status === 401 || error.status === 403) && !isAuthenticated(res);
    if (!failedAuthentication) return next(error);
    // A large body still on its way is not read to keep the connection: the connection closes instead.
    if (!req.complete && Number(req.get('content-length') ?? Infinity) > UNREAD_BODY_KEEPALIVE_BYTES) {
      res.set('Connection', 'close');
    }
    void limiter(req, res, (limited?: unknown) => next(limited ?? error));
  };
  return Object.assign(middleware, { flush: () => store.flush() });
}
