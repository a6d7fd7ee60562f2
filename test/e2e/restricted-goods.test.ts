import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { catalogRepository } from '../../app/catalog/catalog-repository.js';
import { logPage } from '../../app/txlog/log-query.js';
import type { FakeProduct } from '../fakes/moysklad-fake.js';
import { counterpartyMeta, retailStore } from '../helpers/tenants.js';
import { goodsLine, jsonApiCallsSince, startMoyskladWorld, type MoyskladWorld } from '../helpers/moysklad-world.js';
import { waitFor } from '../helpers/wait-for.js';

const TOBACCO_FOLDER = randomUUID();
const CIGARETTES: FakeProduct = {
  id: randomUUID(),
  name: 'Сигареты',
  trackingType: 'TOBACCO',
  folderId: TOBACCO_FOLDER,
};
const COFFEE: FakeProduct = { id: randomUUID(), name: 'Кофе', trackingType: 'NOT_TRACKED' };
const BEER: FakeProduct = { id: randomUUID(), name: 'Пиво', trackingType: 'BEER_ALCOHOL' };
const VAPE: FakeProduct = { id: randomUUID(), name: 'Жидкость', trackingType: 'NCP', syncId: randomUUID() };

describe('Restricted goods end to end (fake МойСклад)', () => {
  let w: MoyskladWorld;
  const accountId = () => w.account.accountId;
  const calls = () => w.fake.state.requests.length;
  const recalc = async (positions: unknown[], extra: Record<string, unknown> = {}) => {
    const res = await w.till.post('/retaildemand/recalc', {
      retailStore,
      agent: { meta: counterpartyMeta(), phone: '+7 900 000-00-01' },
      positions,
      bonusProgram: { transactionType: 'EARNING' },
      ...extra,
    });
    expect(res.status, JSON.stringify(res.data)).to.equal(200);
    return res.data as {
      positions: Array<{ price: number; discountedPrice: number; discountPercent: number; quantity: number }>;
      bonusProgram: Record<string, unknown>;
    };
  };
  /** A customer with `points` on the ledger, spendable now. */
  const customerWith = async (points: number) => {
    const agent = {
      meta: counterpartyMeta(),
      phone: `+7 900 ${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`,
    };
    const sale = await w.till.post('/retaildemand', {
      retailStore,
      meta: { href: '', id: randomUUID() },
      agent,
      positions: [goodsLine(w.fake, COFFEE, points)],
      cashSum: points,
      noCashSum: 0,
    });
    expect(sale.status, JSON.stringify(sale.data)).to.equal(201);
    return agent;
  };

  afterEach(async () => w.close());

  describe('the cache', () => {
    beforeEach(async () => {
      const products: FakeProduct[] = [CIGARETTES, COFFEE, BEER, VAPE];
      for (let i = 0; i < 2500; i += 1) products.push({ id: randomUUID(), name: `Товар ${i}` });
      w = await startMoyskladWorld({
        products,
        folders: [{ id: TOBACCO_FOLDER, name: 'Табак' }],
        variants: [
          { id: randomUUID(), productId: CIGARETTES.id, name: 'Сигареты (мягкая пачка)', syncId: randomUUID() },
        ],
      });
    });

    it('when the cache is filled, then products are paged 1000 at a time, variants and folders are read, and changes are subscribed to', async () => {
      expect(await w.t.services.catalog.fill(accountId())).to.equal('filled');
      const pages = w.fake.state.requests.filter((r) => r.path.endsWith('/entity/product')).map((r) => r.query);
      expect(pages).to.deep.equal([
        { limit: '1000', offset: '0', filter: 'archived=true;archived=false' },
        { limit: '1000', offset: '1000', filter: 'archived=true;archived=false' },
        { limit: '1000', offset: '2000', filter: 'archived=true;archived=false' },
      ]);
      expect(catalogRepository.sizes(w.t.storage.db, accountId())).to.deep.equal({ product: 2504, variant: 1 });
      expect(w.account.webhooks.map((h) => `${h.entityType} ${h.action}`).sort()).to.deep.equal([
        'product CREATE',
        'product DELETE',
        'product UPDATE',
        'productfolder CREATE',
        'productfolder DELETE',
        'productfolder UPDATE',
        'variant CREATE',
        'variant DELETE',
      ]);
      expect(new Set(w.account.webhooks.map((h) => h.url)).size).to.equal(1);
      // A second fill finds its webhooks and creates none.
      await w.t.services.catalog.requestFill(accountId());
      expect(await w.t.services.catalog.fill(accountId())).to.equal('filled');
      expect(w.account.webhooks).to.have.length(8);
    });

    it('when МойСклад answers 429 in the middle of a fill, then the page is asked again after its pause and the fill completes', async () => {
      w.fake.rateLimitNext('GET', '/entity/product', 20);
      expect(await w.t.services.catalog.fill(accountId())).to.equal('filled');
      expect(catalogRepository.sizes(w.t.storage.db, accountId()).product).to.equal(2504);
    });

    it('when two processes fill the same tenant at once, then one fills and the other finds it claimed', async () => {
      const outcomes = await Promise.all([
        w.t.services.catalog.fill(accountId()),
        w.t.services.catalog.fill(accountId()),
      ]);
      expect(outcomes.sort()).to.deep.equal(['busy', 'filled']);
    });

    it('when a fill fails half-way, then what was read stays, the error is recorded and the fill is tried again later', async () => {
      w.fake.failNext({ method: 'GET', pathEnds: '/entity/variant', answer: 500 });
      const before = Date.now();
      expect(await w.t.services.catalog.fill(accountId())).to.equal('failed');
      const state = catalogRepository.syncState(w.t.storage.db, accountId())!;
      expect(state).to.include({ filledAt: null, claimedUntil: null });
      expect(state.lastError).to.contain('HTTP 500');
      expect(state.nextRunAt - before).to.be.within(10 * 60_000 - 1000, 11 * 60_000);
      expect(catalogRepository.sizes(w.t.storage.db, accountId()).product).to.equal(2504);
    });

    it('when a variant is not in the cache, then it is read with its product and takes the product’s flags', async () => {
      const variant = w.account.variants[0]!;
      const before = calls();
      const answer = await recalc([goodsLine(w.fake, { id: variant.id, type: 'variant' }, 200)]);
      expect(jsonApiCallsSince(w.fake, before)).to.deep.equal([`GET /entity/variant/${variant.id}`]);
      expect(w.fake.state.requests.at(-1)!.query).to.deep.equal({ expand: 'product' });
      expect(answer.bonusProgram.receiptExtraInfo).to.contain('табак или товары без скидок');
      expect(catalogRepository.goodsByIds(w.t.storage.db, accountId(), [variant.id, CIGARETTES.id])).to.have.length(2);
    });

    it('when a product the cache knows is sold, then recalc asks МойСклад nothing; tobacco and its variant are not discounted', async () => {
      await w.t.services.catalog.fill(accountId());
      const agent = await customerWith(1000);
      const before = calls();
      const variant = w.account.variants[0]!;
      const answer = await recalc(
        [
          goodsLine(w.fake, CIGARETTES, 200),
          goodsLine(w.fake, { id: variant.id, type: 'variant' }, 200),
          goodsLine(w.fake, COFFEE, 400),
        ],
        { agent, bonusProgram: { transactionType: 'SPENDING' } },
      );
      expect(jsonApiCallsSince(w.fake, before)).to.deep.equal([]);
      expect(answer.positions[0]).to.include({ discountedPrice: 200, discountPercent: 0 });
      expect(answer.positions[1]).to.include({ discountedPrice: 200, discountPercent: 0 });
      expect(answer.positions[2]!.discountedPrice).to.be.below(400);
      expect(answer.bonusProgram.paidByBonusPoints).to.equal(400 - answer.positions[2]!.discountedPrice);
      expect(answer.bonusProgram.receiptExtraInfo).to.contain('Скидка баллами не применяется к 2 поз.');
    });

    it('when the till names goods by sync id, then a product is found by the syncId filter and a listed variant by its syncId', async () => {
      await w.t.services.catalog.fill(accountId());
      const variant = w.account.variants[0]!;
      // A product created at the till after the fill: known to МойСклад only by its syncId so far.
      const created: FakeProduct = { id: randomUUID(), name: 'Снюс', trackingType: 'NCP', syncId: randomUUID() };
      w.account.products.push(created);
      const before = calls();
      const answer = await recalc([
        goodsLine(w.fake, { id: created.syncId!, sync: true }, 300),
        goodsLine(w.fake, { id: variant.syncId!, type: 'variant', sync: true }, 200),
        goodsLine(w.fake, { id: VAPE.syncId!, sync: true }, 100),
      ]);
      expect(jsonApiCallsSince(w.fake, before)).to.deep.equal(['GET /entity/product']);
      expect(w.fake.state.requests.at(-1)!.query).to.include({ filter: `syncId=${created.syncId}` });
      expect(answer.bonusProgram.receiptExtraInfo).to.contain('Скидка баллами не применяется к 3 поз.');
    });

    it('when a variant is known to МойСклад only by a sync id nobody listed, then the line is treated as restricted and the receipt says it could not be checked', async () => {
      const answer = await recalc([goodsLine(w.fake, { id: randomUUID(), type: 'variant', sync: true }, 300)]);
      expect(answer.positions[0]).to.include({ discountedPrice: 300, discountPercent: 0 });
      expect(answer.bonusProgram.receiptExtraInfo).to.contain('не удалось проверить товар в МоёмСкладе');
    });

    it('when a product is not in the cache, then it is looked up once on the till’s path and known from then on', async () => {
      const agent = await customerWith(1000);
      const before = calls();
      await recalc([goodsLine(w.fake, BEER, 100)], { agent });
      expect(jsonApiCallsSince(w.fake, before)).to.deep.equal([`GET /entity/product/${BEER.id}`]);
      const again = calls();
      await recalc([goodsLine(w.fake, BEER, 100)], { agent });
      expect(jsonApiCallsSince(w.fake, again)).to.deep.equal([]);
    });

    it('when МойСклад does not answer about an unknown product within the till’s patience, then the line gets no discount and the receipt says why', async () => {
      const agent = await customerWith(1000);
      const tea: FakeProduct = { id: randomUUID(), name: 'Чай' };
      w.account.products.push(tea);
      w.fake.failNext({ method: 'GET', pathEnds: `/entity/product/${tea.id}`, answer: 'hang' });
      const answer = await recalc([goodsLine(w.fake, tea, 400)], {
        agent,
        bonusProgram: { transactionType: 'SPENDING' },
      });
      expect(answer.positions[0]).to.include({ discountedPrice: 400, discountPercent: 0 });
      expect(answer.bonusProgram.bonusValueToSpend).to.equal(0);
      expect(answer.bonusProgram.receiptExtraInfo).to.contain(
        'Скидка не применена к 1 поз.: не удалось проверить товар в МоёмСкладе.',
      );
    });

    it('when a sale is sent again after its product became known, then it is a plain repeat, not a conflict for support', async () => {
      const tea: FakeProduct = { id: randomUUID(), name: 'Чай' };
      w.account.products.push(tea);
      const body = {
        retailStore,
        name: '00042',
        meta: { href: '', id: randomUUID() },
        agent: { meta: counterpartyMeta(), phone: '+7 900 000-00-42' },
        positions: [{ ...goodsLine(w.fake, tea, 100), discountedPrice: 100, discountPercent: 0 }],
        cashSum: 100,
        noCashSum: 0,
      };
      w.fake.failNext({ method: 'GET', pathEnds: `/entity/product/${tea.id}`, answer: 'hang' });
      expect((await w.till.post('/retaildemand', body)).status).to.equal(201);
      await w.t.services.catalog.fill(accountId());
      expect((await w.till.post('/retaildemand', body)).status).to.equal(201);
      w.t.flushLog();
      const errors = logPage(w.t.storage.db, { tenantId: accountId(), status: 'error' }).rows;
      expect(errors.map((row) => row.errorMessage ?? '').filter((m) => m.includes('пришла повторно'))).to.deep.equal(
        [],
      );
    });

    it('when a product becomes tobacco in МойСклад, then the webhook updates the cache and the next receipt follows it without asking', async () => {
      await w.t.services.catalog.fill(accountId());
      const statuses = await w.fake.changeProduct(accountId(), COFFEE.id, { trackingType: 'TOBACCO' }, w.reach);
      expect(statuses).to.deep.equal([204]);
      await waitFor(
        'the cache follows the webhook',
        () => catalogRepository.goodsByIds(w.t.storage.db, accountId(), [COFFEE.id])[0]?.trackingType === 'TOBACCO',
      );
      const before = calls();
      const answer = await recalc([goodsLine(w.fake, COFFEE, 400)]);
      expect(jsonApiCallsSince(w.fake, before)).to.deep.equal([]);
      expect(answer.bonusProgram.receiptExtraInfo).to.contain('Скидка баллами не применяется к 1 поз.');
    });

    it('when a webhook comes with a wrong key, then it is refused and nothing is read', async () => {
      const url = w.t.services.catalog.webhookUrl(accountId()).replace(/[^/]+$/, 'wrong-key');
      const before = calls();
      const res = await w.t.http.post(new URL(w.reach(url)).pathname, { events: [] });
      expect(res.status).to.equal(404);
      expect(jsonApiCallsSince(w.fake, before)).to.deep.equal([]);
    });

    it('when the owner excludes a folder above a product, then the product is not discounted', async () => {
      const drinks = randomUUID();
      const beerFolder = randomUUID();
      w.account.folders.push({ id: drinks, name: 'Напитки' }, { id: beerFolder, name: 'Пиво', parentId: drinks });
      const lager: FakeProduct = { id: randomUUID(), name: 'Лагер', folderId: beerFolder };
      w.account.products.push(lager);
      await w.t.services.catalog.fill(accountId());
      w.configure('ledger', {
        restrictions: {
          excludedTrackingTypes: [],
          excludedFolderIds: [drinks],
          earnOnLawRestricted: false,
          earnOnOtherRestricted: true,
        },
      });
      const answer = await recalc([goodsLine(w.fake, lager, 100), goodsLine(w.fake, COFFEE, 100)]);
      expect(answer.bonusProgram.receiptExtraInfo).to.contain('Скидка баллами не применяется к 1 поз.');
    });
  });

  describe('without webhooks', () => {
    beforeEach(async () => {
      w = await startMoyskladWorld({ products: [COFFEE], webhooksAllowed: false });
    });

    it('when МойСклад refuses webhooks, then the cache is filled all the same and refreshed hourly, and support sees why', async () => {
      const before = Date.now();
      expect(await w.t.services.catalog.fill(accountId())).to.equal('filled');
      const state = catalogRepository.syncState(w.t.storage.db, accountId())!;
      expect(state.webhooks).to.equal('unavailable');
      expect(state.webhooksNote).to.contain('HTTP 403');
      expect(state.nextRunAt - before).to.be.within(3_600_000 - 1000, 3_600_000 + 60_000);
    });
  });

  describe('going live', () => {
    beforeEach(async () => {
      w = await startMoyskladWorld({ products: [CIGARETTES, COFFEE] });
    });

    it('when the owner saves the settings, then the goods are read in the background', async () => {
      w.t.services.catalog.start();
      const report = await w.t.services.goLive.saveSettings(accountId(), {
        backend: 'ledger',
        externalSearch: false,
        settings: {},
        secrets: {},
      });
      expect(report.live).to.equal(true);
      await waitFor('the first fill', () => !!catalogRepository.syncState(w.t.storage.db, accountId())?.filledAt);
      expect(catalogRepository.sizes(w.t.storage.db, accountId())).to.deep.equal({ product: 2 });
    });
  });
});
