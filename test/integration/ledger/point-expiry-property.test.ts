import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import {
  customers,
  ledgerEntries,
  ledgerLots,
  ledgerLotUses,
  type LedgerEntry,
  type Tenant,
} from '../../../db/schema/index.js';
import { BusinessRuleError } from '../../../app/errors.js';
import { adjustBalance } from '../../../app/ledger/manual-adjustment.js';
import { PointExpiry } from '../../../app/ledger/point-expiry.js';
import { ledgerRulesOf, type LedgerRules } from '../../../app/ledger/rules.js';
import type { SaleRequest } from '../../../app/loyalty/backend.js';
import { openStorage, type Db } from '../../../app/storage/database.js';
import { tenantRepository } from '../../../app/tenants/tenant-repository.js';
import { TransactionLog } from '../../../app/txlog/transaction-log.js';
import { memoryLogger } from '../../helpers/memory-logger.js';
import { item, openLedgerFixture, sale, type LedgerFixture } from './ledger-fixture.js';

const HOUR = 3_600_000;
const CUSTOMERS = 2;

type Action =
  | { type: 'earn'; who: number; points: number; units: 1 | 2 }
  | { type: 'spend'; who: number; points: number }
  | { type: 'return'; sale: number; all: boolean }
  | { type: 'adjust'; who: number; points: number }
  | { type: 'time'; hours: number }
  | { type: 'lifetime'; days: number }
  | { type: 'job'; connection: 0 | 1 }
  | { type: 'overlap' };

const who = fc.nat(CUSTOMERS - 1);
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant('earn' as const),
      who,
      points: fc.integer({ min: 1, max: 200 }),
      units: fc.constantFrom(1 as const, 2 as const),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ type: fc.constant('spend' as const), who, points: fc.integer({ min: 1, max: 150 }) }),
  },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('return' as const), sale: fc.nat(100), all: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('adjust' as const),
      who,
      points: fc.integer({ min: -80, max: 80 }).filter((p) => p !== 0),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ type: fc.constant('time' as const), hours: fc.integer({ min: 1, max: 24 * 12 }) }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('lifetime' as const), days: fc.constantFrom(0, 2, 5, 20) }) },
  {
    weight: 2,
    arbitrary: fc.record({ type: fc.constant('job' as const), connection: fc.constantFrom(0 as const, 1 as const) }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('overlap' as const) }) },
);

const rules: fc.Arbitrary<Partial<LedgerRules>> = fc.record({
  pointsLifetimeDays: fc.constantFrom(0, 3, 10, 30),
  welcomeLifetimeDays: fc.constantFrom(0, 1, 2),
  postponedBonusesDelayDays: fc.constantFrom(0, 0, 2),
  welcomeBonusesEnabled: fc.boolean(),
  welcomeBonusesValue: fc.integer({ min: 1, max: 50 }),
  welcomeBonusesMode: fc.constantFrom('REGISTRATION' as const, 'FIRST_PURCHASE' as const),
  earnWhileRedeeming: fc.boolean(),
});

/**
 * The books, read straight from the tables, after any step of any history:
 * - every customer's balance is Σ of their entries and never negative;
 * - a lot's remainder is its points less what took from it; dated lots never hold more than the balance;
 * - nothing but its 'expire' entry takes from a lot at or after its date (expired points are never spent,
 *   taken back or adjusted away), and a spend takes only from lots it could spend;
 * - a lot has at most one 'expire' entry, whose points are what it took; once the job ran, no lot past
 *   its date has anything left (every lot expires, exactly once);
 * - a return gives spent points back with no later date than the lots they came from (nothing is
 *   resurrected), and a lot given back already past its date is written off in the same transaction;
 * - the till never offers points past their date.
 */
async function checkBooks(f: LedgerFixture, tenant: Tenant, jobRan: boolean): Promise<void> {
  const db = f.storage.db;
  const now = f.clock.now.getTime();
  const entries = new Map(
    db
      .select()
      .from(ledgerEntries)
      .all()
      .map((e) => [e.id, e]),
  );
  const lots = db.select().from(ledgerLots).all();
  const uses = db.select().from(ledgerLotUses).all();
  const entry = (id: number) => entries.get(id) as LedgerEntry;

  for (const c of db.select().from(customers).all()) {
    const mine = [...entries.values()].filter((e) => e.customerId === c.id);
    expect(c.balance, 'balance = Σ entries').to.equal(mine.reduce((s, e) => s + e.points, 0));
    expect(c.balance, 'never negative').to.be.at.least(0);
    const live = lots.filter((l) => l.customerId === c.id).reduce((s, l) => s + l.remaining, 0);
    expect(live, 'dated points within the balance').to.be.at.most(c.balance);
    const dead = lots.filter((l) => l.customerId === c.id && l.expiresAt <= now).reduce((s, l) => s + l.remaining, 0);
    const spendable = await f.ledger.balance(tenant, { id: c.id });
    expect(spendable, 'the till never offers expired points').to.be.at.most(c.balance - dead);
  }

  for (const lot of lots) {
    const taken = uses.filter((u) => u.lotId === lot.entryId);
    expect(lot.points - taken.reduce((s, u) => s + u.points, 0), 'remaining = points − uses').to.equal(lot.remaining);
    expect(lot.remaining).to.be.at.least(0);
    const expiring = taken.filter((u) => entry(u.entryId).kind === 'expire');
    expect(expiring.length, 'one expire entry at most').to.be.at.most(1);
    if (lot.expireEntryId !== null) {
      expect(expiring.map((u) => u.entryId)).to.deep.equal([lot.expireEntryId]);
      expect(entry(lot.expireEntryId).points).to.equal(-expiring[0]!.points);
    }
    for (const use of taken.filter((u) => entry(u.entryId).kind !== 'expire')) {
      expect(entry(use.entryId).createdAt, 'never taken from after its date').to.be.below(lot.expiresAt);
      if (entry(use.entryId).kind === 'spend') expect(lot.availableAt).to.be.at.most(entry(use.entryId).createdAt);
    }
    if (lot.expiresAt <= entry(lot.entryId).createdAt) expect(lot.remaining, 'given back expired').to.equal(0);
    if (jobRan && lot.expiresAt <= now) expect(lot.remaining, 'the job wrote it off').to.equal(0);
  }
  // A spend takes the soonest-expiring spendable lots first: any such lot expiring before the latest one it
  // took from (before any, if it took undated points) was empty right after it.
  const remainingAfter = (lotId: number, entryId: number) =>
    lots.find((l) => l.entryId === lotId)!.points -
    uses.filter((u) => u.lotId === lotId && u.entryId <= entryId).reduce((s, u) => s + u.points, 0);
  for (const e of [...entries.values()].filter((x) => x.kind === 'spend')) {
    const taken = uses.filter((u) => u.entryId === e.id);
    const dated = taken.reduce((s, u) => s + u.points, 0);
    const latest =
      dated < -e.points ? Infinity : Math.max(...taken.map((u) => lots.find((l) => l.entryId === u.lotId)!.expiresAt));
    const sooner = lots.filter(
      (l) =>
        l.customerId === e.customerId &&
        l.entryId < e.id &&
        l.availableAt <= e.createdAt &&
        l.expiresAt > e.createdAt &&
        l.expiresAt < latest,
    );
    for (const lot of sooner) expect(remainingAfter(lot.entryId, e.id), 'soonest first').to.equal(0);
  }

  const expireEntries = [...entries.values()].filter((e) => e.kind === 'expire');
  expect(expireEntries.length).to.equal(lots.filter((l) => l.expireEntryId !== null).length);

  // Given back per date never exceeds what the sale's spend took from lots of that date.
  const bySale = new Map<string, { spent: Map<number | null, number>; back: Map<number | null, number> }>();
  const add = (m: Map<number | null, number>, k: number | null, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  for (const e of entries.values()) {
    if (!e.saleId || (e.kind !== 'spend' && e.kind !== 'return-spend')) continue;
    const books = bySale.get(e.saleId) ?? { spent: new Map(), back: new Map() };
    bySale.set(e.saleId, books);
    if (e.kind === 'spend') {
      const dated = uses.filter((u) => u.entryId === e.id);
      for (const u of dated) add(books.spent, lots.find((l) => l.entryId === u.lotId)!.expiresAt, u.points);
      add(books.spent, null, -e.points - dated.reduce((s, u) => s + u.points, 0));
    } else {
      add(books.back, lots.find((l) => l.entryId === e.id)?.expiresAt ?? null, e.points);
    }
  }
  for (const { spent, back } of bySale.values()) {
    for (const [date, points] of back)
      expect(points, 'given back with its own date').to.be.at.most(spent.get(date) ?? 0);
  }
}

describe('Points that expire: random histories', () => {
  it('when any history of sales, spends, returns, adjustments, time and job runs (two connections) plays out, then the books hold at every step', async () => {
    await fc.assert(
      fc.asyncProperty(rules, fc.array(action, { minLength: 5, maxLength: 40 }), async (program, actions) => {
        const f = openLedgerFixture();
        const other = openStorage(f.storage.sqlite.name, { migrate: false });
        try {
          await play(f, other.db, program, actions);
        } finally {
          other.close();
          f.close();
        }
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 40) },
    );
  });
});

async function play(f: LedgerFixture, otherDb: Db, program: Partial<LedgerRules>, actions: Action[]) {
  const logger = memoryLogger().logger;
  const jobs = [f.storage.db, otherDb].map((db) => new PointExpiry(db, { now: () => f.clock.now }));
  const txlog = new TransactionLog(f.storage.db, logger);
  let tenant = f.tenant({ maxPaidRatePercents: 100, ...program });
  const ids: string[] = [];
  for (let i = 0; i < CUSTOMERS; i++) {
    ids.push((await f.ledger.createCustomer(tenant, { msId: randomUUID(), name: `Покупатель ${i}` })).id);
  }
  const sales: SaleRequest[] = [];
  const tolerated = async (step: () => Promise<unknown>) => {
    try {
      await step();
    } catch (error) {
      if (!(error instanceof BusinessRuleError)) throw error;
    }
  };

  for (const step of actions) {
    let jobRan = false;
    switch (step.type) {
      case 'earn': {
        const request = sale({ id: ids[step.who] }, [item(step.points * 100, step.units)]);
        await tolerated(() => f.ledger.createSale(tenant, request));
        sales.push(request);
        break;
      }
      case 'spend': {
        const spendable = await f.ledger.balance(tenant, { id: ids[step.who] });
        const goods = { ...item(step.points * 100 + 500), discountedPriceKopecks: 500, discountPercent: 50 };
        const request = sale({ id: ids[step.who] }, [goods], { pointsToSpend: step.points });
        if (step.points > spendable) {
          let refused = false;
          await f.ledger.createSale(tenant, request).catch((error: unknown) => {
            refused = error instanceof BusinessRuleError;
          });
          expect(refused, `spending ${step.points} of ${spendable}`).to.equal(true);
        } else {
          await f.ledger.createSale(tenant, request);
          sales.push(request);
        }
        break;
      }
      case 'return': {
        if (sales.length === 0) break;
        const sold = sales[step.sale % sales.length]!;
        const line = sold.positions[0]!;
        const positions = step.all || line.quantityMilli === 1000 ? sold.positions : [{ ...line, quantityMilli: 1000 }];
        await f.ledger.createReturn(tenant, {
          returnKey: randomUUID(),
          msId: randomUUID(),
          saleMsId: sold.msId,
          positions,
          cashKopecks: 0,
          noCashKopecks: 0,
        });
        break;
      }
      case 'adjust':
        await tolerated(async () =>
          adjustBalance(
            f.storage.db,
            txlog,
            {
              tenantId: tenant.accountId,
              customerId: ids[step.who]!,
              points: step.points,
              reason: 'проверка',
              adminLogin: 'test',
              requestKey: randomUUID(),
              rules: ledgerRulesOf(tenant),
            },
            f.clock.now,
          ),
        );
        break;
      case 'time':
        f.clock.now = new Date(f.clock.now.getTime() + step.hours * HOUR);
        break;
      case 'lifetime': {
        // The owner changes the rule: lots already made keep their dates.
        const ledger = { ...(tenant.settings.ledger as object), pointsLifetimeDays: step.days };
        tenantRepository.update(f.storage.db, tenant.accountId, { settings: { ...tenant.settings, ledger } });
        tenant = tenantRepository.find(f.storage.db, tenant.accountId)!;
        break;
      }
      case 'job':
        await jobs[step.connection]!.expireDue();
        jobRan = true;
        break;
      case 'overlap': {
        // Two processes in turns, one lot per transaction: each batch reads the due lots again under the lock.
        let idle = 0;
        for (let turn = 0; idle < 2; turn++) idle = jobs[turn % 2]!.expireBatch(1).lots === 0 ? idle + 1 : 0;
        jobRan = true;
        break;
      }
    }
    await checkBooks(f, tenant, jobRan);
  }

  // In the end everything dated expires, once.
  f.clock.now = new Date(f.clock.now.getTime() + 400 * 24 * HOUR);
  await jobs[0]!.expireDue();
  await jobs[1]!.expireDue();
  await checkBooks(f, tenant, true);
  expect(
    f.storage.db
      .select()
      .from(ledgerLots)
      .all()
      .every((lot) => lot.remaining === 0),
  ).to.equal(true);
}
