import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { AUTH_FAILURES_PER_WINDOW } from '../../../app/http/auth-failures.js';
import { AUTH_HEADER } from '../../../app/loyalty-api/loyalty-handlers.js';
import { counterpartyMeta, createTestTenant, position, retailStore, type TestTenant } from '../../helpers/tenants.js';
import { databaseBytes, startTestApp, type TestApp } from '../../helpers/test-app.js';

/** Issue 11 §2: a caller without a valid token costs almost nothing, and never slows a caller with one. */

const RECALC = '/loyalty-api/retaildemand/recalc';

interface LogRow {
  tenant_id: string | null;
  endpoint: string;
  http_status: number;
  request_body: string | null;
  response_body: string | null;
  error_message: string | null;
}

function logRowsSince(t: TestApp, id: number): LogRow[] {
  t.flushLog();
  return t.storage.sqlite.prepare('select * from transaction_log where id > ? order by id').all(id) as LogRow[];
}

const lastLogId = (t: TestApp) =>
  (t.storage.sqlite.prepare('select coalesce(max(id), 0) as id from transaction_log').get() as { id: number }).id;

/** A POST from `address` (the app trusts X-Forwarded-For from loopback, as behind nginx). */
const post = (t: TestApp, path: string, body: string, headers: Record<string, string> = {}, address = '203.0.113.7') =>
  t.http.post(path, body, {
    headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': address, ...headers },
    maxBodyLength: Infinity,
    transformRequest: (data: unknown) => data,
  });

/**
 * Sends the head of a request over a raw socket (no HTTP client in between) with only `sentBytes` of
 * its body, and returns what came back once the server closed the connection or answered.
 */
function rawRequest(t: TestApp, declaredBytes: number, sentBytes: number): Promise<{ head: string; closed: boolean }> {
  const { hostname, port } = new URL(t.baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      received += chunk.toString();
      // A kept-alive answer leaves the socket open: done once the whole (small) answer is in.
      if (/\r\n\r\n[\s\S]*\}$/.test(received) && /connection: keep-alive/i.test(received)) {
        socket.destroy();
        resolve({ head: received, closed: false });
      }
    });
    socket.on('close', () => resolve({ head: received, closed: true }));
    socket.write(
      `POST ${RECALC} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\n` +
        `${AUTH_HEADER}: wrong\r\nContent-Length: ${declaredBytes}\r\nConnection: keep-alive\r\n\r\n` +
        'x'.repeat(sentBytes),
    );
  });
}

const recalcBody = (msId: string) =>
  JSON.stringify({
    retailStore,
    agent: { meta: counterpartyMeta(msId) },
    positions: [position(100)],
    bonusProgram: { transactionType: 'EARNING' },
  });

describe('LoyaltyAPI without a valid token', () => {
  let t: TestApp;
  let shop: TestTenant;
  const valid = () => ({ [AUTH_HEADER]: shop.token });

  beforeEach(async () => {
    t = await startTestApp();
    shop = createTestTenant(t);
  });
  afterEach(() => t.close());

  it('when the token is wrong, then the body is not read: broken JSON and an oversized body both get 401', async () => {
    const broken = await post(t, RECALC, '{"positions": [', { [AUTH_HEADER]: 'wrong' });
    expect(broken.status, JSON.stringify(broken.data)).to.equal(401);
    const huge = await post(t, RECALC, `{"padding":"${'x'.repeat(3 * 1024 * 1024)}"}`, { [AUTH_HEADER]: 'wrong' });
    expect(huge.status, JSON.stringify(huge.data)).to.equal(401);
    expect(huge.data.errors[0].error_message).to.equal(
      'Бонусы недоступны: попросите владельца магазина проверить приложение в МоёмСкладе.',
    );
    // With the right token the same bodies are read and refused for what they are.
    expect((await post(t, RECALC, '{"positions": [', valid())).status).to.equal(400);
  });

  it('when a refused caller is still sending a large body, then the connection closes instead of reading it', async () => {
    // 1 KB of a declared 3 MB is sent, and the rest never: the 401 comes back and the server hangs up.
    const large = await rawRequest(t, 3_000_000, 1024);
    expect(large.head).to.match(/^HTTP\/1\.1 401/);
    expect(large.head).to.match(/connection: close/i);
    expect(large.closed).to.equal(true);
    // A small body is read off the wire as usual and the connection is kept.
    const small = await rawRequest(t, 2, 2);
    expect(small.head).to.match(/^HTTP\/1\.1 401/);
    expect(small.closed).to.equal(false);
  });

  it('when a 401 is logged, then its row keeps the time, address, endpoint and size, never the body', async () => {
    const since = lastLogId(t);
    const body = JSON.stringify({ note: 'CARD-4242-BODY-MARKER', padding: 'y'.repeat(50_000) });
    expect((await post(t, RECALC, body, { [AUTH_HEADER]: 'wrong' }, '198.51.100.23')).status).to.equal(401);
    const [row] = logRowsSince(t, since);
    expect(row!.http_status).to.equal(401);
    expect(row!.endpoint).to.equal('POST /retaildemand/recalc');
    expect(row!.tenant_id).to.equal(null);
    expect(JSON.parse(row!.request_body!)).to.deep.equal({
      bodyNotRead: true,
      address: '198.51.100.23',
      bytes: Buffer.byteLength(body),
    });
    expect(row!.response_body).to.equal(null);
    expect(row!.error_message).to.equal(
      'Бонусы недоступны: попросите владельца магазина проверить приложение в МоёмСкладе.',
    );
    expect(JSON.stringify(row)).not.to.include('BODY-MARKER');
  });

  it('when 401s flood in with large bodies, then the database barely grows and a valid recalc from the same address still works', async function () {
    this.timeout(60_000);
    const msId = randomUUID();
    expect((await shop.api.post('/counterparty', { retailStore, meta: counterpartyMeta(msId) })).status).to.equal(201);
    const before = databaseBytes(t);
    const since = lastLogId(t);
    const junk = JSON.stringify({ padding: 'z'.repeat(256 * 1024) });
    const statuses: number[] = [];
    const validDuringFlood: number[] = [];
    for (let round = 0; round < 30; round += 1) {
      const flood = Array.from({ length: 10 }, () => post(t, RECALC, junk, { [AUTH_HEADER]: `bad-${round}` }));
      const [recalc, ...refused] = await Promise.all([post(t, RECALC, recalcBody(msId), valid()), ...flood]);
      validDuringFlood.push(recalc.status);
      statuses.push(...refused.map((res) => res.status));
    }
    // 300 bodies of 256 KB (75 MB) were sent; before this fix each 401 stored 64 KB (about 19 MB in all).
    const grown = databaseBytes(t) - before;
    expect(grown, `grew by ${grown} bytes`).to.be.below(256 * 1024);

    expect(validDuringFlood.every((status) => status === 200)).to.equal(true);
    expect(statuses.filter((s) => s === 401)).to.have.length(AUTH_FAILURES_PER_WINDOW);
    expect(statuses.filter((s) => s === 429)).to.have.length(300 - AUTH_FAILURES_PER_WINDOW);

    // Each allowed failure is one metadata row, the first refusal one more; the rest of the flood none.
    const refusals = logRowsSince(t, since).filter((row) => row.http_status !== 200);
    expect(refusals.map((row) => row.http_status)).to.deep.equal([
      ...Array<number>(AUTH_FAILURES_PER_WINDOW).fill(401),
      429,
    ]);
    const after = await post(t, RECALC, recalcBody(msId), valid());
    expect(after.status, JSON.stringify(after.data)).to.equal(200);
  });

  it('when an address is over the limit, then it gets 429 in the spec format with Retry-After, and another address still gets 401', async () => {
    for (let i = 0; i < AUTH_FAILURES_PER_WINDOW; i += 1) {
      expect((await post(t, RECALC, '{}', { [AUTH_HEADER]: 'wrong' })).status).to.equal(401);
    }
    const limited = await post(t, RECALC, '{}', { [AUTH_HEADER]: 'wrong' });
    expect(limited.status).to.equal(429);
    expect(Number(limited.headers['retry-after'])).to.be.within(1, 15 * 60);
    expect(limited.data.errors[0]).to.include({ code: 1007 });
    expect(limited.data.errors[0].error_message).to.match(
      /^Бонусы недоступны: слишком много запросов.*попросите владельца магазина/i,
    );
    expect((await post(t, RECALC, '{}', {}, '198.51.100.99')).status).to.equal(401);
  });

  it('when the app restarts, then an address over the limit stays over it', async () => {
    for (let i = 0; i < AUTH_FAILURES_PER_WINDOW; i += 1) await post(t, RECALC, '{}', { [AUTH_HEADER]: 'wrong' });
    const { dir, config } = t;
    await t.close({ keepFiles: true });
    t = await startTestApp({ dir, config });
    try {
      expect((await post(t, RECALC, '{}', { [AUTH_HEADER]: 'wrong' })).status).to.equal(429);
      expect((await post(t, RECALC, '{}', { [AUTH_HEADER]: 'wrong' }, '198.51.100.5')).status).to.equal(401);
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
      t = await startTestApp();
    }
  });

  it('when a body of 1000 fully described positions with serials comes with the token, then it is within the limit; past 1 MB it is 413', async () => {
    const msId = randomUUID();
    const serial = () => ({
      meta: { href: `https://online.moysklad.ru/api/posap/1.0/entity/sn/${randomUUID()}`, id: randomUUID() },
      name: 'SN-0123456789ABCDEF',
    });
    const positions = Array.from({ length: 1000 }, (_, i) => {
      const line = position(1234.56, i < 10 ? 50 : 1.5);
      const meta = line.assortment.meta;
      return {
        ...line,
        assortment: {
          meta: { ...meta, href: meta.href.replace('product', 'variant'), idType: 'native', type: 'variant' },
        },
        syncId: randomUUID(),
        pack: { id: randomUUID(), name: 'Упаковка 12 шт. (коробка)', quantity: 12, barcode: '2000000051420' },
        ...(i < 10 ? { sn: Array.from({ length: 50 }, serial) } : {}),
      };
    });
    const body = JSON.stringify({ retailStore, agent: { meta: counterpartyMeta(msId) }, positions });
    const largest = await post(t, RECALC, body, valid());
    expect(largest.status, JSON.stringify(largest.data).slice(0, 300)).to.equal(200);
    const tooLarge = await post(t, RECALC, JSON.stringify({ padding: 'x'.repeat(1024 * 1024) }), valid());
    expect(tooLarge.status).to.equal(413);
  });
});

describe('Client addresses follow trust proxy', () => {
  it('when trust proxy is off, then X-Forwarded-For does not give a limited client a fresh counter', async () => {
    const t = await startTestApp({ env: { TRUST_PROXY: 'false' } });
    try {
      for (let i = 0; i < AUTH_FAILURES_PER_WINDOW; i += 1) await post(t, RECALC, '{}', {}, `192.0.2.${i}`);
      expect((await post(t, RECALC, '{}', {}, '192.0.2.200')).status).to.equal(429);
    } finally {
      await t.close();
    }
  });
});

describe('Vendor API without a valid JWT', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  it('when the JWT is wrong, then the body is not read or stored, and failures past the limit get 429', async () => {
    const path = `/api/moysklad/vendor/1.0/apps/${t.config.moysklad.appId}/${randomUUID()}`;
    const since = lastLogId(t);
    const broken = await t.http.put(path, '{"cause": "Install", "access": [', {
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer not-a-jwt' },
    });
    expect(broken.status).to.equal(401);
    const [row] = logRowsSince(t, since);
    expect(JSON.parse(row!.request_body!)).to.include({ bodyNotRead: true, address: '127.0.0.1' });
    for (let i = 1; i < AUTH_FAILURES_PER_WINDOW; i += 1) {
      expect((await t.http.put(path, {}, { headers: { Authorization: 'Bearer x' } })).status).to.equal(401);
    }
    expect((await t.http.put(path, {}, { headers: { Authorization: 'Bearer x' } })).status).to.equal(429);
    // A valid JWT from the same address is never refused by the limiter: this account is unknown, hence 404.
    const known = await t.http.get(path, { headers: { Authorization: `Bearer ${await t.vendorJwt()}` } });
    expect(known.status).to.equal(404);
  });
});
