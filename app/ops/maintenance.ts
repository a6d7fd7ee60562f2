import type { CatchUp } from '../catch-up/catch-up.js';
import { clearExpiredThrottles } from '../http/rate-limit-repository.js';
import type { BirthdayJob } from '../ledger/birthdays.js';
import type { ExpiryReminders } from '../ledger/expiry-reminders.js';
import type { PointExpiry } from '../ledger/point-expiry.js';
import type { Logger } from '../logging/logger.js';
import type { Storage } from '../storage/database.js';
import { dropReadBodiesBefore, purgeLogBefore } from '../txlog/log-retention.js';
import { HOUR_MS, rollUpLoyaltyHours } from '../txlog/loyalty-api-stats.js';
import { startWalCheckpoints } from './wal-checkpoints.js';

const DAY_MS = 86_400_000;
const FIRST_RUN_DELAY_MS = 60_000;
const INTERVAL_MS = 60 * 60_000;
const DASHBOARD_DAYS = 31;

export interface Maintenance {
  /** One pass now; what the timer runs every hour. */
  runOnce(): Promise<void>;
  /** No more passes; resolves when the pass under way (if any) has stopped between two steps. */
  stop(): Promise<void>;
}

/**
 * The in-process hourly job: the transaction log's retention purge and the expiry of successful reads'
 * bodies, the dashboard's hourly roll-up, expired login counters, process starts the catch-up is done
 * with (`catchUp`), the ledger's tiers (downgrades as the window rolls, seedings a reload cut short),
 * the ledger's expired points and their reminders (`expiry`, `reminders`), birthday points
 * (`birthdays`), and `PRAGMA optimize` so the query planner's statistics follow the data.
 * Everything runs in short steps with pauses between, so the till's requests keep their turn.
 * Beside it, every second, the WAL checkpoint the serving connection no longer runs inside a commit
 * (startWalCheckpoints, in a thread of its own).
 */
export function startMaintenance(deps: {
  storage: Storage;
  logger: Logger;
  retentionDays: number;
  /** LOG_READ_BODIES_DAYS: successful reads' bodies older than this are dropped. */
  readBodiesDays: number;
  expiry?: Pick<PointExpiry, 'expireDue'>;
  reminders?: Pick<ExpiryReminders, 'remind'>;
  /** The ledger's birthday points (app/ledger/birthdays.ts), after expiry: a gift is never written off at once. */
  birthdays?: Pick<BirthdayJob, 'runOnce'>;
  now?: () => Date;
  /** The ledger's tier job (app/ledger/tier-job.ts) and МойСклад history seeding (app/go-live/tier-seed.ts). */
  tiers?: {
    job: { runOnce(signal?: AbortSignal): Promise<{ recomputed: number; changed: number }> };
    seed: { resumeAbandoned(): Promise<number> };
  };
  /** Catch-up after an outage (app/catch-up): the process starts it will not read again are deleted. */
  catchUp?: Pick<CatchUp, 'purgeStarts'>;
  checkpointEveryMs?: number;
}): Maintenance {
  const { storage, logger } = deps;
  const checkpoints = startWalCheckpoints({ sqlite: storage.sqlite, logger, everyMs: deps.checkpointEveryMs });
  const now = deps.now ?? (() => new Date());
  const stopping = new AbortController();
  let running: Promise<void> | undefined;
  const pause = () => new Promise((resolve) => setImmediate(resolve));

  const pass = async () => {
    const started = now();
    const purged = await purgeLogBefore(
      storage.db,
      new Date(started.getTime() - deps.retentionDays * DAY_MS),
      stopping.signal,
    );
    const droppedBodies = stopping.signal.aborted
      ? 0
      : await dropReadBodiesBefore(
          storage.db,
          new Date(started.getTime() - deps.readBodiesDays * DAY_MS),
          stopping.signal,
        );
    const fromHour = Math.floor(started.getTime() / HOUR_MS) - DASHBOARD_DAYS * 24;
    let rolledUp = 0;
    while (!stopping.signal.aborted) {
      const step = rollUpLoyaltyHours(storage.db, fromHour, started, 24);
      if (step === 0) break;
      rolledUp += step;
      await pause();
    }
    if (stopping.signal.aborted) return;
    const tiers = deps.tiers ? await deps.tiers.job.runOnce(stopping.signal) : undefined;
    const seedsResumed = deps.tiers ? await deps.tiers.seed.resumeAbandoned() : 0;
    if (stopping.signal.aborted) return;
    clearExpiredThrottles(storage.db, started);
    const purgedStarts = deps.catchUp
      ? await deps.catchUp.purgeStarts({
          logKeptFrom: started.getTime() - deps.retentionDays * DAY_MS,
          signal: stopping.signal,
        })
      : 0;
    if (stopping.signal.aborted) return;
    const points = await expirePoints();
    if (stopping.signal.aborted) return;
    const birthdays = await giveBirthdayPoints();
    if (stopping.signal.aborted) return;
    storage.sqlite.pragma('optimize');
    logger.info('maintenance done', {
      purgedLogRows: purged,
      droppedReadBodies: droppedBodies,
      rolledUpHours: rolledUp,
      tierRecomputed: tiers?.recomputed ?? 0,
      tierChanged: tiers?.changed ?? 0,
      seedsResumed,
      purgedStarts,
      ...points,
      ...birthdays,
      ms: now().getTime() - started.getTime(),
    });
  };

  // Its own failure (a broken SMS gateway is not one: it is recorded per reminder) leaves the rest of the pass.
  const expirePoints = async () => {
    if (!deps.expiry) return {};
    try {
      const expired = await deps.expiry.expireDue(stopping.signal);
      const reminders = stopping.signal.aborted ? undefined : await deps.reminders?.remind(stopping.signal);
      return { expiredLots: expired.lots, expiredPoints: expired.points, reminders };
    } catch (error) {
      logger.error('point expiry failed', { error });
      return {};
    }
  };

  const giveBirthdayPoints = async () => {
    if (!deps.birthdays) return {};
    try {
      return { birthdayGifts: (await deps.birthdays.runOnce(stopping.signal)).granted };
    } catch (error) {
      logger.error('birthday points failed', { error });
      return {};
    }
  };

  const runOnce = () =>
    (running ??= pass()
      .catch((error: unknown) => {
        logger.error('maintenance failed', { error });
      })
      .finally(() => (running = undefined)));

  const first = setTimeout(() => {
    void runOnce();
    interval.refresh();
  }, FIRST_RUN_DELAY_MS).unref();
  const interval = setInterval(() => void runOnce(), INTERVAL_MS).unref();

  return {
    runOnce,
    stop: async () => {
      stopping.abort();
      clearTimeout(first);
      clearInterval(interval);
      await Promise.all([running, checkpoints.stop()]);
    },
  };
}
