import { expect } from 'chai';
import fc from 'fast-check';
import { kopecksFromRoubles, quantityMilliFrom, roublesFromKopecks } from '../../../app/receipt/money.js';
import { lineAmountKopecks, receiptTotalKopecks } from '../../../app/receipt/positions.js';
import { splitDiscount, type DiscountedLine, type SplittablePosition } from '../../../app/receipt/discount-split.js';

function discountedTotal(lines: readonly DiscountedLine<SplittablePosition>[]): number {
  return lines.reduce((sum, l) => sum + lineAmountKopecks(l.quantityMilli, l.discountedPriceKopecks), 0);
}

function quantityBySource(lines: readonly DiscountedLine<SplittablePosition>[]): Map<number, number> {
  const result = new Map<number, number>();
  for (const line of lines) result.set(line.sourceIndex, (result.get(line.sourceIndex) ?? 0) + line.quantityMilli);
  return result;
}

/** Everything the brief promises about any split, checked together. */
function expectValidSplit(
  positions: readonly SplittablePosition[],
  discount: number,
  lines: DiscountedLine<SplittablePosition>[],
): void {
  expect(discountedTotal(lines)).to.equal(receiptTotalKopecks(positions) - discount);
  const sourceOrder = lines.map((l) => l.sourceIndex);
  expect(sourceOrder).to.deep.equal([...sourceOrder].sort((a, b) => a - b));
  const quantities = quantityBySource(lines);
  positions.forEach((p, i) => expect(quantities.get(i)).to.equal(p.quantityMilli));
  for (const line of lines) {
    expect(Number.isInteger(line.discountedPriceKopecks)).to.equal(true);
    expect(line.discountedPriceKopecks).to.be.within(0, line.priceKopecks);
    expect(line.discountPercent).to.be.within(0, 100);
    expect(Math.round(line.discountPercent * 100) / 100).to.equal(line.discountPercent);
    const source = positions[line.sourceIndex];
    expect(line.priceKopecks).to.equal(source?.priceKopecks);
    if (source?.sn !== undefined && source.quantityMilli % 1000 === 0) {
      expect(line.sn).to.have.length(line.quantityMilli / 1000);
    }
  }
}

describe('discount-split', () => {
  describe('splitDiscount', () => {
    it('when there is one position, then the whole discount lands on it', () => {
      const positions = [{ quantityMilli: 1000, priceKopecks: 10_000 }];
      const lines = splitDiscount(positions, 1_500);
      expect(lines).to.deep.equal([
        {
          sourceIndex: 0,
          quantityMilli: 1000,
          priceKopecks: 10_000,
          discountedPriceKopecks: 8_500,
          discountPercent: 15,
        },
      ]);
    });

    it('when there are several positions, then the discount is shared in proportion to line sums', () => {
      const positions = [
        { quantityMilli: 1000, priceKopecks: 30_000 },
        { quantityMilli: 2000, priceKopecks: 10_000 },
        { quantityMilli: 1000, priceKopecks: 50_000 },
      ];
      const lines = splitDiscount(positions, 10_000); // 10% of 1000.00
      expect(lines.map((l) => l.discountedPriceKopecks)).to.deep.equal([27_000, 9_000, 45_000]);
      expect(lines.map((l) => l.discountPercent)).to.deep.equal([10, 10, 10]);
      expectValidSplit(positions, 10_000, lines);
    });

    it('when a kopeck cannot be shared evenly, then it goes to the largest remainder', () => {
      const positions = [
        { quantityMilli: 1000, priceKopecks: 100 },
        { quantityMilli: 1000, priceKopecks: 200 },
      ];
      const lines = splitDiscount(positions, 2); // exact shares 0.67 and 1.33
      expect(lines.map((l) => l.discountedPriceKopecks)).to.deep.equal([99, 199]);
      expectValidSplit(positions, 2, lines);
    });

    it('when 3 units at 100.00 get 1.00 off, then the position is split into 2 × 99.67 and 1 × 99.66', () => {
      const positions = [{ quantityMilli: 3000, priceKopecks: 10_000 }];
      const lines = splitDiscount(positions, 100);
      expect(lines.map((l) => [l.quantityMilli, l.discountedPriceKopecks])).to.deep.equal([
        [2000, 9_967],
        [1000, 9_966],
      ]);
      expect(lines.map((l) => l.discountPercent)).to.deep.equal([0.33, 0.34]);
      expectValidSplit(positions, 100, lines);
    });

    it('when a position with serials is split, then each line carries as many serials as units, in order', () => {
      const serials = [{ code: 'A' }, { code: 'B' }, { code: 'C' }];
      const positions = [{ quantityMilli: 3000, priceKopecks: 10_000, sn: serials }];
      const lines = splitDiscount(positions, 100);
      expect(lines.map((l) => l.sn)).to.deep.equal([[{ code: 'A' }, { code: 'B' }], [{ code: 'C' }]]);
      expect(lines[0]?.sn?.[0]).to.equal(serials[0]); // the same objects, not copies
    });

    it('when a position with serials is not split, then all its serials stay on the one line', () => {
      const positions = [{ quantityMilli: 2000, priceKopecks: 10_000, sn: ['s1', 's2'] }];
      const lines = splitDiscount(positions, 200);
      expect(lines).to.have.length(1);
      expect(lines[0]?.sn).to.deep.equal(['s1', 's2']);
    });

    it('when a position has no serials, then its lines have no sn field', () => {
      const lines = splitDiscount([{ quantityMilli: 3000, priceKopecks: 10_000 }], 100);
      for (const line of lines) expect(line).not.to.have.property('sn');
    });

    it('when a position carries extra fields, then every line keeps them', () => {
      const positions = [{ quantityMilli: 3000, priceKopecks: 10_000, assortmentId: 'x-1', vat: 20 }];
      const lines = splitDiscount(positions, 100);
      for (const line of lines) expect(line).to.include({ assortmentId: 'x-1', vat: 20 });
    });

    it('when the quantity is a fraction of a unit, then one price always hits the target', () => {
      const positions = [{ quantityMilli: 537, priceKopecks: 29_990 }]; // 0.537 kg: 161.05
      expect(receiptTotalKopecks(positions)).to.equal(16_105);
      for (let discount = 0; discount <= 16_105; discount += 1) {
        const lines = splitDiscount(positions, discount);
        expect(lines, `discount ${discount}`).to.have.length(1);
        expect(discountedTotal(lines)).to.equal(16_105 - discount);
      }
    });

    it('when a fractional quantity above one unit cannot be hit by one price, then the fraction becomes its own line', () => {
      const positions = [{ quantityMilli: 2537, priceKopecks: 1 }]; // 2.537 × 0.01 = 0.03
      const lines = splitDiscount(positions, 2); // target 0.01: prices 0 and 1 give 0.00 and 0.03
      expect(lines.map((l) => [l.quantityMilli, l.discountedPriceKopecks])).to.deep.equal([
        [2000, 0],
        [537, 1],
      ]);
      expectValidSplit(positions, 2, lines);
    });

    it('when every fractional target is tried, then each is reached with at most three lines', () => {
      const positions = [{ quantityMilli: 7_250, priceKopecks: 13 }];
      const total = receiptTotalKopecks(positions);
      for (let discount = 0; discount <= total; discount += 1) {
        const lines = splitDiscount(positions, discount);
        expect(lines.length).to.be.at.most(3);
        expectValidSplit(positions, discount, lines);
      }
    });

    it('when the discount equals the total, then everything is free', () => {
      const positions = [
        { quantityMilli: 3000, priceKopecks: 10_001 },
        { quantityMilli: 537, priceKopecks: 999 },
      ];
      const total = receiptTotalKopecks(positions);
      const lines = splitDiscount(positions, total);
      expect(lines.map((l) => l.discountedPriceKopecks)).to.deep.equal([0, 0]);
      expect(lines.map((l) => l.discountPercent)).to.deep.equal([100, 100]);
    });

    it('when the discount is 0, then prices are unchanged and nothing is split', () => {
      const positions = [
        { quantityMilli: 3000, priceKopecks: 10_001 },
        { quantityMilli: 1_537, priceKopecks: 999 },
      ];
      const lines = splitDiscount(positions, 0);
      expect(lines.map((l) => [l.quantityMilli, l.discountedPriceKopecks, l.discountPercent])).to.deep.equal([
        [3000, 10_001, 0],
        [1_537, 999, 0],
      ]);
    });

    it('when nothing is discounted on a weighed line (0.009 × 2.73 ₽), then its price stays 2.73 ₽ with 0 %', () => {
      const lines = splitDiscount([{ quantityMilli: 9, priceKopecks: 273 }], 0);
      expect(lines).to.deep.equal([
        { sourceIndex: 0, quantityMilli: 9, priceKopecks: 273, discountedPriceKopecks: 273, discountPercent: 0 },
      ]);
    });

    it('when points are spent and a weighed line gets no share, then that line keeps its price and 0 %', () => {
      const positions = [
        { quantityMilli: 9, priceKopecks: 273 },
        { quantityMilli: 1000, priceKopecks: 10_000 },
      ];
      const lines = splitDiscount(positions, 100);
      expect(lines[0]).to.include({ quantityMilli: 9, discountedPriceKopecks: 273, discountPercent: 0 });
      expect(lines[1]).to.include({ discountedPriceKopecks: 9_900, discountPercent: 1 });
      expectValidSplit(positions, 100, lines);
    });

    it('when a line costs 0, then it stays at 0 with 0 % and takes no discount', () => {
      const positions = [
        { quantityMilli: 1000, priceKopecks: 0 },
        { quantityMilli: 1000, priceKopecks: 5_000 },
      ];
      const lines = splitDiscount(positions, 1_000);
      expect(lines[0]).to.include({ discountedPriceKopecks: 0, discountPercent: 0 });
      expect(lines[1]).to.include({ discountedPriceKopecks: 4_000, discountPercent: 20 });
    });

    it('when the receipt is empty, then there are no lines', () => {
      expect(splitDiscount([], 0)).to.deep.equal([]);
    });

    it('when the discount exceeds the total or is not an integer, then it throws RangeError', () => {
      const positions = [{ quantityMilli: 1000, priceKopecks: 100 }];
      expect(() => splitDiscount(positions, 101)).to.throw(RangeError);
      expect(() => splitDiscount(positions, -1)).to.throw(RangeError);
      expect(() => splitDiscount(positions, 0.5)).to.throw(RangeError);
    });

    it('when a position has a fractional or negative quantity or price, then it throws RangeError', () => {
      expect(() => splitDiscount([{ quantityMilli: 1.5, priceKopecks: 100 }], 0)).to.throw(RangeError);
      expect(() => splitDiscount([{ quantityMilli: 1000, priceKopecks: -1 }], 0)).to.throw(RangeError);
      expect(() => splitDiscount([{ quantityMilli: 1000, priceKopecks: Number.NaN }], 0)).to.throw(RangeError);
    });

    describe('on random receipts', () => {
      const wholeUnits = fc.integer({ min: 1, max: 50 }).chain((units) =>
        fc.record({
          quantityMilli: fc.constant(units * 1000),
          priceKopecks: fc.integer({ min: 0, max: 1_000_000 }),
          sn: fc.option(fc.constant(Array.from({ length: units }, (_, i) => ({ serial: `S${i}` }))), {
            nil: undefined,
          }),
        }),
      );
      const fractional = fc.record({
        quantityMilli: fc.integer({ min: 1, max: 50_000 }),
        priceKopecks: fc.integer({ min: 0, max: 1_000_000 }),
      });
      const receiptWithDiscount = fc
        .array(fc.oneof(wholeUnits, fractional), { minLength: 1, maxLength: 20 })
        .chain((positions) =>
          fc.tuple(fc.constant(positions), fc.integer({ min: 0, max: receiptTotalKopecks(positions) })),
        );

      it('when any discount up to the total is split, then every promise of the split holds', () => {
        fc.assert(
          fc.property(receiptWithDiscount, ([positions, discount]) => {
            const lines = splitDiscount(positions, discount);
            expectValidSplit(positions, discount, lines);
          }),
          { numRuns: 2_000 },
        );
      });

      it('when a position gets no share of the discount, then each of its lines keeps the full price and 0 %', () => {
        fc.assert(
          fc.property(receiptWithDiscount, ([positions, discount]) => {
            const lines = splitDiscount(positions, discount);
            positions.forEach((position, index) => {
              const own = lines.filter((l) => l.sourceIndex === index);
              if (discountedTotal(own) !== lineAmountKopecks(position.quantityMilli, position.priceKopecks)) return;
              for (const line of own) {
                expect(line).to.include({ discountedPriceKopecks: position.priceKopecks, discountPercent: 0 });
              }
            });
          }),
          { numRuns: 2_000 },
        );
      });

      it('when a position is split, then it yields at most three lines', () => {
        fc.assert(
          fc.property(receiptWithDiscount, ([positions, discount]) => {
            const lines = splitDiscount(positions, discount);
            for (const count of countBy(lines.map((l) => l.sourceIndex)).values()) expect(count).to.be.at.most(3);
          }),
        );
      });

      it('when the discount is a whole percentage of whole-unit lines, then shares stay within a kopeck of proportional', () => {
        fc.assert(
          fc.property(
            fc.array(wholeUnits, { minLength: 1, maxLength: 20 }),
            fc.integer({ min: 0, max: 100 }),
            (positions, percent) => {
              const total = receiptTotalKopecks(positions);
              const discount = Math.floor((total * percent) / 100);
              const lines = splitDiscount(positions, discount);
              positions.forEach((position, index) => {
                const amount = lineAmountKopecks(position.quantityMilli, position.priceKopecks);
                const given = amount - discountedTotal(lines.filter((l) => l.sourceIndex === index));
                const exactShare = total === 0 ? 0 : (discount * amount) / total;
                expect(Math.abs(given - exactShare)).to.be.below(1);
              });
            },
          ),
        );
      });
    });
  });

  describe('kopecksFromRoubles', () => {
    it('when given float noise like 0.1 + 0.2, then it returns the intended kopecks', () => {
      expect(kopecksFromRoubles(0.1 + 0.2)).to.equal(30);
      expect(kopecksFromRoubles(1.1 * 3)).to.equal(330);
    });

    it('when the third decimal is exactly 5, then it rounds half away from zero', () => {
      expect(kopecksFromRoubles(1.005)).to.equal(101);
      expect(kopecksFromRoubles(2.675)).to.equal(268);
      expect(kopecksFromRoubles(-1.005)).to.equal(-101);
      expect(kopecksFromRoubles(0.125)).to.equal(13);
    });

    it('when below half a kopeck, then it rounds down and never returns -0', () => {
      expect(kopecksFromRoubles(1.004)).to.equal(100);
      expect(Object.is(kopecksFromRoubles(-0.001), 0)).to.equal(true);
      expect(Object.is(kopecksFromRoubles(-0), 0)).to.equal(true);
    });

    it('when given NaN or Infinity, then it throws RangeError', () => {
      expect(() => kopecksFromRoubles(Number.NaN)).to.throw(RangeError);
      expect(() => kopecksFromRoubles(Number.POSITIVE_INFINITY)).to.throw(RangeError);
    });

    it('when kopecks go to roubles and back, then nothing is lost', () => {
      fc.assert(
        fc.property(fc.integer({ min: -1e12, max: 1e12 }), (kopecks) => {
          expect(kopecksFromRoubles(roublesFromKopecks(kopecks))).to.equal(kopecks);
        }),
      );
    });

    it('when roubles are summed in floats, then converting the sum equals summing the kopecks', () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: 10_000_000 }), { maxLength: 30 }), (kopecks) => {
          const roubleSum = kopecks.reduce((sum, k) => sum + roublesFromKopecks(k), 0);
          expect(kopecksFromRoubles(roubleSum)).to.equal(kopecks.reduce((s, k) => s + k, 0));
        }),
      );
    });
  });

  describe('roublesFromKopecks', () => {
    it('when given kopecks, then it returns roubles', () => {
      expect(roublesFromKopecks(12_345)).to.equal(123.45);
      expect(roublesFromKopecks(-5)).to.equal(-0.05);
      expect(roublesFromKopecks(0)).to.equal(0);
    });

    it('when given a fraction of a kopeck, then it throws RangeError', () => {
      expect(() => roublesFromKopecks(1.5)).to.throw(RangeError);
    });
  });

  describe('quantityMilliFrom', () => {
    it('when given a МойСклад quantity, then it returns thousandths', () => {
      expect(quantityMilliFrom(0.537)).to.equal(537);
      expect(quantityMilliFrom(3)).to.equal(3000);
      expect(quantityMilliFrom(0.1 + 0.2)).to.equal(300);
      expect(quantityMilliFrom(1.0005)).to.equal(1001);
      expect(quantityMilliFrom(1.2344)).to.equal(1234);
    });
  });
});

function countBy<K>(keys: readonly K[]): Map<K, number> {
  const counts = new Map<K, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}
