import { expect } from 'chai';
import type { SaleRequest } from '../../../app/loyalty/backend.js';
import { saleDigest } from '../../../app/loyalty/sale-repeat.js';

const sale = (rule?: { discount: boolean; earn: boolean; reason?: 'unknown' | 'law' }): SaleRequest => ({
  saleKey: 's-1',
  name: '00001',
  positions: [
    {
      quantityMilli: 1000,
      priceKopecks: 10_000,
      discountedPriceKopecks: 10_000,
      discountPercent: 0,
      echo: { assortment: { meta: { id: 'p-1' } } },
      ...(rule ? { rule } : {}),
    },
  ],
  pointsToSpend: 0,
  pointsToEarn: 0,
  cashKopecks: 10_000,
  noCashKopecks: 0,
  giftCards: [],
});

describe('Sale repeats', () => {
  it('when two sends differ only in the restricted-goods rule we gave a line, then their digests are equal', () => {
    expect(saleDigest(sale({ discount: false, earn: false, reason: 'unknown' }))).to.equal(saleDigest(sale()));
  });

  it('when two sends differ in what the till sent, then their digests differ', () => {
    const other = sale();
    other.positions[0]!.priceKopecks = 20_000;
    expect(saleDigest(other)).to.not.equal(saleDigest(sale()));
  });
});
