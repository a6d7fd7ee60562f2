import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { SignJWT } from 'jose';
import nock from 'nock';
import { eq } from 'drizzle-orm';
import { iframeSessions } from '../../../db/schema/index.js';
import { tenantRepository } from '../../../app/tenants/tenant-repository.js';
import {
  VALID_FORMS,
  VENDOR,
  answerContextKey,
  answerJsonApiLists,
  employee,
  hiddenValue,
  installAccount,
  openIframe,
  startIframeTestApp,
  textOf,
} from '../../helpers/iframe.js';
import type { TestApp } from '../../helpers/test-app.js';

describe('Settings iframe: entry, session, rights, CSRF and framing', () => {
  let t: TestApp;
  let accountId: string;
  const sessionCount = () => t.storage.db.select().from(iframeSessions).all().length;

  before(async () => {
    t = await startIframeTestApp({ MOYSKLAD_FRAME_ANCESTORS: 'https://online.moysklad.ru https://*.moysklad.test' });
  });
  after(() => t.close());
  beforeEach(async () => {
    accountId = await installAccount(t);
    answerJsonApiLists();
  });

  describe('the contextKey exchange', () => {
    it('when МойСклад answers the key with an employee, then the page opens on our own session and the key leaves the URL', async () => {
      const contextKey = answerContextKey({ status: 200, body: employee(accountId) });
      const opened = await t.http.get(`/iframe?contextKey=${contextKey}`, { maxRedirects: 0 });
      expect(opened.status).to.equal(303);
      const location = opened.headers.location as string;
      expect(location)
        .to.match(/^\/iframe\?session=/)
        .and.not.include(contextKey);
      expect(opened.headers['set-cookie'], 'no cookie: a third-party iframe may not get one').to.equal(undefined);

      const page = await t.http.get(location, { responseType: 'text' });
      expect(page.status).to.equal(200);
      // МойСклад's frame names the app and the account; the page itself opens straight on the settings.
      expect(page.data).to.include('id="settings-form"');
      expect(textOf(page.data)).to.include('Настройки').and.not.include('Магазин у дома');
      expect(page.headers['set-cookie']).to.equal(undefined);
      const again = await t.http.get(location, { responseType: 'text' });
      expect(again.status, 'a reload works with the same URL').to.equal(200);
    });

    for (const [status, text] of [
      [403, 'не подтвердил'],
      [404, 'не узнал ссылку'],
      [409, 'уже использована'],
    ] as const) {
      it(`when МойСклад answers the key with ${status}, then a page says to reopen the app and no session starts`, async () => {
        const before = sessionCount();
        const contextKey = answerContextKey({ status, body: { errors: [{ error: 'refused', code: 1003 }] } });
        const res = await t.http.get(`/iframe?contextKey=${contextKey}`, { maxRedirects: 0, responseType: 'text' });
        expect(res.status).to.equal(401);
        expect(res.headers['content-type']).to.match(/text\/html/);
        expect(textOf(res.data)).to.include(text).and.include('откройте приложение заново из МоегоСклада');
        expect(sessionCount()).to.equal(before);
      });
    }

    it('when МойСклад does not answer the exchange in time, then the page says МойСклад is unavailable', async () => {
      nock(VENDOR.origin)
        .post(/\/context\//)
        .delay(2000)
        .reply(200, {});
      const res = await t.http.get('/iframe?contextKey=abcdef0123', { maxRedirects: 0, responseType: 'text' });
      expect(res.status).to.equal(503);
      expect(textOf(res.data)).to.include('МойСклад сейчас не отвечает');
    });

    it('when the key is malformed or missing, then МойСклад is not asked and the page says to reopen the app', async () => {
      for (const url of ['/iframe?contextKey=..%2F..%2Fapps', '/iframe?contextKey=', '/iframe']) {
        const res = await t.http.get(url, { maxRedirects: 0, responseType: 'text' });
        expect(res.status, url).to.equal(401);
        expect(textOf(res.data)).to.include('откройте приложение заново');
      }
    });

    it('when the employee belongs to an account that has not installed the app, then the page says to install it', async () => {
      const contextKey = answerContextKey({ status: 200, body: employee(randomUUID()) });
      const res = await t.http.get(`/iframe?contextKey=${contextKey}`, { maxRedirects: 0, responseType: 'text' });
      expect(res.status).to.equal(404);
      expect(textOf(res.data)).to.include('не установлено');
    });

    it('when МойСклад answers the key with something that is not an employee, then the page says so and no session starts', async () => {
      const before = sessionCount();
      const contextKey = answerContextKey({ status: 200, body: { id: 'x' } });
      const res = await t.http.get(`/iframe?contextKey=${contextKey}`, { maxRedirects: 0, responseType: 'text' });
      expect(res.status).to.equal(502);
      expect(sessionCount()).to.equal(before);
    });
  });

  describe('forged and expired sessions', () => {
    const sign = (claims: Record<string, unknown>, secret: string, expiresIn = 600) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer('loyalty-bridge')
        .setAudience('settings-iframe')
        .setIssuedAt(now - 10)
        .setExpirationTime(now + expiresIn)
        .sign(new TextEncoder().encode(secret));
    };
    const get = (token: string) => t.http.get(`/iframe?session=${encodeURIComponent(token)}`, { responseType: 'text' });

    it('when the token is signed with another key, then the page says to reopen the app', async () => {
      const client = await openIframe(t, accountId);
      const { sid, acc, sub } = JSON.parse(Buffer.from(client.token.split('.')[1]!, 'base64url').toString());
      const res = await get(await sign({ sid, acc, sub }, 'some-other-secret-of-32-characters!!'));
      expect(res.status).to.equal(401);
      expect(textOf(res.data)).to.include('откройте приложение заново');
    });

    it('when the token was altered, then it is refused', async () => {
      const client = await openIframe(t, accountId);
      const [header, payload, signature] = client.token.split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
      const altered = Buffer.from(JSON.stringify({ ...claims, acc: randomUUID() })).toString('base64url');
      expect((await get(`${header}.${altered}.${signature}`)).status).to.equal(401);
    });

    it('when the token has expired, then the page says the session expired', async () => {
      const client = await openIframe(t, accountId);
      const { sid, acc, sub } = JSON.parse(Buffer.from(client.token.split('.')[1]!, 'base64url').toString());
      const res = await get(await sign({ sid, acc, sub }, t.config.sessionSecret, -5));
      expect(res.status).to.equal(401);
      expect(textOf(res.data)).to.include('истёк');
    });

    it('when a correctly signed token names another employee or account than its session, then it is refused', async () => {
      const client = await openIframe(t, accountId);
      const { sid, acc, sub } = JSON.parse(Buffer.from(client.token.split('.')[1]!, 'base64url').toString());
      expect((await get(await sign({ sid, acc, sub: randomUUID() }, t.config.sessionSecret))).status).to.equal(401);
      expect((await get(await sign({ sid, acc: randomUUID(), sub }, t.config.sessionSecret))).status).to.equal(401);
      expect((await get(await sign({ sid: 'no-such-session', acc, sub }, t.config.sessionSecret))).status).to.equal(
        401,
      );
      expect(
        (await get(await sign({ sid, acc, sub }, t.config.sessionSecret))).status,
        'the honest token still works',
      ).to.equal(200);
    });

    it('when the session row has reached its end, then even a fresh token is refused', async () => {
      const client = await openIframe(t, accountId);
      const { sid } = JSON.parse(Buffer.from(client.token.split('.')[1]!, 'base64url').toString());
      t.storage.db
        .update(iframeSessions)
        .set({ expiresAt: new Date(Date.now() - 1000) })
        .where(eq(iframeSessions.id, sid))
        .run();
      const res = await client.reload();
      expect(res.status).to.equal(401);
      expect(textOf(res.data)).to.include('истёк');
    });

    it('when the app is uninstalled, then its open pages stop working, also after a reinstall', async () => {
      const client = await openIframe(t, accountId);
      const other = await installAccount(t);
      const bystander = await openIframe(t, other);
      const appPath = `/api/moysklad/vendor/1.0/apps/${t.config.moysklad.appId}/${accountId}`;
      const vendor = async () => ({ headers: { Authorization: `Bearer ${await t.vendorJwt()}` } });
      expect((await t.http.delete(appPath, { ...(await vendor()), data: { cause: 'Uninstall' } })).status).to.equal(
        200,
      );
      expect((await client.reload()).status).to.be.oneOf([401, 404]);

      const reinstall = { appUid: t.config.moysklad.appUid, accountName: 'Магазин у дома', cause: 'Install' };
      expect((await t.http.put(appPath, reinstall, await vendor())).status).to.equal(200);
      const afterReinstall = await client.reload();
      expect(afterReinstall.status).to.equal(401);
      expect(textOf(afterReinstall.data)).to.include('откройте приложение заново');
      const saved = await client.post('/iframe/settings', { ...VALID_FORMS.ledger });
      expect(saved.status).to.equal(401);
      expect((await bystander.reload()).status, "another account's session is untouched").to.equal(200);
      expect((await openIframe(t, accountId)).page.status, 'a page opened after the reinstall works').to.equal(200);
    });

    it('when a POST carries a forged session, then nothing is saved', async () => {
      const client = await openIframe(t, accountId);
      const res = await client.post('/iframe/settings', VALID_FORMS.general, { session: `${client.token}x` });
      expect(res.status).to.equal(401);
      expect(tenantRepository.find(t.storage.db, accountId)!.backend).to.equal('ledger');
    });
  });

  describe('rights and CSRF', () => {
    it('when a non-admin opens the iframe, then the form is read-only with an explanation and has no actions', async () => {
      const client = await openIframe(t, accountId, { admin: false });
      const html = client.page.data;
      expect(html).to.match(/<fieldset class="plain" disabled>/);
      expect(textOf(html)).to.include('Только для чтения').and.include('администраторы аккаунта');
      // Said at the top, before anything else, and no save button that looks active.
      expect(html.indexOf('data-read-only')).to.be.lessThan(html.indexOf('id="go-live"'));
      expect(html).to.not.include('data-action="save"');
      expect(html).to.include('data-read-only-actions');
      expect(html).to.not.include('action="/iframe/rotate-token"');
    });

    it('when a non-admin posts settings anyway, then it is refused with 403 and nothing is saved', async () => {
      const client = await openIframe(t, accountId, { admin: false });
      expect(hiddenValue(client.page.data, '_csrf'), 'the page still has a CSRF token').to.be.a('string');
      for (const path of [
        '/iframe/settings',
        '/iframe/retry',
        '/iframe/rotate-token',
        '/iframe/check-connection',
        '/iframe/import-bonus-program',
      ]) {
        const res = await client.post(path, VALID_FORMS.general);
        expect(res.status, path).to.equal(403);
        expect(textOf(res.data)).to.include('только администраторы');
      }
      const tenant = tenantRepository.find(t.storage.db, accountId)!;
      expect(tenant).to.include({ backend: 'ledger', pendingLoyaltyTokenHash: null, providerSecretsEnc: null });
    });

    it("when an admin posts without the CSRF token, with a wrong one or with another session's, then it is refused and nothing is saved", async () => {
      const client = await openIframe(t, accountId);
      const other = await openIframe(t, accountId);
      expect(other.csrf).to.not.equal(client.csrf);
      for (const csrf of ['', 'wrong', other.csrf]) {
        const res = await client.post('/iframe/settings', VALID_FORMS.general, { _csrf: csrf });
        expect(res.status, `csrf "${csrf.slice(0, 8)}"`).to.equal(403);
        expect(textOf(res.data)).to.include('Страница устарела');
      }
      expect(tenantRepository.find(t.storage.db, accountId)!.backend).to.equal('ledger');
    });
  });

  describe('framing', () => {
    const frameAncestors = (csp: unknown) => /frame-ancestors ([^;]*)/.exec(String(csp))?.[1];

    it('when the iframe page or its error page is served, then only the configured МойСклад origins may frame it and there is no X-Frame-Options', async () => {
      const client = await openIframe(t, accountId);
      const error = await t.http.get('/iframe', { responseType: 'text' });
      for (const res of [client.page, error]) {
        expect(frameAncestors(res.headers['content-security-policy'])).to.equal(
          'https://online.moysklad.ru https://*.moysklad.test',
        );
        expect(res.headers['x-frame-options']).to.equal(undefined);
        expect(String(res.headers['content-security-policy'])).to.include("script-src 'self'");
      }
    });

    it('when any other route is served, then nobody may frame it', async () => {
      // The LoyaltyAPI's JSON answers have their own policy (test/integration/loyalty-api/json-api-headers.test.ts).
      for (const path of ['/healthz', '/api/moysklad/vendor/1.0/apps/x/y', '/static/css/moysklad.css', '/nowhere']) {
        const res = await t.http.get(path);
        expect(frameAncestors(res.headers['content-security-policy']), path).to.equal("'none'");
        expect(res.headers['x-frame-options'], path).to.equal('SAMEORIGIN');
      }
    });
  });
});
