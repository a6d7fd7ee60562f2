import { expect } from 'chai';
import fc from 'fast-check';
import { lineAmountKopecks, receiptTotalKopecks, type ReceiptPosition } from '../../../app/receipt/positions.js';
import {
  ALLOWED,
  DEFAULT_RESTRICTION_SETTINGS,
  allowedTotalKopecks,
  discountAllowedLines,
  earningFullKopecks,
  earningPaidKopecks,
  lineRuleFor,
  restrictionNote,
  withRestrictionNote,
  type LineRule,
  type ProductFlags,
} from '../../../app/receipt/restrictions.js';

const plain: ProductFlags = { trackingType: 'NOT_TRACKED', discountProhibited: false, folderIds: ['f-food'] };
const TOBACCO: LineRule = { discount: false, earn: false, reason: 'law' };

function line(priceKopecks: number, quantityMilli = 1000, rule?: LineRule): ReceiptPosition {
  return { quantityMilli, priceKopecks, echo: { name: `p${priceKopecks}` }, ...(rule ? { rule } : {}) };
}

describe('restricted goods', () => {
  describe('lineRuleFor', () => {
    it('when a product is tobacco, alternative tobacco or nicotine, then it is never discounted and by default earns nothing', () => {
      for (const trackingType of ['TOBACCO', 'OTP', 'NCP']) {
        expect(lineRuleFor({ ...plain, trackingType }, DEFAULT_RESTRICTION_SETTINGS), trackingType).to.deep.equal({
          discount: false,
          earn: false,
          reason: 'law',
        });
      }
    });

    it('when discounts are prohibited on the card, then it is not discounted but by default still earns', () => {
      expect(lineRuleFor({ ...plain, discountProhibited: true }, DEFAULT_RESTRICTION_SETTINGS)).to.deep.equal({
        discount: false,
        earn: true,
        reason: 'prohibited',
      });
    });

    it('when the owner excludes a tracking type or a folder above the product, then the line is restricted by the owner', () => {
      const settings = {
        ...DEFAULT_RESTRICTION_SETTINGS,
        excludedTrackingTypes: ['BEER_ALCOHOL'],
        excludedFolderIds: ['f-drinks'],
      };
      expect(lineRuleFor({ ...plain, trackingType: 'BEER_ALCOHOL' }, settings).reason).to.equal('owner');
      expect(lineRuleFor({ ...plain, folderIds: ['f-cola', 'f-drinks'] }, settings)).to.deep.equal({
        discount: false,
        earn: true,
        reason: 'owner',
      });
      expect(lineRuleFor(plain, settings)).to.deep.equal(ALLOWED);
    });

    it('when the owner lets restricted lines earn, then each kind follows its own switch', () => {
      const settings = { ...DEFAULT_RESTRICTION_SETTINGS, earnOnLawRestricted: true, earnOnOtherRestricted: false };
      expect(lineRuleFor({ ...plain, trackingType: 'TOBACCO' }, settings).earn).to.equal(true);
      expect(lineRuleFor({ ...plain, discountProhibited: true }, settings).earn).to.equal(false);
    });

    it('when nothing is known about a product, then it is treated like tobacco and marked unknown', () => {
      expect(lineRuleFor(undefined, DEFAULT_RESTRICTION_SETTINGS)).to.deep.equal({
        discount: false,
        earn: false,
        reason: 'unknown',
      });
    });
  });

  describe('amounts over allowed lines', () => {
    it('when a receipt mixes lines, then the allowed total, the earning basis and the paid earning sum skip the right lines', () => {
      const prohibited: LineRule = { discount: false, earn: true, reason: 'prohibited' };
      const positions = [line(10_000), line(20_000, 2000, TOBACCO), line(5_000, 1000, prohibited)];
      expect(allowedTotalKopecks(positions)).to.equal(10_000);
      expect(earningFullKopecks(positions)).to.equal(15_000);
      const discounted = discountAllowedLines(positions, 3_000);
      expect(earningPaidKopecks(discounted)).to.equal(7_000 + 5_000);
    });
  });

  describe('discountAllowedLines', () => {
    it('when a discount is spread, then restricted lines keep their price and 0 % and stay in place', () => {
      const positions = [line(30_000, 1000, TOBACCO), line(10_000), line(10_000, 3000)];
      const lines = discountAllowedLines(positions, 4_000);
      expect(lines[0]).to.include({ priceKopecks: 30_000, discountedPriceKopecks: 30_000, discountPercent: 0 });
      expect(lines[0]!.rule).to.deep.equal(TOBACCO);
      expect(lines.slice(1).map((l) => l.echo.name)).to.deep.equal(['p10000', 'p10000']);
      const given =
        receiptTotalKopecks(positions) -
        lines.reduce((s, l) => s + lineAmountKopecks(l.quantityMilli, l.discountedPriceKopecks), 0);
      expect(given).to.equal(4_000);
    });

    it('when the discount exceeds what the allowed lines cost, then it is refused as a bug', () => {
      expect(() => discountAllowedLines([line(10_000), line(50_000, 1000, TOBACCO)], 10_001)).to.throw(RangeError);
    });

    it('property: random receipts never discount a restricted line, and the discount given is exactly the one asked', () => {
      const position = fc.record({
        quantityMilli: fc.integer({ min: 1, max: 20_000 }),
        priceKopecks: fc.integer({ min: 0, max: 500_000 }),
        restricted: fc.constantFrom<LineRule | undefined>(
          undefined,
          ALLOWED,
          TOBACCO,
          { discount: false, earn: true, reason: 'prohibited' },
          { discount: false, earn: false, reason: 'unknown' },
        ),
      });
      fc.assert(
        fc.property(
          fc.array(position, { minLength: 1, maxLength: 12 }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          (raw, share) => {
            const positions = raw.map((p) => line(p.priceKopecks, p.quantityMilli, p.restricted));
            const allowed = allowedTotalKopecks(positions);
            const discount = Math.floor(allowed * share);
            const lines = discountAllowedLines(positions, discount);
            for (const l of lines) {
              if (l.rule?.discount === false) {
                expect(l.discountedPriceKopecks).to.equal(l.priceKopecks);
                expect(l.discountPercent).to.equal(0);
              }
            }
            const paid = lines.reduce((s, l) => s + lineAmountKopecks(l.quantityMilli, l.discountedPriceKopecks), 0);
            expect(receiptTotalKopecks(positions) - paid).to.equal(discount);
            const restrictedQuantity = (ls: readonly { quantityMilli: number; rule?: LineRule }[]) =>
              ls.filter((l) => l.rule?.discount === false).reduce((s, l) => s + l.quantityMilli, 0);
            expect(restrictedQuantity(lines)).to.equal(restrictedQuantity(positions));
          },
        ),
        { numRuns: 300 },
      );
    });
  });

  describe('the receipt note', () => {
    it('when no line was left out, then nothing is added', () => {
      expect(restrictionNote([line(100), line(200, 1000, ALLOWED)])).to.equal(undefined);
      expect(withRestrictionNote('Баллов было: 5.', [line(100)])).to.equal('Баллов было: 5.');
    });

    it('when lines were left out, then one short line says how many and why', () => {
      const unknown: LineRule = { discount: false, earn: false, reason: 'unknown' };
      expect(restrictionNote([line(1, 1000, TOBACCO), line(2, 1000, TOBACCO), line(3)])).to.equal(
        'Скидка баллами не применяется к 2 поз.: табак или товары без скидок.',
      );
      expect(restrictionNote([line(1, 1000, unknown)])).to.equal(
        'Скидка не применена к 1 поз.: не удалось проверить товар в МоёмСкладе.',
      );
      expect(restrictionNote([line(1, 1000, unknown), line(1, 1000, TOBACCO)])).to.equal(
        'Скидка не применена к 2 поз.: табак или товары без скидок, 1 из них не удалось проверить.',
      );
      expect(withRestrictionNote('Было: 5.', [line(1, 1000, TOBACCO)])).to.equal(
        'Было: 5.\nСкидка баллами не применяется к 1 поз.: табак или товары без скидок.',
      );
    });
  });
});
