import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { startMaintenance, type Maintenance } from '../../../app/ops/maintenance.js';
import { startWalCheckpoints } from '../../../app/ops/wal-checkpoints.js';
import { openStorage, type Storage } from '../../../app/storage/database.js';
import { memoryLogger } from '../../helpers/memory-logger.js';
import { waitFor } from '../../helpers/wait-for.js';

describe('WAL checkpoints off the request path', () => {
  let dir: string;
  let path: string;
  let storage: Storage;
  let maintenance: Maintenance | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wal-'));
    path = join(dir, 'db.sqlite');
    storage = openStorage(path, { autoCheckpoint: false });
    storage.sqlite.exec('create table page (body blob not null)');
  });
  afterEach(async () => {
    await maintenance?.stop();
    maintenance = undefined;
    storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const pageSize = () => storage.sqlite.pragma('page_size', { simple: true }) as number;
  /** `commits` separate commits of about one page each, as sales come. */
  const commitPages = (commits: number) => {
    const insert = storage.sqlite.prepare('insert into page (body) values (zeroblob(?))');
    for (let i = 0; i < commits; i++) insert.run(pageSize() - 200);
  };
  const walBytes = () => statSync(`${path}-wal`).size;
  const databaseBytes = () => statSync(path).size;

  it('when the serving connection commits past 1000 pages, then it never checkpoints by itself', () => {
    const before = databaseBytes();
    commitPages(600);
    // SQLite's automatic checkpoint would have copied the first 1000 pages in and started the WAL over.
    expect(databaseBytes(), 'nothing copied into the database file').to.equal(before);
    expect(walBytes()).to.be.greaterThan(1200 * pageSize());
  });

  it('when the maintenance side runs, then its timer checkpoints the WAL and the next commit starts it over', async () => {
    commitPages(600);
    const walBefore = walBytes();
    const { logger, text } = memoryLogger();
    maintenance = startMaintenance({ storage, logger, retentionDays: 90, readBodiesDays: 7, checkpointEveryMs: 20 });
    const checkpointsLogged = () =>
      text()
        .split('\n')
        .filter((line) => line.includes('"WAL checkpoint"'))
        .map((line) => JSON.parse(line) as { walFrames: number; checkpointedFrames: number });
    await waitFor('the timer copies the whole WAL into the database', () =>
      checkpointsLogged().some((c) => c.walFrames > 1200 && c.checkpointedFrames === c.walFrames),
    );
    await maintenance.stop();
    expect(databaseBytes()).to.be.greaterThan(600 * pageSize());
    commitPages(10);
    expect(walBytes(), 'the WAL file is reused from its start, not grown').to.equal(walBefore);
    const frames = storage.sqlite.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    expect(frames[0]!.log, 'only the last 10 commits are in the WAL').to.be.lessThan(100);
  });

  it('when another process holds the write lock, then the checkpoint neither waits for it nor fails', async () => {
    commitPages(50);
    const other = new Database(path);
    try {
      other.exec('begin immediate; insert into page (body) values (zeroblob(10));');
      const { logger } = memoryLogger();
      const checkpoints = startWalCheckpoints({ sqlite: storage.sqlite, logger, everyMs: 60_000 });
      const outcome = await checkpoints.runOnce();
      await checkpoints.stop();
      expect(outcome).to.deep.include({ busy: false, checkpointedFrames: outcome?.walFrames });
      other.exec('commit');
    } finally {
      other.close();
    }
  });

  it('when the WAL is still long after the passive passes, then a RESTART checkpoint lets the next write start it over', async () => {
    commitPages(300);
    const walBefore = walBytes();
    const { logger, text } = memoryLogger();
    const checkpoints = startWalCheckpoints({ sqlite: storage.sqlite, logger, everyMs: 60_000, restartWalFrames: 200 });
    await checkpoints.runOnce();
    await checkpoints.stop();
    const restarted = text()
      .split('\n')
      .filter((line) => line.includes('"WAL restarted"'))
      .map((line) => JSON.parse(line) as { after: { busy: boolean } });
    expect(restarted.map((r) => r.after.busy)).to.deep.equal([false]);
    commitPages(10);
    expect(walBytes(), 'the file is kept and reused from its start').to.equal(walBefore);
  });

  it('when the WAL grew past the large bound, then it is truncated and the log says so', async () => {
    commitPages(300);
    const { logger, text } = memoryLogger();
    const checkpoints = startWalCheckpoints({
      sqlite: storage.sqlite,
      logger,
      everyMs: 60_000,
      restartWalFrames: 100,
      largeWalFrames: 200,
    });
    await checkpoints.runOnce();
    await checkpoints.stop();
    expect(walBytes()).to.equal(0);
    expect(text()).to.match(/WAL too long/);
  });
});
