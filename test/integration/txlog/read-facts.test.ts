import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { startMaintenance } from '../../../app/ops/maintenance.js';
import { signedInAdmin } from '../../helpers/admin.js';
import { memoryLogger } from '../../helpers/memory-logger.js';
import { counterpartyMeta, createTestTenant, position, retailStore, type TestTenant } from '../../helpers/tenants.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';

const DAY_MS = 86_400_000;

interface StoredRow {
  id: number;
  endpoint: string;
  ok: number;
  customer_id: string | null;
  phone_last4: string | null;
  points_spent: number | null;
  points_earned: number | null;
  duration_ms: number | null;
  request_body: string | null;
  response_body: string | null;
  read_bodies: number | null;
  receipt_lines: number | null;
  receipt_kopecks: number | null;
  discount_kopecks: number | null;
  balance_before: number | null;
  balance_after: number | null;
  receipt_text: string | null;
  found_count: number | null;
}

describe('The transaction log of the till’s reads', () => {
  let t: TestApp;
  let shop: TestTenant;
  const msId = randomUUID();

  const rowsOf = (endpoint: string) =>
    t.storage.sqlite
      .prepare('select * from transaction_log where kind = ? and endpoint = ? order by id')
      .all('loyalty-api', endpoint) as StoredRow[];
  const only = (endpoint: string) => {
    const rows = rowsOf(endpoint);
    expect(rows, endpoint).to.have.length(1);
    return rows[0]!;
  };
  /** The hourly job as it will run `days` from now. */
  const maintenanceIn = async (days: number) => {
    const maintenance = startMaintenance({
      storage: t.storage,
      logger: memoryLogger().logger,
      retentionDays: 90,
      readBodiesDays: t.config.logReadBodiesDays,
      now: () => new Date(Date.now() + days * DAY_MS),
    });
    await maintenance.runOnce();
    await maintenance.stop();
  };

  const start = async (env: Record<string, string> = {}) => {
    t = await startTestApp({ env });
    shop = createTestTenant(t, { earnRateRoublesToPoint: 10, spendRatePointsToRouble: 1, maxPaidRatePercents: 50 });
    const created = await shop.api.post('/counterparty', {
      retailStore,
      meta: counterpartyMeta(msId),
      name: 'Иванов Иван',
      phone: '+7 912 345-67-89',
    });
    expect(created.status, JSON.stringify(created.data)).to.equal(201);
    // 300 points to spend.
    const sale = await shop.api.post('/retaildemand', {
      retailStore,
      name: '00001',
      meta: counterpartyMeta(),
      agent: { meta: counterpartyMeta(msId) },
      positions: [position(3000)],
      cashSum: 3000,
      noCashSum: 0,
      bonusProgram: { bonusValueToEarn: 300, bonusValueToSpend: 0 },
    });
    expect(sale.status, JSON.stringify(sale.data)).to.equal(201);
  };
  afterEach(async () => t.close());

  const recalc = () =>
    shop.api.post('/retaildemand/recalc', {
      retailStore,
      agent: { meta: counterpartyMeta(msId) },
      positions: [position(400, 2), position(199.5)],
      bonusProgram: { transactionType: 'SPENDING' },
    });

  it('when a recalc succeeds, then its row keeps the customer, points, sums, lines and receipt text, and its bodies only until LOG_READ_BODIES_DAYS', async () => {
    await start({ LOG_READ_BODIES_DAYS: '7' });
    const answer = await recalc();
    expect(answer.status, JSON.stringify(answer.data)).to.equal(200);
    const shown = answer.data.bonusProgram;
    t.flushLog();

    const fresh = only('POST /retaildemand/recalc');
    expect(fresh.read_bodies, 'bodies kept for now').to.equal(1);
    expect(JSON.parse(fresh.response_body!).bonusProgram).to.deep.equal(shown);
    const facts = {
      customer_id: msId,
      points_spent: shown.bonusValueToSpend,
      points_earned: shown.bonusValueToEarn,
      receipt_lines: 2,
      receipt_kopecks: 99_950,
      discount_kopecks: Math.round(shown.paidByBonusPoints * 100),
      balance_before: 300,
      balance_after: shown.agentBonusBalanceAfter,
      receipt_text: shown.receiptExtraInfo,
    };
    expect(fresh).to.include(facts);
    expect(shown.bonusValueToSpend, 'a receipt that really spent points').to.be.greaterThan(0);
    expect(fresh.receipt_text).to.be.a('string').and.contain('Списано');

    await maintenanceIn(6);
    expect(only('POST /retaildemand/recalc').request_body, 'six days later the bodies are still there').to.not.equal(
      null,
    );

    await maintenanceIn(8);
    const old = only('POST /retaildemand/recalc');
    expect(old).to.include({ ...facts, id: fresh.id, read_bodies: 0, request_body: null, response_body: null });
    expect(old.duration_ms).to.equal(fresh.duration_ms);
  });

  it('when LOG_READ_BODIES_DAYS is 0, then a successful recalc, balance and search store their facts and no bodies', async () => {
    await start({ LOG_READ_BODIES_DAYS: '0' });
    expect((await recalc()).status).to.equal(200);
    const balance = await shop.api.post('/counterparty/detail', { retailStore, meta: counterpartyMeta(msId) });
    expect(balance.status).to.equal(200);
    const search = await shop.api.get('/counterparty', {
      params: { search: '8 (912) 345-67-89', retailStoreId: retailStore.meta.id },
    });
    expect(search.data.rows).to.have.length(1);
    t.flushLog();

    for (const endpoint of ['POST /retaildemand/recalc', 'POST /counterparty/detail', 'GET /counterparty']) {
      expect(only(endpoint), endpoint).to.include({ read_bodies: 0, request_body: null, response_body: null });
    }
    expect(only('POST /retaildemand/recalc').receipt_text).to.contain('Списано');
    expect(only('POST /counterparty/detail')).to.include({ customer_id: msId, balance_before: 300 });
    expect(only('GET /counterparty'), 'the phone searched for, as its last digits').to.include({
      found_count: 1,
      customer_id: msId,
      phone_last4: '6789',
    });
  });

  it('when a recalc fails, then its row keeps both bodies past LOG_READ_BODIES_DAYS', async () => {
    await start({ LOG_READ_BODIES_DAYS: '7' });
    const refused = await shop.api.post('/retaildemand/recalc', {
      retailStore,
      agent: { meta: counterpartyMeta(msId) },
      positions: [position(-400, 2)],
      bonusProgram: { transactionType: 'SPENDING' },
    });
    expect(refused.status, JSON.stringify(refused.data)).to.equal(400);
    t.flushLog();
    await maintenanceIn(30);

    const row = only('POST /retaildemand/recalc');
    expect(row).to.include({ ok: 0, read_bodies: null });
    expect(JSON.parse(row.request_body!).positions[0]).to.have.property('price', -400);
    expect(JSON.parse(row.response_body!)).to.have.property('errors');
  });

  it('when a sale is made, then its row keeps its full body past LOG_READ_BODIES_DAYS', async () => {
    await start({ LOG_READ_BODIES_DAYS: '1' });
    t.flushLog();
    await maintenanceIn(30);

    const sale = only('POST /retaildemand');
    expect(sale.read_bodies).to.equal(null);
    expect(JSON.parse(sale.request_body!)).to.include({ name: '00001', cashSum: 3000 });
  });

  it('when support opens a recalc whose bodies were dropped, then the page shows what the till showed and says where the bodies went', async () => {
    await start({ LOG_READ_BODIES_DAYS: '7' });
    const answer = await recalc();
    t.flushLog();
    await maintenanceIn(8);
    const row = only('POST /retaildemand/recalc');

    const admin = await signedInAdmin(t);
    const page = await admin.get(`/admin/log/${row.id}`);
    expect(page.status).to.equal(200);
    const html = String(page.data);
    expect(html).to.contain('Что показала касса').and.contain('Позиций в чеке');
    expect(html).to.contain('999,50 ₽');
    expect(html).to.contain(answer.data.bonusProgram.receiptExtraInfo);
    expect(html).to.contain('хранятся 7 дн.').and.not.contain('pre class="body"');
  });
});
