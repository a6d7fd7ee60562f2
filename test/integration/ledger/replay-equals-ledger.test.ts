import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import { eq } from 'drizzle-orm';
import { customers, ledgerEntries } from '../../../db/schema/index.js';
import { settleExpiry } from '../../../app/ledger/point-lots.js';
import { LedgerReplay, type ReplayReceipt } from '../../../app/ledger/replay.js';
import { ledgerRulesOf, type LedgerRules } from '../../../app/ledger/rules.js';
import { tierRulesOf, type TierRules } from '../../../app/ledger/tier-rules.js';
import { kopecksForPoints } from '../../../app/receipt/points.js';
import type { ReceiptPosition } from '../../../app/receipt/positions.js';
import { immediate } from '../../../app/storage/database.js';
import { openLedgerFixture, sale, type LedgerFixture } from './ledger-fixture.js';

const HOUR = 3_600_000;
const START = Date.parse('2026-09-01T07:00:00Z');

interface Step {
  who: number | undefined;
  hours: number;
  lines: Array<{ kopecks: number; units: 1 | 2; rule: 'allowed' | 'tobacco' | 'prohibited' }>;
}

const step: fc.Arbitrary<Step> = fc.record({
  who: fc.option(fc.nat(2), { nil: undefined, freq: 5 }),
  hours: fc.integer({ min: 0, max: 72 }),
  lines: fc.array(
    fc.record({
      kopecks: fc.integer({ min: 1, max: 300_000 }),
      units: fc.constantFrom(1 as const, 2 as const),
      rule: fc.constantFrom('allowed' as const, 'allowed' as const, 'tobacco' as const, 'prohibited' as const),
    }),
    { minLength: 1, maxLength: 4 },
  ),
});

const program: fc.Arbitrary<Partial<LedgerRules>> = fc.record({
  earnRateRoublesToPoint: fc.integer({ min: 1, max: 20 }),
  spendRatePointsToRouble: fc.constantFrom(1, 3, 4),
  maxPaidRatePercents: fc.integer({ min: 0, max: 100 }),
  earnWhileRedeeming: fc.boolean(),
  welcomeBonusesEnabled: fc.boolean(),
  welcomeBonusesValue: fc.integer({ min: 0, max: 500 }),
  welcomeBonusesMode: fc.constantFrom('REGISTRATION' as const, 'FIRST_PURCHASE' as const),
  postponedBonusesDelayDays: fc.constantFrom(0, 0, 2),
  pointsLifetimeDays: fc.constantFrom(0, 3, 10),
  welcomeLifetimeDays: fc.constantFrom(0, 2),
  confirmRegistrationByCode: fc.boolean(),
  allAgents: fc.boolean(),
  agentTags: fc.constant(['vip']),
  birthdayEnabled: fc.boolean(),
  birthdayDaysBefore: fc.integer({ min: 0, max: 5 }),
  birthdayDaysAfter: fc.integer({ min: 0, max: 5 }),
  birthdayEarnMultiplier: fc.integer({ min: 1, max: 3 }),
});
/** The counterparties' birth dates: two birthdays inside the history's first weeks, one unknown. */
const BIRTH_DATES = ['1990-09-03', '1985-09-21', undefined];

const tiers: fc.Arbitrary<TierRules | undefined> = fc.option(
  fc.constant<TierRules>({
    enabled: true,
    windowDays: 365,
    levels: [
      { name: 'Бронза', thresholdKopecks: 0, earnRateRoublesToPoint: 10 },
      { name: 'Серебро', thresholdKopecks: 300_000, earnRateRoublesToPoint: 5, maxPaidRatePercents: 40 },
      { name: 'Золото', thresholdKopecks: 1_000_000, earnRateRoublesToPoint: 2 },
    ],
  }),
  { nil: undefined },
);

function positionsOf(lines: Step['lines']): ReceiptPosition[] {
  return lines.map((line) => ({
    quantityMilli: line.units * 1000,
    priceKopecks: line.kopecks,
    echo: { assortment: { meta: { id: randomUUID() } } },
    rule:
      line.rule === 'allowed'
        ? { discount: true, earn: true }
        : line.rule === 'tobacco'
          ? { discount: false, earn: false, reason: 'law' as const }
          : { discount: false, earn: true, reason: 'prohibited' as const },
  }));
}

describe('LedgerReplay against the real ledger', () => {
  let fx: LedgerFixture;
  before(() => {
    fx = openLedgerFixture();
  });
  after(() => fx.close());

  it('when a history is replayed in memory and sold through recalc and sale, then every receipt and the end agree', async () => {
    await fc.assert(
      fc.asyncProperty(
        program,
        tiers,
        fc.constantFrom(100, 50, 0),
        fc.array(step, { minLength: 1, maxLength: 25 }),
        async (rules, tierRules, share, steps) => {
          const tenant = fx.tenant(rules, tierRules ? { tiers: tierRules } : {});
          const counterparties = [randomUUID(), randomUUID(), randomUUID()];
          // The first counterparty is in the audience of a tagged program; the others are not.
          fx.tags.set(counterparties[0]!, ['VIP']);
          fx.tags.set(counterparties[1]!, ['опт']);
          const replay = new LedgerReplay(
            { ledger: ledgerRulesOf(tenant), tiers: tierRulesOf(tenant) },
            { spendSharePercent: share },
          );
          let at = START;
          for (const s of steps) {
            at += s.hours * HOUR;
            fx.clock.now = new Date(at);
            const positions = positionsOf(s.lines);
            const customerId = s.who === undefined ? undefined : counterparties[s.who]!;
            const birthDate = s.who === undefined ? undefined : BIRTH_DATES[s.who];
            const receipt: ReplayReceipt = {
              momentMs: at,
              customerId,
              tags: customerId && fx.tags.get(customerId),
              birthDate,
              positions,
            };
            const simulated = replay.sale(receipt);

            const agent = customerId ? { id: customerId, ...(birthDate ? { birthDate } : {}) } : {};
            const look = await fx.ledger.recalc(tenant, { agent, positions, transactionType: 'EARNING' });
            const wanted = share === 100 ? undefined : Math.floor((look.agentBonusBalance * share) / 100);
            const priced = await fx.ledger.recalc(tenant, {
              agent,
              positions,
              transactionType: wanted === 0 ? 'EARNING' : 'SPENDING',
              preferredPointsToSpend: wanted,
            });
            await fx.ledger.createSale(
              tenant,
              sale(agent, priced.positions, { pointsToSpend: priced.bonusValueToSpend }),
            );
            expect(simulated.spent, 'spent').to.equal(priced.bonusValueToSpend);
            expect(simulated.discountKopecks, 'discount').to.equal(priced.paidByBonusPointsKopecks);
            expect(simulated.earned, 'earned').to.equal(customerId ? priced.bonusValueToEarn : 0);
          }
          const end = at + 30 * 24 * HOUR;
          const totals = replay.finish(end);
          const ids = fx.storage.db
            .select({ id: customers.id })
            .from(customers)
            .where(eq(customers.tenantId, tenant.accountId))
            .all()
            .map((row) => row.id);
          immediate(fx.storage.db, (tx) => ids.forEach((id) => settleExpiry(tx, id, new Date(end))));
          const entries = fx.storage.db
            .select()
            .from(ledgerEntries)
            .where(eq(ledgerEntries.tenantId, tenant.accountId))
            .all();
          const sum = (kind: string) =>
            entries.filter((e) => e.kind === kind).reduce((total, e) => total + Math.abs(e.points), 0);
          const liability = ids.reduce((total, id) => total + fx.books(id).balance, 0);
          expect(totals.pointsEarned, 'earned').to.equal(sum('earn'));
          expect(totals.pointsWelcome, 'welcome').to.equal(sum('welcome'));
          expect(totals.pointsSpent, 'spent').to.equal(sum('spend'));
          expect(totals.pointsExpired, 'expired').to.equal(sum('expire'));
          expect(totals.liabilityPoints, 'liability').to.equal(liability);
          expect(totals.liabilityKopecks).to.equal(kopecksForPoints(liability, ledgerRulesOf(tenant)));
          expect(totals.customers).to.equal(ids.length);
        },
      ),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 40) },
    );
  });
});
