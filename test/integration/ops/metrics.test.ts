import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { UpstreamError } from '../../../app/errors.js';
import { breakerKey } from '../../../app/providers/provider-backend.js';
import { openStorage } from '../../../app/storage/database.js';
import { tenantRepository } from '../../../app/tenants/tenant-repository.js';
import { counterpartyMeta, createTestTenant, position, retailStore } from '../../helpers/tenants.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';

/** The value of one sample in a Prometheus text exposition, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = match[2] ? match[2].split(',') : [];
    if (present.length === wanted.length && wanted.every((label) => present.includes(label))) return Number(match[3]);
  }
  return undefined;
}

describe('/metrics', () => {
  let t: TestApp;
  afterEach(() => t.close());

  it('when LoyaltyAPI calls are answered, then their count and latency show by endpoint and status; unknown paths count as "other"', async () => {
    t = await startTestApp();
    const shop = createTestTenant(t);
    const sale = {
      retailStore,
      name: '00001',
      meta: counterpartyMeta(),
      positions: [position(100)],
      cashSum: 100,
      noCashSum: 0,
    };
    expect((await shop.api.post('/retaildemand', sale)).status).to.equal(201);
    expect((await shop.api.post('/retaildemand', { ...sale, meta: counterpartyMeta() })).status).to.equal(201);
    expect((await t.http.post('/loyalty-api/retaildemand', sale)).status, 'no token').to.equal(401);
    expect((await shop.api.get(`/no-such-${randomUUID()}`)).status).to.equal(404);

    const scrape = await t.http.get('/metrics');
    expect(scrape.status).to.equal(200);
    expect(scrape.headers['content-type']).to.include('text/plain');
    const text = scrape.data as string;
    const calls = (endpoint: string, status: string) =>
      sample(text, 'loyalty_api_request_duration_seconds_count', { endpoint, status });
    expect(calls('POST /retaildemand', '201')).to.equal(2);
    expect(calls('POST /retaildemand', '401')).to.equal(1);
    expect(calls('other', '404')).to.equal(1);
    expect(text).not.to.include('no-such-');
    expect(
      sample(text, 'loyalty_api_request_duration_seconds_bucket', {
        endpoint: 'POST /retaildemand',
        status: '201',
        le: '+Inf',
      }),
    ).to.equal(2);
  });

  it('when the outbox holds entries, a breaker is open and log rows are queued, then the gauges say so at scrape time', async () => {
    t = await startTestApp();
    const tenantId = createTestTenant(t).accountId;
    tenantRepository.update(t.storage.db, tenantId, { backend: 'general' });
    const entry = (key: string, needsSupport?: string) =>
      t.services.outbox.enqueue(t.storage.db, tenantId, {
        provider: 'general',
        kind: 'sale',
        operationKey: key,
        customerKey: key,
        payload: {},
        needsSupport,
      });
    entry('a');
    entry('b');
    entry('c', 'Нет возвратов');
    const down = () => Promise.reject(new UpstreamError('Система лояльности не отвечает.'));
    const deliveries = breakerKey(tenantId, 'general', 'delivery');
    for (let i = 0; i < 5; i++) await t.services.resilience.execute(deliveries, 'write', down).catch(() => {});
    await t.services.resilience.execute(breakerKey(tenantId, 'general', 'till'), 'read', () => Promise.resolve());
    t.flushLog();
    // Another process holds the write lock, so the queued rows stay queued (not only until the 50 ms flush).
    t.storage.sqlite.pragma('busy_timeout = 10');
    const other = openStorage(t.config.databasePath, { migrate: false });
    other.sqlite.exec('begin immediate');
    let text: string;
    try {
      t.services.txlog.record({ kind: 'outbox', endpoint: 'queued 1', ok: true });
      t.services.txlog.record({ kind: 'outbox', endpoint: 'queued 2', ok: true });
      t.flushLog();
      text = (await t.http.get('/metrics')).data as string;
    } finally {
      other.sqlite.exec('rollback');
      other.close();
    }
    expect(sample(text, 'loyalty_outbox_items', { state: 'pending' })).to.equal(2);
    expect(sample(text, 'loyalty_outbox_items', { state: 'sending' })).to.equal(0);
    expect(sample(text, 'loyalty_outbox_items', { state: 'needs_support' })).to.equal(1);
    const breaker = (lane: string, state: string) =>
      sample(text, 'loyalty_provider_breaker_state', { tenant: tenantId, provider: 'general', lane, state });
    const states = (lane: string) => ['open', 'half-open', 'closed'].map((state) => breaker(lane, state));
    expect(states('delivery'), 'the outbox lane, after five failed deliveries').to.deep.equal([1, 0, 0]);
    expect(states('till')).to.deep.equal([0, 0, 1]);
    expect(sample(text, 'loyalty_txlog_queue_length')).to.equal(2);
  });

  it('when a request comes through a proxy or with a wrong token, then it is refused before anything is collected', async () => {
    t = await startTestApp();
    const proxied = await t.http.get('/metrics', { headers: { 'X-Forwarded-For': '203.0.113.9' } });
    expect(proxied.status, 'without METRICS_TOKEN /metrics looks like any unknown address').to.equal(404);
    expect(proxied.data.errors[0].error).to.equal('Не найдено');
    await t.close();

    const token = randomBytes(32).toString('base64url');
    t = await startTestApp({ env: { METRICS_TOKEN: token } });
    const asProxy = { 'X-Forwarded-For': '203.0.113.9' };
    const refused = await t.http.get('/metrics', { headers: asProxy });
    expect(refused.status).to.equal(401);
    expect(refused.headers['www-authenticate']).to.equal('Bearer');
    const wrong = await t.http.get('/metrics', { headers: { ...asProxy, Authorization: `Bearer ${token}x` } });
    expect(wrong.status).to.equal(401);
    expect(wrong.data).to.equal('');
    const right = await t.http.get('/metrics', { headers: { ...asProxy, Authorization: `Bearer ${token}` } });
    expect(right.status).to.equal(200);
    expect(right.data).to.include('loyalty_txlog_queue_length');
  });
});
