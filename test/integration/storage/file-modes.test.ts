import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { backupDatabase } from '../../../app/ops/backup.js';
import { openStorage } from '../../../app/storage/database.js';

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe('Database and backup file permissions', () => {
  let dir: string;
  let umask: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'modes-'));
    // The most permissive umask an operator could have: whatever we create must still be private.
    umask = process.umask(0);
  });
  afterEach(() => {
    process.umask(umask);
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the database is created, then it, its WAL and its SHM are 0600 and a new data folder is 0700', () => {
    const path = join(dir, 'data', 'loyalty-bridge.sqlite');
    const storage = openStorage(path);
    try {
      storage.sqlite.exec('create table probe (x); insert into probe values (1);');
      expect(existsSync(`${path}-wal`) && existsSync(`${path}-shm`), 'WAL mode made both files').to.equal(true);
      expect([path, `${path}-wal`, `${path}-shm`].map(modeOf)).to.deep.equal(['600', '600', '600']);
      expect(modeOf(join(dir, 'data'))).to.equal('700');
    } finally {
      storage.close();
    }
  });

  it('when a database made by an older version is world-readable, then opening it takes the rights of others away', () => {
    const path = join(dir, 'old.sqlite');
    openStorage(path).close();
    chmodSync(path, 0o644);
    writeFileSync(`${path}-wal`, '');
    chmodSync(`${path}-wal`, 0o666);
    const storage = openStorage(path);
    try {
      expect([path, `${path}-wal`].map(modeOf)).to.deep.equal(['600', '600']);
    } finally {
      storage.close();
    }
  });

  it('when a backup is taken, then the copy is 0600 in a 0700 folder from its first byte, and a second one at the same second is refused', async () => {
    const source = join(dir, 'live.sqlite');
    const storage = openStorage(source);
    try {
      storage.sqlite.exec('create table probe (x); insert into probe values (1);');
      const backups = join(dir, 'backups');
      const now = new Date('2026-11-03T10:00:00Z');
      const { path } = await backupDatabase(source, backups, now);
      expect(modeOf(path)).to.equal('600');
      expect(modeOf(backups)).to.equal('700');
      expect(existsSync(`${path}-wal`), 'one self-contained file').to.equal(false);
      let refusal: unknown;
      await backupDatabase(source, backups, now).catch((error: unknown) => (refusal = error));
      expect(String(refusal)).to.include('already exists');
    } finally {
      storage.close();
    }
  });
});
