import { expect } from 'chai';
import { counterpartyMeta, createTestTenant, position, retailStore, type TestTenant } from '../../helpers/tenants.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';

/** Each endpoint gets at least ten broken inputs; every one must be a 4xx in the spec's error format. */
const notJson = Symbol('not json');
const sale = {
  retailStore,
  name: '00012',
  moment: '2026-11-23 10:00:00',
  meta: { href: '', id: '' },
  positions: [position(100)],
  cashSum: 100,
  noCashSum: 0,
};
const recalc = {
  retailStore,
  agent: { meta: counterpartyMeta() },
  positions: [position(100)],
  bonusProgram: { transactionType: 'EARNING' },
};

const broken: Record<string, { method: 'get' | 'post'; path: string; cases: unknown[] }> = {
  'create customer': {
    method: 'post',
    path: '/counterparty',
    cases: [
      notJson,
      [],
      'text',
      42,
      {},
      { meta: 'x' },
      { meta: { id: 5 } },
      { meta: counterpartyMeta(), phone: 12345 },
      { meta: counterpartyMeta(), sex: 'OTHER' },
      { meta: counterpartyMeta(), statusCheck: 'MAYBE' },
      { meta: counterpartyMeta(), name: 'x'.repeat(300) },
      { meta: counterpartyMeta(), retailStore: { name: 'no meta' } },
      { meta: counterpartyMeta(), birthDate: '1990-02-30 00:00:00' },
      { meta: counterpartyMeta(), birthDate: '01.08.1992' },
    ],
  },
  balance: {
    method: 'post',
    path: '/counterparty/detail',
    cases: [
      notJson,
      [],
      'text',
      null,
      {},
      { meta: null },
      { meta: [] },
      { meta: { id: {} } },
      { meta: counterpartyMeta(), email: ['a'] },
      { meta: counterpartyMeta(), retailStore: 'x' },
      { meta: counterpartyMeta(), birthDate: 19900101 },
    ],
  },
  'registration code': {
    method: 'post',
    path: '/counterparty/verify',
    cases: [
      notJson,
      [],
      'text',
      { phone: 79123456789 },
      { phone: ['+7'] },
      { meta: 'x' },
      { meta: { href: 1 } },
      { name: { first: 'a' } },
      { sex: 'X' },
      { email: 5 },
      { discountCardNumber: false },
    ],
  },
  recalc: {
    method: 'post',
    path: '/retaildemand/recalc',
    cases: [
      notJson,
      [],
      {},
      { ...recalc, agent: undefined },
      { ...recalc, positions: [] },
      { ...recalc, positions: 'x' },
      { ...recalc, positions: [{ quantity: 1, price: 1 }] },
      { ...recalc, positions: [position(-1)] },
      { ...recalc, positions: [position(10, 0)] },
      { ...recalc, positions: [position(10, -2)] },
      { ...recalc, positions: [position(Number.NaN)] },
      { ...recalc, bonusProgram: { transactionType: 'STEALING' } },
      { ...recalc, preferredBonusToSpend: -5 },
      { ...recalc, preferredBonusToSpend: 1.5 },
      { ...recalc, positions: [{ ...position(10), price: '10 руб' }] },
      { ...recalc, agent: { meta: counterpartyMeta(), birthDate: 'вчера' } },
    ],
  },
  'spending code': {
    method: 'post',
    path: '/retaildemand/verify',
    cases: [
      notJson,
      [],
      {},
      { phone: '+79123456789' },
      { counterpartyId: 5 },
      { counterpartyId: null },
      { counterpartyId: ['a'] },
      { counterpartyId: 'a', phone: 7 },
      { counterpartyId: 'a', retailStore: 5 },
      { counterpartyId: 'x'.repeat(300) },
    ],
  },
  sale: {
    method: 'post',
    path: '/retaildemand',
    cases: [
      notJson,
      [],
      {},
      { ...sale, meta: undefined },
      { ...sale, positions: undefined },
      { ...sale, positions: [{}] },
      { ...sale, cashSum: -1 },
      { ...sale, noCashSum: 'много' },
      { ...sale, bonusProgram: { bonusValueToSpend: -10 } },
      { ...sale, bonusProgram: { bonusValueToEarn: 'x' } },
      { ...sale, giftCards: [{ name: 'G1' }] },
      { ...sale, giftCards: [{ name: 'G1', paymentSum: 0 }] },
      { ...sale, giftCards: 'card' },
      { ...sale, agent: 'anonymous' },
    ],
  },
  return: {
    method: 'post',
    path: '/retailsalesreturn',
    cases: [
      notJson,
      [],
      {},
      { ...sale, meta: undefined },
      { ...sale, positions: undefined },
      { ...sale, positions: [{ price: 1 }] },
      { ...sale, cashSum: -1 },
      { ...sale, demand: 'x' },
      { ...sale, demand: { meta: 'x' } },
      { ...sale, agent: 5 },
      { ...sale, positions: [position(1, 0)] },
    ],
  },
};

const brokenQueries: Record<string, { path: string; cases: string[] }> = {
  search: {
    path: '/counterparty',
    cases: [
      '',
      '?search=',
      '?search=%20%20',
      `?search=${'9'.repeat(300)}`,
      '?search[]=a',
      '?search[a]=b',
      '?q=ivan',
      '?search=a&search=b',
      '?searchh=1',
      '?SEARCH=1',
    ],
  },
  'gift card': {
    path: '/giftcard',
    cases: [
      '',
      '?name=',
      '?name=%20',
      `?name=${'1'.repeat(300)}`,
      '?name[]=1',
      '?name[x]=1',
      '?retailStoreId=abc',
      '?name=1&name=2',
      '?card=1',
      '?NAME=1',
    ],
  },
};

function expectSpecError(res: { status: number; data: unknown }, label: string): void {
  expect(res.status, label).to.be.within(400, 499);
  const errors = (res.data as { errors?: Array<Record<string, unknown>> }).errors;
  expect(errors, label).to.be.an('array').with.length.greaterThan(0);
  const [first] = errors!;
  expect(first!.error, label).to.be.a('string').and.not.empty;
  expect(first!.code, label).to.be.a('number');
  expect(first!.error_message, label)
    .to.be.a('string')
    .and.match(/[А-Яа-яЁё]/);
}

describe('LoyaltyAPI refuses bad input in the spec format', () => {
  let t: TestApp;
  let tenant: TestTenant;
  before(async () => {
    t = await startTestApp();
    tenant = createTestTenant(t);
  });
  after(() => t.close());

  for (const [endpoint, { method, path, cases }] of Object.entries(broken)) {
    it(`when ${endpoint} gets ${cases.length} malformed bodies, then each is a 4xx with errors[] and a Russian message`, async () => {
      expect(cases.length).to.be.at.least(10);
      for (const body of cases) {
        const raw = body === notJson ? '{"positions": [' : JSON.stringify(body);
        const res = await tenant.api.request({
          method,
          url: path,
          data: raw,
          headers: { 'Content-Type': 'application/json' },
        });
        expectSpecError(res, `${endpoint}: ${raw.slice(0, 120)}`);
      }
    });
  }

  for (const [endpoint, { path, cases }] of Object.entries(brokenQueries)) {
    it(`when ${endpoint} gets ${cases.length} malformed queries, then each is a 4xx with errors[]`, async () => {
      for (const query of cases) expectSpecError(await tenant.api.get(path + query), `${endpoint}: ${query}`);
    });
  }

  it('when the token is missing or unknown, then 401 in the spec format', async () => {
    const anonymous = await t.http.post('/loyalty-api/retaildemand/recalc', recalc);
    expectSpecError(anonymous, 'no token');
    expect(anonymous.status).to.equal(401);
    const unknown = await t.http.post('/loyalty-api/retaildemand/recalc', recalc, {
      headers: { 'Lognex-Discount-API-Auth-Token': 'nope' },
    });
    expect(unknown.status).to.equal(401);
  });

  it('when a POST has no body or is not sent as JSON, then it is a 400 in the spec format, never a 500', async () => {
    for (const path of Object.values(broken).map((endpoint) => endpoint.path)) {
      const empty = await tenant.api.post(path);
      expectSpecError(empty, `${path} without body`);
      const text = await tenant.api.post(path, 'x', { headers: { 'Content-Type': 'text/plain' } });
      expectSpecError(text, `${path} as text`);
    }
  });

  it('when the path is not a LoyaltyAPI method, then 404 in the spec format', async () => {
    const res = await tenant.api.post('/retaildemand/explode', {});
    expectSpecError(res, 'unknown path');
    expect(res.status).to.equal(404);
  });

  it('when a body is larger than the limit, then 413 in the spec format', async () => {
    const res = await tenant.api.post('/retaildemand/recalc', { ...recalc, padding: 'x'.repeat(3 * 1024 * 1024) });
    expectSpecError(res, 'too large');
    expect(res.status).to.equal(413);
  });
});
