import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { ACCESS_TOKEN_FIELD, LOYALTY_TOKEN_FIELD } from '../../../app/tenants/loyalty-token.js';
import { tenantRepository } from '../../../app/tenants/tenant-repository.js';
import { sealProviderSecrets } from '../../../app/tenants/tenant-settings.js';
import { transactionLog } from '../../../db/schema/index.js';
import { signedInAdmin, type AdminClient } from '../../helpers/admin.js';
import { outboxItem } from '../../helpers/admin-tenants.js';
import { counterpartyMeta, createTestTenant, position, type TestTenant } from '../../helpers/tenants.js';
import { signTestJwt, startTestApp, type TestApp } from '../../helpers/test-app.js';

const SENTINEL = {
  accessToken: 'SENTINEL-ACCESS-TOKEN-6f1c2b',
  apiKey: 'SENTINEL-API-KEY-93ad7e',
  ibonusPassword: 'SENTINEL-IBONUS-PASSWORD-5e0d',
  webhookToken: 'SENTINELWEBHOOKTOKEN0c4f',
  pathKey: 'SENTINELPATHKEY1a2b3c4d5e6f',
  bearer: 'SENTINEL-BEARER-77aa',
};
const PHONE = '+7 (912) 345-67-89';
/** The planted phone in every shape it could be printed in. */
const PHONE_SHAPES = ['79123456789', '89123456789', '9123456789', '912 345', '(912)', '345-67-89', '3456789'];
/**
 * Any Russian mobile number in full, as digits. Bounded by anything but hex digits: a random UUID or hash
 * on a page (…a9838126897b…) is not a phone, and made this test fail now and then.
 */
const FULL_PHONE = /(?<![\da-fA-F])[78]?9\d{9}(?![\da-fA-F])/;

/**
 * Secrets and phones planted everywhere they could come from (tenant settings and sealed secrets, till
 * calls, a hand-written legacy log row with raw values, a token rotation under way, МойСклад's error
 * text, outbox payloads, provider errors and support's reasons), then every admin page reachable by a
 * link and the CSV exports are fetched and searched: none may contain a secret or a full phone number.
 */
describe('Admin pages and CSV never show a secret or a full phone', function () {
  this.timeout(60_000);
  let t: TestApp;
  let ledger: TestTenant;
  let client: AdminClient;
  let jwt: string;
  let general: string;
  let rotatingToken: string;

  before(async () => {
    t = await startTestApp();
    ledger = createTestTenant(t, {}, { smsWebhookUrl: `https://sms.example.test/send?token=${SENTINEL.webhookToken}` });
    tenantRepository.update(t.storage.db, ledger.accountId, {
      accessTokenEnc: t.services.box.seal(SENTINEL.accessToken, ledger.accountId, ACCESS_TOKEN_FIELD),
    });

    general = createTestTenant(t).accountId;
    tenantRepository.update(t.storage.db, general, {
      backend: 'general',
      settings: {
        general: { baseUrl: `https://api.provider.test/v1/${SENTINEL.pathKey}/?key=${SENTINEL.apiKey}` },
        storePoints: { 'store-1': 'point-1' },
      },
      providerSecretsEnc: sealProviderSecrets(t.services.box, general, {
        general: { apiKey: SENTINEL.apiKey },
        ibonus: { login: 'shop', password: SENTINEL.ibonusPassword },
      }),
    });

    // The till's calls, with the phone in bodies the log redacts when it writes them.
    const msId = randomUUID();
    expect(
      (
        await ledger.api.post('/counterparty', {
          meta: counterpartyMeta(msId),
          name: 'Анна',
          phone: PHONE,
          discountCardNumber: 'CARD-7',
        })
      ).status,
    ).to.equal(201);
    await ledger.api.post('/retaildemand/recalc', {
      agent: { meta: counterpartyMeta(msId), phone: PHONE },
      positions: [position(500, 2)],
    });
    await ledger.api.post('/retaildemand', {
      meta: { id: randomUUID(), href: '' },
      name: '00077',
      agent: { meta: counterpartyMeta(msId), phone: PHONE },
      positions: [position(500, 2)],
      cashSum: 1000,
      noCashSum: 0,
    });
    await ledger.api.get('/counterparty', { params: { search: PHONE } });

    // A row as an older version (or a bug) might have written it: raw secrets and phones in the bodies.
    jwt = await signTestJwt('x'.repeat(32), { sub: 'someone' });
    t.flushLog();
    t.storage.db
      .insert(transactionLog)
      .values({
        at: Date.now(),
        tenantId: ledger.accountId,
        kind: 'moysklad',
        endpoint: 'POST /legacy',
        ok: false,
        httpStatus: 500,
        errorMessage: `failed for ${PHONE}`,
        requestBody: JSON.stringify({
          accessToken: SENTINEL.accessToken,
          apiKey: SENTINEL.apiKey,
          phone: '79123456789',
          note: `call ${PHONE}`,
          auth: `Bearer ${SENTINEL.bearer}`,
          jwt,
        }),
        responseBody: `not json: Authorization: Bearer ${SENTINEL.bearer} ${jwt} tel ${PHONE}`,
      })
      .run();

    // A token rotation under way (the ledger tenant never went live, so no МойСклад call) and a
    // go-live failure whose МойСклад text quotes a phone and a credential.
    await t.services.goLive.rotateToken(ledger.accountId);
    rotatingToken = t.services.box.open(
      tenantRepository.find(t.storage.db, ledger.accountId)!.pendingLoyaltyTokenEnc!,
      ledger.accountId,
      LOYALTY_TOKEN_FIELD,
    );
    tenantRepository.update(t.storage.db, general, {
      goLive: {
        pending: 'loyalty',
        lastFailure: {
          step: 'loyalty',
          message: `МойСклад отказал: ${PHONE} Bearer ${SENTINEL.bearer} ${jwt}`,
          kind: 'refused',
          httpStatus: 400,
          at: new Date().toISOString(),
        },
      },
    });
    // Outbox items with the phone in their payload, their provider error and support's reason.
    const payload = {
      customer: { phone: PHONE, name: 'Анна' },
      note: `звонок ${PHONE}`,
      auth: { apiKey: SENTINEL.apiKey },
    };
    const waiting = outboxItem(t, general, { status: 'pending', payload, lastError: `connect failed for ${PHONE}` });
    outboxItem(t, general, {
      status: 'needs_support',
      payload,
      supportReason: `Не доставлено: клиент ${PHONE} не найден`,
    });
    const refused = outboxItem(t, general, { status: 'needs_support', payload, supportReason: 'Не доставлено: отказ' });

    client = await signedInAdmin(t);
    await client.get(`/admin/tenants/${general}`);
    expect((await client.post(`/admin/tenants/${general}/outbox/${waiting.id}/retry`)).status).to.equal(303);
    expect(
      (
        await client.post(`/admin/tenants/${general}/outbox/${refused.id}/abandon`, {
          reason: `клиент ${PHONE} просил отменить`,
        })
      ).status,
    ).to.equal(303);
    // An admin action that names the customer, so the audit rows are on the pages too.
    const customers = await client.get(`/admin/tenants/${ledger.accountId}/customers?q=${encodeURIComponent(PHONE)}`);
    const customerLink = /href="(\/admin\/tenants\/[^"]+\/customers\/[^"]+)"/.exec(customers.data)![1]!;
    await client.get(customerLink);
    expect(
      (
        await client.post(`${customerLink}/adjustments`, {
          points: 5,
          reason: `звонок с ${PHONE}`,
          requestKey: randomUUID(),
        })
      ).status,
    ).to.equal(303);
  });
  after(async () => t.close());

  function expectClean(where: string, body: string): void {
    for (const secret of [...Object.values(SENTINEL), ledger.token, rotatingToken, jwt])
      expect(body, `${where} shows a secret`).to.not.contain(secret);
    for (const shape of PHONE_SHAPES) expect(body, `${where} shows the phone as "${shape}"`).to.not.contain(shape);
    expect(FULL_PHONE.exec(body)?.[0], `${where} shows a full phone`).to.equal(undefined);
  }

  it('when every page reachable from the dashboard is opened, then none shows a secret or a full phone', async () => {
    t.flushLog();
    const seen = new Set<string>();
    const queue = [
      '/admin/dashboard',
      '/admin/dashboard?days=30',
      '/admin/users',
      '/admin/account',
      `/admin/tenants/${ledger.accountId}/customers?q=${encodeURIComponent(PHONE)}`,
    ];
    while (queue.length > 0 && seen.size < 400) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const page = await client.get(path);
      expect(page.status, path).to.equal(200);
      expectClean(path, page.data);
      for (const match of page.data.matchAll(/href="(\/admin[^"#]*)"/g)) {
        const link = match[1]!.replace(/&amp;/g, '&');
        if (!seen.has(link)) queue.push(link);
      }
    }
    expect(seen.size, 'the crawl reached the tenants, customers, gift cards, log rows and CSV').to.be.greaterThan(25);
    for (const must of [
      '/admin/log.csv',
      `/admin/tenants/${ledger.accountId}`,
      `/admin/tenants/${general}`,
      '/admin/log/',
    ]) {
      expect(
        [...seen].some((p) => p.startsWith(must)),
        `crawled ${must}`,
      ).to.equal(true);
    }
    // The planted values were on the crawled pages, masked: the go-live failure, the rotation, the outbox.
    const tenantPage = (await client.get(`/admin/tenants/${general}`)).data;
    expect(tenantPage)
      .to.contain('МойСклад отказал: ***6789 Bearer [скрыто] [скрыто]')
      .and.contain('клиент ***6789 не найден');
    expect(tenantPage).to.contain('connect failed for ***6789').and.contain('&#34;phone&#34;: &#34;***6789&#34;');
    expect((await client.get(`/admin/tenants/${ledger.accountId}`)).data).to.contain(
      'Замена токена LoyaltyAPI</dt>\n    <dd>идёт',
    );
  });

  it('when the legacy row is opened, then its secrets and phones are masked on display, with the last four digits kept', async () => {
    const page = await client.get(`/admin/log?tenant=${ledger.accountId}&type=moysklad`);
    const id = /href="\/admin\/log\/(\d+)"/.exec(page.data)![1];
    const detail = await client.get(`/admin/log/${id}`);
    expectClean('the legacy row', detail.data);
    expect(detail.data).to.contain('[скрыто]').and.contain('***6789');
  });

  it('when the log of both tenants is exported, then the CSV is clean too', async () => {
    const csv = await client.get('/admin/log.csv');
    expect(csv.headers['content-type']).to.match(/text\/csv/);
    expect(csv.data).to.contain('***6789');
    expectClean('the CSV', csv.data);
  });
});
