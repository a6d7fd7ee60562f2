import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { GiftCards } from '../../../app/ledger/gift-cards.js';
import { counterpartyMeta, createTestTenant, position, retailStore, type TestTenant } from '../../helpers/tenants.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';

/**
 * Shapes the official pages show and real tills send, which a stricter schema could easily refuse:
 * `agent: {}`, an agent as {href, id} without meta (changelog 2021-04-19), and gift-card sums as strings
 * (the page's own example has "currentBalance": "1000").
 */
describe('LoyaltyAPI accepts the loose shapes МойСклад really sends', () => {
  let t: TestApp;
  let shop: TestTenant;
  let msId: string;
  const href = (id: string) => `https://api.moysklad.ru/api/remap/1.2/entity/counterparty/${id}`;
  const balance = async () =>
    (await shop.api.post('/counterparty/detail', { retailStore, meta: counterpartyMeta(msId) })).data.bonusProgram
      .agentBonusBalance as number;
  const sale = (extra: Record<string, unknown>) =>
    shop.api.post('/retaildemand', {
      retailStore,
      meta: counterpartyMeta(randomUUID()),
      positions: [position(500)],
      cashSum: 500,
      noCashSum: 0,
      ...extra,
    });

  before(async () => {
    t = await startTestApp();
    shop = createTestTenant(t, { earnRateRoublesToPoint: 10 });
    msId = randomUUID();
    await shop.api.post('/counterparty', { retailStore, meta: counterpartyMeta(msId), name: 'Гость' });
  });
  after(() => t.close());

  it('when the agent is {}, then a recalc is a receipt without loyalty and a sale is recorded as anonymous', async () => {
    const recalc = await shop.api.post('/retaildemand/recalc', {
      retailStore,
      agent: {},
      positions: [position(500)],
      bonusProgram: { transactionType: 'EARNING' },
    });
    expect(recalc.status, JSON.stringify(recalc.data)).to.equal(200);
    expect(recalc.data.bonusProgram).to.include({ bonusValueToEarn: 0, paidByBonusPoints: 0 });
    expect((await sale({ agent: {} })).status).to.equal(201);
    expect(await balance()).to.equal(0);
  });

  it('when the agent is {href, id} without meta, then a sale and a return find the customer', async () => {
    const saleId = randomUUID();
    const goods = position(500);
    const sold = await sale({
      meta: counterpartyMeta(saleId),
      agent: { href: href(msId), id: msId },
      positions: [goods],
    });
    expect(sold.status, JSON.stringify(sold.data)).to.equal(201);
    expect(await balance()).to.equal(50);
    const returned = await shop.api.post('/retailsalesreturn', {
      retailStore,
      meta: counterpartyMeta(randomUUID()),
      demand: { meta: { href: '', id: saleId } },
      agent: { href: href(msId), id: msId },
      positions: [goods],
      cashSum: 500,
      noCashSum: 0,
    });
    expect(returned.status, JSON.stringify(returned.data)).to.equal(201);
    expect(await balance()).to.equal(0);
  });

  it('when a return comes with agent {} and an empty demand, then it is taken and kept for support', async () => {
    const res = await shop.api.post('/retailsalesreturn', {
      retailStore,
      meta: { href: '', id: '' },
      demand: { meta: { href: '', id: '' } },
      agent: {},
      positions: [position(100)],
      cashSum: 100,
      noCashSum: 0,
    });
    expect(res.status, JSON.stringify(res.data)).to.equal(201);
  });

  it('when a gift-card sum arrives as a string, then it is read as the number it spells', async () => {
    new GiftCards().issue(t.storage.db, shop.accountId, { number: 'GC-STR', initialKopecks: 5_000 });
    const res = await sale({ giftCards: [{ id: randomUUID(), name: 'GC-STR', paymentSum: '1000' }] });
    expect(res.status, JSON.stringify(res.data)).to.equal(201);
    const card = await shop.api.get('/giftcard', { params: { name: 'GC-STR', retailStoreId: retailStore.meta.id } });
    expect(card.data).to.include({ status: 'PARTIALLY_REDEEMED', currentBalance: 4_000, initialBalance: 5_000 });
  });
});
