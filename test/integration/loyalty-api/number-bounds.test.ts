import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import { customerRepository } from '../../../app/ledger/customer-repository.js';
import { ledgerEntriesRepository } from '../../../app/ledger/ledger-entry-repository.js';
import { MAX_POINTS } from '../../../app/receipt/bounds.js';
import { counterpartyMeta, createTestTenant, position, retailStore, type TestTenant } from '../../helpers/tenants.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';

/** Issue 11 §3: numbers past what exact integer arithmetic can hold are refused at the edge, never a 500. */

type Res = { status: number; data: unknown };

function expectSpecError(res: Res, label: string): string {
  expect(res.status, `${label}: ${JSON.stringify(res.data)}`).to.be.within(400, 499);
  const [first] = (res.data as { errors: Array<Record<string, unknown>> }).errors;
  expect(first!.code, label).to.be.a('number');
  expect(first!.error_message, label)
    .to.be.a('string')
    .and.match(/[А-Яа-яЁё]/);
  return first!.error_message as string;
}

/** Registers a customer and gives them `points` straight in the ledger (a balance many sales would build). */
async function customerWith(t: TestApp, shop: TestTenant, points: number): Promise<string> {
  const msId = randomUUID();
  const created = await shop.api.post('/counterparty', {
    retailStore,
    meta: counterpartyMeta(msId),
    name: 'Покупатель',
  });
  expect(created.status, JSON.stringify(created.data)).to.equal(201);
  const row = customerRepository.resolve(t.storage.db, shop.accountId, { id: msId })!;
  if (points > 0) {
    ledgerEntriesRepository.append(
      t.storage.db,
      { tenantId: shop.accountId, customerId: row.id, points, kind: 'adjustment' },
      new Date(),
    );
  }
  return msId;
}

const balanceOf = async (shop: TestTenant, msId: string) =>
  (await shop.api.post('/counterparty/detail', { retailStore, meta: counterpartyMeta(msId) })).data.bonusProgram
    .agentBonusBalance as number;

const sale = (msId: string, positions: unknown[], extra: Record<string, unknown> = {}) => ({
  retailStore,
  name: 'N1',
  moment: '2026-11-23 10:00:00',
  meta: counterpartyMeta(),
  agent: { meta: counterpartyMeta(msId) },
  positions,
  cashSum: 0,
  noCashSum: 0,
  ...extra,
});

function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(numbersIn);
  return [];
}

describe('LoyaltyAPI numbers stay within exact integer arithmetic', () => {
  let t: TestApp;
  let shop: TestTenant;
  before(async () => {
    t = await startTestApp();
    shop = createTestTenant(t, { earnRateRoublesToPoint: 1, maxPaidRatePercents: 100 });
  });
  after(() => t.close());

  it('when a line is quantity 1e6 × price 1e9, then recalc, sale and return answer 400 in the spec format and nothing is stored', async () => {
    const msId = await customerWith(t, shop, 0);
    const huge = [position(1e9, 1e6)];
    const agent = { meta: counterpartyMeta(msId) };
    expectSpecError(await shop.api.post('/retaildemand/recalc', { retailStore, agent, positions: huge }), 'recalc');
    expectSpecError(await shop.api.post('/retaildemand', sale(msId, huge, { cashSum: 1e9 })), 'sale');
    expectSpecError(await shop.api.post('/retailsalesreturn', sale(msId, huge)), 'return');
    expect(await balanceOf(shop, msId)).to.equal(0);
  });

  it('when each field is within its bound but a line or the receipt sums past 100 000 000 ₽, then 400 naming the position or the receipt', async () => {
    const msId = await customerWith(t, shop, 0);
    const agent = { meta: counterpartyMeta(msId) };
    const line = await shop.api.post('/retaildemand/recalc', {
      retailStore,
      agent,
      positions: [position(100), position(100_000_000, 1000)],
    });
    expect(expectSpecError(line, 'line')).to.match(/Сумма позиции 2 больше 100 000 000,00 ₽/);
    expect((line.data as { errors: Array<{ parameter: string }> }).errors[0]!.parameter).to.equal('positions.1');

    const receipt = await shop.api.post(
      '/retaildemand',
      sale(msId, [position(60_000_000), position(60_000_000)], { cashSum: 100_000_000 }),
    );
    expect(expectSpecError(receipt, 'receipt')).to.match(/Сумма чека больше 100 000 000,00 ₽/);
    expect(await balanceOf(shop, msId)).to.equal(0);
  });

  it('when the largest receipt allowed is sold, then the sale is recorded and the earned points are exact', async () => {
    const msId = await customerWith(t, shop, 0);
    const positions = [position(99_999_999.99, 1), position(0.01, 1)];
    const res = await shop.api.post('/retaildemand', sale(msId, positions, { cashSum: 100_000_000 }));
    expect(res.status, JSON.stringify(res.data)).to.equal(201);
    expect(await balanceOf(shop, msId)).to.equal(100_000_000);
  });

  it('when a sale would grow a balance past the bound, then 422 with a Russian message and the balance stays', async () => {
    const msId = await customerWith(t, shop, MAX_POINTS - 50);
    const res = await shop.api.post('/retaildemand', sale(msId, [position(100)], { cashSum: 100 }));
    expect(res.status).to.equal(422);
    expect(expectSpecError(res, 'balance bound')).to.match(/Баланс покупателя превысил бы/);
    expect(await balanceOf(shop, msId)).to.equal(MAX_POINTS - 50);
    // A sale that stays within the bound still goes through.
    const small = await shop.api.post('/retaildemand', sale(msId, [position(50)], { cashSum: 50 }));
    expect(small.status, JSON.stringify(small.data)).to.equal(201);
    expect(await balanceOf(shop, msId)).to.equal(MAX_POINTS);
  });

  describe('random large and odd numbers (fast-check)', () => {
    let customersByTenant: Array<{ tenant: TestTenant; msIds: string[]; saleIds: string[] }>;
    before(async () => {
      // A default program, and one whose rates and percentages make the largest products.
      const extreme = createTestTenant(t, {
        earnRateRoublesToPoint: 1,
        spendRatePointsToRouble: 999_999,
        maxPaidRatePercents: 100,
        earnWhileRedeeming: true,
        welcomeBonusesEnabled: true,
        welcomeBonusesMode: 'FIRST_PURCHASE',
        welcomeBonusesValue: 1_000_000,
      });
      customersByTenant = [];
      for (const tenant of [createTestTenant(t), extreme]) {
        const msIds = [
          await customerWith(t, tenant, 0),
          await customerWith(t, tenant, 1_000_000),
          await customerWith(t, tenant, MAX_POINTS - 1_000),
        ];
        const saleIds: string[] = [];
        for (const msId of msIds) {
          const id = randomUUID();
          const res = await tenant.api.post('/retaildemand', {
            ...sale(msId, [position(1000, 3)], { cashSum: 3000 }),
            meta: counterpartyMeta(id),
            bonusProgram: { bonusValueToSpend: 0 },
          });
          if (res.status === 201) saleIds.push(id);
        }
        // A card with a large balance, so random payments from it are redeemed, not refused as unknown.
        t.services.giftCards.issue(t.storage.db, tenant.accountId, { number: 'G-1', initialKopecks: 1e12 });
        customersByTenant.push({ tenant, msIds, saleIds });
      }
    });

    const odd = fc.constantFrom(
      0,
      -0,
      -1,
      1e-7,
      0.005,
      1.005,
      0.015,
      99_999_999.99,
      100_000_000,
      100_000_000.01,
      1e6,
      1e9,
      1e12,
      2 ** 53,
      2 ** 53 + 2,
      1e21,
      1e300,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
    );
    const wild = fc.oneof(odd, fc.double({ min: -1e20, max: 1e20, noNaN: true }));
    /** Integers spread evenly over orders of magnitude 10^0 … 10^maxExponent, so both small and huge ones come up. */
    const spread = (maxExponent: number) =>
      fc.integer({ min: 0, max: maxExponent }).chain((e) => fc.integer({ min: 0, max: 10 ** e }));
    /** Mostly plausible values at every scale, sometimes wild ones. */
    const mostly = (plausible: fc.Arbitrary<number>) =>
      fc.oneof({ weight: 15, arbitrary: plausible }, { weight: 1, arbitrary: wild });
    const quantity = mostly(spread(7).map((milli) => (milli + 1) / 1000));
    const roubles = mostly(spread(9).map((kopecks) => kopecks / 100));
    const points = mostly(spread(13));
    const receiptLine = fc.record(
      {
        quantity,
        price: roubles,
        discountedPrice: roubles,
        discountPercent: mostly(fc.integer({ min: 0, max: 10_000 }).map((hundredths) => hundredths / 100)),
        serials: fc.nat(3),
      },
      { requiredKeys: ['quantity', 'price'] },
    );
    const positions = fc.array(receiptLine, { minLength: 1, maxLength: 3 }).map((lines) =>
      lines.map(({ serials, ...line }) => ({
        ...position(0),
        ...line,
        ...(serials
          ? { sn: Array.from({ length: serials }, (_, i) => ({ meta: counterpartyMeta(), name: `S${i}` })) }
          : {}),
      })),
    );
    const who = fc.record({ tenant: fc.nat(1), customer: fc.nat(2) });

    /** The tenant, customer and one of their sales a case runs against. */
    const pick = ({ tenant, customer }: { tenant: number; customer: number }) => {
      const chosen = customersByTenant[tenant]!;
      return { tenant: chosen.tenant, msId: chosen.msIds[customer]!, saleId: chosen.saleIds[customer] };
    };

    async function expectNo500(path: string, tenant: TestTenant, body: object): Promise<void> {
      const res = await tenant.api.post(path, body);
      const label = `${path} ${JSON.stringify(body).slice(0, 600)} → ${res.status} ${JSON.stringify(res.data)}`;
      expect(res.status, label).to.be.below(500);
      if (res.status >= 400) expectSpecError(res, label);
      if (res.status === 200) {
        for (const n of numbersIn(res.data)) expect(Math.abs(n), label).to.be.at.most(Number.MAX_SAFE_INTEGER);
      }
    }

    it('when recalc gets random quantities, prices and points to spend, then no answer is a 500', async () => {
      await fc.assert(
        fc.asyncProperty(
          who,
          positions,
          fc.boolean(),
          fc.option(points, { nil: undefined }),
          async (w, lines, spending, preferred) => {
            const { tenant, msId } = pick(w);
            await expectNo500('/retaildemand/recalc', tenant, {
              retailStore,
              agent: { meta: counterpartyMeta(msId) },
              positions: lines,
              bonusProgram: { transactionType: spending ? 'SPENDING' : 'EARNING' },
              ...(preferred === undefined ? {} : { preferredBonusToSpend: preferred }),
            });
          },
        ),
        { numRuns: 120 },
      );
    });

    it('when sales get random sums, points and gift-card payments, then no answer is a 500', async () => {
      await fc.assert(
        fc.asyncProperty(
          who,
          positions,
          fc.record({
            spend: points,
            earn: points,
            cash: roubles,
            card: fc.option(mostly(spread(12)), { nil: undefined }),
          }),
          async (w, lines, { spend, earn, cash, card }) => {
            const { tenant, msId } = pick(w);
            await expectNo500(
              '/retaildemand',
              tenant,
              sale(msId, lines, {
                cashSum: cash,
                noCashSum: cash,
                bonusProgram: { bonusValueToSpend: spend, bonusValueToEarn: earn },
                ...(card === undefined ? {} : { giftCards: [{ name: 'G-1', paymentSum: card }] }),
              }),
            );
          },
        ),
        { numRuns: 120 },
      );
    });

    it('when returns of a real sale get random quantities and prices, then no answer is a 500', async () => {
      await fc.assert(
        fc.asyncProperty(who, positions, roubles, async (w, lines, cash) => {
          const { tenant, msId, saleId } = pick(w);
          await expectNo500('/retailsalesreturn', tenant, {
            ...sale(msId, lines, { cashSum: cash }),
            demand: { meta: counterpartyMeta(saleId) },
          });
        }),
        { numRuns: 100 },
      );
    });
  });
});
