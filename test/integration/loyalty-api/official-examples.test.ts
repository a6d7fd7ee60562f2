import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import nock from 'nock';
import { GiftCards } from '../../../app/ledger/gift-cards.js';
import type { LedgerRules } from '../../../app/ledger/rules.js';
import { REFERENCE_DIR, extractExamples, type OfficialExample } from '../../helpers/official-examples.js';
import { createTestTenant, type TestTenant } from '../../helpers/tenants.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';

const SMS_GATEWAY = 'https://sms.shop.test';
const FIXTURE = JSON.parse(
  readFileSync(join(process.cwd(), 'test', 'fixtures', 'loyalty-api-official-examples.json'), 'utf8'),
) as { examples: OfficialExample[] };
const requests = FIXTURE.examples.filter((e) => e.method !== undefined);
const label = (e: OfficialExample) => `${e.method} ${e.path} («${e.section}», ${e.page})`;

/**
 * The gift-card page's attribute list says the balances are numbers (kopecks) while its example shows
 * "1000" in quotes; we answer numbers, as the attribute list says.
 */
const NUMBERS_SHOWN_AS_STRINGS = new Set(['currentBalance', 'initialBalance']);

function jsonType(value: unknown, key: string, documented: boolean): string {
  if (documented && NUMBERS_SHOWN_AS_STRINGS.has(key) && typeof value === 'string' && /^\d+$/.test(value))
    return 'number';
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/** Every field the page shows is in our answer, with the same JSON type, recursively; extra fields are allowed. */
function expectShape(actual: unknown, documented: unknown, path: string, key = ''): void {
  expect(jsonType(actual, key, false), path).to.equal(jsonType(documented, key, true));
  if (Array.isArray(documented)) {
    const items = actual as unknown[];
    if (documented.length > 0 && items.length > 0) expectShape(items[0], documented[0], `${path}[0]`);
    return;
  }
  if (documented && typeof documented === 'object') {
    for (const [name, inner] of Object.entries(documented)) {
      expect(actual, path).to.have.property(name);
      expectShape((actual as Record<string, unknown>)[name], inner, `${path}.${name}`, name);
    }
  }
}

describe('LoyaltyAPI: the official pages’ examples on the built-in ledger', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  /** A shop whose SMS gateway and gift cards let every example do what it shows. */
  const shop = (rules: Partial<LedgerRules> = {}): TestTenant => {
    const tenant = createTestTenant(t, rules, { smsWebhookUrl: `${SMS_GATEWAY}/send` });
    const giftCards = new GiftCards();
    const expiresAt = new Date('2030-01-01T00:00:00Z');
    giftCards.issue(t.storage.db, tenant.accountId, { number: '123456', initialKopecks: 5_000, expiresAt });
    giftCards.issue(t.storage.db, tenant.accountId, { number: '1234567', initialKopecks: 5_000, expiresAt });
    return tenant;
  };

  it('when every example request is sent in the pages’ order, then each gets its documented status and answer shape', async () => {
    expect(requests.map((e) => `${e.method} ${e.path!.split('?')[0]}`)).to.deep.equal([
      'POST /counterparty',
      'GET /counterparty',
      'POST /counterparty/detail',
      'POST /counterparty/verify',
      'POST /retaildemand/recalc',
      'POST /retaildemand/verify',
      'POST /retaildemand',
      'POST /retailsalesreturn',
      'GET /giftcard',
    ]);
    const tenant = shop();
    const sms = nock(SMS_GATEWAY).post('/send').times(2).reply(200, {});
    for (const example of requests) {
      const res = await tenant.api.request({ method: example.method, url: example.path, data: example.request });
      expect(res.status, `${label(example)}: ${JSON.stringify(res.data)}`).to.equal(example.status);
      if (example.response !== undefined) expectShape(res.data, example.response, label(example));
    }
    sms.done();
  });

  it('when registration needs a code and the page’s creation example comes UNCHECKED, then the answer is the page’s 412 word for word', async () => {
    const [creation] = requests;
    const documented = FIXTURE.examples.find((e) => e.status === 412)!;
    const tenant = shop({ confirmRegistrationByCode: true });
    const res = await tenant.api.post(creation!.path!, {
      ...(creation!.request as Record<string, unknown>),
      statusCheck: 'UNCHECKED',
    });
    expect(res.status).to.equal(412);
    expect(res.data).to.deep.equal(documented.response);
  });

  it('when the reference pages are at hand, then the fixture is exactly what they show', function () {
    if (!existsSync(REFERENCE_DIR)) this.skip();
    expect(FIXTURE.examples).to.deep.equal(JSON.parse(JSON.stringify(extractExamples())));
  });
});
