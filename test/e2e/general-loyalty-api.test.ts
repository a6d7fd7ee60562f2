import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { and, eq } from 'drizzle-orm';
import { outbox, transactionLog } from '../../db/schema/index.js';
import { PROVIDER_DOWN_RECEIPT_TEXT } from '../../app/providers/provider-backend.js';
import type { TenantSettings } from '../../app/tenants/tenant-settings.js';
import { FAKE_POINT, startGeneralApiFake, type GeneralApiFake } from '../fakes/general-api-fake.js';
import { counterpartyMeta, createProviderTenant, position, retailStore, type TestTenant } from '../helpers/tenants.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { waitFor } from '../helpers/wait-for.js';
import { recalcBody, returnOf, saleFromRecalc, sumKopecks } from './provider-documents.js';

const API_KEY = 'general-e2e-key';
const IVAN_PHONE = '+7 920 123-45-67';

describe('LoyaltyAPI through the general REST API (fake provider)', () => {
  let fake: GeneralApiFake;
  let t: TestApp;
  let shop: TestTenant;

  const settings = (extra: TenantSettings = {}): TenantSettings => ({
    general: { baseUrl: fake.url, defaultPoint: FAKE_POINT },
    storePoints: { [retailStore.meta.id]: FAKE_POINT },
    ...extra,
  });
  const outboxRows = () => t.storage.db.select().from(outbox).where(eq(outbox.tenantId, shop.accountId)).all();
  const ivan = () => fake.state.clients.get('client-cashback')!;
  /** Our UUID for Ivan, as the till gets it from an external search. */
  const searchIvan = async () => {
    const res = await shop.api.get('/counterparty', { params: { search: IVAN_PHONE } });
    expect(res.status, JSON.stringify(res.data)).to.equal(200);
    return res.data.rows[0] as { id: string; name: string; phone: string };
  };
  const recalc = async (agentId: string, body: Record<string, unknown> = {}) => {
    const res = await shop.api.post('/retaildemand/recalc', {
      ...recalcBody(agentId, [position(400, 2), position(200, 1)]),
      ...body,
    });
    expect(res.status, JSON.stringify(res.data)).to.equal(200);
    return res.data;
  };

  beforeEach(async () => {
    fake = await startGeneralApiFake({ apiKey: API_KEY });
    // The fake provider listens on loopback: the operator's allow list lets the app call it.
    t = await startTestApp({
      env: { OUTBOX_RETRY_BASE_MS: '30', OUTBOX_RETRY_MAX_MS: '100', OUTBOUND_ALLOW_HOSTS: '127.0.0.1' },
    });
    shop = createProviderTenant(t, 'general', settings(), { general: { apiKey: API_KEY } });
  });
  afterEach(async () => {
    await t.close();
    await fake.close();
  });

  it('when a cashier searches, checks the balance, spends, sells and returns part, then the provider holds, spends once and the return waits for support', async () => {
    const row = await searchIvan();
    expect(row).to.include({ name: 'ИВАН', phone: '+79201234567' });
    expect(row.id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    const balance = await shop.api.post('/counterparty/detail', { retailStore, meta: counterpartyMeta(row.id) });
    expect(balance.data).to.deep.equal({ bonusProgram: { agentBonusBalance: 878 } });

    // 1000 ₽ at 50 % at most: 500 points, held for the sale.
    const answer = await recalc(row.id);
    expect(answer.bonusProgram).to.include({
      agentBonusBalance: 878,
      bonusValueToSpend: 500,
      bonusValueToEarn: 0,
      agentBonusBalanceAfter: 378,
      paidByBonusPoints: 500,
    });
    expect(sumKopecks(answer.positions, 'price') - sumKopecks(answer.positions)).to.equal(500_00);
    const [hold] = [...fake.state.holds.values()];
    expect(hold).to.include({ client: 'client-cashback', point: FAKE_POINT, amount: 500 });

    const sale = saleFromRecalc(answer, row.id);
    expect((await shop.api.post('/retaildemand', sale)).status).to.equal(201);
    expect((await shop.api.post('/retaildemand', sale)).status, 'МойСклад repeats a sale').to.equal(201);
    expect(outboxRows()).to.have.length(1);
    await t.services.outbox.deliverDue();
    await t.services.outbox.deliverDue();

    expect(fake.state.retails).to.deep.equal([
      { client: 'client-cashback', point: FAKE_POINT, amount: 1000, spend: 500, earn: 0, total: 500 },
    ]);
    expect(fake.state.requests.filter((r) => r.path === '/integration/general/retail')[0]!.body).to.deep.include({
      hold: [hold!.id],
    });
    expect(fake.state.holds.size).to.equal(0);
    expect(ivan().balance).to.equal(378);
    expect(outboxRows()[0]).to.include({ status: 'delivered', attempts: 1 });

    // The first line (2 × 400 ₽, paid 2 × 200 ₽) comes back: 400 of the 500 ₽ paid.
    const saleReturn = returnOf(sale, [answer.positions[0]]);
    expect((await shop.api.post('/retailsalesreturn', saleReturn)).status).to.equal(201);
    const returned = outboxRows().find((r) => r.kind === 'return')!;
    expect(returned).to.include({ status: 'needs_support', saleKey: sale.meta.id });
    expect(returned.supportReason).to.include('нет возвратов').and.include('вернуть покупателю списанные 400 баллов');
    await t.services.outbox.deliverDue();
    expect(ivan().balance, 'the general API has no refund: nothing is faked').to.equal(378);
    expect(fake.state.retails).to.have.length(1);
  });

  it("when the till searches with its store (retailStoreId), then the provider is asked at that store's point", async () => {
    await fake.close();
    fake = await startGeneralApiFake({ apiKey: API_KEY, points: [FAKE_POINT, 'point-lenina'] });
    shop = createProviderTenant(t, 'general', settings({ storePoints: { [retailStore.meta.id]: 'point-lenina' } }), {
      general: { apiKey: API_KEY },
    });
    const res = await shop.api.get('/counterparty', {
      params: { search: IVAN_PHONE, retailStoreId: retailStore.meta.id },
    });
    expect(res.status, JSON.stringify(res.data)).to.equal(200);
    expect(res.data.rows).to.have.length(1);
    expect(fake.state.requests.map((r) => (r.body as { point?: string }).point)).to.deep.equal(['point-lenina']);
  });

  it('when the customer has a discount level, then the percentage becomes per-position discounts and no points move', async () => {
    const res = await shop.api.get('/counterparty', { params: { search: '8 920 765 43 21' } });
    const answer = await recalc(res.data.rows[0].id);
    expect(answer.bonusProgram).to.include({
      agentBonusBalance: 0,
      bonusValueToSpend: 0,
      bonusValueToEarn: 0,
      paidByBonusPoints: 0,
    });
    expect(answer.bonusProgram.receiptExtraInfo).to.equal('Скидка 5 %.');
    expect(sumKopecks(answer.positions, 'price') - sumKopecks(answer.positions)).to.equal(50_00);
    expect(fake.state.holds.size).to.equal(0);

    await shop.api.post('/retaildemand', saleFromRecalc(answer, res.data.rows[0].id));
    await t.services.outbox.deliverDue();
    expect(fake.state.retails).to.deep.equal([
      { client: 'client-discount', point: FAKE_POINT, amount: 1000, spend: 0, earn: 0, total: 950 },
    ]);
  });

  it('when recalc repeats, then an unchanged hold is reused, a changed one replaced, and an EARNING recalc releases it', async () => {
    const { id } = await searchIvan();
    const holdCalls = () =>
      fake.state.requests
        .filter((r) => r.path.startsWith('/integration/general/bonuses/'))
        .map((r) => r.path.split('/').pop());
    await recalc(id);
    await recalc(id);
    expect(holdCalls()).to.deep.equal(['hold']);
    const first = [...fake.state.holds.keys()];

    const fewer = await recalc(id, { preferredBonusToSpend: 120 });
    expect(fewer.bonusProgram.bonusValueToSpend).to.equal(120);
    expect(holdCalls()).to.deep.equal(['hold', 'release', 'hold']);
    expect([...fake.state.holds.values()].map((h) => h.amount)).to.deep.equal([120]);
    expect(fake.state.holds.has(first[0]!)).to.equal(false);

    const earning = await recalc(id, { bonusProgram: { transactionType: 'EARNING' } });
    expect(earning.bonusProgram).to.include({
      bonusValueToSpend: 0,
      bonusValueToEarn: 100,
      agentBonusBalance: 878,
      agentBonusBalanceAfter: 978,
    });
    expect(fake.state.holds.size).to.equal(0);
  });

  it('when the provider is down during recalc, then the till gets a clear error fast, or a receipt without discount if the shop chose that', async () => {
    const { id } = await searchIvan();
    fake.state.down = true;
    const refused = await shop.api.post('/retaildemand/recalc', recalcBody(id, [position(100)]));
    expect(refused.status).to.equal(503);
    expect(refused.data.errors[0].error_message).to.match(/^Система лояльности не отвечает/);

    const lenient = createProviderTenant(t, 'general', settings({ whenProviderDown: 'no-discount' }), {
      general: { apiKey: API_KEY },
    });
    const plain = await lenient.api.post(
      '/retaildemand/recalc',
      recalcBody(randomUUID(), [position(100)], 'SPENDING', { agent: { meta: counterpartyMeta(), phone: IVAN_PHONE } }),
    );
    expect(plain.status, JSON.stringify(plain.data)).to.equal(200);
    expect(plain.data.bonusProgram).to.include({
      bonusValueToSpend: 0,
      paidByBonusPoints: 0,
      receiptExtraInfo: PROVIDER_DOWN_RECEIPT_TEXT,
    });
    expect(plain.data.positions[0]).to.include({ price: 100, discountedPrice: 100 });
    t.flushLog();
    const logged = t.storage.db
      .select()
      .from(transactionLog)
      .where(
        and(eq(transactionLog.tenantId, lenient.accountId), eq(transactionLog.endpoint, 'POST /retaildemand/recalc')),
      )
      .get();
    expect(logged?.errorMessage).to.match(/^provider down, no discount/);
  });

  it('when the provider is down during the sale, then МойСклад gets 201 and the sale is delivered exactly once when it comes back', async () => {
    const { id } = await searchIvan();
    const answer = await recalc(id, { bonusProgram: { transactionType: 'EARNING' } });
    fake.state.down = true;
    const sale = saleFromRecalc(answer, id);
    expect((await shop.api.post('/retaildemand', sale)).status).to.equal(201);

    t.services.outboxWorker.start();
    await waitFor('two failed attempts', () => outboxRows()[0]!.attempts >= 2 && outboxRows()[0]!.status === 'pending');
    expect(fake.state.retails).to.have.length(0);

    fake.state.down = false;
    await waitFor('delivery', () => outboxRows()[0]!.status === 'delivered');
    await t.services.outbox.deliverDue();
    expect(fake.state.retails).to.deep.equal([
      { client: 'client-cashback', point: FAKE_POINT, amount: 1000, spend: 0, earn: 100, total: 1000 },
    ]);
    expect(ivan().balance).to.equal(978);
  });

  it('when a return comes while its sale still waits in the outbox, then its support note names the points to correct once the sale is delivered', async () => {
    const { id } = await searchIvan();
    const answer = await recalc(id);
    fake.state.down = true;
    const sale = saleFromRecalc(answer, id);
    expect((await shop.api.post('/retaildemand', sale)).status).to.equal(201);
    await t.services.outbox.deliverDue();
    expect(outboxRows()[0]).to.include({ status: 'pending', attempts: 1 });

    expect((await shop.api.post('/retailsalesreturn', returnOf(sale, [answer.positions[0]]))).status).to.equal(201);
    const waiting = () => outboxRows().find((r) => r.kind === 'return')!;
    expect(waiting()).to.include({ status: 'needs_support' });
    expect(waiting().supportReason).to.include('ещё не доставлена');

    fake.state.down = false;
    t.services.outboxWorker.start();
    await waitFor(
      'the sale to be delivered',
      () => outboxRows().find((r) => r.kind === 'sale')!.status === 'delivered',
    );
    expect(waiting()).to.include({ status: 'needs_support' });
    expect(waiting().supportReason)
      .to.include('вернуть покупателю списанные 400 баллов, снять начисленные 0 баллов')
      .and.not.include('ещё не доставлена');
    expect(ivan().balance, 'nothing is refunded by itself').to.equal(378);
    t.flushLog();
    const renoted = t.storage.db
      .select()
      .from(transactionLog)
      .where(and(eq(transactionLog.tenantId, shop.accountId), eq(transactionLog.endpoint, 'renote return general')))
      .all();
    expect(renoted.map((r) => r.saleKey)).to.deep.equal([sale.meta.id]);
  });

  it('when a sale is answered 201, then its log row is already committed with the outbox entry, and every step carries the sale key', async () => {
    const { id } = await searchIvan();
    const answer = await recalc(id);
    const sale = saleFromRecalc(answer, id, randomUUID(), 'S-0042');
    await shop.api.post('/retaildemand', sale);
    const bySaleKey = () =>
      t.storage.db.select().from(transactionLog).where(eq(transactionLog.saleKey, sale.meta.id)).all();
    // Not flushed: the row was written in the sale's own transaction.
    expect(bySaleKey().map((r) => [r.kind, r.endpoint, r.httpStatus])).to.deep.equal([
      ['loyalty-api', 'POST /retaildemand', 201],
    ]);

    await t.services.outbox.deliverDue();
    await shop.api.post('/retailsalesreturn', returnOf(sale, [answer.positions[1]]));
    t.flushLog();
    const rows = bySaleKey();
    expect(rows.map((r) => `${r.kind} ${r.endpoint}`)).to.include.members([
      'loyalty-api POST /retaildemand',
      'provider POST general-api /integration/general/retail',
      'outbox deliver sale general',
      'loyalty-api POST /retailsalesreturn',
    ]);
    expect(
      rows
        .filter((r) => r.kind !== 'loyalty-api' || r.endpoint === 'POST /retaildemand')
        .every((r) => r.documentName === 'S-0042'),
    ).to.equal(true);
    const delivery = rows.find((r) => r.kind === 'outbox')!;
    expect(delivery).to.include({ ok: true, pointsSpent: 500, tenantId: shop.accountId });
    expect(JSON.parse(delivery.responseBody!)).to.have.property('holdRequestId').that.is.a('string');
  });

  it('when the till asks for what the general API cannot do, then the cashier reads what to do instead', async () => {
    const unknown = await shop.api.post('/counterparty', {
      retailStore,
      meta: counterpartyMeta(),
      name: 'Новый',
      phone: '+7 900 000-00-00',
    });
    expect(unknown.status).to.equal(422);
    expect(unknown.data.errors[0].error_message).to.equal(
      'Система лояльности не регистрирует покупателей из кассы. Зарегистрируйте покупателя в системе лояльности, затем найдите его по телефону.',
    );

    const msId = randomUUID();
    const existing = await shop.api.post('/counterparty', {
      retailStore,
      meta: counterpartyMeta(msId),
      name: 'Иван',
      phone: IVAN_PHONE,
    });
    expect(existing.status).to.equal(201);
    const byMsId = await shop.api.post('/counterparty/detail', { retailStore, meta: counterpartyMeta(msId) });
    expect(byMsId.data.bonusProgram.agentBonusBalance, 'linked to the provider client').to.equal(878);

    const code = await shop.api.post('/counterparty/verify', { meta: { href: '' }, phone: IVAN_PHONE });
    expect(code.status).to.equal(422);
    expect(code.data.errors[0].error_message).to.include('не отправляет коды');
    const card = await shop.api.get('/giftcard', { params: { name: '123' } });
    expect(card.status).to.equal(422);
    expect(card.data.errors[0].error_message).to.equal(
      'Система лояльности не поддерживает подарочные карты. Примите оплату другим способом.',
    );

    const notFound = await shop.api.get('/counterparty', { params: { search: '+7 999 111-22-33' } });
    expect(notFound.data).to.deep.equal({ rows: [] });
  });
});
