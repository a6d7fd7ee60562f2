import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ensureInitialAdmin } from '../../../app/admin/auth/admin-users.js';
import {
  FAILURES_PER_ADDRESS,
  FAILURES_PER_LOGIN_EVERYWHERE,
  FAILURES_PER_LOGIN_FROM_ADDRESS as FAILURES_PER_LOGIN,
} from '../../../app/admin/auth/login-throttle.js';
import { AdminClient, createTestAdmin, signedInAdmin, TEST_PASSWORD } from '../../helpers/admin.js';
import { startTestApp, testConfig, type TestApp } from '../../helpers/test-app.js';

describe('Admin sign-in', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(async () => t.close());

  it('when a user signs in with the right password, then the session cookie is HttpOnly, SameSite=Strict, scoped to /admin, and renewed', async () => {
    await createTestAdmin(t, 'anna');
    const client = new AdminClient(t.baseUrl);
    await client.get('/admin/login');
    const response = await client.post('/admin/login', { login: 'Anna', password: TEST_PASSWORD });
    expect(response.status).to.equal(303);
    expect(response.headers.location).to.equal('/admin/dashboard');
    expect(client.lastSetCookie)
      .to.match(/HttpOnly/)
      .and.match(/SameSite=Strict/)
      .and.match(/Path=\/admin/);
    expect(client.lastSetCookie, 'no Secure outside production: tests run on plain http').to.not.match(/Secure/);
    expect(client.cookieHeader, "the sign-in form's token is spent").to.not.match(/lb_login=/);
    expect((await client.get('/admin/dashboard')).status).to.equal(200);
  });

  it('when a session id is planted before sign-in, then sign-in replaces it and the planted id carries nobody', async () => {
    await createTestAdmin(t, 'anna');
    const planted = await signedInAdmin(t, 'boris', 'support');
    const plantedCookie = planted.cookieHeader;
    const victim = new AdminClient(t.baseUrl);
    await victim.get('/admin/login');
    victim.useCookie(`${victim.cookieHeader}; ${plantedCookie}`);
    expect((await victim.post('/admin/login', { login: 'anna', password: TEST_PASSWORD })).status).to.equal(303);
    expect(victim.cookieHeader, 'a new session id after sign-in (no session fixation)').to.not.equal(plantedCookie);
    expect((await victim.get('/admin/users')).status, 'the victim is signed in as anna').to.equal(200);

    const attacker = new AdminClient(t.baseUrl);
    attacker.useCookie(plantedCookie);
    expect((await attacker.get('/admin/users')).status, 'the planted id does not carry anna').to.not.equal(200);
  });

  it('when anonymous visitors open the sign-in page, then no session row is written, yet the form keeps its CSRF check', async () => {
    await createTestAdmin(t, 'anna');
    const sessionRows = () => (t.storage.sqlite.prepare('select count(*) as n from sessions').get() as { n: number }).n;
    for (let i = 0; i < 20; i++) {
      const visitor = new AdminClient(t.baseUrl);
      const page = await visitor.get('/admin/login');
      expect(page.status).to.equal(200);
      expect(page.headers['set-cookie']?.join('\n') ?? '', 'no session cookie').to.not.match(/lb_admin=/);
    }
    expect(sessionRows()).to.equal(0);

    const client = new AdminClient(t.baseUrl);
    await client.get('/admin/login');
    const failed = await client.post('/admin/login', { login: 'anna', password: 'wrong-password' });
    expect(failed.status).to.equal(401);
    expect(sessionRows(), 'a failed sign-in writes no session either').to.equal(0);

    // Another visitor's token is worth nothing without that visitor's cookie.
    const other = new AdminClient(t.baseUrl);
    const otherToken = /name="_csrf" value="([^"]+)"/.exec((await other.get('/admin/login')).data)![1]!;
    const stranger = new AdminClient(t.baseUrl);
    const withoutCookie = await stranger.post('/admin/login', {
      login: 'anna',
      password: TEST_PASSWORD,
      _csrf: otherToken,
    });
    expect(withoutCookie.status).to.equal(403);
    await stranger.get('/admin/login');
    expect(
      (await stranger.post('/admin/login', { login: 'anna', password: TEST_PASSWORD, _csrf: otherToken })).status,
    ).to.equal(403);
    expect(sessionRows()).to.equal(0);

    expect((await client.post('/admin/login', { login: 'anna', password: TEST_PASSWORD })).status).to.equal(303);
    expect(sessionRows()).to.equal(1);
  });

  it('when the password or the login is wrong, then both get the same 401 answer', async () => {
    await createTestAdmin(t, 'anna');
    const client = new AdminClient(t.baseUrl);
    await client.get('/admin/login');
    const wrongPassword = await client.post('/admin/login', { login: 'anna', password: 'not-the-password' });
    const unknownLogin = await client.post('/admin/login', { login: 'nobody', password: TEST_PASSWORD });
    for (const response of [wrongPassword, unknownLogin]) {
      expect(response.status).to.equal(401);
      expect(response.data).to.contain('Неверный логин или пароль.');
    }
    t.flushLog();
    const audit = t.storage.sqlite
      .prepare("select request_body from transaction_log where kind = 'admin' and endpoint = 'auth.login' order by id")
      .all() as Array<{ request_body: string }>;
    expect(audit.map((row) => JSON.parse(row.request_body))).to.deep.equal([
      { by: 'anna', knownLogin: true },
      { knownLogin: false }, // an unknown login (often a mistyped password) is not written down
    ]);
    expect((await client.get('/admin/dashboard')).status).to.equal(303);
  });

  it('when a page is opened signed out, then it redirects to the login page and back after sign-in, never off-site', async () => {
    await createTestAdmin(t, 'anna');
    const client = new AdminClient(t.baseUrl);
    const page = await client.get('/admin/log?status=error');
    expect(page.status).to.equal(303);
    expect(page.headers.location).to.equal('/admin/login?next=%2Fadmin%2Flog%3Fstatus%3Derror');
    await client.get(page.headers.location as string);
    const back = await client.post('/admin/login', {
      login: 'anna',
      password: TEST_PASSWORD,
      next: '/admin/log?status=error',
    });
    expect(back.headers.location).to.equal('/admin/log?status=error');

    const other = new AdminClient(t.baseUrl);
    await other.get('/admin/login');
    const offsite = await other.post('/admin/login', {
      login: 'anna',
      password: TEST_PASSWORD,
      next: '//evil.example/admin',
    });
    expect(offsite.headers.location).to.equal('/admin/dashboard');
  });

  it(`when a login fails ${FAILURES_PER_LOGIN} times, then it is locked even for the right password, also after a restart`, async () => {
    await createTestAdmin(t, 'anna');
    const client = new AdminClient(t.baseUrl);
    await client.get('/admin/login');
    for (let i = 0; i < FAILURES_PER_LOGIN; i++) {
      expect((await client.post('/admin/login', { login: 'anna', password: `wrong-${i}` })).status).to.equal(401);
    }
    const locked = await client.post('/admin/login', { login: 'anna', password: TEST_PASSWORD });
    expect(locked.status).to.equal(429);
    expect(locked.data).to.contain('Слишком много неудачных попыток входа');

    // Same database, new process: the counters are in SQLite, not in memory.
    await t.close({ keepFiles: true });
    t = await startTestApp({ dir: t.dir, config: t.config });
    const afterRestart = new AdminClient(t.baseUrl);
    await afterRestart.get('/admin/login');
    expect((await afterRestart.post('/admin/login', { login: 'anna', password: TEST_PASSWORD })).status).to.equal(429);

    // Another login is not locked by anna's failures.
    await createTestAdmin(t, 'boris');
    expect((await afterRestart.post('/admin/login', { login: 'boris', password: TEST_PASSWORD })).status).to.equal(303);
  });

  it('when a login is locked by failures from another address, then the right password still gets in from an address that has not failed', async () => {
    await createTestAdmin(t, 'anna');
    const attacker = new AdminClient(t.baseUrl, { 'x-forwarded-for': '203.0.113.66' });
    await attacker.get('/admin/login');
    for (let i = 0; i < FAILURES_PER_LOGIN; i++) {
      expect((await attacker.post('/admin/login', { login: 'anna', password: `guess-${i}` })).status).to.equal(401);
    }
    expect((await attacker.post('/admin/login', { login: 'anna', password: TEST_PASSWORD })).status).to.equal(429);

    const anna = new AdminClient(t.baseUrl, { 'x-forwarded-for': '198.51.100.7' });
    expect((await anna.signIn('anna')).status).to.equal(303);
    expect((await attacker.post('/admin/login', { login: 'anna', password: TEST_PASSWORD })).status).to.equal(429);
  });

  it('when a login is guessed at from many addresses, then each address gets one try past the ceiling and the real user still gets in', async () => {
    await createTestAdmin(t, 'anna');
    const from = async (address: string) => {
      const client = new AdminClient(t.baseUrl, { 'x-forwarded-for': address });
      await client.get('/admin/login');
      return client;
    };
    const perAddress = FAILURES_PER_LOGIN - 1;
    for (let bot = 0; bot * perAddress < FAILURES_PER_LOGIN_EVERYWHERE; bot++) {
      const client = await from(`203.0.113.${bot + 1}`);
      for (let i = 0; i < perAddress; i++)
        await client.post('/admin/login', { login: 'anna', password: `g-${bot}-${i}` });
    }
    // Under attack: a fresh address may try once; its second try is refused, right password or not.
    const fresh = await from('192.0.2.10');
    expect((await fresh.post('/admin/login', { login: 'anna', password: 'one-more-guess' })).status).to.equal(401);
    expect((await fresh.post('/admin/login', { login: 'anna', password: TEST_PASSWORD })).status).to.equal(429);
    // A bot that still had tries left before the ceiling is down to none.
    const bot = await from('203.0.113.1');
    expect((await bot.post('/admin/login', { login: 'anna', password: TEST_PASSWORD })).status).to.equal(429);

    const anna = await from('198.51.100.7');
    expect((await anna.post('/admin/login', { login: 'anna', password: TEST_PASSWORD })).status).to.equal(303);
  });

  it(`when one address fails ${FAILURES_PER_ADDRESS} times across logins, then that address is locked even for a right password`, async function () {
    this.timeout(60_000); // every failure checks a scrypt hash
    await createTestAdmin(t, 'anna');
    const sprayer = new AdminClient(t.baseUrl, { 'x-forwarded-for': '203.0.113.99' });
    await sprayer.get('/admin/login');
    for (let i = 0; i < FAILURES_PER_ADDRESS; i++) {
      await sprayer.post('/admin/login', { login: `user${i}`, password: 'wrong-password' });
    }
    expect((await sprayer.post('/admin/login', { login: 'anna', password: TEST_PASSWORD })).status).to.equal(429);
    expect((await new AdminClient(t.baseUrl).signIn('anna')).status, 'other addresses are not affected').to.equal(303);
  });

  it('when a user signs in after a few failures, then the failures are forgiven', async () => {
    await createTestAdmin(t, 'anna');
    const client = new AdminClient(t.baseUrl);
    await client.get('/admin/login');
    for (let i = 0; i < FAILURES_PER_LOGIN - 1; i++)
      await client.post('/admin/login', { login: 'anna', password: 'wrong-password' });
    expect((await client.post('/admin/login', { login: 'anna', password: TEST_PASSWORD })).status).to.equal(303);

    const again = new AdminClient(t.baseUrl);
    await again.get('/admin/login');
    for (let i = 0; i < FAILURES_PER_LOGIN - 1; i++) {
      expect((await again.post('/admin/login', { login: 'anna', password: 'wrong-password' })).status).to.equal(401);
    }
    expect((await again.post('/admin/login', { login: 'anna', password: TEST_PASSWORD })).status).to.equal(303);
  });

  it('when a user signs out, then the old cookie opens nothing', async () => {
    const client = await signedInAdmin(t);
    const cookie = client.cookieHeader;
    await client.get('/admin/dashboard');
    expect((await client.post('/admin/logout')).headers.location).to.equal('/admin/login');

    const replay = new AdminClient(t.baseUrl);
    replay.useCookie(cookie);
    expect((await replay.get('/admin/dashboard')).status).to.equal(303);
  });

  it("when an admin sets a user's password, then that user's open sessions end", async () => {
    const admin = await signedInAdmin(t, 'anna', 'admin');
    const support = await signedInAdmin(t, 'boris', 'support');
    expect((await support.get('/admin/dashboard')).status).to.equal(200);
    await admin.get('/admin/users');
    const boris = (await import('../../../app/admin/auth/admin-user-repository.js')).adminUserRepository.findByLogin(
      t.storage.db,
      'boris',
    )!;
    expect(
      (await admin.post(`/admin/users/${boris.id}/password`, { password: 'another-long-password' })).status,
    ).to.equal(303);

    expect((await support.get('/admin/dashboard')).status).to.equal(303);
    expect((await new AdminClient(t.baseUrl).signIn('boris', 'another-long-password')).status).to.equal(303);
  });

  it('when a blocked user signs in with the right password, then they are refused', async () => {
    const admin = await signedInAdmin(t, 'anna');
    await createTestAdmin(t, 'boris', 'support');
    const { adminUserRepository } = await import('../../../app/admin/auth/admin-user-repository.js');
    await admin.get('/admin/users');
    await admin.post(`/admin/users/${adminUserRepository.findByLogin(t.storage.db, 'boris')!.id}/block`);
    const refused = await new AdminClient(t.baseUrl).signIn('boris');
    expect(refused.status).to.equal(403);
    expect(refused.data).to.contain('заблокирована');
  });
});

describe('Admin session cookie in production', () => {
  it('when the proxy says https, then the cookie is also Secure; over plain http the login page says https is needed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'admin-prod-'));
    const t = await startTestApp({ dir, config: testConfig(dir, { NODE_ENV: 'production' }) });
    try {
      await createTestAdmin(t, 'anna');
      const plain = await new AdminClient(t.baseUrl).get('/admin/login');
      expect(plain.data, 'over plain http the page says why sign-in cannot work').to.contain(
        'Вход возможен только по https',
      );
      // The test app trusts loopback as its proxy, like nginx on the same host.
      const client = new AdminClient(t.baseUrl, { 'x-forwarded-proto': 'https' });
      expect((await client.get('/admin/login')).data).to.not.contain('Вход возможен только по https');
      expect((await client.signIn('anna')).status).to.equal(303);
      expect(client.lastSetCookie)
        .to.match(/; Secure/)
        .and.match(/HttpOnly/)
        .and.match(/SameSite=Strict/);
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('First admin from the environment', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(async () => t.close());

  it('when no user exists, then ADMIN_INITIAL_LOGIN/PASSWORD create an admin once, and never again', async () => {
    expect(await ensureInitialAdmin(t.storage.db, { login: 'Root', password: TEST_PASSWORD })).to.equal('root');
    expect((await new AdminClient(t.baseUrl).signIn('root')).status).to.equal(303);
    expect(await ensureInitialAdmin(t.storage.db, { login: 'other', password: 'another-long-password' })).to.equal(
      undefined,
    );
    expect((await new AdminClient(t.baseUrl).signIn('other', 'another-long-password')).status).to.equal(401);
  });
});
