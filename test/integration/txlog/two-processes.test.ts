import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { expect } from 'chai';
import { openStorage, type Storage } from '../../../app/storage/database.js';
import { purgeLogBefore } from '../../../app/txlog/log-retention.js';
import { TransactionLog } from '../../../app/txlog/transaction-log.js';
import { seedTransactionLog } from '../../helpers/log-seed.js';
import { memoryLogger } from '../../helpers/memory-logger.js';

const DAY_MS = 86_400_000;

/**
 * Another process writing the same SQLite file, as the other side of a pm2 reload does: a thread with
 * its own connection commits small transactions until told to stop.
 */
function startOtherWriter(path: string): { stop: () => Promise<number> } {
  const stopFlag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { workerData, parentPort } = require('node:worker_threads');
     const Database = require('better-sqlite3');
     const db = new Database(workerData.path);
     db.pragma('busy_timeout = 5000');
     const insert = db.prepare('insert into other_writes (at) values (?)');
     let writes = 0;
     while (Atomics.load(workerData.stop, 0) === 0) { insert.run(Date.now()); writes++; }
     db.close();
     parentPort.postMessage(writes);`,
    { eval: true, workerData: { path, stop: stopFlag } },
  );
  const done = new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    stop: async () => {
      Atomics.store(stopFlag, 0, 1);
      return done;
    },
  };
}

describe('The transaction log while another process uses the database', () => {
  let dir: string;
  let storage: Storage;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'txlog-two-'));
    path = join(dir, 'bridge.sqlite');
    storage = openStorage(path);
    storage.sqlite.exec('create table other_writes (at integer)');
  });
  afterEach(() => {
    storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const count = (where: string, ...params: unknown[]) =>
    (storage.sqlite.prepare(`select count(*) as n from transaction_log where ${where}`).get(...params) as { n: number })
      .n;

  it('when another process commits all the time, then a retention purge still finishes and deletes exactly the old rows', async () => {
    const now = Date.now();
    seedTransactionLog(storage.sqlite, 30_000, now, 100);
    const cutoff = new Date(now - 50 * DAY_MS);
    const old = count('at < ?', cutoff.getTime());
    const kept = count('at >= ?', cutoff.getTime());
    expect(old).to.be.greaterThan(10_000);

    const other = startOtherWriter(path);
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await purgeLogBefore(storage.db, cutoff)).to.equal(old);
    } finally {
      expect(await other.stop(), 'the other process did write meanwhile').to.be.greaterThan(0);
    }
    expect(count('1')).to.equal(kept);
  });

  it('when another process holds the write lock past the busy timeout, then queued rows wait and are written later, and nothing throws', () => {
    const { logger, text } = memoryLogger();
    const txlog = new TransactionLog(storage.db, logger);
    storage.sqlite.pragma('busy_timeout = 20');
    const other = openStorage(path, { migrate: false });
    try {
      other.sqlite.exec('begin immediate');
      txlog.record({ kind: 'loyalty-api', endpoint: 'POST /retaildemand', ok: true, httpStatus: 201 });
      expect(() => txlog.flush()).not.to.throw();
      expect(txlog.queueLength).to.equal(1);
      expect(text()).to.include('transaction log write failed');

      other.sqlite.exec('commit');
      txlog.flush();
      expect(txlog.queueLength).to.equal(0);
      expect(count("endpoint = 'POST /retaildemand'")).to.equal(1);
    } finally {
      other.close();
    }
  });
});
