import { expect } from 'chai';
import { HOUR_MS, loyaltyHourlySeries } from '../../../app/txlog/loyalty-api-stats.js';
import { loyaltyApiHourly, transactionLog, type NewLogRow } from '../../../db/schema/index.js';
import { signedInAdmin } from '../../helpers/admin.js';
import { textOf } from '../../helpers/iframe.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';

/** The dashboard's error rate counts real failures; the till's «клиент не найден» is a figure of its own. */
describe('Admin dashboard: failures and «клиент не найден»', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(async () => t.close());

  const insert = (rows: Array<Partial<NewLogRow> & { at: number }>) => {
    for (const row of rows) {
      t.storage.db
        .insert(transactionLog)
        .values({ kind: 'loyalty-api', endpoint: 'POST /retaildemand/recalc', ok: true, httpStatus: 200, ...row })
        .run();
    }
  };
  const notFound = (at: number, endpoint: string) => ({ at, endpoint, ok: false, httpStatus: 404 });

  /** Ten calls: three customers not in the program, a 404 to an unknown method, a 500, a refused sale. */
  const hourOfCalls = (start: number) =>
    insert([
      notFound(start + 1, 'POST /counterparty/detail'),
      notFound(start + 2, 'POST /retaildemand/recalc'),
      notFound(start + 3, 'POST /retaildemand/verify'),
      notFound(start + 4, 'POST /sales'),
      { at: start + 5, ok: false, httpStatus: 500 },
      { at: start + 6, endpoint: 'POST /retaildemand', ok: false, httpStatus: 422 },
      ...Array.from({ length: 4 }, (_, i) => ({ at: start + 10 + i })),
    ]);

  it('when an hour has «клиент не найден» answers, then they are counted apart and are not failures', () => {
    const now = new Date();
    const hour = Math.floor(now.getTime() / HOUR_MS);
    hourOfCalls((hour - 2) * HOUR_MS);
    hourOfCalls(hour * HOUR_MS);
    const series = loyaltyHourlySeries(t.storage.db, hour - 2, now);
    expect(series[0], 'a closed hour, rolled up').to.include({ calls: 10, failures: 3, notFound: 3 });
    expect(series[2], 'the open hour, measured live').to.include({ calls: 10, failures: 3, notFound: 3 });
    const stored = t.storage.db.select().from(loyaltyApiHourly).all();
    expect(stored.find((row) => row.hour === hour - 2)).to.include({ errors: 6, notFound: 3 });
  });

  it('when an hour was rolled up before «клиент не найден» was counted, then it is counted from the log once', () => {
    const now = new Date();
    const hour = Math.floor(now.getTime() / HOUR_MS);
    hourOfCalls((hour - 2) * HOUR_MS);
    // What the previous version stored, side by side during a reload: every 4xx/5xx as an error.
    t.storage.db
      .insert(loyaltyApiHourly)
      .values({ hour: hour - 2, calls: 10, errors: 6, p95Ms: 1 })
      .run();
    expect(loyaltyHourlySeries(t.storage.db, hour - 2, now)[0]).to.include({ failures: 3, notFound: 3 });
    const stored = t.storage.db.select().from(loyaltyApiHourly).all();
    expect(stored.find((row) => row.hour === hour - 2)).to.include({ errors: 6, notFound: 3 });
  });

  it('when support opens the dashboard, then the error rate leaves out «клиент не найден», shown as its own figure', async () => {
    const now = Date.now();
    hourOfCalls(Math.floor(now / HOUR_MS) * HOUR_MS);
    const support = await signedInAdmin(t, 'boris', 'support');
    const html = (await support.get('/admin/dashboard')).data;
    const stats = textOf(/<section class="stats">[\s\S]*?<\/section>/.exec(html)![0]);
    expect(stats).to.contain('30 % сбоев (3)').and.contain('30 % клиент не найден (3)');
    expect(stats).to.not.contain('60 %');
    expect(html).to.contain('chart__line--not-found');
    expect(textOf(html)).to.contain('Сбой — ответ LoyaltyAPI с кодом 4xx или 5xx, кроме 404 «клиент не найден»');
  });
});
