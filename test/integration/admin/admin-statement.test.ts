import { expect } from 'chai';
import axios from 'axios';
import { moscowMonthOf, shiftMonth } from '../../../app/locale/moscow-day.js';
import { tenantRepository } from '../../../app/tenants/tenant-repository.js';
import { AdminClient, signedInAdmin } from '../../helpers/admin.js';
import { textOf } from '../../helpers/iframe.js';
import { seedStatementMonth } from '../../helpers/statement-history.js';
import { createProviderTenant, createTestTenant, type TestTenant } from '../../helpers/tenants.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';

function rowPoints(html: string, key: string): number | undefined {
  const match = new RegExp(`data-row="${key}">[\\s\\S]*?data-points="(-?\\d+)"`).exec(html);
  return match ? Number(match[1]) : undefined;
}

describe('Admin tenant page: «Баллы и обязательства»', () => {
  let t: TestApp;
  let tenant: TestTenant;
  let support: AdminClient;
  const month = shiftMonth(moscowMonthOf(Date.now()), -1);
  const page = (id = tenant.accountId) => `/admin/tenants/${id}/statement?month=${month}`;
  const csv = (id = tenant.accountId) => `/admin/tenants/${id}/statement.csv?month=${month}`;

  before(async () => {
    t = await startTestApp();
    tenant = createTestTenant(t, {}, { smsWebhookUrl: 'https://sms.example.ru/send?key=sms-gateway-secret-key' });
    tenantRepository.update(t.storage.db, tenant.accountId, { accountName: 'Цветы на Ленина' });
    seedStatementMonth(t.storage.db, tenant.accountId, month);
    support = await signedInAdmin(t, 'sveta', 'support');
  });
  after(async () => t.close());

  it('when support opens a tenant, then the tab leads to its statement, with every line, and no sealed secret', async () => {
    const overview = (await support.get(`/admin/tenants/${tenant.accountId}`)).data;
    expect(overview).to.include(`href="/admin/tenants/${tenant.accountId}/statement">Баллы и обязательства</a>`);
    const res = await support.get(page());
    expect(res.status).to.equal(200);
    const expected = { opening: 1000, earned: 700, welcome: 150, spent: -300, expired: -40, returns: -15 };
    for (const [key, points] of Object.entries(expected)) expect(rowPoints(res.data, key), key).to.equal(points);
    expect(rowPoints(res.data, 'adjusted')).to.equal(-5);
    expect(rowPoints(res.data, 'closing')).to.equal(1490);
    expect(textOf(res.data)).to.include('Долг магазина перед покупателями');
    const sealed = tenantRepository.find(t.storage.db, tenant.accountId)!;
    for (const secret of [sealed.loyaltyTokenEnc, sealed.providerSecretsEnc, 'sms-gateway-secret-key']) {
      if (secret) expect(res.data).not.to.include(secret);
    }
  });

  it('when support downloads the CSV, then it is the same rows for Excel: BOM, ";" and decimal commas', async () => {
    const res = await axios.get<ArrayBuffer>(`${t.baseUrl}${csv()}`, {
      headers: { cookie: support.cookieHeader },
      responseType: 'arraybuffer',
      validateStatus: () => true,
    });
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.equal('text/csv; charset=utf-8');
    const bytes = Buffer.from(res.data);
    expect([...bytes.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').split('\r\n');
    expect(lines[0]).to.equal('Баллы и обязательства;Цветы на Ленина');
    expect(lines).to.include('Сгорело;-40;-40,00');
    expect(lines).to.include('Исправлено поддержкой;-5;-5,00');
  });

  it('when another tenant is opened, then only its own points are there', async () => {
    const other = createProviderTenant(
      t,
      'ibonus',
      { ibonus: { baseUrl: 'https://i-bonus.example.test/api', maxPaidRatePercents: 50, spendRatePointsToRouble: 1 } },
      { ibonus: { login: 'shop', password: 'provider-password-secret' } },
    );
    const res = await support.get(page(other.accountId));
    expect(res.status).to.equal(200);
    expect(rowPoints(res.data, 'closing')).to.equal(0);
    expect(res.data).to.include('data-not-ledger');
    expect(res.data).not.to.include('provider-password-secret');
    const file = await support.get(csv(other.accountId));
    expect(file.data).not.to.include('1490');
  });

  it('when nobody is signed in, then the page and the CSV send to the sign-in page', async () => {
    const anonymous = new AdminClient(t.baseUrl);
    for (const path of [page(), csv()]) {
      const res = await anonymous.get(path);
      expect(res.status, path).to.equal(303);
      expect(res.headers.location).to.match(/^\/admin\/login\?next=/);
      expect(res.data).not.to.include('1490');
    }
  });

  it('when the tenant does not exist or the month is malformed, then 404 and 400', async () => {
    expect((await support.get(page('no-such-account'))).status).to.equal(404);
    expect((await support.get(`/admin/tenants/${tenant.accountId}/statement?month=2026-00`)).status).to.equal(400);
  });
});
