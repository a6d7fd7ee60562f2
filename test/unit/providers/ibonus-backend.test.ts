import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import nock from 'nock';
import { BusinessRuleError, NotFoundError } from '../../../app/errors.js';
import type { RecalcRequest, ReturnRequest, SaleRequest } from '../../../app/loyalty/backend.js';
import { failureKind, type FailureKind } from '../../../app/outbox/failure-kind.js';
import { IBONUS_EARN_TEXT, IBONUS_SEARCH_HINT, IBonusBackend } from '../../../app/providers/ibonus/ibonus-backend.js';
import { IBonusClient } from '../../../app/providers/ibonus/ibonus-client.js';
import { IBonusError } from '../../../app/providers/ibonus/ibonus-errors.js';
import { providerCustomerRepository } from '../../../app/providers/provider-customer-repository.js';
import { PROVIDER_UNAVAILABLE_MESSAGE, type ResilienceOptions } from '../../../app/providers/resilience.js';
import type { TenantSettings } from '../../../app/tenants/tenant-settings.js';
import { rejectionOf } from '../../helpers/rejection.js';
import { STORE_ID, adapterHarness, line, logger, type AdapterHarness } from './adapter-harness.js';
import type { DiscountedPosition } from '../../../app/receipt/positions.js';

const ORIGIN = 'https://lk.i-bonus.test';
const CREDENTIALS = { login: 'shop', password: 'secret' };
const BASIC = `Basic ${Buffer.from('shop:secret').toString('base64')}`;
const TIMEOUT_MS = 100;
const MS_ID = '22222222-2222-4222-8222-222222222222';
const API = '/ext/api/v1';
const CLIENT_ID = 1234567;
const LISTED = [{ id: CLIENT_ID, email: 'maria@example.ru', phone: '79123456789', name: 'Мария', token: 'abc' }];
const BALANCE = [
  { amount: 300.5, currency: 'points' },
  { amount: 12, currency: 'rubles' },
];
const COUPONS = [{ id: 7, header: 'Кофе в подарок', expireDate: Date.UTC(2027, 0, 31, 12) }];
const SETTINGS: TenantSettings = { ibonus: { baseUrl: ORIGIN, maxPaidRatePercents: 50, spendRatePointsToRouble: 1 } };

function harness(resilience: ResilienceOptions = {}): AdapterHarness<IBonusBackend> {
  const api = new IBonusClient({ baseURL: ORIGIN, ...CREDENTIALS, logger, timeoutMs: TIMEOUT_MS });
  return adapterHarness(
    'ibonus',
    SETTINGS,
    (deps) => new IBonusBackend(deps, { till: api, delivery: api }, SETTINGS.ibonus!),
    resilience,
  );
}

const provider = () => nock(ORIGIN, { reqheaders: { authorization: BASIC } });
const errorBody = (status: number, error: string, message: string) => ({
  error,
  message,
  path: '/x',
  status,
  timestamp: 1,
});
const recalcRequest = (extra: Partial<RecalcRequest> = {}): RecalcRequest => ({
  retailStoreId: STORE_ID,
  agent: { id: MS_ID },
  positions: [line(40000, 2), line(20000)],
  transactionType: 'SPENDING',
  ...extra,
});
function positions(spend: number): DiscountedPosition[] {
  return [{ ...line(100000), discountedPriceKopecks: 100000 - spend * 100, discountPercent: spend / 10 }];
}
function saleRequest(spend: number, saleKey: string = randomUUID()): SaleRequest {
  return {
    saleKey,
    name: 'S-1',
    retailStoreId: STORE_ID,
    agent: { id: MS_ID },
    positions: positions(spend),
    pointsToSpend: spend,
    pointsToEarn: 0,
    cashKopecks: 100000 - spend * 100,
    noCashKopecks: 0,
    giftCards: [],
  };
}
function returnRequest(saleKey: string): ReturnRequest {
  return {
    returnKey: randomUUID(),
    name: 'R-1',
    retailStoreId: STORE_ID,
    saleMsId: saleKey,
    agent: { id: MS_ID },
    positions: positions(100),
    cashKopecks: 90000,
    noCashKopecks: 0,
  };
}
/** The till already found Maria: the mapping knows her i-bonus id and contacts. */
function knowMaria(h: AdapterHarness<IBonusBackend>) {
  providerCustomerRepository.upsert(
    h.storage.db,
    h.tenant.accountId,
    'ibonus',
    { providerId: String(CLIENT_ID), name: 'Мария', phone: '79123456789', email: 'maria@example.ru' },
    MS_ID,
  );
}

type Failure = '5xx' | 'malformed' | 'timeout' | 'reset';
const FAILURES: Record<Failure, (i: nock.Interceptor) => nock.Scope> = {
  '5xx': (i) => i.reply(500, errorBody(500, 'Internal Server Error', 'boom')),
  malformed: (i) => i.reply(200, '[{"id": 1,', { 'Content-Type': 'application/json' }),
  timeout: (i) => i.delay(TIMEOUT_MS * 3).reply(200, []),
  reset: (i) => i.replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })),
};

interface CallCase {
  name: string;
  /** The provider call the case is about. */
  call: (scope: nock.Scope) => nock.Interceptor;
  before?: (h: AdapterHarness<IBonusBackend>) => void;
  run: (h: AdapterHarness<IBonusBackend>) => Promise<unknown>;
  ok: { reply: nock.ReplyBody; expect: (result: unknown) => void };
  refusal: { status: number; expect: (outcome: unknown) => void };
  failure: (outcome: unknown, failure: Failure) => void;
}

function tillUnavailable(outcome: unknown) {
  expect(outcome).to.be.instanceOf(IBonusError);
  expect((outcome as IBonusError).definite).to.equal(false);
  expect((outcome as Error).message).to.match(/^i-bonus не отвечает/);
}
const refusedInRussian = (outcome: unknown) => {
  expect(outcome).to.be.instanceOf(IBonusError);
  expect((outcome as IBonusError).definite).to.equal(true);
  expect((outcome as Error).message)
    .to.match(/^i-bonus отклонил запрос/)
    .and.not.match(/Bad|boom/);
};
/** What an order's failure means for the outbox; its 200 body is never read, so "malformed" is a success. */
const ORDER_KIND: Record<Failure, FailureKind | 'delivered'> = {
  '5xx': 'unknown',
  malformed: 'delivered',
  timeout: 'timed-out',
  reset: 'unknown',
};
const orderFailure = (outcome: unknown, failure: Failure) => {
  if (ORDER_KIND[failure] === 'delivered') expect(outcome).to.deep.include({ pointsSpent: 0 });
  else expect(failureKind(outcome)).to.equal(ORDER_KIND[failure]);
};
const deliver = async (h: AdapterHarness<IBonusBackend>) => h.backend.deliver(h.rows().at(-1)!);

const clientsCall = (s: nock.Scope) => s.get(`${API}/clients/`).query(true);
const balanceCall = (s: nock.Scope) => s.get(`${API}/clients/${CLIENT_ID}/balance/`);
const couponsCall = (s: nock.Scope) => s.get(`${API}/clients/${CLIENT_ID}/coupons/`);
const ordersCall = (s: nock.Scope) => s.post(`${API}/fiscal/orders/`);

const CASES: CallCase[] = [
  {
    name: 'searchCustomers → clients',
    call: (s) => s.get(`${API}/clients/`).query({ phone: '%9123456789', limit: '20' }),
    run: (h) => h.backend.searchCustomers(h.tenant, '+7 912 345-67-89'),
    ok: {
      reply: LISTED,
      expect: (rows) => {
        expect(rows).to.have.length(1);
        expect((rows as Array<Record<string, string>>)[0]).to.deep.include({
          name: 'Мария',
          phone: '+79123456789',
          email: 'maria@example.ru',
        });
      },
    },
    refusal: { status: 400, expect: refusedInRussian },
    failure: tillUnavailable,
  },
  {
    name: 'balance → clients (customer not yet mapped)',
    call: clientsCall,
    run: (h) => h.backend.balance(h.tenant, { id: MS_ID, phone: '8 912 345 67 89' }),
    before: () => void balanceCall(provider()).optionally().reply(200, BALANCE),
    ok: { reply: LISTED, expect: (balance) => expect(balance).to.equal(300) },
    refusal: { status: 400, expect: refusedInRussian },
    failure: tillUnavailable,
  },
  {
    name: 'balance → balance',
    call: balanceCall,
    before: knowMaria,
    run: (h) => h.backend.balance(h.tenant, { id: MS_ID }),
    ok: { reply: BALANCE, expect: (balance) => expect(balance).to.equal(300) },
    refusal: {
      status: 404,
      expect: (outcome) => {
        expect(outcome).to.be.instanceOf(NotFoundError);
        expect((outcome as Error).message).to.equal('Клиент не найден в i-bonus');
      },
    },
    failure: tillUnavailable,
  },
  {
    name: 'recalc → balance',
    call: balanceCall,
    before: (h) => {
      knowMaria(h);
      couponsCall(provider()).optionally().reply(200, []);
    },
    run: (h) => h.backend.recalc(h.tenant, recalcRequest()),
    ok: {
      reply: BALANCE,
      expect: (result) =>
        expect(result).to.include({
          agentBonusBalance: 300,
          bonusValueToSpend: 300,
          bonusValueToEarn: 0,
          paidByBonusPointsKopecks: 30000,
          agentBonusBalanceAfter: 0,
        }),
    },
    refusal: { status: 404, expect: (outcome) => expect(outcome).to.be.instanceOf(NotFoundError) },
    failure: tillUnavailable,
  },
  {
    // Coupons only decorate the receipt: their failure never stops the sale.
    name: 'recalc → coupons',
    call: couponsCall,
    before: (h) => {
      knowMaria(h);
      balanceCall(provider()).reply(200, BALANCE);
    },
    run: (h) => h.backend.recalc(h.tenant, recalcRequest({ transactionType: 'EARNING' })),
    ok: {
      reply: COUPONS,
      expect: (result) =>
        expect((result as { receiptExtraInfo: string }).receiptExtraInfo).to.equal(
          `Баланс i-bonus: 300 баллов. Списано: 0.\n${IBONUS_EARN_TEXT}\nКупоны: Кофе в подарок до 31.01.2027.`,
        ),
    },
    refusal: {
      status: 404,
      expect: (result) =>
        expect(result).to.include({
          agentBonusBalance: 300,
          receiptExtraInfo: `Баланс i-bonus: 300 баллов. Списано: 0.\n${IBONUS_EARN_TEXT}`,
        }),
    },
    failure: (result) => expect(result).to.include({ agentBonusBalance: 300, bonusValueToSpend: 0 }),
  },
  {
    name: 'createCustomer → clients',
    call: clientsCall,
    run: (h) => h.backend.createCustomer(h.tenant, { msId: MS_ID, name: 'Мария', email: 'maria@example.ru' }),
    ok: { reply: LISTED, expect: (created) => expect((created as { id: string }).id).to.match(/^[0-9a-f-]{36}$/) },
    refusal: { status: 400, expect: refusedInRussian },
    failure: tillUnavailable,
  },
  {
    name: 'sale delivery → fiscal/orders (sale)',
    call: (s) =>
      s.post(
        `${API}/fiscal/orders/`,
        (body) =>
          body.order.receiptType === 'sale' && body.order.customerPhone === '79123456789' && body.amount === 100,
      ),
    before: knowMaria,
    run: async (h) => {
      await h.backend.createSale(h.tenant, saleRequest(100));
      return deliver(h);
    },
    ok: { reply: '', expect: (result) => expect(result).to.deep.include({ pointsSpent: 100 }) },
    refusal: { status: 422, expect: (outcome) => expect(failureKind(outcome)).to.equal('refused') },
    failure: (outcome, failure) =>
      failure === 'malformed' ? expect(outcome).to.deep.include({ pointsSpent: 100 }) : orderFailure(outcome, failure),
  },
  {
    name: 'return delivery → fiscal/orders (refund)',
    call: (s) =>
      s.post(`${API}/fiscal/orders/`, (body) => body.order.receiptType === 'refund' && body.amount === undefined),
    before: knowMaria,
    run: async (h) => {
      await h.backend.createReturn(h.tenant, returnRequest('sale-key-1'));
      return deliver(h);
    },
    ok: {
      reply: '',
      expect: (result) =>
        expect(result).to.deep.include({ answer: { accepted: true, externalId: 'sale-key-1', receiptType: 'refund' } }),
    },
    refusal: { status: 404, expect: (outcome) => expect(failureKind(outcome)).to.equal('refused') },
    failure: orderFailure,
  },
];

describe('IBonusBackend (nock)', () => {
  let h: AdapterHarness<IBonusBackend>;
  beforeEach(() => (h = harness()));
  afterEach(() => h.close());

  for (const c of CASES) {
    describe(c.name, () => {
      it('when i-bonus answers success, then the LoyaltyAPI answer is built from it', async () => {
        c.before?.(h);
        const scope = c.call(provider()).reply(200, c.ok.reply);
        c.ok.expect(await c.run(h));
        scope.done();
      });

      it('when i-bonus refuses with its error body, then the outcome is typed and Russian', async () => {
        c.before?.(h);
        c.call(provider()).reply(c.refusal.status, errorBody(c.refusal.status, 'Bad', 'boom'));
        c.refusal.expect(await c.run(h).catch((error: unknown) => error));
      });

      for (const failure of Object.keys(FAILURES) as Failure[]) {
        it(`when i-bonus fails with ${failure}, then it shows as i-bonus being unavailable, never as a crash`, async () => {
          c.before?.(h);
          FAILURES[failure](c.call(provider()));
          c.failure(await c.run(h).catch((error: unknown) => error), failure);
        });
      }
    });
  }

  it('when the receipt has tobacco, then at most the share of the other lines is spent and tobacco keeps its price', async () => {
    knowMaria(h);
    balanceCall(provider()).reply(200, BALANCE);
    couponsCall(provider()).reply(200, []);
    const tobacco = { ...line(500000), rule: { discount: false, earn: false, reason: 'law' as const } };
    const result = await h.backend.recalc(h.tenant, recalcRequest({ positions: [tobacco, line(20000)] }));
    expect(result.bonusValueToSpend).to.equal(100); // 50 % of 200 ₽, not of 5 200 ₽
    expect(result.positions[0]).to.include({ discountedPriceKopecks: 500000, discountPercent: 0 });
    expect(result.positions[1]).to.include({ discountedPriceKopecks: 10000 });
  });

  it('when a sale spends points for a customer i-bonus does not know, then the delivery is refused for support', async () => {
    await h.backend.createSale(h.tenant, { ...saleRequest(100), agent: { id: MS_ID, phone: '+7 900 000-00-00' } });
    clientsCall(provider()).reply(200, []);
    expect(failureKind(await rejectionOf(deliver(h)))).to.equal('refused');
  });

  it("when a sale only earns for a customer i-bonus does not know, then it is sent with the till's phone and i-bonus decides", async () => {
    await h.backend.createSale(h.tenant, { ...saleRequest(0), agent: { id: MS_ID, phone: '+7 900 000-00-00' } });
    clientsCall(provider()).reply(200, []);
    const order = ordersCall(provider()).reply(200, '');
    await deliver(h);
    order.done();
  });

  it("when one of 2 units comes back at another price and without discount, then the refund carries the sale's own item for 1 unit", async () => {
    const goods = line(100000, 2, 'goods-a');
    await h.backend.createSale(h.tenant, {
      ...saleRequest(600, 'sale-2x'),
      positions: [{ ...goods, discountedPriceKopecks: 70000, discountPercent: 30 }],
    });
    const sold = (h.rows()[0]!.payload as { order: { items: unknown[] } }).order.items;
    expect(sold).to.deep.equal([{ Id: 'goods-a', price: 1000, quantity: 2, unit: 'piece', name: 'Позиция 1' }]);
    const back = { ...line(120000, 1, 'goods-a'), discountedPriceKopecks: 120000, discountPercent: 0 };
    await h.backend.createReturn(h.tenant, { ...returnRequest('sale-2x'), positions: [back, back] });
    expect((h.rows()[1]!.payload as { order: { items: unknown[] } }).order.items, 'capped at the 2 sold').to.deep.equal(
      [{ Id: 'goods-a', price: 1000, quantity: 2, unit: 'piece', name: 'Позиция 1' }],
    );
    await h.backend.createReturn(h.tenant, { ...returnRequest('sale-2x'), positions: [back] });
    expect(h.rows()[2], 'nothing left to return').to.include({ status: 'needs_support' });
    expect(h.rows()[2]!.supportReason).to.include('нет товаров этого возврата');
  });

  it('when a return names no sale, then it is recorded for support at once', async () => {
    await h.backend.createReturn(h.tenant, { ...returnRequest('x'), saleMsId: undefined });
    expect(h.rows()[0]).to.include({ status: 'needs_support' });
    expect(h.rows()[0]!.supportReason).to.include('без ссылки на продажу');
  });

  it('when the cashier types a name, then search explains what i-bonus can search by', async () => {
    const error = await rejectionOf(h.backend.searchCustomers(h.tenant, 'Мария'));
    expect(error).to.be.instanceOf(BusinessRuleError);
    expect((error as Error).message).to.equal(IBONUS_SEARCH_HINT);
  });

  describe('the breaker', () => {
    it('when calls keep failing, then it opens and answers at once; after the pause a trial call half-opens it and a success closes it', async () => {
      h.close();
      h = harness({ breakerFailures: 2, halfOpenAfterMs: 50 });
      knowMaria(h);
      const balance = () => h.backend.balance(h.tenant, { id: MS_ID });
      balanceCall(provider())
        .times(2)
        .reply(503, errorBody(503, 'Service Unavailable', 'down'));
      for (let i = 0; i < 2; i++) tillUnavailable(await rejectionOf(balance()));

      const untouched = balanceCall(provider()).reply(200, BALANCE);
      expect(((await rejectionOf(balance())) as Error).message).to.equal(PROVIDER_UNAVAILABLE_MESSAGE);
      expect(untouched.isDone()).to.equal(false);
      // The outbox's deliveries have their own breaker: a sale still goes out.
      await h.backend.createSale(h.tenant, saleRequest(0));
      const order = ordersCall(provider()).reply(200, '');
      await deliver(h);
      order.done();

      await new Promise((resolve) => setTimeout(resolve, 70));
      expect(await balance()).to.equal(300);
      untouched.done();
      balanceCall(provider()).reply(200, BALANCE);
      expect(await balance(), 'closed again').to.equal(300);
    });

    it('when the half-open trial fails, then the breaker opens again', async () => {
      h.close();
      h = harness({ breakerFailures: 1, halfOpenAfterMs: 50 });
      knowMaria(h);
      const balance = () => h.backend.balance(h.tenant, { id: MS_ID });
      balanceCall(provider()).reply(500, 'down');
      await rejectionOf(balance());
      await new Promise((resolve) => setTimeout(resolve, 70));
      balanceCall(provider()).reply(500, 'still down');
      await rejectionOf(balance());
      const untouched = balanceCall(provider()).reply(200, BALANCE);
      expect(((await rejectionOf(balance())) as Error).message).to.equal(PROVIDER_UNAVAILABLE_MESSAGE);
      expect(untouched.isDone()).to.equal(false);
    });
  });
});
