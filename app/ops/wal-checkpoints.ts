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
}

type Mode = 'PASSIVE' | 'TRUNCATE';

export const CHECKPOINT_EVERY_MS = 1000;
/**
 * A WAL this long (64 MB of 4 KB pages) means passive checkpoints are not keeping it short: another
 * process reads without pause (a reload overlap, a long backup), so SQLite never gets to start the WAL
 * over. Then a TRUNCATE checkpoint waits a moment for those readers and empties the file.
 */
export const LARGE_WAL_FRAMES = 16_384;
/** How long that TRUNCATE may wait for other connections; the server's writers wait for it meanwhile. */
const TRUNCATE_WAIT_MS = 100;

/**
 * The checkpointing thread: its own connection to the file, so copying the WAL into the database and
 * its fsyncs never hold up the server's event loop. synchronous=FULL as on the server: the copy is on
 * disk before SQLite may start the WAL over. Plain JavaScript (run as is, also under tsx).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
parentPort.on('message', (mode) => {
  if (mode === 'stop') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const [row] = db.pragma('wal_checkpoint(' + mode + ')');
    parentPort.postMessage({ busy: row.busy !== 0, walFrames: row.log, checkpointedFrames: row.checkpointed });
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
 * by the next one; the WAL stays below LARGE_WAL_FRAMES unless a reader holds one snapshot throughout.
 */
export function startWalCheckpoints(deps: {
  sqlite: Database.Database;
  logger: Logger;
  everyMs?: number;
  largeWalFrames?: number;
}): WalCheckpoints {
  const { sqlite, logger } = deps;
  const largeWalFrames = deps.largeWalFrames ?? LARGE_WAL_FRAMES;
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      path: sqlite.name,
      busyTimeoutMs: TRUNCATE_WAIT_MS,
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
      if (passive.walFrames < largeWalFrames) return passive;
      const truncated = await ask('TRUNCATE');
      logger.warn('WAL too long for passive checkpoints; truncated', { before: passive, after: truncated });
      return truncated;
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
