import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { SignJWT, UnsecuredJWT } from 'jose';
import { signTestJwt, startTestApp, testConfig, type TestApp } from '../../helpers/test-app.js';

describe('Vendor API JWT checks', () => {
  let t: TestApp;
  const path = () => `/api/moysklad/vendor/1.0/apps/${t.config.moysklad.appId}/${randomUUID()}`;
  const install = () => ({ appUid: t.config.moysklad.appUid, accountName: 'a', cause: 'Install' });
  const withToken = (jwt: string) => t.http.put(path(), install(), { headers: { Authorization: `Bearer ${jwt}` } });
  const now = () => Math.floor(Date.now() / 1000);

  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(() => t.close());

  it('when the token is valid, then the call is served', async () => {
    expect((await withToken(await t.vendorJwt())).status).to.equal(200);
  });

  it('when there is no Authorization header, then 401', async () => {
    expect((await t.http.put(path(), install())).status).to.equal(401);
  });

  it('when the token is unsigned (alg none), then 401', async () => {
    const jwt = new UnsecuredJWT({ jti: randomUUID() }).setIssuedAt().setExpirationTime('1m').encode();
    expect((await withToken(jwt)).status).to.equal(401);
  });

  it('when the token is HS512 with the right key, then 401', async () => {
    expect((await withToken(await signTestJwt(t.config.moysklad.secretKey, {}, 'HS512'))).status).to.equal(401);
  });

  it('when the token is signed with another key, then 401', async () => {
    expect((await withToken(await signTestJwt('another-secret-key-0123456789abcdef'))).status).to.equal(401);
  });

  it('when the token has no exp, then 401', async () => {
    const jwt = await new SignJWT({ iat: now(), jti: randomUUID() })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(t.config.moysklad.secretKey));
    expect((await withToken(jwt)).status).to.equal(401);
  });

  it('when the token has no jti, then 401', async () => {
    const jwt = await new SignJWT({ iat: now(), exp: now() + 60 })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(t.config.moysklad.secretKey));
    expect((await withToken(jwt)).status).to.equal(401);
  });

  it('when exp passed more than 60 s ago, then 401; within the 60 s leeway, then accepted', async () => {
    expect((await withToken(await t.vendorJwt({ iat: now() - 300, exp: now() - 61 }))).status).to.equal(401);
    expect((await withToken(await t.vendorJwt({ iat: now() - 300, exp: now() - 30 }))).status).to.equal(200);
  });

  it('when iat is in the future beyond the 60 s leeway, then 401; within it, then accepted', async () => {
    expect((await withToken(await t.vendorJwt({ iat: now() + 120, exp: now() + 180 }))).status).to.equal(401);
    expect((await withToken(await t.vendorJwt({ iat: now() + 30, exp: now() + 90 }))).status).to.equal(200);
  });

  it('when exp is more than a day away, then 401; a day away, then accepted', async () => {
    expect((await withToken(await t.vendorJwt({ exp: now() + 2 * 86_400 }))).status).to.equal(401);
    expect((await withToken(await t.vendorJwt({ exp: now() + 86_400 }))).status).to.equal(200);
  });

  for (const [label, jti] of [
    ['empty', ''],
    ['a number', 42],
    ['an object', { id: 'x' }],
    ['longer than 128 characters', 'j'.repeat(129)],
  ] as const) {
    it(`when the jti is ${label}, then 401 and nothing is remembered`, async () => {
      const before = t.storage.sqlite.prepare('select count(*) as n from jwt_replay').get() as { n: number };
      expect((await withToken(await t.vendorJwt({ jti }))).status).to.equal(401);
      expect(t.storage.sqlite.prepare('select count(*) as n from jwt_replay').get()).to.deep.equal(before);
    });
  }

  it('when the jti is a 128-character string, then it is accepted', async () => {
    expect((await withToken(await t.vendorJwt({ jti: 'j'.repeat(128) }))).status).to.equal(200);
  });

  it('when a token is replayed, then the second use is refused', async () => {
    const jwt = await t.vendorJwt();
    expect((await withToken(jwt)).status).to.equal(200);
    const replay = await withToken(jwt);
    expect(replay.status).to.equal(401);
    expect(replay.data.errors[0].error).to.match(/уже использован/);
  });

  it('when the server restarts, then a token used before the restart is still refused', async () => {
    const jwt = await t.vendorJwt();
    expect((await withToken(jwt)).status).to.equal(200);
    const { dir, config } = t;
    await t.close({ keepFiles: true });
    t = await startTestApp({ dir, config });
    expect((await withToken(jwt)).status).to.equal(401);
    expect((await withToken(await t.vendorJwt())).status).to.equal(200);
  });

  it('when a config is built for tests, then it points only at hosts nock answers', () => {
    const config = testConfig(t.dir);
    expect(config.moysklad.vendorApiUrl).to.match(/\.test\//);
  });
});
