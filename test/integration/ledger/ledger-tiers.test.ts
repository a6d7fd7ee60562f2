import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { asc, eq } from 'drizzle-orm';
import { customers, sales, tierLevelChanges, type Tenant } from '../../../db/schema/index.js';
import { TierJob } from '../../../app/ledger/tier-job.js';
import type { TierRules } from '../../../app/ledger/tier-rules.js';
import type { RecalcRequest, ReturnRequest } from '../../../app/loyalty/backend.js';
import { openStorage } from '../../../app/storage/database.js';
import { tenantRepository } from '../../../app/tenants/tenant-repository.js';
import { memoryLogger } from '../../helpers/memory-logger.js';
import { item, openLedgerFixture, sale, undiscounted, type LedgerFixture } from './ledger-fixture.js';

const DAY_MS = 86_400_000;

/** Bronze from 0 ₽ at 10 ₽ a point, Silver from 10 000 ₽ at 5 ₽ (up to 50 % with points), Gold from 30 000 ₽ at 2 ₽. */
const TIERS: TierRules = {
  enabled: true,
  windowDays: 365,
  levels: [
    { name: 'Бронза', thresholdKopecks: 0, earnRateRoublesToPoint: 10 },
    { name: 'Серебро', thresholdKopecks: 1_000_000, earnRateRoublesToPoint: 5, maxPaidRatePercents: 50 },
    { name: 'Золото', thresholdKopecks: 3_000_000, earnRateRoublesToPoint: 2 },
  ],
};

describe('LedgerBackend: tiers', () => {
  let f: LedgerFixture;
  let shop: Tenant;
  beforeEach(() => {
    f = openLedgerFixture();
    // The program alone would earn 1 point per rouble and cap points at 30 %: tiers replace both.
    shop = f.tenant({ maxPaidRatePercents: 30, receiptTemplate: 'Баллов: {balanceAfter}' }, { tiers: TIERS });
  });
  afterEach(() => f.close());

  const register = async (tenant = shop) => {
    const msId = randomUUID();
    const { id } = await f.ledger.createCustomer(tenant, { msId, name: 'Покупатель' });
    return { id, msId };
  };
  /** A cash sale of `roubles`; returns what it earned and its МойСклад id. */
  const buy = async (id: string, roubles: number, tenant = shop) => {
    const request = sale({ id }, [item(roubles * 100)]);
    await f.ledger.createSale(tenant, request);
    const row = f.storage.db.select().from(sales).where(eq(sales.saleKey, request.saleKey)).get()!;
    return { earned: row.pointsEarned, msId: request.msId, saleId: row.id };
  };
  const row = (id: string) => f.storage.db.select().from(customers).where(eq(customers.id, id)).get()!;
  const changes = (id: string) =>
    f.storage.db
      .select()
      .from(tierLevelChanges)
      .where(eq(tierLevelChanges.customerId, id))
      .orderBy(asc(tierLevelChanges.id))
      .all();
  const recalc = (id: string, roubles: number, extra: Partial<RecalcRequest> = {}) =>
    f.ledger.recalc(shop, { agent: { id }, positions: [item(roubles * 100)], transactionType: 'EARNING', ...extra });
  const job = (db = f.storage.db, options: { batch?: number; claimMs?: number } = {}) =>
    new TierJob({ db, logger: memoryLogger().logger, now: () => f.clock.now, ...options });
  const later = (days: number) => (f.clock.now = new Date(f.clock.now.getTime() + days * DAY_MS));

  it('when a sale crosses a threshold, then it earns at the old level and the customer is at the new one for the next sale', async () => {
    const { id } = await register();
    const crossing = await buy(id, 12_000);
    expect(crossing.earned, '12 000 ₽ at Bronze, 10 ₽ a point').to.equal(1200);
    expect(row(id)).to.include({ tierLevel: 1, tierTotalKopecks: 1_200_000 });
    expect(changes(id).map((c) => [c.fromName, c.toName, c.reason, c.saleId, c.totalKopecks])).to.deep.equal([
      ['Бронза', 'Серебро', 'sale', crossing.saleId, 1_200_000],
    ]);

    expect((await buy(id, 1_000)).earned, '1 000 ₽ at Silver, 5 ₽ a point').to.equal(200);
    expect(f.books(id), 'a level change is no points entry').to.deep.equal({ balance: 1400, entries: 1400 });
  });

  it('when the till recalculates, then it earns and caps at the level and the receipt says the level and what is left', async () => {
    const { id } = await register();
    await buy(id, 13_000);
    const earning = await recalc(id, 1_000);
    expect(earning.bonusValueToEarn).to.equal(200);
    expect(earning.receiptExtraInfo).to.equal('Баллов: 1500\nУровень «Серебро». До уровня «Золото» 17 000 ₽');

    // Silver may pay 50 % with points where the program alone allows 30 %.
    const spending = await recalc(id, 1_000, { transactionType: 'SPENDING' });
    expect(spending.bonusValueToSpend).to.equal(500);

    await buy(id, 17_000);
    expect((await recalc(id, 100)).receiptExtraInfo).to.equal('Баллов: 4750\nУровень «Золото».');
  });

  it('when what is left is not whole roubles, then the receipt rounds it up', async () => {
    const { id } = await register();
    await f.ledger.createSale(shop, sale({ id }, [item(50)]));
    expect((await recalc(id, 1)).receiptExtraInfo).to.equal(
      'Баллов: 0\nУровень «Бронза». До уровня «Серебро» 10 000 ₽',
    );
  });

  it('when the window rolls past the purchases, then the job moves the customer down, and not a day before', async () => {
    const { id } = await register();
    await buy(id, 12_000);
    expect(await job().runOnce(), 'the first run recomputes everyone once').to.include({ recomputed: 1, changed: 0 });
    later(365);
    expect(await job().runOnce(), 'not due yet').to.include({ recomputed: 0, changed: 0 });
    expect(row(id).tierLevel, 'the purchase is exactly a window old and still counts').to.equal(1);

    later(1);
    expect(row(id).tierLevel, 'recalc and sales read the row: only the job lowers it').to.equal(1);
    expect(await job().runOnce()).to.include({ tenants: 1, changed: 1 });
    expect(row(id)).to.include({ tierLevel: 0, tierTotalKopecks: 0, tierRollsAt: null });
    expect(changes(id).map((c) => [c.fromName, c.toName, c.reason])).to.deep.equal([
      ['Бронза', 'Серебро', 'sale'],
      ['Серебро', 'Бронза', 'job'],
    ]);
    expect((await buy(id, 1_000)).earned, 'Bronze again').to.equal(100);
    expect(await job().runOnce(), 'run again, nothing more to do').to.include({ recomputed: 0, changed: 0 });
  });

  it('when a return brings the total below a threshold, then the customer moves down at once', async () => {
    const { id } = await register();
    const goods = [item(600_000), item(600_000)];
    const sold = sale({ id }, goods);
    await f.ledger.createSale(shop, sold);
    expect(row(id).tierLevel).to.equal(1);

    const returned: ReturnRequest = {
      returnKey: randomUUID(),
      msId: randomUUID(),
      saleMsId: sold.msId,
      positions: undiscounted([goods[0]!]),
      cashKopecks: 0,
      noCashKopecks: 0,
    };
    await f.ledger.createReturn(shop, returned);
    expect(row(id)).to.include({ tierLevel: 0, tierTotalKopecks: 600_000 });
    expect(changes(id).at(-1)).to.include({ fromName: 'Серебро', toName: 'Бронза', reason: 'return' });
    expect(changes(id).at(-1)!.returnId).to.be.a('string');
    expect((await buy(id, 1_000)).earned, 'Bronze again').to.equal(100);
  });

  it('when a sale comes after the window rolled but before the job ran, then the sale does not lower the level and the job does at once', async () => {
    const { id } = await register();
    await buy(id, 12_000);
    later(400);
    expect((await buy(id, 1_000)).earned, 'the level the row holds: Silver').to.equal(200);
    expect(row(id).tierLevel).to.equal(1);
    expect(row(id).tierRollsAt, 'due for the job now').to.be.at.most(f.clock.now.getTime());
    await job().runOnce();
    expect(row(id)).to.include({ tierLevel: 0, tierTotalKopecks: 100_000 });
  });

  it('when tiers are switched on after sales, then the job puts every customer at their level', async () => {
    const plain = f.tenant({ receiptTemplate: '' });
    const { id } = await register(plain);
    await buy(id, 35_000, plain);
    expect(row(id).tierLevel, 'tiers off: nothing kept').to.equal(0);

    tenantRepository.update(f.storage.db, plain.accountId, { settings: { ...plain.settings, tiers: TIERS } });
    const report = await job().runOnce();
    expect(report, 'one full pass over the one customer').to.include({ recomputed: 1, changed: 1 });
    expect(row(id)).to.include({ tierLevel: 2, tierTotalKopecks: 3_500_000 });
    expect(changes(id).map((c) => [c.toName, c.reason])).to.deep.equal([['Золото', 'job']]);
  });

  describe('the job from two connections at once', () => {
    const many = async (n: number) => {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const { id } = await register();
        await buy(id, 12_000);
        ids.push(id);
      }
      return ids;
    };

    it('when both run, then one claims the tenant, the other skips it, and every customer moves down once', async () => {
      const ids = await many(5);
      later(366);
      const other = openStorage(f.storage.sqlite.name);
      try {
        const [a, b] = await Promise.all([
          job(f.storage.db, { batch: 2 }).runOnce(),
          job(other.db, { batch: 2 }).runOnce(),
        ]);
        expect(a.busy + b.busy).to.equal(1);
        expect(a.changed + b.changed).to.equal(5);
      } finally {
        other.close();
      }
      for (const id of ids) {
        expect(row(id).tierLevel).to.equal(0);
        expect(changes(id).filter((c) => c.reason === 'job')).to.have.length(1);
      }
    });

    it('when their claims run out and both work the same customers, then each customer still moves down once', async () => {
      const ids = await many(6);
      later(366);
      const other = openStorage(f.storage.sqlite.name);
      try {
        // A claim of 0 ms runs out at once: both processes go through every customer, one at a time, interleaved.
        const [a, b] = await Promise.all([
          job(f.storage.db, { batch: 1, claimMs: 0 }).runOnce(),
          job(other.db, { batch: 1, claimMs: 0 }).runOnce(),
        ]);
        expect(a.busy + b.busy, 'neither was kept out').to.equal(0);
        expect(a.changed + b.changed).to.equal(6);
      } finally {
        other.close();
      }
      for (const id of ids) {
        expect(row(id)).to.include({ tierLevel: 0, tierTotalKopecks: 0 });
        expect(changes(id).filter((c) => c.reason === 'job')).to.have.length(1);
      }
    });
  });
});
