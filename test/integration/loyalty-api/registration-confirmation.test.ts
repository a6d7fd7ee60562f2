import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import nock from 'nock';
import type { LedgerRules } from '../../../app/ledger/rules.js';
import { counterpartyMeta, createTestTenant, position, retailStore, type TestTenant } from '../../helpers/tenants.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';

const SMS_GATEWAY = 'https://sms.shop.test';
const WELCOME: Partial<LedgerRules> = {
  welcomeBonusesEnabled: true,
  welcomeBonusesValue: 50,
  welcomeBonusesMode: 'REGISTRATION',
};

/** The 412 of the official page «Подготовка к запросу кода подтверждения регистрации покупателя», word for word. */
const CONFIRMATION_NEEDED = {
  errors: [
    {
      error: 'Необходимо подтверждение создания покупателя.',
      code: 28001,
      error_message: 'Покупатель должен подтвердить свои данные через код.',
    },
  ],
};

describe('LoyaltyAPI: registration confirmed by code on the built-in ledger', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  const shopWith = (rules: Partial<LedgerRules>) =>
    createTestTenant(t, { ...WELCOME, ...rules }, { smsWebhookUrl: `${SMS_GATEWAY}/send` });

  const create = (shop: TestTenant, msId: string, statusCheck?: string) =>
    shop.api.post('/counterparty', {
      retailStore,
      meta: counterpartyMeta(msId),
      name: 'Петрова Анна',
      phone: `+7 912 ${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`,
      ...(statusCheck ? { statusCheck } : {}),
    });
  const balanceOf = async (shop: TestTenant, msId: string) => {
    const res = await shop.api.post('/counterparty/detail', { retailStore, meta: counterpartyMeta(msId) });
    expect(res.status, JSON.stringify(res.data)).to.equal(200);
    return res.data.bonusProgram.agentBonusBalance as number;
  };

  it('when confirmation is on and the till sends an UNCHECKED customer, then it gets the 412 with code 28001 and nobody is created', async () => {
    const shop = shopWith({ confirmRegistrationByCode: true });
    const msId = randomUUID();
    const res = await create(shop, msId, 'UNCHECKED');
    expect(res.status).to.equal(412);
    expect(res.data).to.deep.equal(CONFIRMATION_NEEDED);
    const balance = await shop.api.post('/counterparty/detail', { retailStore, meta: counterpartyMeta(msId) });
    expect(balance.status, 'no customer exists yet').to.equal(404);
  });

  it('when the till then asks for the code and sends the customer as CHECKED, then the customer is created with welcome points', async () => {
    const shop = shopWith({ confirmRegistrationByCode: true });
    const msId = randomUUID();
    expect((await create(shop, msId, 'UNCHECKED')).status).to.equal(412);
    nock(SMS_GATEWAY).post('/send').reply(200, {});
    const code = await shop.api.post('/counterparty/verify', {
      retailStore,
      meta: { href: `https://api.moysklad.ru/api/posap/1.0/entity/counterparty/syncid/${randomUUID()}` },
      phone: '+7 912 000-11-22',
    });
    expect(code.status, JSON.stringify(code.data)).to.equal(200);
    expect(code.data.verificationCode).to.match(/^\d{6}$/);
    expect((await create(shop, msId, 'CHECKED')).status).to.equal(201);
    expect(await balanceOf(shop, msId)).to.equal(50);
  });

  it('when the cashier skipped the check (IGNORE), or the till sends no status, then the customer is created without welcome points', async () => {
    const shop = shopWith({ confirmRegistrationByCode: true });
    const ignored = randomUUID();
    const older = randomUUID();
    expect((await create(shop, ignored, 'IGNORE')).status).to.equal(201);
    expect((await create(shop, older)).status).to.equal(201);
    expect(await balanceOf(shop, ignored)).to.equal(0);
    expect(await balanceOf(shop, older)).to.equal(0);
  });

  it('when confirmation is on and a sale registers a customer we did not know, then no welcome points are given', async () => {
    const shop = shopWith({ confirmRegistrationByCode: true, earnRateRoublesToPoint: 10 });
    const msId = randomUUID();
    const sold = await shop.api.post('/retaildemand', {
      retailStore,
      meta: counterpartyMeta(),
      agent: { meta: counterpartyMeta(msId) },
      positions: [position(100)],
      cashSum: 100,
    });
    expect(sold.status, JSON.stringify(sold.data)).to.equal(201);
    expect(await balanceOf(shop, msId), 'only the 10 points earned').to.equal(10);
  });

  it('when confirmation is off, then UNCHECKED creates the customer with welcome points, as before', async () => {
    const shop = shopWith({});
    const msId = randomUUID();
    expect((await create(shop, msId, 'UNCHECKED')).status).to.equal(201);
    expect(await balanceOf(shop, msId)).to.equal(50);
  });

  it('when the registration code request names its store, then the store is accepted and a malformed one refused', async () => {
    const shop = shopWith({});
    const bad = await shop.api.post('/counterparty/verify', {
      retailStore: { name: 'без meta' },
      phone: '+79011231122',
    });
    expect(bad.status).to.equal(400);
    expect(bad.data.errors[0].parameter).to.equal('retailStore.meta');
  });
});
