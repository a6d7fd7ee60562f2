import type Database from 'better-sqlite3';
import type { Logger } from '../logging/logger.js';

/** What one checkpoint did, in SQLite's own terms (frames are pages appended to the WAL). */
export interface CheckpointOutcome {
  /** It could not finish: another connection held a lock it needed. */
  busy: boolean;
  walFrames: number;
  checkpointedFrames: number;
}

export const CHECKPOINT_EVERY_MS = 1000;
/**
 * A WAL this long (64 MB of 4 KB pages) means passive checkpoints are not keeping it short: another
 * process reads without pause (a reload overlap, a long backup), so SQLite never gets to start the WAL
 * over. Then a TRUNCATE checkpoint waits a moment for those readers and empties the file.
 */
export const LARGE_WAL_FRAMES = 16_384;
/** How long that TRUNCATE may wait for the other process's readers and writer (it blocks this process meanwhile). */
const TRUNCATE_WAIT_MS = 100;

export function checkpoint(sqlite: Database.Database, mode: 'PASSIVE' | 'TRUNCATE'): CheckpointOutcome {
  const [row] = sqlite.pragma(`wal_checkpoint(${mode})`) as { busy: number; log: number; checkpointed: number }[];
  return { busy: row!.busy !== 0, walFrames: row!.log, checkpointedFrames: row!.checkpointed };
}

export interface WalCheckpoints {
  /** One checkpoint now; what the timer runs. Undefined when the database is closed or the checkpoint failed. */
  runOnce(): CheckpointOutcome | undefined;
  stop(): void;
}

/**
 * Checkpoints the WAL every second for a connection opened with autoCheckpoint false, between requests
 * rather than inside one. PASSIVE never waits for a lock and never blocks a writer, so it is safe while
 * another process uses the file (the two sides of a pm2 reload both run it; one of them simply finds
 * the work done or reports busy). A checkpoint that is skipped or cut short is caught up by the next one;
 * the WAL is bounded by LARGE_WAL_FRAMES.
 */
export function startWalCheckpoints(deps: {
  sqlite: Database.Database;
  logger: Logger;
  everyMs?: number;
  largeWalFrames?: number;
}): WalCheckpoints {
  const { sqlite, logger } = deps;
  const largeWalFrames = deps.largeWalFrames ?? LARGE_WAL_FRAMES;

  const runOnce = (): CheckpointOutcome | undefined => {
    if (!sqlite.open) return undefined;
    try {
      const passive = checkpoint(sqlite, 'PASSIVE');
      if (passive.walFrames < largeWalFrames) return passive;
      const truncated = truncateBriefly(sqlite);
      logger.warn('WAL too long for passive checkpoints; truncated', { before: passive, after: truncated });
      return truncated;
    } catch (error) {
      logger.error('WAL checkpoint failed', { error });
      return undefined;
    }
  };

  const timer = setInterval(runOnce, deps.everyMs ?? CHECKPOINT_EVERY_MS).unref();
  return { runOnce, stop: () => clearInterval(timer) };
}

function truncateBriefly(sqlite: Database.Database): CheckpointOutcome {
  const busyTimeout = sqlite.pragma('busy_timeout', { simple: true }) as number;
  sqlite.pragma(`busy_timeout = ${TRUNCATE_WAIT_MS}`);
  try {
    return checkpoint(sqlite, 'TRUNCATE');
  } finally {
    sqlite.pragma(`busy_timeout = ${busyTimeout}`);
  }
}
