import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { logPage } from '../../../app/txlog/log-query.js';
import { counterpartyMeta, createTestTenant, position, retailStore, type TestTenant } from '../../helpers/tenants.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';

describe('LoyaltyAPI: a sale sent again under the same key', () => {
  let t: TestApp;
  let shop: TestTenant;
  let msId: string;

  const balance = async () => {
    const res = await shop.api.post('/counterparty/detail', { retailStore, meta: counterpartyMeta(msId) });
    return res.data.bonusProgram.agentBonusBalance as number;
  };
  const saleBody = (saleId: string, price: number) => ({
    retailStore,
    name: '00077',
    moment: '2026-11-23 10:00:00',
    meta: counterpartyMeta(saleId),
    agent: { meta: counterpartyMeta(msId) },
    positions: [{ ...position(price), assortment: { meta: { href: '', id: 'goods-1' } } }],
    cashSum: price,
    noCashSum: 0,
  });
  const errorRows = () => {
    t.flushLog();
    return logPage(t.storage.db, { tenantId: shop.accountId, status: 'error' }).rows;
  };

  beforeEach(async () => {
    t = await startTestApp();
    shop = createTestTenant(t, { earnRateRoublesToPoint: 10 });
    msId = randomUUID();
    expect(
      (await shop.api.post('/counterparty', { retailStore, meta: counterpartyMeta(msId), name: 'Ли' })).status,
    ).to.equal(201);
  });
  afterEach(() => t.close());

  it('when it comes with other content, then it is answered like the first, nothing changes, and support sees both bodies in the log', async () => {
    const saleId = randomUUID();
    const first = saleBody(saleId, 1000);
    expect((await shop.api.post('/retaildemand', first)).status).to.equal(201);
    t.flushLog();
    const repeated = saleBody(saleId, 2000);
    const res = await shop.api.post('/retaildemand', repeated);
    expect(res.status).to.equal(201);
    expect(res.data).to.deep.equal({});
    expect(await balance(), 'the first sale only').to.equal(100);

    const [row, ...more] = errorRows();
    expect(more).to.deep.equal([]);
    expect(row).to.include({ endpoint: 'POST /retaildemand', httpStatus: 201, ok: false, documentName: '00077' });
    expect(row!.saleKey).to.equal(saleId);
    expect(row!.errorMessage).to.equal(
      'Продажа № 00077 пришла повторно с другим содержимым. Кассе ответили как в первый раз, повтор не применён. Поддержке: сравните first (первая продажа) и repeated (повтор) и при необходимости поправьте баллы вручную.',
    );
    const stored = t.storage.sqlite.prepare('select request_body from transaction_log where id = ?').get(row!.id) as {
      request_body: string;
    };
    expect(JSON.parse(stored.request_body)).to.deep.equal({ first, repeated });
  });

  it('when it comes with the same content, then it is a plain repeat and nothing is reported', async () => {
    const body = saleBody(randomUUID(), 1000);
    await shop.api.post('/retaildemand', body);
    expect((await shop.api.post('/retaildemand', body)).status).to.equal(201);
    expect(await balance()).to.equal(100);
    expect(errorRows()).to.deep.equal([]);
  });
});
