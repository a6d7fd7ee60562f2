import { immediate, type Db } from '../storage/database.js';
import { lotRepository as lots } from './lot-repository.js';
import { expireLot } from './point-lots.js';

/** Lots written off per transaction: the till's writes wait at most this long behind the job. */
export const EXPIRY_BATCH = 100;

export interface PointExpiryDeps {
  now?: () => Date;
}

const pause = () => new Promise((resolve) => setImmediate(resolve));

/**
 * The expiry job, run by the hourly maintenance: writes off the lots whose time has come, each batch
 * one short BEGIN IMMEDIATE that reads the due lots under the write lock and writes them off (claim,
 * do and record in one), so two processes at once, as during a reload, never write a lot off twice.
 */
export class PointExpiry {
  private readonly now: () => Date;

  constructor(
    private readonly db: Db,
    deps: PointExpiryDeps = {},
  ) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * One batch: up to `limit` due lots of any tenant, read under the write lock and written off in the
   * same transaction, so another process's batch finds them done and skips them.
   */
  expireBatch(limit = EXPIRY_BATCH): { lots: number; points: number } {
    const now = this.now().getTime();
    return immediate(this.db, (tx) => {
      const due = lots.dueBatch(tx, now, limit);
      let points = 0;
      for (const lot of due) points += expireLot(tx, lot);
      return { lots: due.length, points };
    });
  }

  /** Batches until none is left (or `signal` stops it), yielding to the till's requests between them. */
  async expireDue(signal?: AbortSignal): Promise<{ lots: number; points: number }> {
    const total = { lots: 0, points: 0 };
    while (!signal?.aborted) {
      const batch = this.expireBatch();
      total.lots += batch.lots;
      total.points += batch.points;
      if (batch.lots < EXPIRY_BATCH) break;
      await pause();
    }
    return total;
  }
}
