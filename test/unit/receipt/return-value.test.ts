import { expect } from 'chai';
import fc from 'fast-check';
import type { DiscountedPosition, ReceiptPosition } from '../../../app/receipt/positions.js';
import { paidTotalKopecks } from '../../../app/receipt/positions.js';
import { returnedLines, soldLines, valueOfReturn } from '../../../app/receipt/return-value.js';

const goods = (id: string, syncId?: string) => ({
  assortment: { meta: { href: `https://api.moysklad.ru/api/remap/1.2/entity/product/${id}`, id }, syncId },
});
const soldLine = (id: string, quantityMilli: number, priceKopecks: number, discountedPriceKopecks: number) =>
  ({ quantityMilli, priceKopecks, discountedPriceKopecks, discountPercent: 0, echo: goods(id) }) as DiscountedPosition;
const returnLine = (id: string, quantityMilli: number, priceKopecks = 0): ReceiptPosition => ({
  quantityMilli,
  priceKopecks,
  echo: goods(id),
});

describe('return-value: a return is worth what its sale recorded', () => {
  it('when one of 2 × 1000 ₽ paid 700 ₽ each comes back without a discounted price, then it is worth 700 ₽, not 1000 ₽', () => {
    const sold = soldLines([soldLine('a', 2000, 100_000, 70_000)]);
    const value = valueOfReturn(sold, returnedLines([returnLine('a', 1000, 100_000)]));
    expect(value).to.deep.equal({
      paidKopecks: 70_000,
      fullKopecks: 100_000,
      lines: [{ index: 0, quantityMilli: 1000 }],
      unmatched: 0,
      overQuantity: false,
    });
  });

  it('when more comes back than was sold, counting earlier returns, then the excess is worth nothing and flagged', () => {
    const sold = soldLines([soldLine('a', 2000, 100_000, 70_000)]);
    const first = returnedLines([returnLine('a', 1000)]);
    expect(valueOfReturn(sold, first).paidKopecks).to.equal(70_000);
    const second = valueOfReturn(sold, returnedLines([returnLine('a', 3000)]), first);
    expect(second).to.include({ paidKopecks: 70_000, overQuantity: true });
    expect(valueOfReturn(sold, first, [...first, ...first])).to.include({ paidKopecks: 0, overQuantity: true });
  });

  it('when the goods are not in the sale, then they are worth nothing and counted as unmatched', () => {
    const sold = soldLines([soldLine('a', 1000, 10_000, 9_000)]);
    expect(valueOfReturn(sold, returnedLines([returnLine('b', 1000, 10_000), returnLine('a', 1000)]))).to.include({
      paidKopecks: 9_000,
      unmatched: 1,
    });
  });

  it('when the return names the goods by syncId or by href only, then it still matches the sale', () => {
    const sold = soldLines([{ ...soldLine('a', 1000, 10_000, 9_000), echo: goods('a', 'sync-a') }]);
    const bySync: ReceiptPosition = {
      quantityMilli: 1000,
      priceKopecks: 0,
      echo: { assortment: { syncId: 'sync-a' } },
    };
    const byHref: ReceiptPosition = {
      quantityMilli: 1000,
      priceKopecks: 0,
      echo: { assortment: { meta: { href: 'https://api.moysklad.ru/api/remap/1.2/entity/product/a', id: '' } } },
    };
    expect(valueOfReturn(sold, returnedLines([bySync])).paidKopecks).to.equal(9_000);
    expect(valueOfReturn(sold, returnedLines([byHref])).paidKopecks).to.equal(9_000);
  });

  it('when a split position (2 × 99.67 ₽ and 1 × 99.66 ₽) comes back unit by unit, then the units take the lines in order', () => {
    const sold = soldLines([soldLine('a', 2000, 10_000, 9_967), soldLine('a', 1000, 10_000, 9_966)]);
    const first = returnedLines([returnLine('a', 1000)]);
    expect(valueOfReturn(sold, first).paidKopecks).to.equal(9_967);
    const rest = valueOfReturn(sold, returnedLines([returnLine('a', 2000)]), first);
    expect(rest.paidKopecks).to.equal(9_967 + 9_966);
    expect(rest.lines).to.deep.equal([
      { index: 0, quantityMilli: 1000 },
      { index: 1, quantityMilli: 1000 },
    ]);
  });

  it('when any sale is returned in random parts, then the parts never exceed the sale and a full return gives back exactly its amounts', () => {
    const line = fc.record({
      id: fc.constantFrom('a', 'b', 'c'),
      quantityMilli: fc.integer({ min: 1, max: 5_000 }),
      priceKopecks: fc.integer({ min: 0, max: 200_000 }),
      discountShare: fc.integer({ min: 0, max: 100 }),
    });
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 6 }),
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'x'), fc.integer({ min: 1, max: 6_000 })), { maxLength: 8 }),
        (lines, parts) => {
          const sale = lines.map((l) =>
            soldLine(l.id, l.quantityMilli, l.priceKopecks, Math.floor((l.priceKopecks * l.discountShare) / 100)),
          );
          const sold = soldLines(sale);
          const earlier: ReturnType<typeof returnedLines> = [];
          let paid = 0;
          for (const [id, quantityMilli] of parts) {
            const now = returnedLines([returnLine(id, quantityMilli, 999_999)]);
            paid += valueOfReturn(sold, now, earlier).paidKopecks;
            earlier.push(...now);
          }
          expect(paid).to.be.within(0, paidTotalKopecks(sale));
          const everything = returnedLines(lines.map((l) => returnLine(l.id, l.quantityMilli)));
          expect(paid + valueOfReturn(sold, everything, earlier).paidKopecks).to.equal(paidTotalKopecks(sale));
        },
      ),
      { numRuns: 500 },
    );
  });
});
