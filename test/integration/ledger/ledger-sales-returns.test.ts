import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import fc from 'fast-check';
import { ledgerEntries, saleReturns, sales } from '../../../db/schema/index.js';
import { BusinessRuleError } from '../../../app/errors.js';
import { saleRepository } from '../../../app/ledger/sale-repository.js';
import type { ReturnRequest } from '../../../app/loyalty/backend.js';
import { item, openLedgerFixture, sale, undiscounted, type LedgerFixture } from './ledger-fixture.js';
import { lineAmountKopecks } from '../../../app/receipt/positions.js';

describe('LedgerBackend: sales and returns', () => {
  let f: LedgerFixture;
  beforeEach(() => {
    f = openLedgerFixture();
  });
  afterEach(() => f.close());

  const returnOf = (saleMsId: string | undefined, positions: ReturnRequest['positions']): ReturnRequest => ({
    returnKey: randomUUID(),
    msId: randomUUID(),
    saleMsId,
    positions,
    cashKopecks: 0,
    noCashKopecks: 0,
  });

  describe('sales', () => {
    it('when 20 identical sales arrive at once, then the sale is applied once and all of them succeed', async () => {
      const shop = f.tenant({ maxPaidRatePercents: 100, earnWhileRedeeming: true });
      const id = await f.customerWith(shop, 100);
      const request = sale({ id }, [{ ...item(10_000), discountedPriceKopecks: 9_000, discountPercent: 10 }], {
        pointsToSpend: 10,
        giftCards: [{ name: 'GC-1', paymentKopecks: 1000 }],
      });
      await Promise.all(Array.from({ length: 20 }, () => f.ledger.createSale(shop, { ...request })));
      expect(await f.ledger.balance(shop, { id })).to.equal(100 - 10 + 90);
      expect(f.books(id)).to.deep.equal({ balance: 180, entries: 180 });
      const rows = f.storage.db.select().from(sales).where(eq(sales.saleKey, request.saleKey)).all();
      expect(rows).to.have.length(1);
      expect(rows[0]).to.include({
        pointsSpent: 10,
        pointsEarned: 90,
        totalKopecks: 10_000,
        paidKopecks: 9_000,
        giftCardKopecks: 1000,
      });
      expect(f.redemptions).to.have.length(1);
    });

    it('when a sale key comes again with other goods, points or payments, then nothing changes and the recorded sale is handed back', async () => {
      const shop = f.tenant({ maxPaidRatePercents: 100 });
      const id = await f.customerWith(shop, 100);
      const first = sale({ id }, [{ ...item(10_000), discountedPriceKopecks: 9_000, discountPercent: 10 }], {
        pointsToSpend: 10,
        cashKopecks: 9_000,
      });
      expect(await f.ledger.createSale(shop, first), 'a first sale').to.equal(undefined);
      expect(await f.ledger.createSale(shop, { ...first }), 'a true repeat').to.equal(undefined);
      const variants = [
        { ...first, pointsToSpend: 20 },
        { ...first, cashKopecks: 10_000 },
        { ...first, positions: [{ ...first.positions[0]!, quantityMilli: 2000 }] },
        { ...first, agent: {} },
      ];
      for (const variant of variants) {
        const conflict = await f.ledger.createSale(shop, variant);
        expect(conflict?.recorded).to.deep.include({ customerId: id, pointsSpent: 10, cashKopecks: 9_000 });
      }
      expect(await f.ledger.balance(shop, { id }), 'the first sale spent 10').to.equal(90);
      expect(f.storage.db.select().from(sales).where(eq(sales.saleKey, first.saleKey)).all()).to.have.length(1);
    });

    it('when 50 sales spend from one balance at once, then the balance never goes below zero', async () => {
      const shop = f.tenant({ maxPaidRatePercents: 100 });
      const id = await f.customerWith(shop, 100);
      const spend7 = () =>
        f.ledger.createSale(
          shop,
          sale({ id }, [{ ...item(1000), discountedPriceKopecks: 300, discountPercent: 70 }], { pointsToSpend: 7 }),
        );
      const results = await Promise.allSettled(Array.from({ length: 50 }, spend7));
      const ok = results.filter((r) => r.status === 'fulfilled').length;
      const refused = results.filter((r) => r.status === 'rejected');
      expect(ok).to.equal(14);
      for (const r of refused) expect((r as PromiseRejectedResult).reason).to.be.instanceOf(BusinessRuleError);
      expect(f.books(id)).to.deep.equal({ balance: 2, entries: 2 });
    });

    it('when a sale spends more than the rule allows, then it is refused and nothing is written', async () => {
      const shop = f.tenant({ maxPaidRatePercents: 10 });
      const id = await f.customerWith(shop, 100);
      const request = sale({ id }, [{ ...item(10_000), discountedPriceKopecks: 8_000, discountPercent: 20 }], {
        pointsToSpend: 20,
      });
      const error = await f.ledger.createSale(shop, request).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(BusinessRuleError);
      expect(saleRepository.findByKey(f.storage.db, shop.accountId, request.saleKey)).to.equal(undefined);
      expect(f.books(id)).to.deep.equal({ balance: 100, entries: 100 });
    });

    it('when a sale is anonymous, then it is recorded and no points move', async () => {
      const shop = f.tenant();
      const request = sale(undefined, [item(5000)]);
      await f.ledger.createSale(shop, request);
      expect(saleRepository.findByKey(f.storage.db, shop.accountId, request.saleKey)).to.include({
        customerId: null,
        pointsEarned: 0,
      });
      expect(f.storage.db.select().from(ledgerEntries).all()).to.deep.equal([]);
    });
  });

  describe('returns', () => {
    it('when a sale is returned in several parts, then in total exactly its points are reversed, never more', async () => {
      const shop = f.tenant({ maxPaidRatePercents: 100, earnWhileRedeeming: true, earnRateRoublesToPoint: 3 });
      const id = await f.customerWith(shop, 100);
      const lines = [0, 1, 2].map(() => ({ ...item(3_333), discountedPriceKopecks: 3_000, discountPercent: 10 }));
      const sold = sale({ id }, lines, { pointsToSpend: 10 }); // 90 ₽ paid → 30 points earned
      await f.ledger.createSale(shop, sold);
      expect(await f.ledger.balance(shop, { id })).to.equal(100 - 10 + 30);

      for (const line of lines) await f.ledger.createReturn(shop, returnOf(sold.msId, [line]));
      // A return beyond what was sold must not reverse anything more.
      await f.ledger.createReturn(shop, returnOf(sold.msId, [lines[0]!]));

      const row = saleRepository.findByKey(f.storage.db, shop.accountId, sold.saleKey);
      expect(row).to.include({ earnedReversed: 30, spentReversed: 10, returnedKopecks: 9_000 });
      expect(await f.ledger.balance(shop, { id })).to.equal(100);
      expect(f.books(id)).to.deep.equal({ balance: 100, entries: 100 });
      const flagged = saleRepository.returnsNeedingSupport(f.storage.db, shop.accountId);
      expect(flagged).to.have.length(1);
      expect(flagged[0]!.supportReason).to.contain('больше, чем было продано');
    });

    it('when one of 2 × 1000 ₽ that spent 600 points comes back without discounted prices, then 300 points come back, not 428', async () => {
      const shop = f.tenant({ maxPaidRatePercents: 30 });
      const id = await f.customerWith(shop, 600);
      const goods = item(100_000, 2);
      const sold = sale({ id }, [{ ...goods, discountedPriceKopecks: 70_000, discountPercent: 30 }], {
        pointsToSpend: 600,
      });
      await f.ledger.createSale(shop, sold);
      expect(await f.ledger.balance(shop, { id })).to.equal(0);
      // The till sends the returned unit at its full price and without discountedPrice.
      await f.ledger.createReturn(shop, returnOf(sold.msId, undiscounted([{ ...goods, quantityMilli: 1000 }])));
      expect(await f.ledger.balance(shop, { id })).to.equal(300);
      const [row] = f.storage.db.select().from(saleReturns).all();
      expect(row).to.include({ amountKopecks: 70_000, spentGivenBack: 300, needsSupport: false });
    });

    it('when returned goods are not in the linked sale, then they reverse nothing and support is told', async () => {
      const shop = f.tenant();
      const id = await f.customerWith(shop, 0);
      const sold = sale({ id }, [item(10_000)]);
      await f.ledger.createSale(shop, sold);
      await f.ledger.createReturn(shop, returnOf(sold.msId, undiscounted([item(10_000)])));
      expect(await f.ledger.balance(shop, { id })).to.equal(100);
      const [flagged] = saleRepository.returnsNeedingSupport(f.storage.db, shop.accountId);
      expect(flagged!.supportReason).to.equal(
        'Позиций возврата, которых нет в продаже: 1. Баллы за них не пересчитаны',
      );
    });

    it('when the same return arrives twice, then it is applied once', async () => {
      const shop = f.tenant();
      const id = await f.customerWith(shop, 0);
      const goods = item(5_000, 2);
      const sold = sale({ id }, [goods]);
      await f.ledger.createSale(shop, sold);
      const request = returnOf(sold.msId, undiscounted([{ ...goods, quantityMilli: 1000 }]));
      await Promise.all([f.ledger.createReturn(shop, request), f.ledger.createReturn(shop, request)]);
      expect(await f.ledger.balance(shop, { id })).to.equal(50);
      expect(f.storage.db.select().from(saleReturns).all()).to.have.length(1);
    });

    it('when earned points were already spent, then the balance stops at zero and the shortfall is flagged', async () => {
      const shop = f.tenant({ maxPaidRatePercents: 100 });
      const id = await f.customerWith(shop, 0);
      const goods = item(10_000);
      const sold = sale({ id }, [goods]);
      await f.ledger.createSale(shop, sold); // +100
      await f.ledger.createSale(
        shop,
        sale({ id }, [{ ...item(10_000), discountedPriceKopecks: 3_000, discountPercent: 70 }], { pointsToSpend: 70 }),
      );
      await f.ledger.createReturn(shop, returnOf(sold.msId, undiscounted([goods])));
      expect(f.books(id)).to.deep.equal({ balance: 0, entries: 0 });
      const [flagged] = saleRepository.returnsNeedingSupport(f.storage.db, shop.accountId);
      expect(flagged).to.include({ earnedTakenBack: 30, uncollectedPoints: 70, needsSupport: true });
    });

    it('when postponed points are returned before they mature, then other spendable points are untouched', async () => {
      const shop = f.tenant({ postponedBonusesDelayDays: 7 });
      const id = await f.customerWith(shop, 50);
      const goods = item(10_000);
      const sold = sale({ id }, [goods]);
      await f.ledger.createSale(shop, sold); // +100, pending for 7 days
      await f.ledger.createReturn(shop, returnOf(sold.msId, undiscounted([goods])));
      expect(await f.ledger.balance(shop, { id })).to.equal(50);
      f.clock.now = new Date(f.clock.now.getTime() + 8 * 86_400_000);
      expect(await f.ledger.balance(shop, { id })).to.equal(50);
    });

    it('when the linked sale is unknown or missing, then the return is recorded and flagged for support', async () => {
      const shop = f.tenant();
      await f.ledger.createReturn(shop, returnOf(randomUUID(), undiscounted([item(1000)])));
      await f.ledger.createReturn(shop, returnOf(undefined, undiscounted([item(1000)])));
      const flagged = saleRepository.returnsNeedingSupport(f.storage.db, shop.accountId);
      expect(flagged.map((r) => r.needsSupport)).to.deep.equal([true, true]);
      expect(flagged.map((r) => r.supportReason).join(' '))
        .to.contain('не найдена')
        .and.contain('нет ссылки');
    });
  });

  it('when random receipts are recalculated and sold, then discounts sum to the points paid and balance == Σ entries', async () => {
    const positionArb = fc.record({
      quantityMilli: fc.oneof(
        fc.integer({ min: 1, max: 5 }).map((n) => n * 1000),
        fc.integer({ min: 1, max: 9_999 }),
      ),
      priceKopecks: fc.integer({ min: 0, max: 500_000 }),
    });
    const shop = f.tenant({
      maxPaidRatePercents: 100,
      earnWhileRedeeming: true,
      spendRatePointsToRouble: 4,
      earnRateRoublesToPoint: 3,
    });
    const id = await f.customerWith(shop, 5_000);
    await fc.assert(
      fc.asyncProperty(
        fc.array(positionArb, { minLength: 1, maxLength: 6 }),
        fc.option(fc.nat(3_000)),
        async (raw, wanted) => {
          const positions = raw.map((p) => ({ ...p, echo: {} }));
          const result = await f.ledger.recalc(shop, {
            agent: { id },
            positions,
            transactionType: 'SPENDING',
            preferredPointsToSpend: wanted ?? undefined,
          });
          const discount = result.positions.reduce(
            (s, l) =>
              s +
              lineAmountKopecks(l.quantityMilli, l.priceKopecks) -
              lineAmountKopecks(l.quantityMilli, l.discountedPriceKopecks),
            0,
          );
          expect(discount).to.equal(result.paidByBonusPointsKopecks);
          expect(result.paidByBonusPointsKopecks).to.equal((result.bonusValueToSpend * 100) / 4);
          await f.ledger.createSale(shop, sale({ id }, result.positions, { pointsToSpend: result.bonusValueToSpend }));
          const books = f.books(id);
          expect(books.balance).to.equal(books.entries).and.to.be.at.least(0);
        },
      ),
      { numRuns: 60 },
    );
  });
});
