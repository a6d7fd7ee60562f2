import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Options } from 'express-rate-limit';
import { WriteBehindRateLimitStore } from '../../../app/http/auth-failures.js';
import { openStorage, type Storage } from '../../../app/storage/database.js';
import { memoryLogger } from '../../helpers/memory-logger.js';

describe('Failed-authentication counters in SQLite', () => {
  let dir: string;
  let first: Storage;
  let second: Storage;
  const storeOn = (storage: Storage) => {
    const store = new WriteBehindRateLimitStore(storage.db, 'auth-failures:test:', memoryLogger().logger);
    store.init({ windowMs: 60_000 } as Options);
    return store;
  };
  const savedHits = () =>
    (
      first.sqlite.prepare('select hits from login_throttle where key = ?').get('auth-failures:test:203.0.113.7') as
        { hits: number } | undefined
    )?.hits;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rate-limit-store-'));
    first = openStorage(join(dir, 'db.sqlite'));
    second = openStorage(join(dir, 'db.sqlite'), { migrate: false });
  });
  afterEach(() => {
    first.close();
    second.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when failures are counted, then they are written together later, not one write each', () => {
    const store = storeOn(first);
    for (let i = 0; i < 100; i += 1) store.increment('203.0.113.7');
    expect(savedHits()).to.equal(undefined);
    store.flush();
    expect(savedHits()).to.equal(100);
    store.flush();
    expect(savedHits(), 'a second flush adds nothing').to.equal(100);
  });

  it('when two processes count the same address on one file (a pm2 reload), then the saved count is their sum and a new process starts from it', () => {
    const [a, b] = [storeOn(first), storeOn(second)];
    for (let i = 0; i < 7; i += 1) a.increment('203.0.113.7');
    for (let i = 0; i < 5; i += 1) b.increment('203.0.113.7');
    a.flush();
    b.flush();
    expect(savedHits()).to.equal(12);
    const restarted = storeOn(second);
    expect(restarted.increment('203.0.113.7').totalHits).to.equal(13);
    expect(restarted.get('198.51.100.1')).to.equal(undefined);
  });

  it('when the file is locked past busy_timeout, then the counts stay in memory and are written on the next flush', () => {
    const store = storeOn(first);
    for (let i = 0; i < 3; i += 1) store.increment('203.0.113.7');
    first.sqlite.pragma('busy_timeout = 50');
    second.sqlite.prepare('begin immediate').run();
    try {
      store.flush();
      expect(savedHits()).to.equal(undefined);
    } finally {
      second.sqlite.prepare('rollback').run();
    }
    store.flush();
    expect(savedHits()).to.equal(3);
  });
});
