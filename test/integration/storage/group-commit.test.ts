import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { openStorage, type Storage } from '../../../app/storage/database.js';
import { GroupCommit } from '../../../app/storage/group-commit.js';
import { rejectionOf } from '../../helpers/rejection.js';

describe('GroupCommit', () => {
  let dir: string;
  let storage: Storage;
  /** A second connection to the same file, as another process would see it. */
  let other: Database.Database;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'group-commit-'));
    storage = openStorage(join(dir, 'db.sqlite'), { migrate: false });
    storage.sqlite.exec(`
      create table parent (id integer primary key);
      create table child (id integer primary key, parent_id integer references parent(id));
      create table note (text text not null);`);
    other = new Database(join(dir, 'db.sqlite'));
  });
  afterEach(() => {
    other.close();
    storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A batch is written when its last job arrives: the tests choose exactly which jobs share it. */
  const batchOf = (jobs: number) => new GroupCommit(storage.db, { windowMs: 60_000, maxJobs: jobs });
  const note = (text: string) => () => {
    storage.sqlite.prepare('insert into note (text) values (?)').run(text);
    return text;
  };
  const committedNotes = () => other.prepare('select text from note order by rowid').pluck().all();

  it('when jobs are queued together, then they share one transaction and each resolves only once another connection sees it', async () => {
    const commits = batchOf(2);
    const seenByOther: unknown[][] = [];
    const first = commits.run(note('a')).then(() => seenByOther.push(committedNotes()));
    const second = commits.run(() => {
      // The first job's write is visible here (same transaction) but not yet to anyone else.
      expect(storage.sqlite.prepare('select count(*) from note').pluck().get()).to.equal(1);
      expect(committedNotes()).to.deep.equal([]);
      return note('b')();
    });
    await Promise.all([first, second.then(() => seenByOther.push(committedNotes()))]);
    expect(seenByOther).to.deep.equal([
      ['a', 'b'],
      ['a', 'b'],
    ]);
  });

  it('when one job of a batch throws, then only its own writes are undone and only its promise is rejected', async () => {
    const commits = batchOf(3);
    const refusal = new Error('refused');
    const outcomes = await Promise.allSettled([
      commits.run(note('a')),
      commits.run(() => {
        note('b')();
        throw refusal;
      }),
      commits.run(note('c')),
    ]);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : o.reason))).to.deep.equal(['a', refusal, 'c']);
    expect(committedNotes()).to.deep.equal(['a', 'c']);
  });

  it('when COMMIT fails, then every job of the batch is rejected, nothing is written and the next batch commits', async () => {
    storage.sqlite.exec('insert into parent (id) values (1)');
    const commits = batchOf(2);
    const outcomes = await Promise.allSettled([
      commits.run(note('a')),
      commits.run(() => {
        // A deferred foreign key is checked only by COMMIT, which then refuses the whole transaction.
        storage.sqlite.pragma('defer_foreign_keys = ON');
        storage.sqlite.prepare('insert into child (id, parent_id) values (1, 999)').run();
      }),
    ]);
    expect(outcomes.map((o) => o.status)).to.deep.equal(['rejected', 'rejected']);
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).to.match(/FOREIGN KEY/);
    expect(committedNotes()).to.deep.equal([]);
    expect(storage.sqlite.inTransaction, 'the failed batch is rolled back').to.equal(false);

    expect(await Promise.all([commits.run(note('c')), commits.run(note('d'))])).to.deep.equal(['c', 'd']);
    expect(committedNotes()).to.deep.equal(['c', 'd']);
  });

  it('when another connection holds the write lock past busy_timeout, then every job is rejected and none runs', async () => {
    storage.sqlite.pragma('busy_timeout = 0');
    other.exec('begin immediate');
    const ran: string[] = [];
    const commits = batchOf(2);
    const errors = await Promise.all([
      rejectionOf(commits.run(() => ran.push('a'))),
      rejectionOf(commits.run(() => ran.push('b'))),
    ]);
    other.exec('rollback');
    expect(errors.map((e) => (e as { code?: string }).code)).to.deep.equal(['SQLITE_BUSY', 'SQLITE_BUSY']);
    expect(ran).to.deep.equal([]);
    await batchOf(1).run(note('after'));
    expect(committedNotes()).to.deep.equal(['after']);
  });

  it('when SQLite rolls the whole transaction back under a job, then the batch is rejected and later jobs do not run unprotected', async () => {
    const commits = batchOf(3);
    const outcomes = await Promise.allSettled([
      commits.run(note('a')),
      commits.run(() => {
        note('b')();
        // What SQLite itself does on some I/O errors and a full disk.
        storage.sqlite.exec('rollback');
        throw new Error('disk I/O error');
      }),
      commits.run(note('c')),
    ]);
    expect(outcomes.map((o) => o.status)).to.deep.equal(['rejected', 'rejected', 'rejected']);
    expect(committedNotes(), 'c was not written on its own, outside the transaction').to.deep.equal([]);
    expect(storage.sqlite.inTransaction).to.equal(false);
  });

  it('when more jobs are queued than a batch holds, then the rest are written in the next batch', async () => {
    const commits = new GroupCommit(storage.db, { windowMs: 0, maxJobs: 2 });
    const texts = ['a', 'b', 'c', 'd', 'e'];
    expect(await Promise.all(texts.map((t) => commits.run(note(t))))).to.deep.equal(texts);
    expect(committedNotes()).to.deep.equal(texts);
  });
});
