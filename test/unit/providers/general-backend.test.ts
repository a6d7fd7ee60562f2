import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import nock from 'nock';
import { BusinessRuleError, NotFoundError, UpstreamError } from '../../../app/errors.js';
import type { RecalcRequest, SaleRequest } from '../../../app/loyalty/backend.js';
import { failureKind, type FailureKind } from '../../../app/outbox/failure-kind.js';
import { GeneralApiClient } from '../../../app/providers/general/general-api-client.js';
import { GENERAL_API_MESSAGES } from '../../../app/providers/general/general-api-errors.js';
import { GeneralBackend } from '../../../app/providers/general/general-backend.js';
import { PROVIDER_DOWN_RECEIPT_TEXT } from '../../../app/providers/provider-backend.js';
import { providerCustomerRepository } from '../../../app/providers/provider-customer-repository.js';
import { PROVIDER_UNAVAILABLE_MESSAGE, type ResilienceOptions } from '../../../app/providers/resilience.js';
import type { TenantSettings } from '../../../app/tenants/tenant-settings.js';
import { rejectionOf } from '../../helpers/rejection.js';
import { STORE_ID, adapterHarness, line, logger, type AdapterHarness } from './adapter-harness.js';
import type { DiscountedPosition } from '../../../app/receipt/positions.js';

const ORIGIN = 'https://general.provider.test';
const API_KEY = 'adapter-key';
const TIMEOUT_MS = 100;
const MS_ID = '11111111-1111-4111-8111-111111111111';
const PHONE = '+7 920 123-45-67';
const PATH = {
  client: '/integration/general/client',
  recalc: '/integration/general/recalc',
  hold: '/integration/general/bonuses/hold',
  release: '/integration/general/bonuses/release',
  retail: '/integration/general/retail',
};
const CLIENT = {
  success: true,
  client: {
    id: 'c-62a',
    name: 'ИВАН',
    level: { id: 'l1', title: 'Бонусы', percent: 10, type: 'cashback', maxSpendPercent: 50 },
    phone: 79201234567,
    email: 'ivan@example.com',
    birthday: '1990-03-29',
    balance: 878,
  },
};
const RECALC = { success: true, recalc: { amount: 1000, percent: 10, type: 'cashback', spend: 500, earn: 100 } };
const HELD = { success: true, held: { id: 'h-1', until: Math.floor(Date.now() / 1000) + 900, amount: 500 } };
const RETAIL = { success: true, retail: { amount: 1000, total: 500, percent: 10, type: 'cashback', spend: 500 } };
const SETTINGS: TenantSettings = {
  general: { baseUrl: ORIGIN, defaultPoint: 'p-default' },
  storePoints: { [STORE_ID]: 'p-store' },
};

function harness(resilience: ResilienceOptions = {}, settings = SETTINGS): AdapterHarness<GeneralBackend> {
  const api = new GeneralApiClient({ baseURL: ORIGIN, apiKey: API_KEY, logger, timeoutMs: TIMEOUT_MS });
  return adapterHarness(
    'general',
    settings,
    (deps) => new GeneralBackend(deps, { till: api, delivery: api }),
    resilience,
  );
}

const provider = () => nock(ORIGIN, { reqheaders: { apikey: API_KEY } });
const recalcRequest = (extra: Partial<RecalcRequest> = {}): RecalcRequest => ({
  retailStoreId: STORE_ID,
  agent: { id: MS_ID, phone: PHONE },
  positions: [line(40000, 2), line(20000)],
  transactionType: 'SPENDING',
  ...extra,
});
function saleRequest(spend: number): SaleRequest {
  const positions: DiscountedPosition[] = [
    { ...line(100000), discountedPriceKopecks: 100000 - spend * 100, discountPercent: spend / 10 },
  ];
  return {
    saleKey: randomUUID(),
    name: 'S-1',
    retailStoreId: STORE_ID,
    agent: { id: MS_ID, phone: PHONE },
    positions,
    pointsToSpend: spend,
    pointsToEarn: 0,
    cashKopecks: 100000 - spend * 100,
    noCashKopecks: 0,
    giftCards: [],
  };
}
/** The till already found Ivan: the mapping knows his provider id and phone. */
function knowIvan(h: AdapterHarness<GeneralBackend>) {
  return providerCustomerRepository.upsert(
    h.storage.db,
    h.tenant.accountId,
    'general',
    { providerId: 'c-62a', name: 'ИВАН', phone: '79201234567' },
    MS_ID,
  );
}

type Failure = '5xx' | 'malformed' | 'timeout' | 'reset';
const FAILURES: Record<Failure, (scope: nock.Interceptor) => nock.Scope> = {
  '5xx': (i) => i.reply(500, 'Internal Server Error'),
  malformed: (i) => i.reply(200, '{"success": tru', { 'Content-Type': 'application/json' }),
  timeout: (i) => i.delay(TIMEOUT_MS * 3).reply(200, {}),
  reset: (i) => i.replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })),
};

interface CallCase {
  /** The adapter operation and the provider call in it that the case is about. */
  name: string;
  path: string;
  /** Calls answered before this one, successfully. */
  before?: (h: AdapterHarness<GeneralBackend>) => void;
  run: (h: AdapterHarness<GeneralBackend>) => Promise<unknown>;
  ok: { reply: object; expect: (result: unknown, h: AdapterHarness<GeneralBackend>) => void };
  refusal: { reply: object; expect: (outcome: unknown) => void };
  /** How a 5xx, malformed answer, time-out or reset shows. */
  failure: (error: unknown, failure: Failure) => void;
}

/** A call on the till's path: any failure that is not a refusal reads "not answering" to the cashier. */
function tillUnavailable(error: unknown) {
  expect(error).to.be.instanceOf(UpstreamError);
  expect((error as UpstreamError).definite).to.equal(false);
  expect((error as Error).message).to.equal(GENERAL_API_MESSAGES.unavailable);
}
const notFound = (outcome: unknown) => {
  expect(outcome).to.be.instanceOf(NotFoundError);
  expect((outcome as Error).message).to.equal(GENERAL_API_MESSAGES.clientNotFound);
};
const DELIVERY_KIND: Record<Failure, FailureKind> = {
  '5xx': 'unknown',
  malformed: 'unknown',
  timeout: 'timed-out',
  reset: 'unknown',
};

const CASES: CallCase[] = [
  {
    name: 'searchCustomers → client',
    path: PATH.client,
    run: (h) => h.backend.searchCustomers(h.tenant, '8 (920) 123-45-67'),
    ok: {
      reply: CLIENT,
      expect: (rows) => {
        const [row] = rows as Array<Record<string, string>>;
        expect(row).to.deep.include({
          name: 'ИВАН',
          phone: '+79201234567',
          email: 'ivan@example.com',
          birthDate: '1990-03-29 00:00:00',
        });
        expect(row!.id).to.match(/^[0-9a-f-]{36}$/);
      },
    },
    // The provider's "not found" is an empty search result for МойСклад, not an error.
    refusal: { reply: { client: 'Client not found.' }, expect: (rows) => expect(rows).to.deep.equal([]) },
    failure: tillUnavailable,
  },
  {
    name: 'balance → client',
    path: PATH.client,
    run: (h) => h.backend.balance(h.tenant, { id: MS_ID, phone: PHONE }, STORE_ID),
    ok: { reply: CLIENT, expect: (balance) => expect(balance).to.equal(878) },
    refusal: { reply: { client: 'Client not found.' }, expect: notFound },
    failure: tillUnavailable,
  },
  {
    name: 'recalc → client',
    path: PATH.client,
    run: (h) => h.backend.recalc(h.tenant, recalcRequest()),
    before: () => {
      provider().post(PATH.recalc).optionally().reply(200, RECALC);
      provider().post(PATH.hold).optionally().reply(200, HELD);
    },
    ok: {
      reply: CLIENT,
      expect: (result) =>
        expect(result).to.include({ agentBonusBalance: 878, bonusValueToSpend: 500, paidByBonusPointsKopecks: 50000 }),
    },
    refusal: { reply: { client: 'Client not found.' }, expect: notFound },
    failure: tillUnavailable,
  },
  {
    name: 'recalc → recalc',
    path: PATH.recalc,
    run: (h) => h.backend.recalc(h.tenant, recalcRequest()),
    before: () => {
      provider().post(PATH.client).reply(200, CLIENT);
      provider().post(PATH.hold).optionally().reply(200, HELD);
    },
    ok: {
      reply: RECALC,
      expect: (result) =>
        expect(result).to.include({
          bonusValueToSpend: 500,
          bonusValueToEarn: 0,
          agentBonusBalanceAfter: 378,
          receiptExtraInfo: 'Бонусы (10 %). Баллов было: 878. Списано: 500. Начислится: 0.',
        }),
    },
    refusal: {
      reply: { point: 'Point not found.' },
      expect: (error) => {
        expect(error).to.be.instanceOf(BusinessRuleError);
        expect((error as Error).message).to.equal(GENERAL_API_MESSAGES.pointNotFound);
      },
    },
    failure: tillUnavailable,
  },
  {
    name: 'recalc → bonuses/hold',
    path: PATH.hold,
    run: (h) => h.backend.recalc(h.tenant, recalcRequest()),
    before: () => {
      provider().post(PATH.client).reply(200, CLIENT);
      provider().post(PATH.recalc).reply(200, RECALC);
    },
    ok: { reply: HELD, expect: (result) => expect(result).to.include({ bonusValueToSpend: 500 }) },
    refusal: {
      reply: { spend: "Spend can't be more 120" },
      expect: (error) => {
        expect(error).to.be.instanceOf(BusinessRuleError);
        expect((error as Error).message).to.equal('Нельзя списать больше 120 баллов');
      },
    },
    failure: tillUnavailable,
  },
  {
    name: 'createCustomer → client',
    path: PATH.client,
    run: (h) => h.backend.createCustomer(h.tenant, { msId: MS_ID, name: 'Иван', phone: PHONE }),
    ok: { reply: CLIENT, expect: (created) => expect((created as { id: string }).id).to.match(/^[0-9a-f-]{36}$/) },
    refusal: {
      reply: { client: 'Client not found.' },
      expect: (error) => {
        expect(error).to.be.instanceOf(BusinessRuleError);
        expect((error as Error).message).to.include('Зарегистрируйте покупателя');
      },
    },
    failure: tillUnavailable,
  },
  {
    name: 'sale delivery → retail',
    path: PATH.retail,
    before: (h) => knowIvan(h),
    run: async (h) => {
      await h.backend.createSale(h.tenant, saleRequest(500));
      return h.backend.deliver(h.rows()[0]!);
    },
    ok: {
      reply: RETAIL,
      expect: (result) => expect(result).to.deep.include({ pointsSpent: 500, pointsEarned: 0 }),
    },
    refusal: {
      reply: { spend: "Spend can't be more 100" },
      expect: (error) => {
        expect(failureKind(error)).to.equal('refused');
        expect((error as Error).message).to.equal('Нельзя списать больше 100 баллов');
      },
    },
    failure: (error, failure) => expect(failureKind(error)).to.equal(DELIVERY_KIND[failure]),
  },
];

describe('GeneralBackend (nock)', () => {
  let h: AdapterHarness<GeneralBackend>;
  beforeEach(() => (h = harness()));
  afterEach(() => h.close());

  for (const c of CASES) {
    describe(c.name, () => {
      it('when the provider answers success, then the LoyaltyAPI answer is built from it', async () => {
        c.before?.(h);
        const scope = provider().post(c.path).reply(200, c.ok.reply);
        c.ok.expect(await c.run(h), h);
        scope.done();
      });

      it('when the provider answers 422 with its field map, then the cashier reads a Russian message', async () => {
        c.before?.(h);
        provider().post(c.path).reply(422, c.refusal.reply);
        c.refusal.expect(await c.run(h).catch((error: unknown) => error));
      });

      for (const failure of Object.keys(FAILURES) as Failure[]) {
        it(`when the provider fails with ${failure}, then it shows as the provider being unavailable, never as a crash`, async () => {
          c.before?.(h);
          FAILURES[failure](provider().post(c.path));
          c.failure(await rejectionOf(c.run(h)), failure);
        });
      }
    });
  }

  it('when retail answers 503, then the delivery is known not to have happened and may be retried', async () => {
    knowIvan(h);
    await h.backend.createSale(h.tenant, saleRequest(0));
    provider().post(PATH.retail).reply(503, 'Service Unavailable');
    expect(failureKind(await rejectionOf(h.backend.deliver(h.rows()[0]!)))).to.equal('not-applied');
  });

  it('when finding the client times out during delivery, then retail was never sent and the entry may be retried', async () => {
    await h.backend.createSale(h.tenant, saleRequest(0));
    FAILURES.timeout(provider().post(PATH.client));
    const retail = provider().post(PATH.retail).reply(200, RETAIL);
    expect(failureKind(await rejectionOf(h.backend.deliver(h.rows()[0]!)))).to.equal('not-applied');
    expect(retail.isDone()).to.equal(false);
  });

  it('when the sale spends after a recalc, then retail carries the hold, and the hold is marked used', async () => {
    provider().post(PATH.client).reply(200, CLIENT);
    provider().post(PATH.recalc).reply(200, RECALC);
    provider().post(PATH.hold, { client: 'c-62a', point: 'p-store', amount: 500, duration: 15 }).reply(200, HELD);
    await h.backend.recalc(h.tenant, recalcRequest());
    await h.backend.createSale(h.tenant, saleRequest(500));
    const retail = provider()
      .post(PATH.retail, { client: 'c-62a', point: 'p-store', amount: 1000, spend: 500, hold: ['h-1'] })
      .reply(200, RETAIL);
    await h.backend.deliver(h.rows()[0]!);
    retail.done();
    // A new recalc finds no hold of ours to list any more.
    provider()
      .post(PATH.client, (body) => body.hold === undefined)
      .reply(200, CLIENT);
    provider()
      .post(PATH.recalc, (body) => body.hold === undefined)
      .reply(200, RECALC);
    provider().post(PATH.hold).reply(200, HELD);
    await h.backend.recalc(h.tenant, recalcRequest());
    expect(nock.isDone()).to.equal(true);
  });

  describe('restricted goods', () => {
    const tobacco = { ...line(300000), rule: { discount: false, earn: false, reason: 'law' as const } };
    const prohibited = { ...line(50000), rule: { discount: false, earn: true, reason: 'prohibited' as const } };

    it('when the receipt has tobacco, then the provider is asked about the other lines only and its spend lands on them', async () => {
      knowIvan(h);
      provider().post(PATH.client).reply(200, CLIENT);
      const recalc = provider()
        .post(PATH.recalc, (body) => body.amount === 1000)
        .reply(200, { success: true, recalc: { amount: 1000, percent: 10, type: 'cashback', spend: 500, earn: 100 } });
      provider().post(PATH.hold).reply(200, HELD);
      const result = await h.backend.recalc(h.tenant, recalcRequest({ positions: [tobacco, line(100000)] }));
      recalc.done();
      expect(result.positions[0]).to.include({ discountedPriceKopecks: 300000, discountPercent: 0 });
      expect(result.positions[1]).to.include({ discountedPriceKopecks: 50000 });
      expect(result.paidByBonusPointsKopecks).to.equal(50000);
      expect(result.receiptExtraInfo!.split('\n').at(-1)).to.equal(
        'Скидка баллами не применяется к 1 поз.: табак или товары без скидок.',
      );
    });

    it('when a discount level applies, then its percentage is of the allowed lines and spread over them', async () => {
      knowIvan(h);
      provider()
        .post(PATH.client)
        .reply(200, {
          ...CLIENT,
          client: { ...CLIENT.client, level: { ...CLIENT.client.level, type: 'discount', percent: 10 } },
        });
      provider()
        .post(PATH.recalc, (body) => body.amount === 1000)
        .reply(200, { success: true, recalc: { amount: 1000, percent: 10, type: 'discount', spend: 0, earn: 0 } });
      const result = await h.backend.recalc(h.tenant, recalcRequest({ positions: [line(100000), tobacco] }));
      expect(result.positions[0]).to.include({ discountedPriceKopecks: 90000 });
      expect(result.positions[1]).to.include({ discountedPriceKopecks: 300000, discountPercent: 0 });
    });

    it("when a sale has tobacco and a line with discounts prohibited, then retail's amount counts the lines that earn", async () => {
      knowIvan(h);
      const sale = saleRequest(0);
      sale.positions = [
        { ...line(100000), discountedPriceKopecks: 100000, discountPercent: 0 },
        { ...tobacco, discountedPriceKopecks: 300000, discountPercent: 0 },
        { ...prohibited, discountedPriceKopecks: 50000, discountPercent: 0 },
      ];
      await h.backend.createSale(h.tenant, sale);
      provider().post(PATH.client).reply(200, CLIENT);
      const retail = provider()
        .post(PATH.retail, (body) => body.amount === 1500 && body.spend === 0)
        .reply(200, RETAIL);
      await h.backend.deliver(h.rows()[0]!);
      retail.done();
    });
  });

  it('when releasing a superseded hold fails, then the recalc still answers and a new hold is made', async () => {
    knowIvan(h);
    provider().post(PATH.client).times(2).reply(200, CLIENT);
    provider().post(PATH.recalc).times(2).reply(200, RECALC);
    provider().post(PATH.hold).reply(200, HELD);
    await h.backend.recalc(h.tenant, recalcRequest());
    provider().post(PATH.release, { id: 'h-1' }).reply(500, 'oops');
    provider()
      .post(PATH.hold, { client: 'c-62a', point: 'p-store', amount: 200, duration: 15 })
      .reply(200, { success: true, held: { ...HELD.held, id: 'h-2', amount: 200 } });
    const result = await h.backend.recalc(h.tenant, recalcRequest({ preferredPointsToSpend: 200 }));
    expect(result.bonusValueToSpend).to.equal(200);
    expect(nock.isDone()).to.equal(true);
  });

  it('when a call names no store, then the default point is asked; a mapped store (search included) uses its own point, and an unmapped store the default', async () => {
    const search = provider()
      .post(PATH.client, (body) => body.point === 'p-default')
      .reply(200, CLIENT);
    await h.backend.searchCustomers(h.tenant, '8 (920) 123-45-67');
    expect(search.isDone(), 'search at the default point, not at a mapped store').to.equal(true);

    const searchAtStore = provider()
      .post(PATH.client, (body) => body.point === 'p-store')
      .reply(200, CLIENT);
    await h.backend.searchCustomers(h.tenant, '8 (920) 123-45-67', STORE_ID);
    expect(searchAtStore.isDone(), "a search naming its store asks at that store's point").to.equal(true);

    const atStore = provider()
      .post(PATH.client, (body) => body.point === 'p-store')
      .reply(200, CLIENT);
    await h.backend.balance(h.tenant, { id: MS_ID, phone: PHONE }, STORE_ID);
    expect(atStore.isDone(), 'the mapped store').to.equal(true);

    const elsewhere = provider()
      .post(PATH.client, (body) => body.point === 'p-default')
      .reply(200, CLIENT);
    await h.backend.balance(h.tenant, { id: MS_ID, phone: PHONE }, '00000000-0000-4000-8000-0000000000ff');
    expect(elsewhere.isDone(), 'an unmapped store falls back to the default point').to.equal(true);
  });

  it('when a sale key comes again with other content, then the outbox keeps the first and the repeat is reported with it', async () => {
    knowIvan(h);
    const first = saleRequest(100);
    expect(await h.backend.createSale(h.tenant, first)).to.equal(undefined);
    expect(await h.backend.createSale(h.tenant, { ...first }), 'a true repeat').to.equal(undefined);
    const conflict = await h.backend.createSale(h.tenant, { ...first, pointsToSpend: 300 });
    expect(conflict?.recorded).to.deep.include({ spend: 100, amountKopecks: 100000 });
    expect(h.rows()).to.have.length(1);
    expect(h.rows()[0]!.payload).to.include({ spend: 100 });
  });

  it('when one of 2 × 1000 ₽ comes back without discounted prices, then the support note values it at the 700 ₽ the sale recorded', async () => {
    knowIvan(h);
    const goods = line(100000, 2);
    const sale = {
      ...saleRequest(600),
      positions: [{ ...goods, discountedPriceKopecks: 70000, discountPercent: 30 }],
      cashKopecks: 140000,
    };
    await h.backend.createSale(h.tenant, sale);
    provider()
      .post(PATH.retail, (body) => body.amount === 2000 && body.spend === 600)
      .reply(200, { success: true, retail: { amount: 2000, total: 1400, percent: 10, type: 'cashback', spend: 600 } });
    await h.outbox.deliverDue();
    await h.backend.createReturn(h.tenant, {
      returnKey: randomUUID(),
      saleMsId: sale.saleKey,
      agent: { id: MS_ID },
      positions: [{ ...goods, quantityMilli: 1000, discountedPriceKopecks: 100000, discountPercent: 0 }],
      cashKopecks: 70000,
      noCashKopecks: 0,
    });
    const returned = h.rows()[1]!;
    expect(returned).to.include({ status: 'needs_support' });
    expect(returned.supportReason).to.include(
      'возвращено 700,00 ₽ из 1 400,00 ₽: вернуть покупателю списанные 300 баллов, снять начисленные 0 баллов.',
    );
  });

  it('when the store has no point and there is no default point, then the cashier is told to map the store and the sale waits for support', async () => {
    h.close();
    h = harness({}, { general: { baseUrl: ORIGIN } });
    const error = await rejectionOf(h.backend.recalc(h.tenant, recalcRequest()));
    expect(error).to.be.instanceOf(BusinessRuleError);
    expect((error as Error).message).to.equal(GENERAL_API_MESSAGES.pointNotFound);

    // The sale itself is still taken, and its delivery is refused for support, not lost.
    await h.backend.createSale(h.tenant, saleRequest(0));
    const refused = await rejectionOf(h.backend.deliver(h.rows()[0]!));
    expect(failureKind(refused)).to.equal('refused');
    expect((refused as Error).message).to.equal(GENERAL_API_MESSAGES.pointNotFound);
  });

  describe('the breaker', () => {
    it('when calls keep failing, then it opens and answers at once; after the pause one trial call half-opens it and a success closes it', async () => {
      h.close();
      h = harness({ breakerFailures: 2, halfOpenAfterMs: 50 });
      const balance = () => h.backend.balance(h.tenant, { id: MS_ID, phone: PHONE }, STORE_ID);
      provider().post(PATH.client).times(2).reply(503, 'down');
      for (let i = 0; i < 2; i++) tillUnavailable(await rejectionOf(balance()));

      const untouched = provider().post(PATH.client).reply(200, CLIENT);
      const open = await rejectionOf(balance());
      expect((open as Error).message).to.equal(PROVIDER_UNAVAILABLE_MESSAGE);
      expect(untouched.isDone(), 'an open breaker does not call the provider').to.equal(false);

      await new Promise((resolve) => setTimeout(resolve, 70));
      expect(await balance()).to.equal(878);
      untouched.done();
      provider().post(PATH.client).reply(200, CLIENT);
      expect(await balance(), 'closed again').to.equal(878);
    });

    it("when deliveries keep failing in a quiet shop, then the till's calls still go out, and the other way round", async () => {
      h.close();
      h = harness({ breakerFailures: 2, halfOpenAfterMs: 60_000 });
      knowIvan(h);
      await h.backend.createSale(h.tenant, saleRequest(0));
      const sale = h.rows()[0]!;
      provider().post(PATH.retail).times(2).reply(503, 'down');
      for (let i = 0; i < 2; i++) await rejectionOf(h.backend.deliver(sale));
      const notSent = provider().post(PATH.retail).reply(200, RETAIL);
      // A delivery meeting its open breaker knows nothing was sent.
      expect(failureKind(await rejectionOf(h.backend.deliver(sale)))).to.equal('not-applied');
      expect(notSent.isDone()).to.equal(false);
      nock.cleanAll();

      const balance = () => h.backend.balance(h.tenant, { id: MS_ID, phone: PHONE }, STORE_ID);
      provider().post(PATH.client).reply(200, CLIENT);
      expect(await balance(), "the deliveries' breaker does not stop the till").to.equal(878);

      provider().post(PATH.client).times(2).reply(503, 'down');
      for (let i = 0; i < 2; i++) tillUnavailable(await rejectionOf(balance()));
      expect(((await rejectionOf(balance())) as Error).message).to.equal(PROVIDER_UNAVAILABLE_MESSAGE);
    });

    it("when the till's calls keep failing, then a delivery still goes out", async () => {
      h.close();
      h = harness({ breakerFailures: 2, halfOpenAfterMs: 60_000 });
      const balance = () => h.backend.balance(h.tenant, { id: MS_ID, phone: PHONE }, STORE_ID);
      provider().post(PATH.client).times(2).reply(503, 'down');
      for (let i = 0; i < 2; i++) tillUnavailable(await rejectionOf(balance()));
      expect(((await rejectionOf(balance())) as Error).message).to.equal(PROVIDER_UNAVAILABLE_MESSAGE);

      knowIvan(h);
      await h.backend.createSale(h.tenant, saleRequest(0));
      const retail = provider().post(PATH.retail).reply(200, RETAIL);
      expect(await h.backend.deliver(h.rows()[0]!)).to.have.property('pointsSpent', 500);
      retail.done();
    });

    it('when the half-open trial fails, then the breaker opens again', async () => {
      h.close();
      h = harness({ breakerFailures: 1, halfOpenAfterMs: 50 });
      const balance = () => h.backend.balance(h.tenant, { id: MS_ID, phone: PHONE }, STORE_ID);
      provider().post(PATH.client).reply(500, 'down');
      await rejectionOf(balance());
      await new Promise((resolve) => setTimeout(resolve, 70));
      provider().post(PATH.client).reply(500, 'still down');
      await rejectionOf(balance());
      const untouched = provider().post(PATH.client).reply(200, CLIENT);
      expect(((await rejectionOf(balance())) as Error).message).to.equal(PROVIDER_UNAVAILABLE_MESSAGE);
      expect(untouched.isDone()).to.equal(false);
    });

    it('when the tenant prefers a receipt without discount, then an open breaker gives one instead of an error', async () => {
      h.close();
      h = harness({ breakerFailures: 1, halfOpenAfterMs: 60_000 }, { ...SETTINGS, whenProviderDown: 'no-discount' });
      provider().post(PATH.client).reply(503, 'down');
      const degraded = await h.backend.recalc(h.tenant, recalcRequest());
      expect(degraded).to.include({
        bonusValueToSpend: 0,
        paidByBonusPointsKopecks: 0,
        receiptExtraInfo: PROVIDER_DOWN_RECEIPT_TEXT,
      });
      expect(degraded.positions.every((p) => p.discountedPriceKopecks === p.priceKopecks)).to.equal(true);
      expect((await h.backend.recalc(h.tenant, recalcRequest())).notice).to.match(/^provider down/);
    });
  });
});
