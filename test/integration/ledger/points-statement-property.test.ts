import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import fc from 'fast-check';
import { customers, ledgerEntries, type LedgerEntryKind } from '../../../db/schema/index.js';
import { BusinessRuleError } from '../../../app/errors.js';
import { adjustBalance } from '../../../app/ledger/manual-adjustment.js';
import { PointExpiry } from '../../../app/ledger/point-expiry.js';
import { postEntry } from '../../../app/ledger/point-lots.js';
import {
  LINE_OF_KIND,
  liabilityAt,
  pointsStatement,
  type PointsStatement,
} from '../../../app/ledger/points-statement.js';
import { ledgerRulesOf, type LedgerRules } from '../../../app/ledger/rules.js';
import {
  DAY_MS,
  moscowMonthBounds,
  moscowMonthOf,
  shiftMonth,
  type MoscowMonth,
} from '../../../app/locale/moscow-day.js';
import type { SaleRequest } from '../../../app/loyalty/backend.js';
import { immediate } from '../../../app/storage/database.js';
import { TransactionLog } from '../../../app/txlog/transaction-log.js';
import { memoryLogger } from '../../helpers/memory-logger.js';
import { item, openLedgerFixture, sale, type LedgerFixture } from './ledger-fixture.js';

const HOUR = 3_600_000;
const CUSTOMERS = 3;

type Action =
  | { type: 'earn'; who: number; points: number }
  | { type: 'spend'; who: number; points: number }
  | { type: 'return'; sale: number; all: boolean }
  | { type: 'adjust'; who: number; points: number }
  | { type: 'birthday'; who: number; points: number }
  | { type: 'join' }
  | { type: 'time'; hours: number }
  | { type: 'beforeMonthEnd' }
  | { type: 'job' };

const who = fc.nat(CUSTOMERS - 1);
const points = fc.integer({ min: 1, max: 200 });
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ type: fc.constant('earn' as const), who, points }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('spend' as const), who, points }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('return' as const), sale: fc.nat(100), all: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('adjust' as const),
      who,
      points: fc.integer({ min: -80, max: 80 }).filter((p) => p !== 0),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('birthday' as const), who, points }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('join' as const) }) },
  {
    weight: 4,
    arbitrary: fc.record({ type: fc.constant('time' as const), hours: fc.integer({ min: 1, max: 24 * 25 }) }),
  },
  // Points earned right after this expire at the very midnight a month starts.
  {
    weight: 2,
    arbitrary: fc.record({ type: fc.constant('beforeMonthEnd' as const) }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('job' as const) }) },
);

const rules: fc.Arbitrary<Partial<LedgerRules>> = fc.record({
  pointsLifetimeDays: fc.constantFrom(0, 5, 20, 45),
  welcomeLifetimeDays: fc.constantFrom(0, 3),
  postponedBonusesDelayDays: fc.constantFrom(0, 0, 3, 40),
  welcomeBonusesEnabled: fc.boolean(),
  welcomeBonusesValue: fc.integer({ min: 1, max: 50 }),
  welcomeBonusesMode: fc.constantFrom('REGISTRATION' as const, 'FIRST_PURCHASE' as const),
  earnWhileRedeeming: fc.boolean(),
});

/** Σ balances of the tenant's customers, read the moment a month ends. */
interface MonthEnd {
  month: MoscowMonth;
  balances: number;
}

describe('Points statement: random histories', function () {
  this.timeout(120_000);
  it('when any history of sales, spends, returns, adjustments, gifts, expiry and months plays out, then every month reconciles with the entries and the balances', async () => {
    await fc.assert(
      fc.asyncProperty(
        rules,
        fc.constantFrom(1, 3, 7),
        fc.array(action, { minLength: 5, maxLength: 40 }),
        async (program, rate, actions) => {
          const f = openLedgerFixture();
          try {
            await play(f, program, rate, actions);
          } finally {
            f.close();
          }
        },
      ),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 40) },
    );
  });
});

async function play(f: LedgerFixture, program: Partial<LedgerRules>, rate: number, actions: Action[]) {
  const db = f.storage.db;
  const job = new PointExpiry(db, { now: () => f.clock.now });
  const txlog = new TransactionLog(db, memoryLogger().logger);
  const tenant = f.tenant({ maxPaidRatePercents: 100, ...program });
  // Another shop's points, in the same months: never in this one's statement.
  const other = f.tenant();
  await f.customerWith(other, 1000);
  const ids: string[] = [];
  const join = async () =>
    ids.push((await f.ledger.createCustomer(tenant, { msId: randomUUID(), name: 'Покупатель' })).id);
  for (let i = 0; i < CUSTOMERS; i++) await join();

  const firstMonth = moscowMonthOf(f.clock.now.getTime());
  const ends: MonthEnd[] = [];
  const sales: SaleRequest[] = [];
  const tolerated = async (step: () => unknown) => {
    try {
      await step();
    } catch (error) {
      if (!(error instanceof BusinessRuleError)) throw error;
    }
  };
  const balances = () =>
    db
      .select({ balance: customers.balance })
      .from(customers)
      .where(eq(customers.tenantId, tenant.accountId))
      .all()
      .reduce((sum, c) => sum + c.balance, 0);

  /** Moves the clock, stopping at each month's last instant as the hourly job would see it. */
  const advance = async (to: number) => {
    for (;;) {
      const { end } = moscowMonthBounds(moscowMonthOf(f.clock.now.getTime()));
      if (end > to) break;
      f.clock.now = new Date(end - 1);
      await job.expireDue();
      ends.push({ month: moscowMonthOf(end - 1), balances: balances() });
      f.clock.now = new Date(end);
    }
    f.clock.now = new Date(to);
  };

  for (const step of actions) {
    const customer = 'who' in step ? ids[step.who % ids.length]! : '';
    switch (step.type) {
      case 'earn': {
        const request = sale({ id: customer }, [item(step.points * 100)]);
        await tolerated(() => f.ledger.createSale(tenant, request));
        sales.push(request);
        break;
      }
      case 'spend': {
        const goods = { ...item(step.points * 100 + 500), discountedPriceKopecks: 500, discountPercent: 50 };
        const request = sale({ id: customer }, [goods], { pointsToSpend: step.points });
        await tolerated(() => f.ledger.createSale(tenant, request));
        sales.push(request);
        break;
      }
      case 'return': {
        if (sales.length === 0) break;
        const sold = sales[step.sale % sales.length]!;
        const line = sold.positions[0]!;
        await f.ledger.createReturn(tenant, {
          returnKey: randomUUID(),
          msId: randomUUID(),
          saleMsId: sold.msId,
          positions: step.all ? sold.positions : [{ ...line, quantityMilli: 500 }],
          cashKopecks: 0,
          noCashKopecks: 0,
        });
        break;
      }
      case 'adjust':
        await tolerated(() =>
          adjustBalance(
            db,
            txlog,
            {
              tenantId: tenant.accountId,
              customerId: customer,
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
      case 'birthday':
        // Birthday points are being built beside this: posted like welcome points, under their own kind.
        immediate(db, (tx) =>
          postEntry(
            tx,
            {
              tenantId: tenant.accountId,
              customerId: customer,
              points: step.points,
              kind: 'birthday' as LedgerEntryKind,
            },
            f.clock.now,
          ),
        );
        break;
      case 'join':
        await join();
        break;
      case 'time':
        await advance(f.clock.now.getTime() + step.hours * HOUR);
        break;
      case 'beforeMonthEnd': {
        const month = moscowMonthOf(f.clock.now.getTime());
        const days = (program.pointsLifetimeDays ?? 0) + (program.postponedBonusesDelayDays ?? 0);
        const target = (m: MoscowMonth) => moscowMonthBounds(m).end - days * DAY_MS + HOUR;
        const at = target(month) > f.clock.now.getTime() ? target(month) : target(shiftMonth(month, 1));
        await advance(Math.max(at, f.clock.now.getTime()));
        break;
      }
      case 'job':
        await job.expireDue();
        break;
    }
  }

  const now = f.clock.now.getTime();
  const entries = db.select().from(ledgerEntries).where(eq(ledgerEntries.tenantId, tenant.accountId)).all();
  const sumOf = (keep: (e: (typeof entries)[number]) => boolean) =>
    entries.filter(keep).reduce((sum, e) => sum + e.points, 0);
  const statedWith = { accountId: tenant.accountId, settings: { ledger: { spendRatePointsToRouble: rate } } };
  const worth = (p: number) => Math.sign(p) * Math.floor((Math.abs(p) * 100) / rate);

  let previous: PointsStatement | undefined;
  for (let month = firstMonth; month <= moscowMonthOf(now); month = shiftMonth(month, 1)) {
    const s = pointsStatement(db, statedWith, month, now);
    const { start, end } = moscowMonthBounds(month);
    const at = `${month}`;

    // Opening + every line = closing, in points and, at any rate, in kopecks.
    const moved = s.lines.reduce((sum, line) => sum + line.points, 0);
    expect(s.opening.points + moved, `${at}: points reconcile`).to.equal(s.closing.points);
    const movedKopecks = s.lines.reduce((sum, line) => sum + line.kopecks, 0);
    expect(s.opening.kopecks + movedKopecks, `${at}: roubles reconcile`).to.equal(s.closing.kopecks);
    expect(s.closing.kopecks).to.equal(worth(s.closing.points));

    // Each figure is the entries themselves, summed the obvious way.
    expect(s.opening.points, `${at}: opening`).to.equal(sumOf((e) => e.createdAt < start));
    expect(s.closing.points, `${at}: closing`).to.equal(sumOf((e) => e.createdAt < end));
    const inMonth = (kinds: string[]) =>
      sumOf((e) => e.createdAt >= start && e.createdAt < end && kinds.includes(e.kind));
    const kindsOf = (key: string) =>
      Object.entries(LINE_OF_KIND)
        .filter(([, line]) => line === key)
        .map(([k]) => k);
    for (const line of s.lines.filter((l) => l.key !== 'other')) {
      expect(line.points, `${at}: ${line.key}`).to.equal(inMonth(kindsOf(line.key)));
    }
    expect(s.lines.find((l) => l.key === 'welcome')!.points).to.equal(inMonth(['welcome', 'birthday']));
    expect(s.lines.find((l) => l.key === 'other')!.points).to.equal(0);
    expect(s.pending.points, `${at}: pending`).to.equal(
      sumOf((e) => e.createdAt < end && e.availableAt > Math.min(end, now)),
    );
    // Not capped by the closing figure: support may take away points a customer holds only as pending ones.
    expect(s.pending.points).to.be.at.least(0);

    // What customers held the moment the month ended.
    const ended = ends.find((e) => e.month === month);
    if (ended) expect(s.closing.points, `${at}: closing = Σ balances then`).to.equal(ended.balances);
    else expect(s.closing.points, `${at}: closing = Σ balances now`).to.equal(balances());
    expect(liabilityAt(db, statedWith, end).points).to.equal(s.closing.points);

    if (previous) expect(s.opening, `${at}: opens where the last one closed`).to.deep.equal(previous.closing);
    previous = s;
  }
  expect(pointsStatement(db, statedWith, firstMonth, now).opening.points).to.equal(0);
}
