import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import nock from 'nock';
import { providerCustomerRepository } from '../../../app/providers/provider-customer-repository.js';
import { answerContextKey, employee, textOf } from '../../helpers/iframe.js';
import { createProviderTenant, type TestTenant } from '../../helpers/tenants.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';

const IBONUS = {
  ibonus: { baseUrl: 'https://i-bonus.example.test', maxPaidRatePercents: 50, spendRatePointsToRouble: 1 },
};
const SECRETS = { ibonus: { login: 'shop', password: 'shop-password' } };
const BALANCE = '/ext/api/v1/clients/77/balance/';

/** The widget for an account on an external system: its balance, asked within the till's patience, or a note. */
describe('Counterparty widget on an external loyalty system', () => {
  let t: TestApp;
  let shop: TestTenant;
  let token: string;
  const olga = randomUUID();

  before(async () => {
    // The till's patience, which bounds the widget's wait as well.
    t = await startTestApp({ env: { PROVIDER_TIMEOUT_MS: '300' } });
    shop = createProviderTenant(t, 'ibonus', IBONUS, SECRETS);
    // Olga was linked to her i-bonus card by an earlier sale at the till.
    providerCustomerRepository.upsert(
      t.storage.db,
      shop.accountId,
      'ibonus',
      { providerId: '77', name: 'Ольга' },
      olga,
    );
    const contextKey = answerContextKey({ status: 200, body: employee(shop.accountId) });
    const opened = await t.http.get(`/widget/counterparty?contextKey=${contextKey}`, { maxRedirects: 0 });
    token = new URL(opened.headers.location as string, t.baseUrl).searchParams.get('session')!;
  });
  afterEach(() => nock.cleanAll());
  after(() => t.close());

  const card = async (objectId: string) => {
    const res = await t.http.get<string>('/widget/counterparty/card', {
      params: { objectId },
      headers: { 'X-Iframe-Session': token, 'X-Widget-Fragment': '1' },
      responseType: 'text',
    });
    expect(res.status).to.equal(200);
    return res.data;
  };

  it('when the system answers, then its balance and where to see the rest, and no adjustment', async () => {
    nock('https://i-bonus.example.test')
      .get(BALANCE)
      .reply(200, [{ amount: 120, currency: 'points' }]);
    const html = await card(olga);
    expect(textOf(html)).to.match(/Баланс 120 баллов/);
    expect(textOf(html)).to.include('История операций, уровень и корректировки — в кабинете системы лояльности.');
    expect(html).to.not.include('data-adjust-form');
  });

  it('when the system hangs, then the widget stops waiting at the till’s patience and says so', async () => {
    nock('https://i-bonus.example.test')
      .get(BALANCE)
      .delay(10_000)
      .reply(200, [{ amount: 120, currency: 'points' }]);
    const html = await card(olga);
    expect(textOf(html)).to.include('Система лояльности не ответила вовремя.');
    expect(html).to.not.include('data-stat=');
  });

  it('when the counterparty was never linked to the system, then a short note and no call to it', async () => {
    const html = await card(randomUUID());
    expect(textOf(html).trim()).to.equal('Клиент ещё не покупал с бонусами.');
  });
});
