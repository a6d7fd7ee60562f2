import { expect } from 'chai';
import nock from 'nock';
import { createLogger } from '../../../app/logging/logger.js';
import { AxiosError } from 'axios';
import { JsonApiLimits, retryAfterMs } from '../../../app/moysklad/json-api-limits.js';
import { MoyskladClient } from '../../../app/moysklad/moysklad-client.js';
import { MoyskladError } from '../../../app/moysklad/moysklad-errors.js';
import { rejectionOf } from '../../helpers/rejection.js';

const JSON_ORIGIN = 'https://api.moysklad.test';
const JSON_BASE = '/api/remap/1.2';
const TOKEN = 'access-token-1';

function client(limits = new JsonApiLimits({ maxWaitMs: 50 })) {
  return new MoyskladClient({
    appId: 'app',
    appUid: 'uid',
    secretKey: 'test-secret-key-0123456789abcdef',
    vendorApiUrl: 'https://apps-api.moysklad.test/api/vendor/1.0',
    jsonApiUrl: JSON_ORIGIN + JSON_BASE,
    logger: createLogger({ level: 'error', silent: true }),
    jsonApiLimits: limits,
  });
}

const jsonApi = () => nock(JSON_ORIGIN, { reqheaders: { authorization: `Bearer ${TOKEN}` } });

describe('МойСклад JSON API reads for the goods cache', () => {
  it('when a list page is asked, then it is 1000 rows from the offset and the total comes from meta.size', async () => {
    jsonApi()
      .get(`${JSON_BASE}/entity/product`)
      .query({ limit: '1000', offset: '2000', filter: 'archived=true;archived=false' })
      .reply(200, { meta: { size: 2500 }, rows: [{ id: 'p1' }] });
    const page = await client().listPage(TOKEN, 'product', 2000, 'archived=true;archived=false');
    expect(page).to.deep.equal({ rows: [{ id: 'p1' }], size: 2500 });
  });

  it('when МойСклад answers 429, then the read is tried again after the pause', async () => {
    jsonApi()
      .get(`${JSON_BASE}/entity/product/p1`)
      .reply(429, { errors: [{ error: 'Превышен лимит', code: 1049 }] }, { 'X-Lognex-Retry-After': '30' })
      .get(`${JSON_BASE}/entity/product/p1`)
      .reply(200, { id: 'p1', trackingType: 'TOBACCO' });
    const row = await client().getEntity(TOKEN, 'product', 'p1');
    expect(row).to.deep.equal({ id: 'p1', trackingType: 'TOBACCO' });
    expect(nock.isDone()).to.equal(true);
  });

  it('when a 429 names its pause, then X-Lognex-Retry-After (ms) wins over Retry-After (s); other failures name none', () => {
    const answer = (status: number, headers: Record<string, string>) =>
      new AxiosError('x', 'ERR_BAD_REQUEST', undefined, undefined, {
        status,
        headers,
        data: {},
        statusText: '',
        config: {} as never,
      });
    expect(retryAfterMs(answer(429, { 'x-lognex-retry-after': '1500', 'retry-after': '9' }))).to.equal(1500);
    expect(retryAfterMs(answer(429, { 'retry-after': '2' }))).to.equal(2000);
    expect(retryAfterMs(answer(429, {}))).to.equal(undefined);
    expect(retryAfterMs(answer(503, { 'retry-after': '2' }))).to.equal(undefined);
  });

  it('when 429s keep coming, then the read gives up as МойСклад being unavailable', async () => {
    jsonApi().get(`${JSON_BASE}/entity/product/p1`).times(3).reply(429, {}, { 'Retry-After': '0' });
    const error = await rejectionOf(
      client(new JsonApiLimits({ attempts: 2, maxWaitMs: 1 })).getEntity(TOKEN, 'product', 'p1'),
    );
    expect(error).to.be.instanceOf(MoyskladError).with.property('failure', 'unavailable');
    expect(nock.isDone()).to.equal(true);
  });

  it('when the caller gives a budget with a fraction of a millisecond, then the read still goes out', async () => {
    jsonApi().get(`${JSON_BASE}/entity/product/p1`).reply(200, { id: 'p1' });
    expect(await client().getEntity(TOKEN, 'product', 'p1', { budgetMs: 1499.5 })).to.deep.equal({ id: 'p1' });
  });

  it('when an entity does not exist, then the read answers undefined rather than an error', async () => {
    jsonApi()
      .get(`${JSON_BASE}/entity/variant/v1`)
      .query({ expand: 'product' })
      .reply(404, { errors: [{ code: 1021 }] });
    expect(await client().getEntity(TOKEN, 'variant', 'v1', { expand: 'product' })).to.equal(undefined);
  });

  it('when a sync id is looked up, then the product list is filtered by syncId as its page documents', async () => {
    jsonApi()
      .get(`${JSON_BASE}/entity/product`)
      .query({ filter: 'syncId=5d1c0a1e-0000-4000-8000-000000000001', limit: '1' })
      .reply(200, { rows: [{ id: 'p9' }] });
    expect(await client().findProductBySyncId(TOKEN, '5d1c0a1e-0000-4000-8000-000000000001')).to.deep.equal({
      id: 'p9',
    });
  });

  it('when many reads start at once, then no more than the allowed number run in parallel per token', async () => {
    let running = 0;
    let most = 0;
    jsonApi()
      .get(/\/entity\/product\/p\d+$/)
      .times(10)
      .reply(async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running -= 1;
        return [200, { id: 'p' }];
      });
    const moysklad = client(new JsonApiLimits({ parallel: 3 }));
    await Promise.all(Array.from({ length: 10 }, (_, i) => moysklad.getEntity(TOKEN, 'product', `p${i}`)));
    expect(most).to.equal(3);
  });
});
