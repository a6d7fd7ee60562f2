import { expect } from 'chai';
import { counterpartyMeta, createTestTenant, position, retailStore, type TestTenant } from '../../helpers/tenants.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';

/** Headers helmet sets for pages; a JSON answer to the till needs none of them. */
const PAGE_HEADERS = [
  'strict-transport-security',
  'x-frame-options',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'referrer-policy',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
];

describe('LoyaltyAPI response headers', () => {
  let t: TestApp;
  let shop: TestTenant;

  before(async () => {
    t = await startTestApp();
    shop = createTestTenant(t);
  });
  after(() => t.close());

  it('when the LoyaltyAPI answers, then it sends nosniff and a policy that loads and frames nothing, no ETag and none of the page headers', async () => {
    const answers = {
      recalc: await shop.api.post('/retaildemand/recalc', {
        retailStore,
        agent: { meta: counterpartyMeta('a0a0a0a0-0000-4000-8000-000000000001') },
        positions: [position(100)],
      }),
      search: await shop.api.get('/counterparty', { params: { search: '79001234567' } }),
      'no token': await t.http.post('/loyalty-api/retaildemand/recalc', {}),
      'unknown method': await shop.api.get('/nothing-here'),
    };
    expect(Object.values(answers).map((res) => res.status)).to.deep.equal([200, 200, 401, 404]);
    for (const [name, res] of Object.entries(answers)) {
      expect(res.headers['content-type'], name).to.match(/^application\/json/);
      expect(res.headers['x-content-type-options'], name).to.equal('nosniff');
      expect(res.headers['content-security-policy'], name).to.equal("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers.etag, name).to.equal(undefined);
      for (const header of PAGE_HEADERS) expect(res.headers[header], `${name}: ${header}`).to.equal(undefined);
      expect(res.headers['x-request-id'], name).to.be.a('string');
    }
  });

  it('when a page is served, then it keeps helmet’s headers', async () => {
    const res = await t.http.get('/admin/login', { responseType: 'text' });
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/^text\/html/);
    expect(res.headers['x-content-type-options']).to.equal('nosniff');
    expect(res.headers['content-security-policy'])
      .to.include("frame-ancestors 'none'")
      .and.include("script-src 'self'");
    for (const header of PAGE_HEADERS) {
      expect(res.headers[header], header).to.be.a('string');
    }
  });
});
