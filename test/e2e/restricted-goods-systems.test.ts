import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { FakeProduct } from '../fakes/moysklad-fake.js';
import { FAKE_POINT, startGeneralApiFake, type GeneralApiFake } from '../fakes/general-api-fake.js';
import { startIBonusFake, type IBonusFake } from '../fakes/ibonus-fake.js';
import { counterpartyMeta, retailStore } from '../helpers/tenants.js';
import { goodsLine, jsonApiCallsSince, startMoyskladWorld, type MoyskladWorld } from '../helpers/moysklad-world.js';
import { waitFor } from '../helpers/wait-for.js';
import { saleFromRecalc, sumKopecks } from './provider-documents.js';

const TOBACCO: FakeProduct = { id: randomUUID(), name: 'Сигареты', trackingType: 'TOBACCO' };
const NO_DISCOUNT: FakeProduct = { id: randomUUID(), name: 'Хлеб по акции', discountProhibited: true };
const COFFEE: FakeProduct = { id: randomUUID(), name: 'Кофе' };
const PRODUCTS = [TOBACCO, NO_DISCOUNT, COFFEE];

describe('Restricted goods in every loyalty system (fake МойСклад and providers)', () => {
  let w: MoyskladWorld;
  afterEach(async () => w?.close());

  describe('the general REST API', () => {
    let general: GeneralApiFake;
    beforeEach(async () => {
      general = await startGeneralApiFake({ apiKey: 'key' });
      w = await startMoyskladWorld(
        { products: PRODUCTS },
        { OUTBOX_RETRY_BASE_MS: '30', OUTBOUND_ALLOW_HOSTS: '127.0.0.1' },
      );
      w.configure(
        'general',
        {
          general: { baseUrl: general.url, defaultPoint: FAKE_POINT },
          storePoints: { [retailStore.meta.id]: FAKE_POINT },
        },
        { general: { apiKey: 'key' } },
      );
      await w.t.services.catalog.fill(w.account.accountId);
      w.t.services.outboxWorker.start();
    });
    afterEach(async () => general.close());

    it('when a receipt has tobacco and a line with discounts prohibited, then the provider is asked about the coffee only, and the sale counts the lines that earn', async () => {
      const agent = { meta: counterpartyMeta(), phone: '+7 920 123-45-67' };
      const positions = [
        goodsLine(w.fake, TOBACCO, 300),
        goodsLine(w.fake, NO_DISCOUNT, 100),
        goodsLine(w.fake, COFFEE, 400),
      ];
      const res = await w.till.post('/retaildemand/recalc', {
        retailStore,
        agent,
        positions,
        bonusProgram: { transactionType: 'SPENDING' },
      });
      expect(res.status, JSON.stringify(res.data)).to.equal(200);
      // 50 % of the coffee's 400 ₽ at most; the 878 points would cover far more.
      expect(general.state.amounts).to.deep.equal([
        { call: 'recalc', client: 'client-cashback', amount: 400 },
        { call: 'hold', client: 'client-cashback', amount: 200 },
      ]);
      const answer = res.data;
      expect(answer.positions.map((p: { discountedPrice: number }) => p.discountedPrice)).to.deep.equal([
        300, 100, 200,
      ]);
      expect(answer.bonusProgram.paidByBonusPoints).to.equal(200);
      expect(sumKopecks(answer.positions, 'price') - sumKopecks(answer.positions)).to.equal(200_00);

      const sale = await w.till.post('/retaildemand', {
        ...saleFromRecalc(answer, agent.meta.id),
        agent,
      });
      expect(sale.status, JSON.stringify(sale.data)).to.equal(201);
      await waitFor('the sale reaches the provider', () => general.state.retails.length === 1);
      // Tobacco earns nothing by default; the line with discounts prohibited still earns.
      expect(general.state.amounts.at(-1)).to.deep.equal({ call: 'retail', client: 'client-cashback', amount: 500 });
    });
  });

  describe('i-bonus', () => {
    let ibonus: IBonusFake;
    beforeEach(async () => {
      ibonus = await startIBonusFake({ login: 'shop', password: 'secret' });
      ibonus.state.clients.push({
        id: 7,
        name: 'Ольга',
        phone: '79123456789',
        email: 'olga@example.ru',
        points: 5000,
        coupons: [],
      });
      w = await startMoyskladWorld(
        { products: PRODUCTS },
        { OUTBOX_RETRY_BASE_MS: '30', OUTBOUND_ALLOW_HOSTS: '127.0.0.1' },
      );
      w.configure(
        'ibonus',
        { ibonus: { baseUrl: ibonus.url, maxPaidRatePercents: 50, spendRatePointsToRouble: 1 } },
        { ibonus: { login: 'shop', password: 'secret' } },
      );
      await w.t.services.catalog.fill(w.account.accountId);
      w.t.services.outboxWorker.start();
    });
    afterEach(async () => ibonus.close());

    it('when a receipt has tobacco, then at most half of the other lines is spent and i-bonus is sent exactly that', async () => {
      const agent = { meta: counterpartyMeta(), phone: '+7 912 345-67-89' };
      const res = await w.till.post('/retaildemand/recalc', {
        retailStore,
        agent,
        positions: [goodsLine(w.fake, TOBACCO, 1000), goodsLine(w.fake, COFFEE, 400)],
        bonusProgram: { transactionType: 'SPENDING' },
      });
      expect(res.status, JSON.stringify(res.data)).to.equal(200);
      expect(res.data.bonusProgram.bonusValueToSpend).to.equal(200);
      expect(res.data.positions[0]).to.include({ discountedPrice: 1000, discountPercent: 0 });
      const sale = await w.till.post('/retaildemand', { ...saleFromRecalc(res.data, agent.meta.id), agent });
      expect(sale.status, JSON.stringify(sale.data)).to.equal(201);
      await waitFor('the order reaches i-bonus', () => ibonus.state.amounts.length === 1);
      expect(ibonus.state.amounts[0]).to.include({ receiptType: 'sale', points: 200, itemsRoubles: 1400 });
    });
  });

  describe('the built-in ledger and the program audience', () => {
    const vip = { id: randomUUID(), name: 'Вера', tags: ['vip'] };
    const plain = { id: randomUUID(), name: 'Пётр', tags: ['опт'] };
    beforeEach(async () => {
      w = await startMoyskladWorld({ products: PRODUCTS, counterparties: [vip, plain] });
      w.configure('ledger', { ledger: { allAgents: false, agentTags: ['VIP'], earnRateRoublesToPoint: 1 } });
      await w.t.services.catalog.fill(w.account.accountId);
    });

    const earn = async (counterpartyId: string) => {
      const res = await w.till.post('/retaildemand/recalc', {
        retailStore,
        agent: { meta: counterpartyMeta(counterpartyId) },
        positions: [goodsLine(w.fake, COFFEE, 100)],
        bonusProgram: { transactionType: 'EARNING' },
      });
      expect(res.status, JSON.stringify(res.data)).to.equal(200);
      return res.data.bonusProgram;
    };

    it('when a customer carries the program tag in МойСклад, then they earn; one without it earns nothing', async () => {
      expect((await earn(vip.id)).bonusValueToEarn).to.equal(100);
      expect(await earn(plain.id)).to.include({
        bonusValueToEarn: 0,
        receiptExtraInfo: 'Покупатель не участвует в бонусной программе: баллы не начисляются и не списываются.',
      });
    });

    it('when МойСклад does not answer about a customer in time, then the receipt comes within the till’s patience, outside the program', async () => {
      const stranger = randomUUID();
      w.fake.failNext({ method: 'GET', pathEnds: `/entity/counterparty/${stranger}`, answer: 'hang' });
      expect(await earn(stranger)).to.include({ bonusValueToEarn: 0 });
    });

    it('when the customer was asked about once, then the next receipt does not ask МойСклад again', async () => {
      await earn(vip.id);
      const before = w.fake.state.requests.length;
      await earn(vip.id);
      expect(jsonApiCallsSince(w.fake, before)).to.deep.equal([]);
    });
  });
});
