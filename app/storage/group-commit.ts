import type { Statement } from 'better-sqlite3';
import type { Db, DbOrTx } from './database.js';

export interface GroupCommitOptions {
  /**
   * How long the first job waits for company, in ms. 0: only for the rest of the current turn of the
   * event loop, which already holds every request that arrived while the previous batch was committing.
   */
  windowMs: number;
  /** A batch this large is written at once; the jobs after it wait for the next one. */
  maxJobs: number;
}

export const GROUP_COMMIT_DEFAULTS: GroupCommitOptions = { windowMs: 0, maxJobs: 64 };

interface Job {
  work: (tx: DbOrTx) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** SQLite rolled back the whole transaction on its own (a full disk, an I/O error): the batch is lost. */
class BatchAborted extends Error {}

/**
 * Group commit: the jobs queued within a short window are written in one `BEGIN IMMEDIATE` transaction,
 * one fsync for all of them. Each job runs in its own savepoint, so a job that throws undoes its own
 * writes only and rejects its own promise; the others commit. A promise settles only once the shared
 * COMMIT has returned: nobody hears "done" about a write that is not durable. When BEGIN or COMMIT
 * fails (the file locked past busy_timeout by another process, a full disk), every job of the batch is
 * rejected and nothing of it is written. Jobs run one after another on one connection, so a job sees
 * everything the jobs before it in the batch wrote (a repeated key is a repeat).
 */
export class GroupCommit {
  private queue: Job[] = [];
  private scheduled = false;
  private writing = false;
  private readonly sql: Record<'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'undo', Statement>;

  constructor(
    private readonly db: Db,
    private readonly options: GroupCommitOptions = GROUP_COMMIT_DEFAULTS,
  ) {
    const prepare = (text: string) => db.$client.prepare(text);
    this.sql = {
      begin: prepare('BEGIN IMMEDIATE'),
      commit: prepare('COMMIT'),
      rollback: prepare('ROLLBACK'),
      savepoint: prepare('SAVEPOINT group_commit_job'),
      release: prepare('RELEASE group_commit_job'),
      undo: prepare('ROLLBACK TO group_commit_job'),
    };
  }

  /** Runs work (synchronous, like every better-sqlite3 transaction) in the next batch; resolves after COMMIT. */
  run<T>(work: (tx: DbOrTx) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.queue.length >= this.options.maxJobs && !this.writing) this.write();
      else this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const write = () => {
      this.scheduled = false;
      this.write();
    };
    if (this.options.windowMs > 0) setTimeout(write, this.options.windowMs);
    else setImmediate(write);
  }

  private write(): void {
    const batch = this.queue.splice(0, this.options.maxJobs);
    if (this.queue.length > 0) this.schedule();
    if (batch.length === 0) return;
    this.writing = true;
    let outcomes: Outcome[];
    try {
      outcomes = this.commit(batch);
    } catch (error) {
      // Nothing of the batch was written, so no job of it may look done.
      const reason = error instanceof BatchAborted ? error.cause : error;
      for (const job of batch) job.reject(reason);
      return;
    } finally {
      this.writing = false;
    }
    batch.forEach((job, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
  }

  /** BEGIN, every job in its savepoint, COMMIT; throws (after rolling back) when the batch as a whole fails. */
  private commit(batch: Job[]): Outcome[] {
    const sqlite = this.db.$client;
    this.sql.begin.run();
    try {
      const outcomes = batch.map((job) => this.inSavepoint(job));
      this.sql.commit.run();
      return outcomes;
    } catch (error) {
      if (sqlite.inTransaction) this.sql.rollback.run();
      throw error;
    }
  }

  private inSavepoint(job: Job): Outcome {
    const sqlite = this.db.$client;
    this.sql.savepoint.run();
    try {
      const value = job.work(this.db);
      if (value instanceof Promise) throw new TypeError('a group-commit job must be synchronous');
      this.sql.release.run();
      return { ok: true, value };
    } catch (error) {
      // Some errors (SQLITE_FULL, SQLITE_IOERR) make SQLite roll back the whole transaction: the jobs
      // before this one are undone too, and the ones after must not run outside a transaction.
      if (!sqlite.inTransaction) throw new BatchAborted('the batch was rolled back by SQLite', { cause: error });
      this.sql.undo.run();
      this.sql.release.run();
      return { ok: false, error };
    }
  }
}
