import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import nock from 'nock';
import { GiftCards } from '../../../app/ledger/gift-cards.js';
import { counterpartyMeta, createTestTenant, position, retailStore, type TestTenant } from '../../helpers/tenants.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';

const SMS_GATEWAY = 'https://sms.shop.test';

describe('LoyaltyAPI on the built-in ledger', () => {
  let t: TestApp;
  let shop: TestTenant;
  let msId: string;

  const balanceOf = async (tenant: TestTenant, id: string) => {
    const res = await tenant.api.post('/counterparty/detail', { retailStore, meta: counterpartyMeta(id) });
    expect(res.status, JSON.stringify(res.data)).to.equal(200);
    return res.data.bonusProgram.agentBonusBalance as number;
  };
  const sell = (tenant: TestTenant, body: Record<string, unknown>) =>
    tenant.api.post('/retaildemand', {
      retailStore,
      name: '00001',
      moment: '2026-11-23 10:00:00',
      meta: counterpartyMeta(),
      cashSum: 0,
      noCashSum: 0,
      ...body,
    });
  /** A 1000 ₽ cash sale earns 100 points at 10 ₽ per point. */
  const earn100 = (tenant: TestTenant, id: string) =>
    sell(tenant, {
      agent: { meta: counterpartyMeta(id) },
      positions: [position(1000)],
      cashSum: 1000,
      bonusProgram: { bonusValueToEarn: 100, bonusValueToSpend: 0 },
    });

  beforeEach(async () => {
    t = await startTestApp();
    shop = createTestTenant(
      t,
      { earnRateRoublesToPoint: 10, spendRatePointsToRouble: 1, maxPaidRatePercents: 50 },
      { smsWebhookUrl: `${SMS_GATEWAY}/send` },
    );
    msId = randomUUID();
    const created = await shop.api.post('/counterparty', {
      retailStore,
      meta: counterpartyMeta(msId),
      name: 'Иванов Иван',
      phone: '+7 912 345-67-89',
      discountCardNumber: '2000100',
      email: 'Ivan@Example.ru',
      syncId: randomUUID(),
      statusCheck: 'CHECKED',
    });
    expect(created.status, JSON.stringify(created.data)).to.equal(201);
  });
  afterEach(() => t.close());

  it('when a customer is searched by phone in another format, by card, by e-mail or by name, then the same customer is found with its МойСклад id', async () => {
    for (const search of ['89123456789', '+7 (912) 345-67-89', '2000100', 'ivan@example.ru', 'иванов']) {
      const res = await shop.api.get('/counterparty', { params: { search } });
      expect(res.status).to.equal(200);
      expect(res.data.rows, search).to.have.length(1);
      expect(res.data.rows[0]).to.include({ msId, name: 'Иванов Иван' });
      expect(res.data.rows[0].id).to.match(/^[0-9a-f-]{36}$/);
    }
    expect((await shop.api.get('/counterparty', { params: { search: 'Петров' } })).data).to.deep.equal({ rows: [] });
  });

  it('when a customer buys, then points are earned and the balance is shown by МойСклад id or by our id', async () => {
    expect(await balanceOf(shop, msId)).to.equal(0);
    expect((await earn100(shop, msId)).status).to.equal(201);
    expect(await balanceOf(shop, msId)).to.equal(100);
    const [row] = (await shop.api.get('/counterparty', { params: { search: '2000100' } })).data.rows;
    expect(await balanceOf(shop, row.id)).to.equal(100);
  });

  it('when recalc spends points, then the per-position discounts add up to paidByBonusPoints to the kopeck', async () => {
    await earn100(shop, msId);
    const res = await shop.api.post('/retaildemand/recalc', {
      retailStore,
      agent: { meta: counterpartyMeta(msId), name: 'Иванов Иван' },
      positions: [position(33.33, 3), position(10.01, 1), position(57.5, 0.5)],
      bonusProgram: { transactionType: 'SPENDING' },
      preferredBonusToSpend: 55,
    });
    expect(res.status, JSON.stringify(res.data)).to.equal(200);
    const { bonusProgram, positions } = res.data;
    expect(bonusProgram).to.include({
      transactionType: 'SPENDING',
      agentBonusBalance: 100,
      bonusValueToSpend: 55,
      paidByBonusPoints: 55,
    });
    expect(res.data.agent.meta.id).to.equal(msId);
    const discountKopecks = positions.reduce(
      (sum: number, p: { quantity: number; price: number; discountedPrice: number }) =>
        sum + Math.round(p.quantity * p.price * 100) - Math.round(p.quantity * p.discountedPrice * 100),
      0,
    );
    expect(discountKopecks).to.equal(5500);
    expect(res.data.needVerification).to.equal(false);
  });

  it('when an EARNING recalc has a weighed line, then it comes back at its own price with no discount', async () => {
    const res = await shop.api.post('/retaildemand/recalc', {
      retailStore,
      agent: { meta: counterpartyMeta(msId) },
      positions: [position(2.73, 0.009), position(120)],
      bonusProgram: { transactionType: 'EARNING' },
    });
    expect(res.status, JSON.stringify(res.data)).to.equal(200);
    expect(
      res.data.positions.map((p: Record<string, number>) => [
        p.quantity,
        p.price,
        p.discountedPrice,
        p.discountPercent,
      ]),
    ).to.deep.equal([
      [0.009, 2.73, 2.73, 0],
      [1, 120, 120, 0],
    ]);
  });

  it('when SPENDING has no preferred amount, then the maximum allowed is spent (50% of the receipt here)', async () => {
    await earn100(shop, msId);
    const res = await shop.api.post('/retaildemand/recalc', {
      retailStore,
      agent: { meta: counterpartyMeta(msId) },
      positions: [position(120)],
      bonusProgram: { transactionType: 'SPENDING' },
    });
    expect(res.data.bonusProgram).to.include({ bonusValueToSpend: 60, paidByBonusPoints: 60 });
  });

  it('when a sale spends points, then the balance drops and a return gives them back in proportion', async () => {
    await earn100(shop, msId);
    const saleId = randomUUID();
    const goods = position(100, 1, { discountedPrice: 60, discountPercent: 40 });
    const sold = await sell(shop, {
      meta: counterpartyMeta(saleId),
      agent: { meta: counterpartyMeta(msId) },
      positions: [goods],
      cashSum: 60,
      bonusProgram: { bonusValueToSpend: 40, bonusValueToEarn: 0 },
    });
    expect(sold.status, JSON.stringify(sold.data)).to.equal(201);
    expect(await balanceOf(shop, msId)).to.equal(60);
    const returned = await shop.api.post('/retailsalesreturn', {
      retailStore,
      name: 'R-1',
      moment: '2026-11-23 11:00:00',
      meta: counterpartyMeta(),
      demand: { meta: { href: `https://api.moysklad.ru/api/remap/1.2/entity/retaildemand/${saleId}`, id: saleId } },
      agent: { href: `https://api.moysklad.ru/api/remap/1.2/entity/counterparty/${msId}`, id: msId },
      positions: [goods],
      cashSum: 60,
      noCashSum: 0,
    });
    expect(returned.status, JSON.stringify(returned.data)).to.equal(201);
    expect(await balanceOf(shop, msId)).to.equal(100);
  });

  it('when one sale arrives 20 times at once, then it is applied once', async () => {
    const saleId = randomUUID();
    const body = {
      meta: counterpartyMeta(saleId),
      agent: { meta: counterpartyMeta(msId) },
      positions: [position(1000)],
      cashSum: 1000,
      bonusProgram: { bonusValueToEarn: 100 },
    };
    const answers = await Promise.all(Array.from({ length: 20 }, () => sell(shop, body)));
    expect(answers.map((a) => a.status)).to.deep.equal(Array(20).fill(201));
    expect(await balanceOf(shop, msId)).to.equal(100);
  });

  it('when 50 sales try to spend the same points at once, then the balance never goes below zero', async () => {
    await earn100(shop, msId);
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        sell(shop, {
          meta: counterpartyMeta(),
          agent: { meta: counterpartyMeta(msId) },
          positions: [position(60, 1, { discountedPrice: 30, discountPercent: 50 })],
          cashSum: 30,
          bonusProgram: { bonusValueToSpend: 30 },
        }),
      ),
    );
    const accepted = answers.filter((a) => a.status === 201).length;
    expect(accepted).to.equal(3);
    for (const refused of answers.filter((a) => a.status !== 201)) {
      expect(refused.status).to.equal(422);
      expect(refused.data.errors[0].error_message).to.match(/Недостаточно баллов/);
    }
    expect(await balanceOf(shop, msId)).to.equal(10);
  });

  it('when the till sends a birth date, then the date is stored; a changed one replaces it; one that is not a date is refused with a message', async () => {
    const birthOf = async () =>
      (await shop.api.get('/counterparty', { params: { search: '2000100', retailStoreId: retailStore.meta.id } })).data
        .rows[0].birthDate;
    const card = { retailStore, meta: counterpartyMeta(msId) };
    expect(
      (await shop.api.post('/counterparty/detail', { ...card, birthDate: '1992-08-01 00:00:00' })).status,
    ).to.equal(200);
    expect(await birthOf()).to.equal('1992-08-01');
    expect(
      (await shop.api.post('/counterparty/detail', { ...card, birthDate: '1992-08-02 00:00:00.000' })).status,
    ).to.equal(200);
    expect(await birthOf()).to.equal('1992-08-02');

    const refused = await shop.api.post('/counterparty/detail', { ...card, birthDate: '1992-02-30 00:00:00' });
    expect(refused.status).to.equal(400);
    expect(refused.data.errors[0].error_message).to.contain(
      'Дата рождения покупателя «1992-02-30 00:00:00» не похожа на дату',
    );
    expect(await birthOf()).to.equal('1992-08-02');
  });

  it('when another tenant asks for this customer, then it sees nothing', async () => {
    const other = createTestTenant(t);
    expect((await other.api.get('/counterparty', { params: { search: '89123456789' } })).data).to.deep.equal({
      rows: [],
    });
    const balance = await other.api.post('/counterparty/detail', { retailStore, meta: counterpartyMeta(msId) });
    expect(balance.status).to.equal(404);
    expect(balance.data.errors[0].error_message).to.be.a('string');
  });

  it('when a gift card is looked up and used in a sale, then its balance is spent once', async () => {
    new GiftCards().issue(t.storage.db, shop.accountId, { number: 'GC-777', initialKopecks: 50_000 });
    const card = await shop.api.get('/giftcard', { params: { name: 'GC-777', retailStoreId: retailStore.meta.id } });
    expect(card.status).to.equal(200);
    expect(card.data).to.include({
      name: 'GC-777',
      status: 'CAN_BE_USED',
      currentBalance: 50_000,
      initialBalance: 50_000,
    });
    const saleBody = {
      meta: counterpartyMeta(),
      positions: [position(300)],
      giftCards: [{ name: 'GC-777', paymentSum: 30_000 }],
    };
    expect((await sell(shop, saleBody)).status).to.equal(201);
    expect((await sell(shop, saleBody)).status, 'a repeat').to.equal(201);
    const after = await shop.api.get('/giftcard', { params: { name: 'GC-777' } });
    expect(after.data).to.include({ status: 'PARTIALLY_REDEEMED', currentBalance: 20_000 });
    expect((await shop.api.get('/giftcard', { params: { name: 'NO-SUCH' } })).data).to.include({ status: 'INVALID' });
  });

  it('when a registration code is requested, then the store gateway gets it and the till gets the same code', async () => {
    let posted: { phone?: string; code?: string } = {};
    nock(SMS_GATEWAY)
      .post('/send', (body) => {
        posted = body;
        return true;
      })
      .reply(200, {});
    const res = await shop.api.post('/counterparty/verify', { meta: { href: '' }, phone: '+7 912 345-67-89' });
    expect(res.status, JSON.stringify(res.data)).to.equal(200);
    expect(res.data.verificationCode).to.match(/^\d{6}$/);
    expect(res.data.verificationCode).to.equal(posted.code);
    expect(res.data.timeForRepeat).to.be.a('number');
    expect(t.logs()).to.not.include(res.data.verificationCode);
  });

  it('when a spending code is requested with the phone written with a plus, then the gateway gets that phone', async () => {
    const posted: string[] = [];
    nock(SMS_GATEWAY)
      .post('/send', (body) => posted.push(body.phone) > 0)
      .times(2)
      .reply(200, {});
    const res = await shop.api.post('/retaildemand/verify', {
      retailStore,
      counterpartyId: msId,
      phone: '+7 916 555-44-33',
    });
    expect(res.status, JSON.stringify(res.data)).to.equal(200);
    expect(res.data.verificationCode).to.match(/^\d{6}$/);
    // Without a phone, the code goes to the one stored for the customer.
    const stored = await shop.api.post('/retaildemand/verify', { retailStore, counterpartyId: msId });
    expect(stored.status, JSON.stringify(stored.data)).to.equal(200);
    expect(posted).to.deep.equal(['+79165554433', '+79123456789']);
  });

  it('when an anonymous sale arrives, then it is recorded and changes no balance', async () => {
    const res = await sell(shop, { positions: [position(500)], cashSum: 500 });
    expect(res.status).to.equal(201);
    expect(await balanceOf(shop, msId)).to.equal(0);
  });

  it('when calls are made, then each lands in the transaction log with its sale number and points', async () => {
    await earn100(shop, msId);
    t.flushLog();
    const row = t.storage.sqlite
      .prepare(
        "select endpoint, http_status, document_name, points_earned, tenant_id, request_body from transaction_log where kind = 'loyalty-api' and endpoint = 'POST /retaildemand'",
      )
      .get() as Record<string, unknown>;
    expect(row).to.include({ http_status: 201, document_name: '00001', points_earned: 100, tenant_id: shop.accountId });
    expect(String(row.request_body)).to.not.include(shop.token);
  });
});
