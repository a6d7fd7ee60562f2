import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import { outbox } from '../../db/schema/index.js';
import { UNKNOWN_OUTCOME_REASON } from '../../app/outbox/outbox.js';
import { IBONUS_EARN_TEXT, IBONUS_SEARCH_HINT } from '../../app/providers/ibonus/ibonus-backend.js';
import { startIBonusFake, type FakeClient, type IBonusFake } from '../fakes/ibonus-fake.js';
import { counterpartyMeta, createProviderTenant, position, retailStore, type TestTenant } from '../helpers/tenants.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { waitFor } from '../helpers/wait-for.js';
import { recalcBody, returnOf, saleFromRecalc, sumKopecks } from './provider-documents.js';

const CREDENTIALS = { login: 'shop-login', password: 'shop-password' };
const COUPON_EXPIRES = Date.UTC(2027, 0, 31, 12);

function maria(): FakeClient {
  return {
    id: 1234567,
    name: 'Мария',
    phone: '79123456789',
    email: 'maria@example.ru',
    points: 300.5,
    coupons: [{ id: 7, header: 'Кофе в подарок', expireDate: COUPON_EXPIRES }],
  };
}

describe('LoyaltyAPI through i-bonus.me (fake provider)', () => {
  let fake: IBonusFake;
  let t: TestApp;
  let shop: TestTenant;

  const outboxRows = () => t.storage.db.select().from(outbox).where(eq(outbox.tenantId, shop.accountId)).all();
  const client = () => fake.state.clients[0]!;
  const searchMaria = async () => {
    const res = await shop.api.get('/counterparty', { params: { search: '8 (912) 345-67-89' } });
    expect(res.status, JSON.stringify(res.data)).to.equal(200);
    return res.data.rows[0] as { id: string };
  };
  const recalc = async (agentId: string, transactionType: 'EARNING' | 'SPENDING' = 'SPENDING') => {
    const res = await shop.api.post(
      '/retaildemand/recalc',
      recalcBody(agentId, [position(400, 2), position(200, 1)], transactionType),
    );
    expect(res.status, JSON.stringify(res.data)).to.equal(200);
    return res.data;
  };

  const startShop = async (env: Record<string, string> = {}) => {
    t = await startTestApp({
      // The fake provider listens on loopback: the operator's allow list lets the app call it.
      env: {
        OUTBOX_RETRY_BASE_MS: '30',
        OUTBOX_RETRY_MAX_MS: '100',
        PROVIDER_DELIVERY_TIMEOUT_MS: '150',
        OUTBOUND_ALLOW_HOSTS: '127.0.0.1',
        ...env,
      },
    });
    shop = createProviderTenant(
      t,
      'ibonus',
      { ibonus: { baseUrl: fake.url, maxPaidRatePercents: 50, spendRatePointsToRouble: 1 } },
      { ibonus: CREDENTIALS },
    );
  };

  beforeEach(async () => {
    fake = await startIBonusFake(CREDENTIALS);
    fake.state.clients.push(maria());
    await startShop();
  });
  afterEach(async () => {
    await t.close();
    await fake.close();
  });

  it('when a cashier searches, checks the balance, spends, sells and returns part, then i-bonus gets one sale and one refund for the same externalId', async () => {
    const row = await searchMaria();
    expect(row).to.include({ name: 'Мария', phone: '+79123456789', email: 'maria@example.ru' });
    expect(row.id).to.match(/^[0-9a-f-]{36}$/);

    const balance = await shop.api.post('/counterparty/detail', { retailStore, meta: counterpartyMeta(row.id) });
    expect(balance.data).to.deep.equal({ bonusProgram: { agentBonusBalance: 300 } });

    // 1000 ₽, at most 50 %: the 300 whole points are spendable; what i-bonus will award is not known.
    const answer = await recalc(row.id);
    expect(answer.bonusProgram).to.include({
      agentBonusBalance: 300,
      bonusValueToSpend: 300,
      bonusValueToEarn: 0,
      agentBonusBalanceAfter: 0,
      paidByBonusPoints: 300,
    });
    expect(answer.bonusProgram.receiptExtraInfo).to.equal(
      `Баланс i-bonus: 300 баллов. Списано: 300.\n${IBONUS_EARN_TEXT}\nКупоны: Кофе в подарок до 31.01.2027.`,
    );
    expect(sumKopecks(answer.positions, 'price') - sumKopecks(answer.positions)).to.equal(300_00);

    const sale = saleFromRecalc(answer, row.id);
    expect((await shop.api.post('/retaildemand', sale)).status).to.equal(201);
    await t.services.outbox.deliverDue();
    expect(fake.state.orders.map((o) => o.outcome)).to.deep.equal(['applied']);
    const sent = fake.state.orders[0]!.body as { order: Record<string, unknown>; amount: number; currency: string };
    expect(sent).to.deep.include({ amount: 300, currency: 'points' });
    expect(sent.order).to.deep.include({
      receiptType: 'sale',
      externalId: sale.meta.id,
      amountCash: 700,
      amountCard: 0,
      customerPhone: '79123456789',
    });
    expect(
      (sent.order.items as Array<{ price: number; quantity: number }>).map((i) => [i.price, i.quantity]),
    ).to.deep.equal([
      [400, 2],
      [200, 1],
    ]);
    // 300.5 − 300 spent + 5 % of the 700 ₽ paid.
    expect(client().points).to.equal(35.5);

    const saleReturn = returnOf(sale, [answer.positions[0]]);
    expect((await shop.api.post('/retailsalesreturn', saleReturn)).status).to.equal(201);
    await t.services.outbox.deliverDue();
    const refund = fake.state.orders[1]!;
    expect(refund.outcome).to.equal('applied');
    expect((refund.body as { order: Record<string, unknown> }).order).to.deep.include({
      receiptType: 'refund',
      externalId: sale.meta.id,
      amountCash: saleReturn.cashSum,
      items: [
        { Id: answer.positions[0].assortment.meta.id, price: 400, quantity: 2, unit: 'piece', name: 'Позиция 1' },
      ],
    });
    // The seed's refund cancels what the order awarded and gives back what it spent.
    expect(client().points).to.equal(300.5);
    expect(outboxRows().map((r) => [r.kind, r.status])).to.deep.equal([
      ['sale', 'delivered'],
      ['return', 'delivered'],
    ]);
  });

  it('when i-bonus is down during the sale, then МойСклад gets 201 and the order is applied exactly once when it comes back', async () => {
    const { id } = await searchMaria();
    const answer = await recalc(id, 'EARNING');
    fake.state.down = true;
    expect((await shop.api.post('/retaildemand', saleFromRecalc(answer, id))).status).to.equal(201);

    t.services.outboxWorker.start();
    await waitFor('a failed attempt', () => outboxRows()[0]!.attempts >= 1 && outboxRows()[0]!.status === 'pending');
    fake.state.down = false;
    await waitFor('delivery', () => outboxRows()[0]!.status === 'delivered');
    await t.services.outbox.deliverDue();
    expect(fake.state.orders.map((o) => o.outcome)).to.deep.equal(['applied']);
    expect(client().points).to.equal(300.5 + 50);
  });

  it('when the answer to an order never comes and nobody said i-bonus de-duplicates, then the order goes to support and is not sent again', async () => {
    const { id } = await searchMaria();
    const answer = await recalc(id, 'EARNING');
    fake.state.delayMs = 400;
    await shop.api.post('/retaildemand', saleFromRecalc(answer, id));
    await t.services.outbox.deliverDue();
    expect(outboxRows()[0]).to.include({ status: 'needs_support', attempts: 1, supportReason: UNKNOWN_OUTCOME_REASON });

    fake.state.delayMs = 0;
    await waitFor('the slow order to land', () => fake.state.orders.length === 1);
    await t.services.outbox.deliverDue();
    expect(
      fake.state.orders.map((o) => o.outcome),
      'applied once, never sent again by itself',
    ).to.deep.equal(['applied']);
    expect(client().points).to.equal(300.5 + 50);
  });

  it('when the answer to an order never comes and the operator states i-bonus de-duplicates, then it is sent again and i-bonus recognises the externalId: applied once', async () => {
    await t.close();
    await startShop({ IBONUS_DEDUPLICATES_EXTERNAL_ID: 'true' });
    const { id } = await searchMaria();
    const answer = await recalc(id, 'EARNING');
    fake.state.delayMs = 400;
    await shop.api.post('/retaildemand', saleFromRecalc(answer, id));
    await t.services.outbox.deliverDue();
    expect(outboxRows()[0]).to.include({ status: 'pending', attempts: 1 });

    fake.state.delayMs = 0;
    await waitFor('the slow order to land', () => fake.state.orders.length === 1);
    await t.services.outbox.retryNow(shop.accountId, outboxRows()[0]!.id, 'test');
    await t.services.outbox.deliverDue();
    expect(fake.state.orders.map((o) => o.outcome)).to.deep.equal(['applied', 'duplicate']);
    expect(outboxRows()[0]!.status).to.equal('delivered');
    expect(client().points).to.equal(300.5 + 50);
  });

  it('when i-bonus refuses a spend, then the sale is marked for support with the reason and not retried', async () => {
    const { id } = await searchMaria();
    const answer = await recalc(id);
    client().points = 10;
    await shop.api.post('/retaildemand', saleFromRecalc(answer, id));
    await t.services.outbox.deliverDue();
    await t.services.outbox.deliverDue();
    const [row] = outboxRows();
    expect(row).to.include({ status: 'needs_support', attempts: 1 });
    expect(row!.supportReason).to.match(/^Не доставлено: i-bonus отклонил запрос/);
    expect(fake.state.orders.map((o) => o.outcome)).to.deep.equal(['rejected']);
  });

  it('when the cashier searches by name, then the till is told i-bonus searches by phone or e-mail; an e-mail finds the customer', async () => {
    const byName = await shop.api.get('/counterparty', { params: { search: 'Мария' } });
    expect(byName.status).to.equal(422);
    expect(byName.data.errors[0].error_message).to.equal(IBONUS_SEARCH_HINT);
    const byEmail = await shop.api.get('/counterparty', { params: { search: 'MARIA@example.ru' } });
    expect(byEmail.data.rows.map((r: { name: string }) => r.name)).to.deep.equal(['Мария']);
  });

  it('when the balance is asked by a МойСклад id with the phone, then the customer is found once and linked for the next call', async () => {
    const msId = '5f3c1b4c-0000-41e9-8000-000000000042';
    const first = await shop.api.post('/counterparty/detail', {
      retailStore,
      meta: counterpartyMeta(msId),
      phone: '+7 912 345 67 89',
    });
    expect(first.data.bonusProgram.agentBonusBalance).to.equal(300);
    const second = await shop.api.post('/counterparty/detail', { retailStore, meta: counterpartyMeta(msId) });
    expect(second.data.bonusProgram.agentBonusBalance).to.equal(300);
    const unknown = await shop.api.post('/counterparty/detail', {
      retailStore,
      meta: counterpartyMeta(),
      phone: '+7 900 000 00 00',
    });
    expect(unknown.status).to.equal(404);
    expect(unknown.data.errors[0].error_message).to.equal('Клиент не найден в i-bonus');
  });
});
