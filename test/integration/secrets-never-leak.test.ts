import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import nock from 'nock';
import { LOYALTY_TOKEN_FIELD } from '../../app/tenants/loyalty-token.js';
import { tenantRepository } from '../../app/tenants/tenant-repository.js';
import { memoryLogger, startTestApp, TEST_VENDOR_API, type TestApp } from '../helpers/test-app.js';

describe('Secrets never leak', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(() => t.close());

  it('when a sentinel access token flows through install and callbacks, then it is absent from the database file, the WAL and the logs', async () => {
    const sentinel = `SENTINEL-${randomUUID()}`;
    const accountId = randomUUID();
    const jwt = await t.vendorJwt();
    const res = await t.http.put(
      `/api/moysklad/vendor/1.0/apps/${t.config.moysklad.appId}/${accountId}`,
      {
        appUid: t.config.moysklad.appUid,
        accountName: 'a',
        cause: 'Install',
        access: [{ resource: 'x', scope: ['admin'], access_token: sentinel }],
      },
      { headers: { Authorization: `Bearer ${jwt}` } },
    );
    expect(res.status).to.equal(200);
    const loyaltyToken = t.services.box.open(
      tenantRepository.find(t.storage.db, accountId)!.loyaltyTokenEnc!,
      accountId,
      LOYALTY_TOKEN_FIELD,
    );

    let outboundJwt = '';
    nock(TEST_VENDOR_API)
      .put(`/apps/${t.config.moysklad.appId}/${accountId}/loyalty`)
      .reply(function () {
        outboundJwt = String(this.req.headers.authorization).replace('Bearer ', '');
        return [200, {}];
      });
    await t.services.moysklad.putLoyaltySettings(accountId, {
      url: 'https://x.test/loyalty-api',
      token: loyaltyToken,
      externalSearch: false,
    });
    t.services.txlog.record({
      kind: 'admin',
      endpoint: 'probe',
      ok: true,
      request: { note: `Bearer ${loyaltyToken}`, apikey: sentinel },
    });
    expect(outboundJwt).to.match(/^eyJ/);
    t.flushLog();

    const databaseBytes = readFileSync(t.config.databasePath).toString('latin1');
    const walPath = `${t.config.databasePath}-wal`;
    const walBytes = existsSync(walPath) ? readFileSync(walPath).toString('latin1') : '';
    expect(walBytes.length, 'the WAL holds the recent writes').to.be.greaterThan(0);
    const logs = t.logs();
    expect(logs.length).to.be.greaterThan(0);
    for (const secret of [sentinel, loyaltyToken, jwt, outboundJwt, t.config.moysklad.secretKey]) {
      expect(databaseBytes.includes(secret), 'database file').to.equal(false);
      expect(walBytes.includes(secret), 'WAL').to.equal(false);
      expect(logs.includes(secret), 'logs').to.equal(false);
    }
  });

  it('when the iframe exchanges a contextKey, then the key appears in no log line and no transaction-log row', async () => {
    const contextKey = `ctx-${randomUUID()}`;
    nock(TEST_VENDOR_API).post(`/context/${contextKey}`).reply(200, { id: randomUUID(), accountId: randomUUID() });
    nock(TEST_VENDOR_API)
      .post(`/context/${contextKey}`)
      .reply(409, { errors: [{ error: 'used', code: 1 }] });
    await t.services.moysklad.exchangeContextKey(contextKey);
    await t.services.moysklad.exchangeContextKey(contextKey).catch(() => undefined);
    t.flushLog();
    const rows = t.storage.sqlite
      .prepare(
        `select endpoint, request_body, response_body, error_message from transaction_log where kind = 'moysklad'`,
      )
      .all();
    expect(rows).to.have.length(2);
    expect(JSON.stringify(rows)).to.include('/context/{contextKey}').and.not.include(contextKey);
    expect(t.logs()).to.include('/context/{contextKey}').and.not.include(contextKey);
  });

  it('when application code logs secrets by mistake, then the log line carries none of them', () => {
    const { logger, text } = memoryLogger();
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJqdGkiOiJhYmMifQ.c2lnbmF0dXJlLWJ5dGVz';
    logger.info('provider call', {
      headers: { apikey: 'KEY-123', Authorization: `Bearer ${jwt}` },
      token: 'TOK-456',
      phone: '+7 912 345-67-89',
    });
    logger.warn(`raw text with ${jwt} and 89123456789`);
    const out = text();
    expect(out).to.include('provider call').and.include('***6789');
    for (const secret of ['KEY-123', 'TOK-456', jwt, '912 345-67-89', '89123456789'])
      expect(out).to.not.include(secret);
  });
});
