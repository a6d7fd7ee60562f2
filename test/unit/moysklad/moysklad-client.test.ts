import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import nock from 'nock';
import { createLogger } from '../../../app/logging/logger.js';
import { MoyskladClient } from '../../../app/moysklad/moysklad-client.js';
import { MoyskladError } from '../../../app/moysklad/moysklad-errors.js';

const VENDOR_ORIGIN = 'https://apps-api.moysklad.test';
const VENDOR_BASE = '/api/vendor/1.0';
const JSON_ORIGIN = 'https://api.moysklad.test';
const JSON_BASE = '/api/remap/1.2';
const APP_UID = 'loyalty-bridge.test';
const SECRET = 'test-secret-key-0123456789abcdef';

/** What nock saw of one request. */
interface Seen {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A nock reply function that records the request and answers with the given status and body. */
function recordInto(seen: Seen[], status: number, answer: unknown) {
  return function (this: nock.ReplyFnContext, uri: string, body: nock.Body): nock.ReplyFnResult {
    seen.push({ method: this.req.method, path: uri, headers: { ...this.req.headers }, body });
    return [status, answer as nock.ReplyBody];
  };
}

async function verifyVendorToken(authorization: string | undefined): Promise<JWTPayload> {
  expect(authorization, 'Authorization header').to.be.a('string');
  const match = /^Bearer (\S+)$/.exec(authorization!);
  expect(match, `Bearer scheme in "${authorization}"`).to.not.equal(null);
  const token = match![1]!;
  const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(SECRET), {
    algorithms: ['HS256'],
    subject: APP_UID,
  });
  expect(protectedHeader.alg).to.equal('HS256');
  expect(payload.sub).to.equal(APP_UID);
  expect(payload.iat).to.be.a('number');
  expect(payload.exp).to.be.a('number');
  expect(payload.exp! - payload.iat!)
    .to.be.greaterThan(0)
    .and.at.most(300);
  expect(payload.iat!).to.be.closeTo(Math.floor(Date.now() / 1000), 5);
  expect(payload.jti).to.be.a('string').and.not.equal('');
  return payload;
}

function expectGzip(headers: Record<string, string>): void {
  expect(headers['accept-encoding'], 'Accept-Encoding').to.be.a('string').that.includes('gzip');
}

async function rejectionOf(promise: Promise<unknown>): Promise<MoyskladError> {
  let outcome: { value: unknown } | undefined;
  try {
    outcome = { value: await promise };
  } catch (error) {
    expect(error).to.be.instanceOf(MoyskladError);
    return error as MoyskladError;
  }
  return expect.fail(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
}

describe('MoyskladClient', () => {
  const appId = randomUUID();
  let accountId: string;
  let client: MoyskladClient;
  let seen: Seen[];

  const appPath = () => `${VENDOR_BASE}/apps/${appId}/${accountId}`;
  const vendor = () => nock(VENDOR_ORIGIN);
  const jsonApi = () => nock(JSON_ORIGIN);
  const only = (): Seen => {
    expect(seen).to.have.length(1);
    return seen[0]!;
  };

  before(() => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });

  beforeEach(() => {
    accountId = randomUUID();
    seen = [];
    client = new MoyskladClient({
      appId,
      appUid: APP_UID,
      secretKey: SECRET,
      vendorApiUrl: `${VENDOR_ORIGIN}${VENDOR_BASE}`,
      jsonApiUrl: `${JSON_ORIGIN}${JSON_BASE}`,
      logger: createLogger({ level: 'error', silent: true }),
      timeoutMs: 300,
    });
  });

  afterEach(() => nock.cleanAll());

  describe('Vendor API calls', () => {
    it('when getStatus is called, then it GETs …/apps/{appId}/{accountId}/status with a valid vendor JWT and gzip, and returns the body', async () => {
      vendor()
        .get(`${appPath()}/status`)
        .reply(recordInto(seen, 200, { status: 'Activated' }));

      const result = await client.getStatus(accountId);

      expect(result).to.deep.equal({ status: 'Activated' });
      expect(nock.isDone()).to.equal(true);
      const request = only();
      expect(request.method).to.equal('GET');
      expect(request.path).to.equal(`${appPath()}/status`);
      await verifyVendorToken(request.headers.authorization);
      expectGzip(request.headers);
    });

    it('when setStatus is called, then it PUTs {status} to …/status with a valid vendor JWT and gzip', async () => {
      vendor()
        .put(`${appPath()}/status`, { status: 'Activated' })
        .reply(recordInto(seen, 200, {}));

      const result = await client.setStatus(accountId, 'Activated');

      expect(result).to.equal(undefined);
      expect(nock.isDone()).to.equal(true);
      const request = only();
      expect(request.method).to.equal('PUT');
      expect(request.body).to.deep.equal({ status: 'Activated' });
      expect(request.headers['content-type']).to.match(/^application\/json/);
      await verifyVendorToken(request.headers.authorization);
      expectGzip(request.headers);
    });

    it('when putLoyaltySettings is called, then it PUTs the whole settings object to …/loyalty with a valid vendor JWT and gzip', async () => {
      const settings = { url: 'https://bridge.example/api/loyalty', token: 'loyalty-token-abc', externalSearch: true };
      vendor()
        .put(`${appPath()}/loyalty`, settings)
        .reply(recordInto(seen, 200, settings));

      const result = await client.putLoyaltySettings(accountId, settings);

      expect(result).to.equal(undefined);
      expect(nock.isDone()).to.equal(true);
      const request = only();
      expect(request.method).to.equal('PUT');
      expect(request.body).to.deep.equal(settings);
      await verifyVendorToken(request.headers.authorization);
      expectGzip(request.headers);
    });

    it('when patchLoyaltySettings is called, then it PATCHes only the changed fields to …/loyalty with a valid vendor JWT and gzip', async () => {
      vendor()
        .patch(`${appPath()}/loyalty`, { externalSearch: false })
        .reply(recordInto(seen, 200, {}));

      await client.patchLoyaltySettings(accountId, { externalSearch: false });

      expect(nock.isDone()).to.equal(true);
      const request = only();
      expect(request.method).to.equal('PATCH');
      expect(request.body).to.deep.equal({ externalSearch: false });
      await verifyVendorToken(request.headers.authorization);
      expectGzip(request.headers);
    });

    it('when exchangeContextKey is called, then it POSTs to …/context/{key} (URL-encoded) and returns the employee', async () => {
      const employee = {
        id: randomUUID(),
        accountId,
        uid: 'admin@shop',
        fullName: 'Иван Иванов',
        permissions: { admin: { view: 'ALL' } },
      };
      const key = 'ctx/key+1';
      vendor()
        .post(`${VENDOR_BASE}/context/${encodeURIComponent(key)}`)
        .reply(recordInto(seen, 200, employee));

      const result = await client.exchangeContextKey(key);

      expect(result).to.deep.equal(employee);
      expect(nock.isDone()).to.equal(true);
      const request = only();
      expect(request.method).to.equal('POST');
      expect(request.path).to.equal(`${VENDOR_BASE}/context/ctx%2Fkey%2B1`);
      await verifyVendorToken(request.headers.authorization);
      expectGzip(request.headers);
    });

    it('when the account id has URL-special characters, then the path segment is encoded', async () => {
      accountId = 'a/b?c';
      vendor()
        .get(`${VENDOR_BASE}/apps/${appId}/a%2Fb%3Fc/status`)
        .reply(recordInto(seen, 200, { status: 'Activating' }));

      expect(await client.getStatus(accountId)).to.deep.equal({ status: 'Activating' });
      expect(nock.isDone()).to.equal(true);
    });

    it('when two vendor calls are made, then each carries its own token with a different jti', async () => {
      vendor()
        .get(`${appPath()}/status`)
        .times(2)
        .reply(recordInto(seen, 200, { status: 'Activated' }));

      await client.getStatus(accountId);
      await client.getStatus(accountId);

      expect(nock.isDone()).to.equal(true);
      expect(seen).to.have.length(2);
      const first = await verifyVendorToken(seen[0]!.headers.authorization);
      const second = await verifyVendorToken(seen[1]!.headers.authorization);
      expect(first.jti).to.not.equal(second.jti);
      expect(seen[0]!.headers.authorization).to.not.equal(seen[1]!.headers.authorization);
    });

    it('when a vendor token is signed with another secret, then it does not verify (the test really checks the signature)', async () => {
      vendor()
        .get(`${appPath()}/status`)
        .reply(recordInto(seen, 200, { status: 'Activated' }));
      await client.getStatus(accountId);

      const token = only().headers.authorization!.slice('Bearer '.length);
      expect(decodeJwt(token).sub).to.equal(APP_UID);
      let failed = false;
      try {
        await jwtVerify(token, new TextEncoder().encode('some-other-secret-0123456789abcdef'));
      } catch {
        failed = true;
      }
      expect(failed).to.equal(true);
    });
  });

  describe('JSON API calls', () => {
    it('when listBonusPrograms is called, then it GETs /entity/bonusprogram with the access token and gzip, and returns the rows', async () => {
      const rows = [{ id: randomUUID(), name: 'Бонусы', active: true }];
      jsonApi()
        .get(`${JSON_BASE}/entity/bonusprogram`)
        .reply(recordInto(seen, 200, { meta: {}, rows }));

      const result = await client.listBonusPrograms('access-token-1');

      expect(result).to.deep.equal(rows);
      expect(nock.isDone()).to.equal(true);
      const request = only();
      expect(request.method).to.equal('GET');
      expect(request.headers.authorization).to.equal('Bearer access-token-1');
      expectGzip(request.headers);
    });

    it('when the bonus program page has no rows, then it returns an empty list', async () => {
      jsonApi().get(`${JSON_BASE}/entity/bonusprogram`).reply(200, { meta: {} });

      expect(await client.listBonusPrograms('access-token-1')).to.deep.equal([]);
      expect(nock.isDone()).to.equal(true);
    });

    it('when listRetailStores is called, then it GETs /entity/retailstore with the access token and gzip, and returns only id and name', async () => {
      const id = randomUUID();
      jsonApi()
        .get(`${JSON_BASE}/entity/retailstore`)
        .reply(
          recordInto(seen, 200, {
            meta: {},
            rows: [{ id, name: 'Магазин на углу', address: 'ул. Ленина, 1', meta: { href: 'x' } }],
          }),
        );

      const result = await client.listRetailStores('access-token-2');

      expect(result).to.deep.equal([{ id, name: 'Магазин на углу' }]);
      expect(nock.isDone()).to.equal(true);
      const request = only();
      expect(request.method).to.equal('GET');
      expect(request.headers.authorization).to.equal('Bearer access-token-2');
      expectGzip(request.headers);
    });

    it('when the retail store page has no rows, then it returns an empty list', async () => {
      jsonApi().get(`${JSON_BASE}/entity/retailstore`).reply(200, {});

      expect(await client.listRetailStores('access-token-2')).to.deep.equal([]);
      expect(nock.isDone()).to.equal(true);
    });

    it('when a JSON API call is made, then it does not carry a vendor JWT', async () => {
      jsonApi()
        .get(`${JSON_BASE}/entity/retailstore`)
        .reply(recordInto(seen, 200, { rows: [] }));

      await client.listRetailStores('access-token-3');

      expect(only().headers.authorization).to.equal('Bearer access-token-3');
    });
  });

  describe('МойСклад error answers', () => {
    it("when МойСклад answers 404 with code 2004, then it rejects with not-installed, code 2004 and МойСклад's text", async () => {
      vendor()
        .get(`${appPath()}/status`)
        .reply(404, { errors: [{ error: 'Приложение не найдено', code: 2004 }] });

      const error = await rejectionOf(client.getStatus(accountId));

      expect(error.failure).to.equal('not-installed');
      expect(error.moyskladCode).to.equal(2004);
      expect(error.upstreamStatus).to.equal(404);
      expect(error.definite).to.equal(true);
      expect(error.message).to.include('Приложение не найдено');
      expect(nock.isDone()).to.equal(true);
    });

    it('when МойСклад answers 409 to a context exchange, then it rejects with conflict', async () => {
      vendor()
        .post(`${VENDOR_BASE}/context/used-key`)
        .reply(409, { errors: [{ error: 'Ключ контекста уже использован', code: 2010 }] });

      const error = await rejectionOf(client.exchangeContextKey('used-key'));

      expect(error.failure).to.equal('conflict');
      expect(error.upstreamStatus).to.equal(409);
      expect(error.moyskladCode).to.equal(2010);
      expect(error.definite).to.equal(true);
      expect(error.message).to.include('Ключ контекста уже использован');
      expect(nock.isDone()).to.equal(true);
    });

    it('when МойСклад answers 415, then it rejects with refused and upstreamStatus 415', async () => {
      vendor()
        .put(`${appPath()}/loyalty`)
        .reply(415, { errors: [{ error: 'Неподдерживаемый тип содержимого' }] });

      const error = await rejectionOf(
        client.putLoyaltySettings(accountId, { url: 'https://bridge.example', token: 't', externalSearch: false }),
      );

      expect(error.failure).to.equal('refused');
      expect(error.upstreamStatus).to.equal(415);
      expect(error.definite).to.equal(true);
      expect(error.message).to.include('HTTP 415');
      expect(nock.isDone()).to.equal(true);
    });

    it('when МойСклад answers 400 with code 2006, then it rejects with refused and code 2006', async () => {
      vendor()
        .put(`${appPath()}/status`)
        .reply(400, { errors: [{ error: 'Неверный статус', code: 2006 }] });

      const error = await rejectionOf(client.setStatus(accountId, 'Activated'));

      expect(error.failure).to.equal('refused');
      expect(error.moyskladCode).to.equal(2006);
      expect(error.upstreamStatus).to.equal(400);
      expect(error.message).to.include('Неверный статус');
      expect(nock.isDone()).to.equal(true);
    });

    it('when МойСклад answers 500, then it rejects with unavailable (not definite)', async () => {
      vendor().patch(`${appPath()}/loyalty`).reply(500, 'Internal Server Error');

      const error = await rejectionOf(client.patchLoyaltySettings(accountId, { externalSearch: true }));

      expect(error.failure).to.equal('unavailable');
      expect(error.upstreamStatus).to.equal(500);
      expect(error.definite).to.equal(false);
      expect(nock.isDone()).to.equal(true);
    });

    it('when the JSON API answers 401, then it rejects with refused', async () => {
      jsonApi()
        .get(`${JSON_BASE}/entity/bonusprogram`)
        .reply(401, { errors: [{ error: 'Ошибка аутентификации', code: 1056 }] });

      const error = await rejectionOf(client.listBonusPrograms('expired-token'));

      expect(error.failure).to.equal('refused');
      expect(error.upstreamStatus).to.equal(401);
      expect(error.moyskladCode).to.equal(1056);
      expect(nock.isDone()).to.equal(true);
    });

    it('when МойСклад answers after the time-out, then it rejects with unavailable within about a second', async () => {
      vendor().get(`${appPath()}/status`).delay(1000).reply(200, { status: 'Activated' });

      const started = Date.now();
      const error = await rejectionOf(client.getStatus(accountId));
      const elapsed = Date.now() - started;

      expect(error.failure).to.equal('unavailable');
      expect(error.definite).to.equal(false);
      expect(error.upstreamStatus).to.equal(undefined);
      expect(error.message).to.include('не ответил вовремя');
      expect(elapsed).to.be.lessThan(1000);
    });

    it('when a JSON API call runs past the time-out, then it rejects with unavailable within about a second', async () => {
      jsonApi().get(`${JSON_BASE}/entity/retailstore`).delay(1000).reply(200, { rows: [] });

      const started = Date.now();
      const error = await rejectionOf(client.listRetailStores('access-token'));

      expect(error.failure).to.equal('unavailable');
      expect(Date.now() - started).to.be.lessThan(1000);
    });

    // nock 14 (on @mswjs/interceptors) silently drops a plain-object `replyWithError({ code })`, so the
    // request would just hang until the time-out (nock/nock#2789, #2899). A real Error with a code is a
    // real reset: it must fail fast as "недоступен", not "не ответил вовремя".
    it('when the connection is reset, then it rejects with unavailable at once, not via the time-out', async () => {
      vendor()
        .put(`${appPath()}/status`)
        .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));

      const started = Date.now();
      const error = await rejectionOf(client.setStatus(accountId, 'SettingsRequired'));

      expect(Date.now() - started).to.be.lessThan(250);
      expect(error.failure).to.equal('unavailable');
      expect(error.definite).to.equal(false);
      expect(error.upstreamStatus).to.equal(undefined);
      expect(error.message).to.include('недоступен');
      expect(nock.isDone()).to.equal(true);
    });

    it('when getStatus gets a malformed JSON 200 body, then it rejects instead of returning a string', async () => {
      vendor().get(`${appPath()}/status`).reply(200, '{"status": "Activ', { 'Content-Type': 'application/json' });

      const error = await rejectionOf(client.getStatus(accountId));

      expect(error).to.be.instanceOf(MoyskladError);
      expect(nock.isDone()).to.equal(true);
    });

    it('when getStatus gets a malformed body without a JSON content type, then it still rejects', async () => {
      vendor().get(`${appPath()}/status`).reply(200, 'not json at all', { 'Content-Type': 'text/plain' });

      await rejectionOf(client.getStatus(accountId));
      expect(nock.isDone()).to.equal(true);
    });

    it('when no interceptor matches (network closed), then it rejects with unavailable rather than reaching the network', async () => {
      const error = await rejectionOf(client.getStatus(accountId));

      expect(error.failure).to.equal('unavailable');
    });
  });
});
