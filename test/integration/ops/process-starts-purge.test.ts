import { expect } from 'chai';
import { asc, eq } from 'drizzle-orm';
import { catchUpRepository } from '../../../app/catch-up/catch-up-repository.js';
import { startMaintenance } from '../../../app/ops/maintenance.js';
import { immediate } from '../../../app/storage/database.js';
import { processStarts, tenants } from '../../../db/schema/index.js';
import { memoryLogger } from '../../helpers/memory-logger.js';
import { insertTenantRow } from '../../helpers/tenants.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

describe('process starts purged by the hourly maintenance', () => {
  let t: TestApp;
  const now = Date.now();
  beforeEach(async () => {
    t = await startTestApp();
    // Every start here is the test's.
    t.storage.db.delete(processStarts).run();
  });
  afterEach(async () => t.close());

  const startsAt = (...agesMs: number[]) =>
    immediate(t.storage.db, (tx) => {
      for (const age of agesMs) catchUpRepository.recordStart(tx, now - age, undefined);
    });
  const keptAges = () =>
    t.storage.db
      .select({ startedAt: processStarts.startedAt })
      .from(processStarts)
      .orderBy(asc(processStarts.startedAt))
      .all()
      .map((row) => now - row.startedAt)
      .sort((a, b) => a - b);

  async function maintenancePass(retentionDays = 90) {
    const { logger, text } = memoryLogger();
    const maintenance = startMaintenance({
      storage: t.storage,
      logger,
      retentionDays,
      readBodiesDays: 7,
      catchUp: t.services.catchUp,
    });
    try {
      await maintenance.runOnce();
    } finally {
      await maintenance.stop();
    }
    return text();
  }

  /** A tenant the catch-up checks (ledger, JSON API access) whose sales are checked up to `checkedUntil`. */
  function checkedTenant(checkedUntil: number) {
    const accountId = insertTenantRow(t.storage.db);
    t.storage.db.update(tenants).set({ accessTokenEnc: 'sealed' }).where(eq(tenants.accountId, accountId)).run();
    catchUpRepository.ensureState(t.storage.db, accountId, checkedUntil, now);
  }

  it('when no tenant lags, then starts older than twice the 24 h look-back go, in steps, and the newer stay', async () => {
    // A tenant seen for the first time is checked 24 h back, and reads starts 24 h before that.
    const old = Array.from({ length: 1200 }, (_, i) => 49 * HOUR_MS + i * 60_000);
    startsAt(HOUR_MS, 47 * HOUR_MS, ...old);
    const log = await maintenancePass();
    expect(keptAges()).to.deep.equal([HOUR_MS, 47 * HOUR_MS]);
    expect(log).to.match(/maintenance done.*"purgedStarts":1200/);
  });

  it('when a tenant is checked only up to 5 days ago, then the starts it still reads stay', async () => {
    checkedTenant(now - 5 * DAY_MS);
    startsAt(HOUR_MS, 5 * DAY_MS + 23 * HOUR_MS, 6 * DAY_MS + HOUR_MS);
    await maintenancePass();
    expect(keptAges()).to.deep.equal([HOUR_MS, 5 * DAY_MS + 23 * HOUR_MS]);
  });

  it('when a lagging tenant reads back past the log kept, then starts older than the log go anyway', async () => {
    checkedTenant(now - 30 * DAY_MS);
    startsAt(HOUR_MS, 2 * DAY_MS + 12 * HOUR_MS, 4 * DAY_MS);
    await maintenancePass(3);
    expect(keptAges()).to.deep.equal([HOUR_MS, 2 * DAY_MS + 12 * HOUR_MS]);
  });
});
