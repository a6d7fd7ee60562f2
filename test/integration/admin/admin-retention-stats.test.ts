import { expect } from 'chai';
import { startMaintenance } from '../../../app/ops/maintenance.js';
import { purgeLogBefore } from '../../../app/txlog/log-retention.js';
import { HOUR_MS, loyaltyHourlySeries } from '../../../app/txlog/loyalty-api-stats.js';
import { loyaltyActivity } from '../../../app/txlog/tenant-activity.js';
import { loyaltyApiHourly, transactionLog, type NewLogRow } from '../../../db/schema/index.js';
import { signedInAdmin } from '../../helpers/admin.js';
import { seedTransactionLog } from '../../helpers/log-seed.js';
import { memoryLogger } from '../../helpers/memory-logger.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';

const DAY_MS = 86_400_000;

describe('Transaction log retention', () => {
  let t: TestApp;
  const now = Date.now();
  beforeEach(async () => {
    t = await startTestApp();
    // 100 days of rows, 200 a day.
    seedTransactionLog(t.storage.sqlite, 20_000, now, 100);
  });
  afterEach(async () => t.close());

  const count = (where: string, ...params: unknown[]) =>
    (
      t.storage.sqlite.prepare(`select count(*) as n from transaction_log where ${where}`).get(...params) as {
        n: number;
      }
    ).n;

  it('when rows are older than the cutoff, then exactly those are deleted, in batches, and the rest stay', async () => {
    const cutoff = new Date(now - 70 * DAY_MS);
    const old = count('at < ?', cutoff.getTime());
    const kept = count('at >= ?', cutoff.getTime());
    expect(old, 'more than one batch of 5000').to.be.greaterThan(5000);

    expect(await purgeLogBefore(t.storage.db, cutoff)).to.equal(old);
    expect(count('at < ?', cutoff.getTime())).to.equal(0);
    expect(count('1')).to.equal(kept);
    expect(await purgeLogBefore(t.storage.db, cutoff), 'a second purge finds nothing').to.equal(0);
  });

  it('when the maintenance job runs, then it applies LOG_RETENTION_DAYS, and a purged row is a clear 404 page', async () => {
    const oldest = t.storage.sqlite.prepare('select min(id) as id from transaction_log').get() as { id: number };
    const { logger, text } = memoryLogger();
    const maintenance = startMaintenance({
      storage: t.storage,
      logger,
      retentionDays: 95,
      readBodiesDays: 7,
      now: () => new Date(now),
    });
    try {
      await maintenance.runOnce();
    } finally {
      maintenance.stop();
    }
    expect(count('at < ?', now - 95 * DAY_MS)).to.equal(0);
    expect(count('at < ?', now - 90 * DAY_MS), 'rows between 90 and 95 days stay').to.be.greaterThan(0);
    expect(text()).to.contain('maintenance done');

    const admin = await signedInAdmin(t);
    const page = await admin.get(`/admin/log/${oldest.id}`);
    expect(page.status).to.equal(404);
    expect(page.data).to.contain('старше срока хранения');
  });
});

describe('LoyaltyAPI hourly stats and tenant activity', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(async () => t.close());

  const insert = (rows: Array<Partial<NewLogRow> & { at: number }>) => {
    for (const row of rows) {
      t.storage.db
        .insert(transactionLog)
        .values({ kind: 'loyalty-api', endpoint: 'POST /retaildemand/recalc', ok: true, tenantId: 'shop-a', ...row })
        .run();
    }
  };

  it('when an hour has closed, then its calls, errors and p95 are rolled up once; the open hour is measured live', () => {
    const now = new Date();
    const hour = Math.floor(now.getTime() / HOUR_MS);
    const closed = (hour - 3) * HOUR_MS;
    // Ten calls of 1..10 ms, two of them errors; a webhook in the same hour does not count.
    insert(Array.from({ length: 10 }, (_, i) => ({ at: closed + i * 60_000, durationMs: i + 1, ok: i >= 2 })));
    insert([{ at: closed + 5, kind: 'vendor-api', endpoint: 'PUT /apps', durationMs: 9000 }]);
    insert([{ at: now.getTime() - 1, durationMs: 40 }]);

    const series = loyaltyHourlySeries(t.storage.db, hour - 5, now);
    expect(series.map((s) => s.hour)).to.deep.equal([hour - 5, hour - 4, hour - 3, hour - 2, hour - 1, hour]);
    expect(series[2]).to.deep.equal({ hour: hour - 3, calls: 10, failures: 2, notFound: 0, p95Ms: 10 });
    expect(series[0]).to.deep.equal({ hour: hour - 5, calls: 0, failures: 0, notFound: 0, p95Ms: null });
    expect(series[5]).to.include({ calls: 1, p95Ms: 40 });

    const stored = t.storage.db
      .select()
      .from(loyaltyApiHourly)
      .all()
      .map((r) => r.hour);
    expect(stored, 'closed hours only; the current one is not frozen')
      .to.include(hour - 3)
      .and.not.include(hour);
    // Rolled-up hours are read, not measured again: a row slipped into the closed hour is not counted.
    insert([{ at: closed + 1, durationMs: 1 }]);
    expect(loyaltyHourlySeries(t.storage.db, hour - 3, now)[0]).to.include({ calls: 10 });
  });

  it("when tenants have calls, then each one's last call and 24-hour failures are theirs alone, «клиент не найден» not among them", () => {
    const now = Date.now();
    insert([
      { at: now - 2 * DAY_MS, ok: false },
      { at: now - 3_600_000 },
      { at: now - 1_800_000, ok: false },
      { at: now - 60_000 },
      { at: now - 30_000, tenantId: 'shop-b' },
      { at: now - 10_000, tenantId: 'shop-a', kind: 'vendor-api', endpoint: 'PUT /apps' },
      { at: now - 25_000, tenantId: 'shop-b', ok: false, httpStatus: 404, endpoint: 'POST /retaildemand' },
      { at: now - 20_000, tenantId: 'shop-b', ok: false, httpStatus: 404 },
    ]);
    const activity = loyaltyActivity(t.storage.db, ['shop-a', 'shop-b', 'shop-c'], new Date(now));
    expect(activity.get('shop-a')).to.deep.equal({ lastCallAt: now - 60_000, calls24h: 3, failures24h: 1 });
    expect(activity.get('shop-b')).to.deep.equal({ lastCallAt: now - 20_000, calls24h: 3, failures24h: 1 });
    expect(activity.get('shop-c')).to.deep.equal({ lastCallAt: undefined, calls24h: 0, failures24h: 0 });
  });
});
