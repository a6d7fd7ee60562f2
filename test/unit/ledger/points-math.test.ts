import { expect } from 'chai';
import fc from 'fast-check';
import { pointsToEarn, receiptText } from '../../../app/ledger/points-math.js';
import { DEFAULT_LEDGER_RULES, type LedgerRules } from '../../../app/ledger/rules.js';
import { MAX_RECEIPT_KOPECKS } from '../../../app/receipt/bounds.js';
import { kopecksForPoints, maxPointsForReceipt, pointsToSpend, spendStepPoints } from '../../../app/receipt/points.js';

const rules = (over: Partial<LedgerRules>): LedgerRules => ({ ...DEFAULT_LEDGER_RULES, ...over });

describe('points math', () => {
  it('when points per rouble is 3, 4 or 7, then points are spent in steps that map to whole kopecks', () => {
    expect([3, 4, 7, 1, 200].map((r) => spendStepPoints(rules({ spendRatePointsToRouble: r })))).to.deep.equal([
      3, 1, 7, 1, 2,
    ]);
    expect(kopecksForPoints(9, rules({ spendRatePointsToRouble: 3 }))).to.equal(300);
    expect(kopecksForPoints(1, rules({ spendRatePointsToRouble: 4 }))).to.equal(25);
  });

  it('when any spend is chosen, then its kopecks are exact and within the receipt limit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 0, max: 100 }),
        fc.nat(10_000_000),
        fc.nat(1_000_000),
        fc.option(fc.nat(1_000_000)),
        (rate, percent, total, spendable, wanted) => {
          const r = rules({ spendRatePointsToRouble: rate, maxPaidRatePercents: percent });
          const points = pointsToSpend(wanted ?? undefined, spendable, total, r);
          expect((points * 100) % rate).to.equal(0);
          expect(points).to.be.at.most(Math.min(spendable, wanted ?? Infinity, maxPointsForReceipt(total, r)));
          expect(kopecksForPoints(points, r)).to.be.at.most(Math.floor((total * percent) / 100));
        },
      ),
    );
  });

  it('when the receipt total and the points rate are at their bounds, then the points maths stays exact', () => {
    // kopecks × rate reaches 1e16 here, past 2^53: the reference is computed in BigInt.
    const exact = (a: number, b: number, c: number) => Number((BigInt(a) * BigInt(b)) / BigInt(c));
    fc.assert(
      fc.property(
        fc.integer({ min: 9_000_000_000, max: MAX_RECEIPT_KOPECKS }),
        fc.integer({ min: 900_000, max: 1_000_000 }),
        fc.integer({ min: 90, max: 100 }),
        (total, rate, percent) => {
          const r = rules({ spendRatePointsToRouble: rate, maxPaidRatePercents: percent });
          const step = spendStepPoints(r);
          const points = Math.floor(exact(exact(total, percent, 100), rate, 100) / step) * step;
          expect(maxPointsForReceipt(total, r)).to.equal(points);
          expect(kopecksForPoints(points, r)).to.equal(exact(points, 100, rate));
        },
      ),
    );
  });

  it('when a receipt spends points, then it earns only if earnWhileRedeeming', () => {
    expect(pointsToEarn(70_00, 5, rules({ earnRateRoublesToPoint: 7 }))).to.equal(0);
    expect(pointsToEarn(70_00, 5, rules({ earnRateRoublesToPoint: 7, earnWhileRedeeming: true }))).to.equal(10);
    expect(pointsToEarn(69_99, 0, rules({ earnRateRoublesToPoint: 7 }))).to.equal(9);
  });

  it('when the template has placeholders, then they are filled', () => {
    expect(
      receiptText('{balance}/{earned}/{spent}/{balanceAfter}', { balance: 1, earned: 2, spent: 3, balanceAfter: 0 }),
    ).to.equal('1/2/3/0');
  });
});
