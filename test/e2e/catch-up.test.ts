import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { and, eq } from 'drizzle-orm';
import { catchUpState, customers, sales, transactionLog } from '../../db/schema/index.js';
import {
  CATCH_UP_SALE,
  CATCH_UP_WINDOW,
  CatchUp,
  type CatchUpOptions,
  type CatchUpReport,
} from '../../app/catch-up/catch-up.js';
import { catchUpRepository } from '../../app/catch-up/catch-up-repository.js';
import { RestrictedGoods } from '../../app/catalog/restricted-goods.js';
import { GiftCards } from '../../app/ledger/gift-cards.js';
import { LedgerBackend } from '../../app/ledger/ledger-backend.js';
import type { LedgerRules } from '../../app/ledger/rules.js';
import { moyskladMoment } from '../../app/moysklad/json-api-moment.js';
import { openStorage, type Db } from '../../app/storage/database.js';
import { tenantRepository } from '../../app/tenants/tenant-repository.js';
import { TransactionLog } from '../../app/txlog/transaction-log.js';
import type { FakeProduct, FakeRetailDemand } from '../fakes/moysklad-fake.js';
import { counterpartyMeta, retailStore } from '../helpers/tenants.js';
import { goodsLine, startMoyskladWorld, type MoyskladWorld } from '../helpers/moysklad-world.js';
import { memoryLogger } from '../helpers/test-app.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const COFFEE: FakeProduct = { id: randomUUID(), name: 'Кофе' };
const CIGARETTES: FakeProduct = { id: randomUUID(), name: 'Сигареты', trackingType: 'TOBACCO' };
const NO_DISCOUNT: FakeProduct = { id: randomUUID(), name: 'Товар без скидок', discountProhibited: true };
const ANNA = randomUUID();
const BORIS = randomUUID();

/**
 * A day of a shop, in the future so that its log rows come after the install's, in id order as in time:
 * calls at c1 and c2 an hour apart (a gap), at c3 and c4 two minutes apart around a restart of ours,
 * and c5. The job runs at NOW, when the last window has settled.
 */
const B = Math.floor((Date.now() + 2 * 24 * HOUR) / 1000) * 1000;
const C1 = B + HOUR;
const C2 = B + 2 * HOUR;
const C3 = B + 2 * HOUR + 2 * MIN;
const RESTART = B + 2 * HOUR + 3 * MIN;
const C4 = B + 2 * HOUR + 4 * MIN;
const C5 = B + 3 * HOUR;
const NOW = B + 5 * HOUR;

const line = (product: FakeProduct, priceKopecks: number, discount = 0) => ({
  assortmentId: product.id,
  quantity: 1,
  priceKopecks,
  discount,
});
const S1 = {
  id: randomUUID(),
  name: '00101',
  agentId: ANNA,
  momentMs: C1 + 10 * MIN,
  positions: [line(COFFEE, 50_000), line(CIGARETTES, 20_000), line(NO_DISCOUNT, 10_000)],
};
// Boris is in МойСклад, never in the program (like the default «Розничный покупатель»): skipped.
const S2 = {
  id: randomUUID(),
  name: '00102',
  agentId: BORIS,
  momentMs: C1 + 20 * MIN,
  positions: [line(COFFEE, 10_000)],
};
const S3 = { id: randomUUID(), name: '00103', momentMs: C1 + 30 * MIN, positions: [line(COFFEE, 99_000)] };
const S4 = {
  id: randomUUID(),
  name: '00104',
  agentId: ANNA,
  momentMs: C1 + 40 * MIN,
  positions: [line(COFFEE, 20_000)],
};
const S5 = { id: randomUUID(), name: '00105', agentId: ANNA, momentMs: C1 + 45 * MIN, applicable: false };
const S6 = {
  id: randomUUID(),
  name: '00106',
  agentId: ANNA,
  momentMs: C3 + 30_000,
  positions: [line(COFFEE, 30_000, 10)],
};
const S7 = { id: randomUUID(), name: '00107', agentId: ANNA, momentMs: C2 + MIN, positions: [line(COFFEE, 70_000)] };

function history(): FakeRetailDemand[] {
  const sold = (s: Omit<FakeRetailDemand, 'sumKopecks'> & { positions?: Array<{ priceKopecks: number }> }) => ({
    ...s,
    retailStoreId: retailStore.meta.id,
    sumKopecks: (s.positions ?? []).reduce((sum, p) => sum + p.priceKopecks, 0),
  });
  // 150 sales without a customer in the first window: the window is read in two pages of 100.
  const anonymous = Array.from({ length: 150 }, (_, i) =>
    sold({ id: randomUUID(), momentMs: C1 + MIN + i * 1000, positions: [line(COFFEE, 1_000)] }),
  );
  return [S1, S2, S3, S4, S5, S6, S7].map(sold).concat(anonymous);
}

const RULES: Partial<LedgerRules> = { receiptTemplate: '', earnRateRoublesToPoint: 10, catchUpOfflineSales: true };

describe('Catch-up after an outage (fake МойСклад)', () => {
  let w: MoyskladWorld;
  afterEach(async () => w?.close());

  async function world(rules: Partial<LedgerRules> = RULES) {
    w = await startMoyskladWorld({
      products: [COFFEE, CIGARETTES, NO_DISCOUNT],
      counterparties: [
        { id: ANNA, name: 'Анна', tags: [] },
        { id: BORIS, name: 'Борис Петров', tags: [] },
      ],
      retailDemands: history(),
    });
    w.configure('ledger', { ledger: rules });
    const tenant = tenantRepository.find(w.t.storage.db, w.account.accountId)!;
    await w.t.services.backends.for(tenant).createCustomer(tenant, { msId: ANNA, name: 'Анна' });
    // S4 reached us as the till sells: it is ours already.
    const s4 = await w.till.post('/retaildemand', {
      retailStore,
      meta: { href: '', id: S4.id },
      name: S4.name,
      moment: moyskladMoment(S4.momentMs),
      agent: { meta: counterpartyMeta(ANNA) },
      positions: [goodsLine(w.fake, COFFEE, 200)],
      cashSum: 200,
      noCashSum: 0,
    });
    expect(s4.status, JSON.stringify(s4.data)).to.equal(201);
    w.t.flushLog();
    plantCalls(w.t.storage.db, w.account.accountId, [C1, C2, C3, C4, C5]);
    catchUpRepository.recordStart(w.t.storage.db, RESTART, C3);
    return tenant;
  }

  function plantCalls(db: Db, tenantId: string, times: number[]) {
    for (const at of times) {
      db.insert(transactionLog)
        .values({ at, tenantId, kind: 'loyalty-api', endpoint: 'POST /retaildemand/recalc', ok: true })
        .run();
    }
  }

  function catchUpOn(db: Db, options: CatchUpOptions = {}) {
    const box = w.t.services.box;
    const moysklad = w.t.services.moysklad;
    const { logger } = memoryLogger();
    return new CatchUp({
      db,
      box,
      moysklad,
      ledger: new LedgerBackend(db, {
        codes: { send: () => Promise.reject(new Error('no codes here')) },
        giftCards: new GiftCards(),
      }),
      goods: new RestrictedGoods({ db, box, moysklad, logger }),
      txlog: db === w.t.storage.db ? w.t.services.txlog : new TransactionLog(db),
      logger,
      now: () => NOW,
      ...options,
    });
  }

  const customer = (msId: string) =>
    w.t.storage.db
      .select()
      .from(customers)
      .where(and(eq(customers.tenantId, w.account.accountId), eq(customers.msId, msId)))
      .get();
  const tenantSales = () => w.t.storage.db.select().from(sales).where(eq(sales.tenantId, w.account.accountId)).all();
  const catchUpRows = () => {
    w.t.flushLog();
    return w.t.storage.db.select().from(transactionLog).where(eq(transactionLog.kind, 'catch-up')).all();
  };
  const retailDemandReads = () =>
    w.fake.state.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/entity/retaildemand'));

  it('when sales with a customer never reached us, then each earns once as at the till, and a late copy or a second pass changes nothing', async () => {
    await world();
    const annaBefore = customer(ANNA)!.balance;
    expect(annaBefore, 'S4 as the till sent it').to.equal(20);
    // МойСклад answers the first page with a 429 and the pause it wants.
    w.fake.rateLimitNext('GET', '/entity/retaildemand', 10);

    const report = await catchUpOn(w.t.storage.db).runOnce();

    expect(report).to.include({ busy: 0, missed: 2, credited: 2 } satisfies Partial<CatchUpReport>);
    // S1 as at the till: coffee 500 ₽ and the no-discount line 100 ₽ earn, the cigarettes do not → 60.
    // S6: 300 ₽ less the till's own 10 % → 27. Boris (not in the program) gets nothing and is not created.
    expect(customer(ANNA)!.balance).to.equal(annaBefore + 60 + 27);
    expect(customer(BORIS)).to.equal(undefined);
    const caughtUp = tenantSales().filter((s) => s.caughtUpAt !== null);
    expect(caughtUp.map((s) => s.saleKey).sort()).to.deep.equal([S1.id, S6.id].sort());
    expect(caughtUp.every((s) => s.pointsSpent === 0)).to.equal(true);
    // S7 came between two calls two minutes apart, with no restart: not a window, not read as one.
    expect(tenantSales().some((s) => s.saleKey === S7.id)).to.equal(false);

    // The windows were read past the 429 (its request sent again), 100 sales a page with the positions expanded.
    const reads = retailDemandReads().map((r) => r.query!);
    expect(reads[1]).to.deep.equal(reads[0]);
    const firstWindow = reads.filter((q) => String(q.filter).startsWith(`moment>=${moyskladMoment(C1)};`));
    expect(firstWindow.map((q) => [q.offset, q.limit, q.expand])).to.deep.equal([
      ['0', '100', 'positions'],
      ['100', '100', 'positions'],
    ]);

    // Support sees each caught-up sale, marked, with its window; and one row per window.
    const rows = catchUpRows();
    const saleRows = rows.filter((r) => r.endpoint === CATCH_UP_SALE);
    expect(saleRows.map((r) => [r.saleKey, r.ok, r.pointsEarned]).sort()).to.deep.equal(
      [
        [S1.id, true, 60],
        [S6.id, true, 27],
      ].sort(),
    );
    const s6Row = saleRows.find((r) => r.saleKey === S6.id)!;
    expect(s6Row.errorMessage).to.match(
      /^Догружена из МоегоСклада\. Чек пробит без связи с сервисом: с .* по .* \(МСК\) сервис перезапускался\.$/,
    );
    expect(JSON.parse(s6Row.requestBody!).window).to.deep.equal({
      from: new Date(C3).toISOString(),
      to: new Date(C4).toISOString(),
      reason: 'restart',
    });
    expect(rows.filter((r) => r.endpoint === CATCH_UP_WINDOW).map((r) => r.errorMessage)).to.deep.equal([
      `${windowLine(C1, C2, 'касса не обращалась к сервису')} Продаж покупателям программы, не дошедших до сервиса: 1; баллы начислены за 1. Продаж на покупателей не из программы (пропущены): 1.`,
      `${windowLine(C3, C4, 'сервис перезапускался')} Продаж покупателям программы, не дошедших до сервиса: 1; баллы начислены за 1.`,
    ]);

    // The till's late copies: S1 under its id, S6 without one (as the till may send it). Both answered 201, nothing moves.
    const balances = () => [customer(ANNA)!.balance, tenantSales().length];
    const before = balances();
    const late1 = await w.till.post('/retaildemand', {
      retailStore,
      meta: { href: '', id: S1.id },
      name: S1.name,
      moment: moyskladMoment(S1.momentMs),
      agent: { meta: counterpartyMeta(ANNA) },
      positions: [goodsLine(w.fake, COFFEE, 500)],
      cashSum: 500,
      noCashSum: 0,
    });
    const late6 = await w.till.post('/retaildemand', {
      retailStore,
      meta: { href: '', id: '' },
      name: S6.name,
      moment: moyskladMoment(S6.momentMs),
      agent: { meta: counterpartyMeta(ANNA) },
      positions: [{ ...goodsLine(w.fake, COFFEE, 300), discountPercent: 10, discountedPrice: 270 }],
      cashSum: 270,
      noCashSum: 0,
    });
    expect([late1.status, late6.status]).to.deep.equal([201, 201]);
    expect(balances()).to.deep.equal(before);
    expect(tenantSales()).to.have.length(3);
    w.t.flushLog();
    const conflicts = w.t.storage.db
      .select()
      .from(transactionLog)
      .where(and(eq(transactionLog.kind, 'loyalty-api'), eq(transactionLog.ok, false)))
      .all();
    expect(conflicts, 'a late copy of a caught-up sale is no conflict').to.deep.equal([]);

    // A second pass over the same windows (its progress forgotten) finds them all recorded.
    w.t.storage.db.delete(catchUpState).run();
    // The pass's rows (the refused read, the failed window) were written at NOW in the shop's day, as they
    // would be; their real clock time would put them before the planted calls while their ids are after
    // them, which the log's time ranges never expect.
    w.t.storage.sqlite
      .prepare(
        "update transaction_log set at = ? where at < ? and id > (select max(id) from transaction_log where kind = 'loyalty-api')",
      )
      .run(NOW, B);
    const again = await catchUpOn(w.t.storage.db).runOnce();
    expect(again).to.include({ missed: 0, credited: 0 });
    expect(balances()).to.deep.equal(before);
    expect(catchUpRows().filter((r) => r.endpoint === CATCH_UP_SALE)).to.have.length(2);
  });

  it('when the setting is off, then nothing is credited and support sees what was found', async () => {
    await world({ ...RULES, catchUpOfflineSales: false });
    const annaBefore = customer(ANNA)!.balance;

    const report = await catchUpOn(w.t.storage.db).runOnce();

    expect(report).to.include({ missed: 2, credited: 0 });
    expect(customer(ANNA)!.balance).to.equal(annaBefore);
    expect(customer(BORIS)).to.equal(undefined);
    expect(tenantSales().map((s) => s.saleKey)).to.deep.equal([S4.id]);
    const rows = catchUpRows();
    expect(rows.filter((r) => r.endpoint === CATCH_UP_SALE)).to.deep.equal([]);
    expect(rows.map((r) => r.errorMessage)).to.deep.equal([
      `${windowLine(C1, C2, 'касса не обращалась к сервису')} Продаж покупателям программы, не дошедших до сервиса: 1. Баллы не начислены: в настройках выключено «Начислять баллы за чеки, пробитые без связи с сервисом». Продаж на покупателей не из программы (пропущены): 1.`,
      `${windowLine(C3, C4, 'сервис перезапускался')} Продаж покупателям программы, не дошедших до сервиса: 1. Баллы не начислены: в настройках выключено «Начислять баллы за чеки, пробитые без связи с сервисом».`,
    ]);
  });

  it('when МойСклад refuses a window, then support sees a failed row and the next pass reads it again', async () => {
    await world();
    w.fake.failNext({
      method: 'GET',
      pathEnds: '/entity/retaildemand',
      answer: 403,
      body: { errors: [{ error: 'Доступ запрещён', code: 1016 }] },
    });

    const refused = await catchUpOn(w.t.storage.db).runOnce();

    expect(refused).to.include({ missed: 0, credited: 0 });
    const [row, ...others] = catchUpRows();
    expect(others).to.deep.equal([]);
    expect(row).to.include({ ok: false, endpoint: CATCH_UP_WINDOW });
    // The first window read (from the install's calls to c1) is the one refused; nothing after it is read.
    expect(row!.errorMessage)
      .to.match(/^Чек пробит без связи с сервисом: с .* МойСклад не отдал продажи за это время: /)
      .and.contain('HTTP 403: Доступ запрещён. Проверим снова через час');

    // The pass's rows (the refused read, the failed window) were written at NOW in the shop's day, as they
    // would be; their real clock time would put them before the planted calls while their ids are after
    // them, which the log's time ranges never expect.
    w.t.storage.sqlite
      .prepare(
        "update transaction_log set at = ? where at < ? and id > (select max(id) from transaction_log where kind = 'loyalty-api')",
      )
      .run(NOW, B);
    const again = await catchUpOn(w.t.storage.db).runOnce();
    expect(again).to.include({ missed: 2, credited: 2 });
  });

  it('when a window is longer than an outage would be, then it is reported and not read', async () => {
    await world();
    const before = retailDemandReads().length;

    const report = await catchUpOn(w.t.storage.db, { maxWindowMs: 30 * MIN }).runOnce();

    // Only the restart window (two minutes) was read: S6 earns; S1 and S2, an hour apart from any call, do not.
    expect(report).to.include({ missed: 1, credited: 1 });
    const reads = retailDemandReads().slice(before);
    expect(reads.map((r) => String(r.query!.filter).split(';')[0])).to.deep.equal([`moment>=${moyskladMoment(C3)}`]);
    expect(
      tenantSales()
        .filter((s) => s.caughtUpAt !== null)
        .map((s) => s.saleKey),
    ).to.deep.equal([S6.id]);
    const paused = catchUpRows().filter((r) => r.errorMessage?.includes('похож не на сбой'));
    expect(paused.map((r) => JSON.parse(r.requestBody!).window.to)).to.include(new Date(C2).toISOString());
  });

  it('when two processes run the job at once (a reload), then each missed sale is credited once', async () => {
    await world();
    const annaBefore = customer(ANNA)!.balance;
    const other = openStorage(w.t.config.databasePath);
    try {
      // The worst case: each one's claim has run out at once, so both read every window and credit together.
      const reports = await Promise.all([
        catchUpOn(w.t.storage.db, { claimMs: -1 }).runOnce(),
        catchUpOn(other.db, { claimMs: -1 }).runOnce(),
      ]);
      expect(reports.map((r) => r.windows >= 2)).to.deep.equal([true, true]);
      expect(reports.reduce((n, r) => n + r.credited, 0)).to.equal(2);
      // With claims that hold, the second process finds the tenant taken or already checked.
      w.t.storage.db.delete(catchUpState).run();
      const held = await Promise.all([catchUpOn(w.t.storage.db).runOnce(), catchUpOn(other.db).runOnce()]);
      expect(held.map((r) => r.credited)).to.deep.equal([0, 0]);
    } finally {
      other.close();
    }
    expect(customer(ANNA)!.balance).to.equal(annaBefore + 60 + 27);
    expect(tenantSales().filter((s) => s.caughtUpAt !== null)).to.have.length(2);
    expect(catchUpRows().filter((r) => r.endpoint === CATCH_UP_SALE)).to.have.length(2);
  });
});

function windowLine(fromMs: number, toMs: number, why: string): string {
  const msk = (ms: number) =>
    new Date(ms).toLocaleString('ru-RU', {
      timeZone: 'Europe/Moscow',
      day: '2-digit',
      month: '2-digit',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
    });
  return `Чек пробит без связи с сервисом: с ${msk(fromMs)} по ${msk(toMs)} (МСК) ${why}.`;
}
