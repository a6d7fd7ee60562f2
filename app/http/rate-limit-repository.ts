import { and, eq, gt, lte, sql } from 'drizzle-orm';
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import { loginThrottle } from '../../db/schema/index.js';
import { immediate, type Db } from '../storage/database.js';

/**
 * express-rate-limit's counters in SQLite instead of memory: a lockout survives a restart or a pm2
 * reload, and an attacker cannot reset it by crashing the process. Fixed windows, as the memory store.
 * One write per hit, which suits sign-ins; failed API authentications, which may come as a flood, count
 * in memory and write behind through `rateLimitRepository` (app/http/auth-failures.ts).
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

/** A counter as stored: hits in the window that ends at resetAt (epoch ms). */
export interface StoredCounter {
  key: string;
  hits: number;
  resetAt: number;
}

/**
 * The same counters for a store that counts in memory and writes behind: every limiter keeps its own key
 * prefix in `login_throttle`, and the hourly maintenance job deletes the expired ones.
 */
export const rateLimitRepository = {
  /** The key's counter while its window is open. */
  find(db: Db, key: string, now: number): StoredCounter | undefined {
    return db
      .select()
      .from(loginThrottle)
      .where(and(eq(loginThrottle.key, key), gt(loginThrottle.resetAt, now)))
      .get();
  },

  /**
   * Adds hits counted in memory, in one transaction. A stored window that has ended starts again with
   * these hits; adding (not overwriting) keeps the counts of two processes on one file, as during a
   * pm2 reload.
   */
  addHits(db: Db, counters: readonly StoredCounter[], now: number): void {
    const expired = sql`${loginThrottle.resetAt} <= ${now}`;
    immediate(db, (tx) => {
      for (const counter of counters) {
        tx.insert(loginThrottle)
          .values(counter)
          .onConflictDoUpdate({
            target: loginThrottle.key,
            set: {
              hits: sql`case when ${expired} then excluded.hits else ${loginThrottle.hits} + excluded.hits end`,
              resetAt: sql`case when ${expired} then excluded.reset_at else ${loginThrottle.resetAt} end`,
            },
          })
          .run();
      }
    });
  },

  remove(db: Db, key: string): void {
    db.delete(loginThrottle).where(eq(loginThrottle.key, key)).run();
  },
};
