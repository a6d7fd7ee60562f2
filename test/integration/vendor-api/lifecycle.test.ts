import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import { tenants } from '../../../db/schema/index.js';
import { ACCESS_TOKEN_FIELD, LOYALTY_TOKEN_FIELD } from '../../../app/tenants/loyalty-token.js';
import { findTenantByLoyaltyToken } from '../../../app/tenants/tenant-auth.js';
import { tenantRepository } from '../../../app/tenants/tenant-repository.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';

describe('Vendor API lifecycle', () => {
  let t: TestApp;
  let accountId: string;
  const base = () => `/api/moysklad/vendor/1.0/apps/${t.config.moysklad.appId}/${accountId}`;

  const activation = (cause: string, extra: Record<string, unknown> = {}) => ({
    appUid: t.config.moysklad.appUid,
    accountName: 'shop-on-the-corner',
    cause,
    subscription: { tariffId: randomUUID(), trial: false, notForResale: false, partner: false },
    ...(cause === 'Install' || cause === 'Resume'
      ? {
          access: [
            { resource: 'https://api.moysklad.test/api/remap/1.2', scope: ['admin'], access_token: `access-${cause}` },
          ],
        }
      : {}),
    ...extra,
  });

  const call = async (method: 'put' | 'delete' | 'get', path = '', data?: unknown) =>
    t.http.request({ method, url: base() + path, data, headers: { Authorization: `Bearer ${await t.vendorJwt()}` } });

  const tenant = () => tenantRepository.find(t.storage.db, accountId)!;
  const accessToken = () => t.services.box.open(tenant().accessTokenEnc!, accountId, ACCESS_TOKEN_FIELD);
  const loyaltyToken = () => t.services.box.open(tenant().loyaltyTokenEnc!, accountId, LOYALTY_TOKEN_FIELD);
  const markConfigured = () =>
    t.storage.db.update(tenants).set({ configuredAt: new Date() }).where(eq(tenants.accountId, accountId)).run();

  beforeEach(async () => {
    t = await startTestApp();
    accountId = randomUUID();
  });
  afterEach(() => t.close());

  it('when an account installs the app, then it answers SettingsRequired and stores the tenant with sealed tokens', async () => {
    const res = await call('put', '', activation('Install'));
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/application\/json/);
    expect(res.data).to.deep.equal({ status: 'SettingsRequired' });
    expect(tenant()).to.include({
      status: 'SettingsRequired',
      lastCause: 'Install',
      accountName: 'shop-on-the-corner',
    });
    expect(tenant().accessTokenEnc).to.not.include('access-Install');
    expect(accessToken()).to.equal('access-Install');
    expect(findTenantByLoyaltyToken(t.storage.db, loyaltyToken())?.accountId).to.equal(accountId);
  });

  it('when the same install arrives twice, then there is one tenant, the same answer and the same token', async () => {
    const first = await call('put', '', activation('Install'));
    const token = loyaltyToken();
    const second = await call('put', '', activation('Install'));
    expect(second.status).to.equal(200);
    expect(second.data).to.deep.equal(first.data);
    expect(t.storage.db.select().from(tenants).all()).to.have.length(1);
    expect(loyaltyToken()).to.equal(token);
  });

  it('when ten identical installs arrive at once, then all get 200 with one answer and one tenant exists', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => call('put', '', activation('Install'))));
    expect(answers.map((a) => a.status)).to.deep.equal(Array(10).fill(200));
    expect(new Set(answers.map((a) => JSON.stringify(a.data)))).to.have.property('size', 1);
    expect(t.storage.db.select().from(tenants).all()).to.have.length(1);
  });

  it('when a configured account is suspended and resumed, then settings survive and Resume answers Activated', async () => {
    await call('put', '', activation('Install'));
    markConfigured();
    t.storage.db
      .update(tenants)
      .set({ settings: { receiptTemplate: 'Спасибо!' } })
      .where(eq(tenants.accountId, accountId))
      .run();
    const token = loyaltyToken();

    const suspended = await call('delete', '', {
      appUid: t.config.moysklad.appUid,
      accountName: 'x',
      cause: 'Suspend',
    });
    expect(suspended.status).to.equal(200);
    expect(tenant()).to.include({ status: 'Suspended', accessTokenEnc: null });
    expect(tenant().settings).to.deep.equal({ receiptTemplate: 'Спасибо!' });
    expect(findTenantByLoyaltyToken(t.storage.db, token), 'suspended accounts are refused').to.equal(undefined);

    const resumed = await call('put', '', activation('Resume'));
    expect(resumed.data).to.deep.equal({ status: 'Activated' });
    expect(tenant().status).to.equal('Activated');
    expect(accessToken()).to.equal('access-Resume');
    expect(findTenantByLoyaltyToken(t.storage.db, token)?.accountId).to.equal(accountId);
  });

  it('when an unconfigured account resumes, then it still answers SettingsRequired', async () => {
    await call('put', '', activation('Install'));
    await call('delete', '', { cause: 'Suspend' });
    const resumed = await call('put', '', activation('Resume'));
    expect(resumed.data).to.deep.equal({ status: 'SettingsRequired' });
  });

  for (const cause of ['TariffChanged', 'Autoprolongation']) {
    it(`when ${cause} arrives without access[], then the stored access token and status stay`, async () => {
      await call('put', '', activation('Install'));
      markConfigured();
      const res = await call('put', '', activation(cause, { subscription: { tariffId: 'new-tariff' } }));
      expect(res.status).to.equal(200);
      expect(res.data).to.deep.equal({ status: 'Activated' });
      expect(accessToken()).to.equal('access-Install');
      expect(tenant()).to.include({ lastCause: cause });
      expect(tenant().subscription).to.deep.equal({ tariffId: 'new-tariff' });
    });
  }

  it('when the app is uninstalled, then the LoyaltyAPI token stops working and a reinstall needs settings again', async () => {
    await call('put', '', activation('Install'));
    markConfigured();
    const token = loyaltyToken();
    const res = await call('delete', '', { appUid: t.config.moysklad.appUid, accountName: 'x', cause: 'Uninstall' });
    expect(res.status).to.equal(200);
    expect(findTenantByLoyaltyToken(t.storage.db, token)).to.equal(undefined);
    expect(tenant()).to.include({
      status: 'Uninstalled',
      accessTokenEnc: null,
      loyaltyTokenHash: null,
      configuredAt: null,
    });

    const again = await call('delete', '', { cause: 'Uninstall' });
    expect(again.status, 'a repeated uninstall is not an error').to.equal(200);

    const reinstall = await call('put', '', activation('Install'));
    expect(reinstall.data).to.deep.equal({ status: 'SettingsRequired' });
    expect(loyaltyToken()).to.not.equal(token);
  });

  it('when a DELETE names an account we never saw, then it answers 204', async () => {
    const res = await call('delete', '', { cause: 'Uninstall' });
    expect(res.status).to.equal(204);
  });

  it('when GET asks for the status, then it answers 200 for installed and 404 for unknown or uninstalled accounts', async () => {
    expect((await call('get')).status).to.equal(404);
    await call('put', '', activation('Install'));
    const installed = await call('get');
    expect(installed.status).to.equal(200);
    expect(installed.data).to.deep.equal({ status: 'SettingsRequired' });
    await call('delete', '', { cause: 'Uninstall' });
    expect((await call('get')).status).to.equal(404);
  });

  it('when PermissionsChanged arrives with a new access token, then it is stored', async () => {
    await call('put', '', activation('Install'));
    const res = await call('put', '/event', {
      appUid: t.config.moysklad.appUid,
      cause: 'PermissionsChanged',
      access: [{ resource: 'https://api.moysklad.test/api/remap/1.2', scope: ['admin'], access_token: 'access-new' }],
    });
    expect(res.status).to.equal(200);
    expect(accessToken()).to.equal('access-new');
  });

  it('when the appId or appUid is not ours, then the call is refused with 400 and nothing is stored', async () => {
    const wrongApp = await t.http.put(
      `/api/moysklad/vendor/1.0/apps/${randomUUID()}/${accountId}`,
      activation('Install'),
      {
        headers: { Authorization: `Bearer ${await t.vendorJwt()}` },
      },
    );
    expect(wrongApp.status).to.equal(400);
    expect(wrongApp.data.errors[0]).to.include({ parameter: 'appId' });
    const wrongUid = await call('put', '', activation('Install', { appUid: 'someone-else.vendor' }));
    expect(wrongUid.status).to.equal(400);
    expect(t.storage.db.select().from(tenants).all()).to.have.length(0);
  });

  it('when the body is malformed, then the answer is a 400 with a reason, never a 500', async () => {
    const bodies: unknown[] = [
      {},
      { cause: 'Install' },
      activation('Explode'),
      activation('Install', { access: 'nope' }),
      activation('Install', { accountName: 42 }),
    ];
    for (const body of bodies) {
      const res = await call('put', '', body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      expect(res.data.errors[0].error).to.be.a('string').and.not.empty;
    }
    const broken = await t.http.put(base(), '{"cause":', {
      headers: { Authorization: `Bearer ${await t.vendorJwt()}`, 'Content-Type': 'application/json' },
    });
    expect(broken.status).to.equal(400);
    const badAccount = await t.http.put(
      `/api/moysklad/vendor/1.0/apps/${t.config.moysklad.appId}/not-a-uuid`,
      activation('Install'),
      {
        headers: { Authorization: `Bearer ${await t.vendorJwt()}` },
      },
    );
    expect(badAccount.status).to.equal(400);
  });

  it('when webhooks are handled, then each is written to the transaction log', async () => {
    await call('put', '', activation('Install'));
    await call('delete', '', { cause: 'Suspend' });
    t.flushLog();
    const rows = t.storage.sqlite
      .prepare("select endpoint, http_status from transaction_log where kind = 'vendor-api' order by id")
      .all();
    expect(rows).to.deep.equal([
      { endpoint: 'PUT /apps/:appId/:accountId', http_status: 200 },
      { endpoint: 'DELETE /apps/:appId/:accountId', http_status: 200 },
    ]);
  });
});
