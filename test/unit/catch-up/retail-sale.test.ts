import { expect } from 'chai';
import { readSale } from '../../../app/catch-up/retail-sale.js';
import { priceAfterPercentKopecks } from '../../../app/receipt/money.js';

const API = 'https://api.moysklad.ru/api/remap/1.2';
const PRODUCT = '7944ef04-f831-11e5-7a69-971500188b19';
const AGENT = '12a8b923-692c-11e6-8a84-bae50000005e';

function row(positions: unknown[] | undefined, extra: Record<string, unknown> = {}) {
  return {
    id: '0b71daec-055e-11e6-9464-e4de0000007e',
    name: '00001',
    moment: '2016-04-18 15:06:00.000',
    agent: { meta: { href: `${API}/entity/counterparty/${AGENT}`, type: 'counterparty' } },
    retailStore: { meta: { href: `${API}/entity/retailstore/4c9c1b4c-0000-11e9-0000-000000000001` } },
    cashSum: 27_000,
    noCashSum: 0,
    positions: positions === undefined ? { meta: { size: 0 } } : { meta: { size: positions.length }, rows: positions },
    ...extra,
  };
}
const line = (price: number, discount: number, quantity = 1) => ({
  quantity,
  price,
  discount,
  assortment: { meta: { href: `${API}/entity/product/${PRODUCT}`, type: 'product' } },
});

describe('A retail sale read from the JSON API for catch-up', () => {
  it('when a line has its own discount, then the paid price is in kopecks, half up, and a markup is no discount', () => {
    expect(priceAfterPercentKopecks(30_000, 10)).to.equal(27_000);
    expect(priceAfterPercentKopecks(999, 33.33)).to.equal(666); // 666.03
    expect(priceAfterPercentKopecks(1, 50)).to.equal(1); // 0.5 kopeck rounds up
    expect(priceAfterPercentKopecks(10_000, 100)).to.equal(0);
    const sale = readSale(row([line(30_000, 10, 2), line(10_000, -5)]))!;
    expect(
      sale.request!.positions.map((p) => [p.quantityMilli, p.priceKopecks, p.discountedPriceKopecks]),
    ).to.deep.equal([
      [2000, 30_000, 27_000],
      [1000, 10_000, 10_000],
    ]);
  });

  it('when the sale is read, then it is keyed by its МойСклад id, names the counterparty, and spends nothing', () => {
    const sale = readSale(row([line(30_000, 0)]))!;
    expect(sale).to.include({ id: row([]).id, name: '00001', moment: '2016-04-18 15:06:00', counterpartyId: AGENT });
    expect(sale.request).to.include({
      saleKey: row([]).id,
      msId: row([]).id,
      retailStoreId: '4c9c1b4c-0000-11e9-0000-000000000001',
      pointsToSpend: 0,
      cashKopecks: 27_000,
    });
    expect(sale.request!.agent).to.deep.equal({ id: AGENT });
    expect(sale.request!.positions[0]!.echo).to.deep.equal({ assortment: line(0, 0).assortment });
  });

  it('when the positions were not expanded or the sale has no customer, then there is no receipt or no counterparty', () => {
    expect(readSale(row(undefined))!.request).to.equal(undefined);
    expect(readSale(row([line(100, 0)], { agent: undefined }))!.counterpartyId).to.equal(undefined);
    expect(readSale(row([line(100, 0)], { moment: 'yesterday' }))).to.equal(undefined);
  });
});
