import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../../../app/project-root.js';
import { counterpartyMeta, createTestTenant, position, type TestTenant } from '../../helpers/tenants.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';

const run = promisify(execFile);

/** Customers whose balance is not the sum of their entries: 0 in any consistent copy of the ledger. */
function ledgerMismatches(db: Database.Database): number {
  return (
    db
      .prepare(
        'select count(*) as n from customers c where c.balance != (select coalesce(sum(points), 0) from ledger_entries e where e.customer_id = c.id)',
      )
      .get() as { n: number }
  ).n;
}

describe('npm run backup on a live database', function () {
  this.timeout(60_000);
  let t: TestApp;
  let tenant: TestTenant;
  const customers: string[] = [];
  let backupDir: string;

  before(async () => {
    t = await startTestApp({ quietLogs: true });
    tenant = createTestTenant(t);
    for (let i = 0; i < 20; i++) {
      const msId = randomUUID();
      await tenant.api.post('/counterparty', { meta: counterpartyMeta(msId), name: `Покупатель ${i}` });
      customers.push(msId);
    }
    backupDir = mkdtempSync(join(tmpdir(), 'backups-'));
  });
  after(async () => {
    await t.close();
    rmSync(backupDir, { recursive: true, force: true });
  });

  const salesIn = (db: Database.Database) => (db.prepare('select count(*) as n from sales').get() as { n: number }).n;

  it('when sales keep arriving during the backup, then the copy is a consistent snapshot that passes integrity_check and restores', async () => {
    let writing = true;
    let sold = 0;
    const writer = (async () => {
      while (writing) {
        const msId = customers[sold % customers.length]!;
        const sale = await tenant.api.post('/retaildemand', {
          meta: { id: randomUUID(), href: '' },
          name: `B-${sold}`,
          agent: { meta: counterpartyMeta(msId) },
          positions: [position(100 + (sold % 50), 1)],
          cashSum: 100,
          noCashSum: 0,
        });
        if (sale.status !== 201) throw new Error(`sale failed: ${sale.status}`);
        sold++;
      }
    })();

    while (sold < 20) await new Promise((resolve) => setTimeout(resolve, 10));
    const soldBefore = sold;
    // The real CLI in its own process, with its own connection, as an operator would run it.
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'app/cli/backup.ts', backupDir], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, NODE_ENV: 'test', DATA_DIR: t.dir, DATABASE_PATH: t.config.databasePath },
    });
    const soldAfter = sold;
    writing = false;
    await writer;

    expect(stdout).to.contain('integrity_check: ok');
    const [file] = readdirSync(backupDir);
    expect(file).to.match(/^loyalty-bridge-\d{8}T\d{6}Z\.sqlite$/);
    expect(existsSync(join(backupDir, `${file}-wal`)), 'one self-contained file').to.equal(false);
    expect(soldAfter - soldBefore, 'the till kept selling while the backup ran').to.be.greaterThan(0);

    const copy = new Database(join(backupDir, file!), { readonly: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).to.equal('ok');
      const copied = salesIn(copy);
      expect(copied).to.be.at.least(soldBefore).and.at.most(soldAfter);
      expect(ledgerMismatches(copy), 'no torn ledger in the copy').to.equal(0);
    } finally {
      copy.close();
    }

    // Restore as docs/operations.md says: the copy becomes the database file of a stopped server, then it starts.
    const restoreDir = mkdtempSync(join(tmpdir(), 'restored-'));
    const restoredPath = join(restoreDir, 'loyalty-bridge.sqlite');
    copyFileSync(join(backupDir, file!), restoredPath);
    const restored = await startTestApp({
      dir: restoreDir,
      config: { ...t.config, databasePath: restoredPath },
      quietLogs: true,
    });
    try {
      const balance = await restored.http.post(
        '/loyalty-api/counterparty/detail',
        { meta: counterpartyMeta(customers[0]) },
        { headers: { 'Lognex-Discount-API-Auth-Token': tenant.token } },
      );
      expect(balance.status, 'the token and the customers came back').to.equal(200);
      expect(restored.storage.sqlite.pragma('integrity_check', { simple: true })).to.equal('ok');
    } finally {
      await restored.close();
      rmSync(restoreDir, { recursive: true, force: true });
    }
  });
});
