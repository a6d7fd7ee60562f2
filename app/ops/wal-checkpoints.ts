import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { Logger } from '../logging/logger.js';

/** What one checkpoint did, in SQLite's own terms (frames are pages appended to the WAL). */
export interface CheckpointOutcome {
  /** It could not finish: another connection held a lock it needed. */
  busy: boolean;
  walFrames: number;
  checkpointedFrames: number;
  /** Passes the thread made to catch up with the server's writes. */
  passes: number;
}

type Mode = 'PASSIVE' | 'RESTART' | 'TRUNCATE';

export const CHECKPOINT_EVERY_MS = 1000;
/**
 * SQLite starts the WAL over only at a write that finds every frame copied, which passive checkpoints
 * beside steady writes may not leave it for seconds. A WAL this long (16 MB of 4 KB pages) after the
 * passive passes is started over by a RESTART checkpoint: it holds the server's writers back while it
 * copies what the passes left (a few ms), rather than let the WAL grow.
 */
export const RESTART_WAL_FRAMES = 4096;
/**
 * A WAL this long (64 MB) means even RESTART could not get its locks: another process reads without
 * pause (a reload overlap, a long backup). Then TRUNCATE, which also gives the disk space back, with a
 * warning in the log.
 */
export const LARGE_WAL_FRAMES = 16_384;
/** How long RESTART and TRUNCATE may wait for other connections; the server's writers wait for them meanwhile. */
const LOCK_WAIT_MS = 100;

/** Passes one PASSIVE request may make to catch up with the server's writes (see the worker). */
const CATCH_UP_PASSES = 8;

/**
 * The checkpointing thread: its own connection to the file, so copying the WAL into the database and
 * its fsyncs never hold up the server's event loop. synchronous=FULL as on the server: the copy is on
 * disk before SQLite may start the WAL over. Plain JavaScript (run as is, also under tsx).
 *
 * SQLite starts the WAL over at a write only when every frame in it has been copied. Under steady sales
 * the server appends while a pass copies, so one pass a second would never let it, and the WAL would
 * grow to LARGE_WAL_FRAMES. So a PASSIVE request repeats the pass, each shorter than the one before,
 * until one finds nothing new appended (or CATCH_UP_PASSES).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
const checkpoint = (mode) => {
  const [row] = db.pragma('wal_checkpoint(' + mode + ')');
  return { busy: row.busy !== 0, walFrames: row.log, checkpointedFrames: row.checkpointed, passes: 1 };
};
parentPort.on('message', (mode) => {
  if (mode === 'stop') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    let outcome = checkpoint(mode);
    for (let pass = 2; mode === 'PASSIVE' && pass <= workerData.catchUpPasses; pass++) {
      const next = checkpoint(mode);
      // Nothing appended since the last pass (or a write already started the WAL over).
      const caughtUp = next.walFrames <= outcome.walFrames;
      outcome = { ...next, passes: pass };
      if (caughtUp || next.busy) break;
    }
    parentPort.postMessage(outcome);
  } catch (error) {
    parentPort.postMessage({ error: error.message });
  }
});
`;

export interface WalCheckpoints {
  /** One checkpoint now; what the timer runs. Undefined when it failed (logged) or checkpoints have stopped. */
  runOnce(): Promise<CheckpointOutcome | undefined>;
  stop(): Promise<void>;
}

/**
 * Checkpoints the WAL every second for a server whose connection has autoCheckpoint off: in a worker
 * thread, beside the requests rather than inside one. PASSIVE never waits for a lock and never blocks
 * a writer, so it is safe while another process uses the file (the two sides of a pm2 reload both run
 * it; one of them finds the work done or reports busy). A checkpoint skipped or cut short is caught up
 * by the next one; the WAL stays near RESTART_WAL_FRAMES unless another process's reader holds one
 * snapshot throughout.
 */
export function startWalCheckpoints(deps: {
  sqlite: Database.Database;
  logger: Logger;
  everyMs?: number;
  restartWalFrames?: number;
  largeWalFrames?: number;
}): WalCheckpoints {
  const { sqlite, logger } = deps;
  const restartWalFrames = deps.restartWalFrames ?? RESTART_WAL_FRAMES;
  const largeWalFrames = deps.largeWalFrames ?? LARGE_WAL_FRAMES;
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      path: sqlite.name,
      busyTimeoutMs: LOCK_WAIT_MS,
      catchUpPasses: CATCH_UP_PASSES,
    },
  });
  worker.unref();
  let stopped = false;
  /** The one question the thread is answering: the timer skips a beat rather than queue checkpoints. */
  let pending: { resolve: (outcome: CheckpointOutcome) => void; reject: (error: Error) => void } | undefined;
  let inFlight: Promise<CheckpointOutcome | undefined> | undefined;
  worker.on('message', (answer: CheckpointOutcome | { error: string }) => {
    const asked = pending;
    pending = undefined;
    if ('error' in answer) asked?.reject(new Error(answer.error));
    else asked?.resolve(answer);
  });
  worker.on('error', (error) => {
    logger.error('WAL checkpoint thread failed; SQLite checkpoints only when the server stops', { error });
  });
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      stopped = true;
      pending?.reject(new Error('the checkpoint thread has stopped'));
      resolve();
    }),
  );
  const ask = (mode: Mode) =>
    new Promise<CheckpointOutcome>((resolve, reject) => {
      pending = { resolve, reject };
      worker.postMessage(mode);
    });

  const pass = async (): Promise<CheckpointOutcome | undefined> => {
    try {
      const startedAt = performance.now();
      const passive = await ask('PASSIVE');
      if (passive.checkpointedFrames > 0) {
        logger.debug('WAL checkpoint', { ...passive, ms: Math.round(performance.now() - startedAt) });
      }
      if (passive.walFrames < restartWalFrames) return passive;
      const large = passive.walFrames >= largeWalFrames;
      const restartedAt = performance.now();
      const restarted = await ask(large ? 'TRUNCATE' : 'RESTART');
      const facts = { before: passive, after: restarted, ms: Math.round(performance.now() - restartedAt) };
      if (large) logger.warn('WAL too long for passive checkpoints; truncated', facts);
      else logger.debug('WAL restarted', facts);
      return restarted;
    } catch (error) {
      logger.error('WAL checkpoint failed', { error });
      return undefined;
    }
  };
  const runOnce = () => {
    if (stopped) return Promise.resolve(undefined);
    return (inFlight ??= pass().finally(() => (inFlight = undefined)));
  };

  const timer = setInterval(() => void runOnce(), deps.everyMs ?? CHECKPOINT_EVERY_MS).unref();
  return {
    runOnce,
    stop: async () => {
      clearInterval(timer);
      if (stopped) return;
      stopped = true;
      // Unreferenced, the thread would let the process end before it answered and closed its connection.
      worker.ref();
      await inFlight;
      worker.postMessage('stop');
      await exited;
    },
  };
}
