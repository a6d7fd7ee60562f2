import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import { BusinessRuleError } from '../../../app/errors.js';
import { OUTSIDE_AUDIENCE_TEXT } from '../../../app/ledger/recalc.js';
import { lineAmountKopecks, type DiscountedPosition, type LineRule } from '../../../app/receipt/positions.js';
import { item, openLedgerFixture, sale, type LedgerFixture } from './ledger-fixture.js';

const TOBACCO: LineRule = { discount: false, earn: false, reason: 'law' };
const PROHIBITED: LineRule = { discount: false, earn: true, reason: 'prohibited' };
const UNKNOWN: LineRule = { discount: false, earn: false, reason: 'unknown' };

function restricted(priceKopecks: number, rule: LineRule, quantity = 1) {
  return { ...item(priceKopecks, quantity), rule };
}

/** What the lines' sums lost to the discount: full line sums minus paid line sums. */
function discountOf(positions: DiscountedPosition[]): number {
  return positions.reduce(
    (sum, p) =>
      sum +
      lineAmountKopecks(p.quantityMilli, p.priceKopecks) -
      lineAmountKopecks(p.quantityMilli, p.discountedPriceKopecks),
    0,
  );
}

describe('LedgerBackend: restricted goods and the program audience', () => {
  let f: LedgerFixture;
  beforeEach(() => {
    f = openLedgerFixture();
  });
  afterEach(() => f.close());

  describe('restricted goods', () => {
    it('when SPENDING on a receipt with tobacco, then only the other lines are discounted and the cap is of them', async () => {
      const shop = f.tenant({ maxPaidRatePercents: 50 });
      const id = await f.customerWith(shop, 10_000);
      const positions = [restricted(100_000, TOBACCO), item(20_000)];
      const result = await f.ledger.recalc(shop, { agent: { id }, positions, transactionType: 'SPENDING' });
      expect(result.bonusValueToSpend).to.equal(100); // 50 % of 200 ₽, not of 1 200 ₽
      expect(result.paidByBonusPointsKopecks).to.equal(10_000);
      expect(result.positions[0]).to.include({ discountedPriceKopecks: 100_000, discountPercent: 0 });
      expect(result.positions[1]).to.include({ discountedPriceKopecks: 10_000, discountPercent: 50 });
      expect(discountOf(result.positions)).to.equal(result.paidByBonusPointsKopecks);
      expect(result.receiptExtraInfo!.split('\n').at(-1)).to.equal(
        'Скидка баллами не применяется к 1 поз.: табак или товары без скидок.',
      );
    });

    it('when a receipt is only tobacco, then nothing is spent whatever the balance', async () => {
      const shop = f.tenant({ maxPaidRatePercents: 100 });
      const id = await f.customerWith(shop, 500);
      const result = await f.ledger.recalc(shop, {
        agent: { id },
        positions: [restricted(30_000, TOBACCO, 2)],
        transactionType: 'SPENDING',
      });
      expect(result.bonusValueToSpend).to.equal(0);
      expect(result.positions).to.have.length(1);
      expect(result.positions[0]).to.include({ discountedPriceKopecks: 30_000, discountPercent: 0 });
    });

    it('when EARNING, then tobacco earns nothing, a line with discounts prohibited earns, and unknown goods earn nothing', async () => {
      const shop = f.tenant({ earnRateRoublesToPoint: 1 });
      const id = await f.customerWith(shop, 0);
      const result = await f.ledger.recalc(shop, {
        agent: { id },
        positions: [
          restricted(10_000, TOBACCO),
          restricted(20_000, PROHIBITED),
          restricted(40_000, UNKNOWN),
          item(5_000),
        ],
        transactionType: 'EARNING',
      });
      expect(result.bonusValueToEarn).to.equal(250);
      expect(result.receiptExtraInfo!.split('\n').at(-1)).to.equal(
        'Скидка не применена к 3 поз.: табак или товары без скидок, 1 из них не удалось проверить.',
      );
    });

    it('when a sale comes, then its earned points follow the same rule as the recalc', async () => {
      const shop = f.tenant({ earnRateRoublesToPoint: 1 });
      const { id } = await f.ledger.createCustomer(shop, { msId: randomUUID(), name: 'А' });
      await f.ledger.createSale(shop, sale({ id }, [restricted(10_000, TOBACCO), restricted(20_000, PROHIBITED)]));
      expect(await f.ledger.balance(shop, { id })).to.equal(200);
    });

    it('when a sale spends more than the cap over the allowed lines, then it is refused', async () => {
      const shop = f.tenant({ maxPaidRatePercents: 50 });
      const id = await f.customerWith(shop, 1_000);
      const positions = [restricted(100_000, TOBACCO), item(20_000)];
      const over = await f.ledger
        .createSale(shop, sale({ id }, positions, { pointsToSpend: 101 }))
        .catch((e: unknown) => e);
      expect(over).to.be.instanceOf(BusinessRuleError);
      await f.ledger.createSale(shop, sale({ id }, positions, { pointsToSpend: 100 }));
      expect(await f.ledger.balance(shop, { id })).to.equal(900);
    });

    it('property: random receipts never discount a restricted line, and the discount equals paidByBonusPoints', async () => {
      const shop = f.tenant({ maxPaidRatePercents: 100, spendRatePointsToRouble: 3 });
      const id = await f.customerWith(shop, 100_000);
      const line = fc.record({
        priceKopecks: fc.integer({ min: 0, max: 300_000 }),
        quantityMilli: fc.integer({ min: 1, max: 5_000 }),
        rule: fc.constantFrom<LineRule | undefined>(undefined, TOBACCO, PROHIBITED, UNKNOWN),
      });
      await fc.assert(
        fc.asyncProperty(
          fc.array(line, { minLength: 1, maxLength: 8 }),
          fc.option(fc.integer({ min: 0, max: 200_000 }), { nil: undefined }),
          async (lines, preferredPointsToSpend) => {
            const positions = lines.map((l) => ({
              quantityMilli: l.quantityMilli,
              priceKopecks: l.priceKopecks,
              echo: {},
              ...(l.rule ? { rule: l.rule } : {}),
            }));
            const result = await f.ledger.recalc(shop, {
              agent: { id },
              positions,
              transactionType: 'SPENDING',
              preferredPointsToSpend,
            });
            for (const p of result.positions.filter((p) => p.rule?.discount === false)) {
              expect(p.discountedPriceKopecks).to.equal(p.priceKopecks);
              expect(p.discountPercent).to.equal(0);
            }
            expect(discountOf(result.positions)).to.equal(result.paidByBonusPointsKopecks);
          },
        ),
        { numRuns: 150 },
      );
    });
  });

  describe('the program audience', () => {
    const vipOnly = { allAgents: false, agentTags: ['VIP'], maxPaidRatePercents: 100, earnRateRoublesToPoint: 1 };

    it('when a customer has none of the program tags, then they neither spend nor earn and the receipt says why', async () => {
      const shop = f.tenant(vipOnly);
      const msId = randomUUID();
      const { id } = await f.ledger.createCustomer(shop, { msId, name: 'А' });
      f.tags.set(msId, ['оптовики']);
      const spending = await f.ledger.recalc(shop, {
        agent: { id },
        positions: [item(10_000)],
        transactionType: 'SPENDING',
      });
      expect(spending).to.include({ bonusValueToSpend: 0, bonusValueToEarn: 0, paidByBonusPointsKopecks: 0 });
      expect(spending.receiptExtraInfo).to.equal(OUTSIDE_AUDIENCE_TEXT);
      expect(f.tagLookups).to.deep.equal([msId]);

      await f.ledger.createSale(shop, sale({ id }, [item(10_000)]));
      expect(await f.ledger.balance(shop, { id })).to.equal(0);
      const spend = await f.ledger
        .createSale(shop, sale({ id }, [item(10_000)], { pointsToSpend: 1 }))
        .catch((e: unknown) => e);
      expect(spend).to.be.instanceOf(BusinessRuleError);
    });

    it('when a customer carries a program tag in any case, then the program applies to them', async () => {
      const shop = f.tenant(vipOnly);
      const msId = randomUUID();
      f.tags.set(msId, ['vip']);
      const earning = await f.ledger.recalc(shop, {
        agent: { id: msId },
        positions: [item(10_000)],
        transactionType: 'EARNING',
      });
      expect(earning.bonusValueToEarn).to.equal(100);
      await f.ledger.createSale(shop, sale({ id: msId }, [item(10_000)]));
      expect(await f.ledger.balance(shop, { id: msId })).to.equal(100);
    });

    it('when the tags cannot be found out, then the customer is treated as outside for this receipt', async () => {
      const shop = f.tenant(vipOnly);
      const result = await f.ledger.recalc(shop, {
        agent: { id: randomUUID() },
        positions: [item(10_000)],
        transactionType: 'EARNING',
      });
      expect(result.bonusValueToEarn).to.equal(0);
    });

    it('when a customer outside the audience registers, then no welcome points; one inside gets them', async () => {
      const shop = f.tenant({ ...vipOnly, welcomeBonusesEnabled: true, welcomeBonusesValue: 50 });
      const outsider = randomUUID();
      const insider = randomUUID();
      f.tags.set(outsider, ['оптовики']);
      f.tags.set(insider, ['VIP']);
      const out = await f.ledger.createCustomer(shop, { msId: outsider, name: 'А' });
      const inside = await f.ledger.createCustomer(shop, { msId: insider, name: 'Б' });
      expect(await f.ledger.balance(shop, { id: out.id })).to.equal(0);
      expect(await f.ledger.balance(shop, { id: inside.id })).to.equal(50);
    });

    it('when the program applies to everyone, then nobody asks for tags', async () => {
      const shop = f.tenant({ earnRateRoublesToPoint: 1 });
      const result = await f.ledger.recalc(shop, {
        agent: { id: randomUUID() },
        positions: [item(10_000)],
        transactionType: 'EARNING',
      });
      expect(result.bonusValueToEarn).to.equal(100);
      expect(f.tagLookups).to.deep.equal([]);
    });
  });
});
