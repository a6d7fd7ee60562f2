import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { and, eq } from 'drizzle-orm';
import { birthdayGrants, customers, ledgerEntries, ledgerLots, type Tenant } from '../../../db/schema/index.js';
import { BirthdayJob } from '../../../app/ledger/birthdays.js';
import type { LedgerRules } from '../../../app/ledger/rules.js';
import { openStorage, type Db } from '../../../app/storage/database.js';
import { tenantRepository } from '../../../app/tenants/tenant-repository.js';
import { memoryLogger } from '../../helpers/memory-logger.js';
import { runJobInTwoProcesses } from '../../helpers/job-in-two-processes.js';
import { item, openLedgerFixture, sale, type LedgerFixture } from './ledger-fixture.js';

// The fixture's clock: 2026-11-23 13:00 in Moscow.
describe('Birthdays', () => {
  let f: LedgerFixture;
  beforeEach(() => (f = openLedgerFixture()));
  afterEach(() => f.close());

  /** 1 ₽ earns 1 point; 500 birthday points in a window of 3 days before to 7 days after. */
  const shop = (rules: Partial<LedgerRules> = {}, settings?: Record<string, unknown>) =>
    f.tenant(
      { birthdayEnabled: true, birthdayPoints: 500, birthdayDaysBefore: 3, birthdayDaysAfter: 7, ...rules },
      settings,
    );
  const job = (db: Db = f.storage.db, batch?: number) =>
    new BirthdayJob({ db, logger: memoryLogger().logger, now: () => f.clock.now, batch, customerTags: tagSource() });
  const tagSource = () => ({ tagsOf: async (_t: Tenant, id: string) => f.tags.get(id) });
  const born = async (tenant: Tenant, birthDate: string | undefined, msId = randomUUID()) =>
    (await f.ledger.createCustomer(tenant, { msId, name: 'Покупатель', birthDate })).id;
  const gifts = (id: string) =>
    f.storage.db
      .select()
      .from(ledgerEntries)
      .where(and(eq(ledgerEntries.customerId, id), eq(ledgerEntries.kind, 'birthday')))
      .all();
  const at = (iso: string) => (f.clock.now = new Date(iso));

  describe('the gift', () => {
    it('when today is within the window, then the job gives the points once, and a second run gives nothing', async () => {
      const tenant = shop();
      const threeAhead = await born(tenant, '1990-11-26 00:00:00');
      const sevenAgo = await born(tenant, '1985-11-16 00:00:00.000');
      const fourAhead = await born(tenant, '1990-11-27 00:00:00');
      const eightAgo = await born(tenant, '1990-11-15 00:00:00');
      const noDate = await born(tenant, undefined);

      expect(await job().runOnce()).to.deep.equal({ granted: 2 });
      expect(await job().runOnce()).to.deep.equal({ granted: 0 });
      for (const id of [threeAhead, sevenAgo]) {
        expect(gifts(id).map((e) => e.points)).to.deep.equal([500]);
        expect(await f.ledger.balance(tenant, { id })).to.equal(500);
        expect(f.books(id)).to.deep.equal({ balance: 500, entries: 500 });
      }
      for (const id of [fourAhead, eightAgo, noDate]) expect(gifts(id)).to.have.length(0);
    });

    it('when the window opens at Moscow midnight, then the job gives nothing a second before and the points a second after', async () => {
      const tenant = shop();
      const id = await born(tenant, '1990-11-30');
      at('2026-11-26T20:59:59Z'); // 23:59:59 on 26 November in Moscow: four days before
      expect((await job().runOnce()).granted).to.equal(0);
      at('2026-11-26T21:00:00Z'); // 00:00 on 27 November in Moscow: three days before
      expect((await job().runOnce()).granted).to.equal(1);
      expect(gifts(id)).to.have.length(1);
    });

    it('when the owner has not switched birthdays on, or gives 0 points, then nobody gets anything', async () => {
      const off = f.tenant({ birthdayPoints: 500 });
      const zero = shop({ birthdayPoints: 0 });
      const ids = [await born(off, '1990-11-23'), await born(zero, '1990-11-23')];
      expect((await job().runOnce()).granted).to.equal(0);
      for (const id of ids) expect(gifts(id)).to.have.length(0);
    });

    it('when points have a lifetime, then birthday points are a lot that lives as long as welcome points', async () => {
      const tenant = shop({ pointsLifetimeDays: 180, welcomeLifetimeDays: 14 });
      const id = await born(tenant, '1990-11-23');
      await job().runOnce();
      const [gift] = gifts(id);
      const lot = f.storage.db.select().from(ledgerLots).where(eq(ledgerLots.entryId, gift!.id)).get();
      // Good through 6 December (14 days with today), gone at the Moscow midnight that starts 7 December.
      expect(lot?.expiresAt).to.equal(Date.parse('2026-12-06T21:00:00Z'));
    });

    it('when a program is for some tags only, then a customer without them gets nothing', async () => {
      const tenant = shop({ allAgents: false, agentTags: ['vip'] });
      const vipMsId = randomUUID();
      f.tags.set(vipMsId, ['VIP']);
      const vip = await born(tenant, '1990-11-23', vipMsId);
      const other = await born(tenant, '1990-11-23');
      expect((await job().runOnce()).granted).to.equal(1);
      expect(gifts(vip)).to.have.length(1);
      expect(gifts(other)).to.have.length(0);
    });
  });

  describe('the wait before the gift', () => {
    it('when the gift needs 30 days in the program, then a customer registered at the till on their birthday gets nothing to spend, one registered 30 days before gets it', async () => {
      const tenant = shop({ birthdayMinMemberDays: 30 });
      at('2026-10-24T09:00:00Z'); // 30 Moscow days before 23 November
      const member = await born(tenant, '1990-11-23');
      at('2026-10-25T09:00:00Z');
      const dayShort = await born(tenant, '1990-11-23');
      at('2026-11-23T10:00:00Z');
      const newcomer = await born(tenant, '1990-11-23');

      expect(await job().runOnce()).to.deep.equal({ granted: 1 });
      expect(gifts(member).map((e) => e.points)).to.deep.equal([500]);
      for (const id of [dayShort, newcomer]) {
        expect(gifts(id), id).to.have.length(0);
        expect(await f.ledger.balance(tenant, { id }), 'nothing to spend at once').to.equal(0);
      }
    });

    it('when the owner shortens the wait while the window is open, then the next run gives the newcomer the gift', async () => {
      const tenant = shop({ birthdayMinMemberDays: 30 });
      const id = await born(tenant, '1990-11-23');
      expect((await job().runOnce()).granted).to.equal(0);
      const ledger = { ...(tenant.settings.ledger as object), birthdayMinMemberDays: 0 };
      tenantRepository.update(f.storage.db, tenant.accountId, { settings: { ...tenant.settings, ledger } });
      expect((await job().runOnce()).granted).to.equal(1);
      expect(gifts(id)).to.have.length(1);
    });

    it('when the gift waits 30 days, then a newcomer’s birthday purchase still earns the multiple', async () => {
      const tenant = shop({ birthdayMinMemberDays: 30, birthdayEarnMultiplier: 2 });
      const msId = randomUUID();
      await f.ledger.createSale(tenant, sale({ id: msId, birthDate: '1990-11-23' }, [item(100_000)]));
      expect(await f.ledger.balance(tenant, { id: msId })).to.equal(2000);
      await job().runOnce();
      expect(await f.ledger.balance(tenant, { id: msId }), 'no gift on top').to.equal(2000);
    });
  });

  describe('once a year', () => {
    it('when the window crosses New Year, then the gift belongs to the birthday’s year: one in the window, the next a year on', async () => {
      const tenant = shop();
      const id = await born(tenant, '1990-01-02');
      at('2026-12-30T09:00:00Z');
      expect((await job().runOnce()).granted).to.equal(1);
      at('2027-01-08T09:00:00Z'); // still the 2027 birthday's window
      expect((await job().runOnce()).granted).to.equal(0);
      at('2027-12-31T09:00:00Z'); // the 2028 birthday's window
      expect((await job().runOnce()).granted).to.equal(1);
      const years = f.storage.db.select().from(birthdayGrants).where(eq(birthdayGrants.customerId, id)).all();
      expect(years.map((g) => g.year).sort()).to.deep.equal([2027, 2028]);
    });

    it('when the customer’s birthday changes after the gift, then they get nothing more that year', async () => {
      const tenant = shop();
      const msId = randomUUID();
      const id = await born(tenant, '1990-11-23', msId);
      expect((await job().runOnce()).granted).to.equal(1);
      // МойСклад sends the new date with the next sale; it replaces the stored one.
      await f.ledger.createSale(tenant, sale({ id: msId, birthDate: '1990-12-20 00:00:00' }, [item(100)]));
      const row = f.storage.db.select().from(customers).where(eq(customers.id, id)).get();
      expect(row?.birthDate).to.equal('1990-12-20');
      at('2026-12-20T09:00:00Z');
      expect((await job().runOnce()).granted).to.equal(0);
      at('2027-12-20T09:00:00Z');
      expect((await job().runOnce()).granted).to.equal(1);
      expect(gifts(id)).to.have.length(2);
    });

    it('when two connections run the job in turns, then every customer gets one gift', async () => {
      const tenant = shop();
      const ids = await Promise.all(Array.from({ length: 30 }, () => born(tenant, '1990-11-24')));
      const other = openStorage(f.storage.sqlite.name, { migrate: false });
      try {
        const runs = await Promise.all([job(f.storage.db, 4).runOnce(), job(other.db, 4).runOnce()]);
        expect(runs[0]!.granted + runs[1]!.granted).to.equal(30);
      } finally {
        other.close();
      }
      for (const id of ids) expect(f.books(id)).to.deep.equal({ balance: 500, entries: 500 });
    });

    it('when two processes run the job at the same moment, then every customer long enough in the program gets one gift, the new ones none, and both gave some', async function () {
      this.timeout(60_000);
      const tenant = shop({ birthdayMinMemberDays: 30 });
      const today = f.clock.now;
      at('2026-10-01T09:00:00Z');
      const ids = await Promise.all(Array.from({ length: 60 }, () => born(tenant, '1990-11-25')));
      f.clock.now = today;
      const newcomers = await Promise.all(Array.from({ length: 20 }, () => born(tenant, '1990-11-25')));
      const counts = (
        await runJobInTwoProcesses('test/helpers/birthday-job-process.ts', f.storage.sqlite.name, f.clock.now)
      ).map((result) => result.granted!);
      expect(counts[0]! + counts[1]!).to.equal(60);
      expect(Math.min(...counts), `both processes gave points: ${counts.join(' + ')}`).to.be.above(0);
      for (const id of ids) expect(gifts(id)).to.have.length(1);
      for (const id of newcomers) expect(gifts(id)).to.have.length(0);
    });
  });

  describe('the multiplier', () => {
    const receipt = (agent: { id: string; birthDate?: string }) => ({
      agent,
      positions: [item(100_000)],
      transactionType: 'EARNING' as const,
    });

    it('when a purchase is inside the window, then it earns twice the points and the receipt says so; outside, as usual', async () => {
      const tenant = shop({ birthdayPoints: 0, birthdayEarnMultiplier: 2 });
      const inside = await born(tenant, '1990-11-20');
      const outside = await born(tenant, '1990-11-10');
      const recalc = await f.ledger.recalc(tenant, receipt({ id: inside }));
      expect(recalc.bonusValueToEarn).to.equal(2000);
      expect(recalc.receiptExtraInfo).to.contain('С днём рождения! Баллы ×2');
      const plain = await f.ledger.recalc(tenant, receipt({ id: outside }));
      expect(plain.bonusValueToEarn).to.equal(1000);
      expect(plain.receiptExtraInfo ?? '').not.to.contain('рождения');

      await f.ledger.createSale(tenant, sale({ id: inside }, [item(100_000)]));
      await f.ledger.createSale(tenant, sale({ id: outside }, [item(100_000)]));
      expect(f.books(inside).balance).to.equal(2000);
      expect(f.books(outside).balance).to.equal(1000);
    });

    it('when the till names a new customer born this week, then recalc and the sale that registers them agree', async () => {
      const tenant = shop({ birthdayPoints: 0, birthdayEarnMultiplier: 3 });
      const msId = randomUUID();
      const recalc = await f.ledger.recalc(tenant, receipt({ id: msId, birthDate: '2000-11-22 00:00:00' }));
      expect(recalc.bonusValueToEarn).to.equal(3000);
      await f.ledger.createSale(tenant, sale({ id: msId, birthDate: '2000-11-22 00:00:00' }, [item(100_000)]));
      expect(await f.ledger.balance(tenant, { id: msId })).to.equal(3000);
    });

    it('when a sale carries a birth date that is not a date, then the sale goes through and the stored date stays', async () => {
      const tenant = shop();
      const msId = randomUUID();
      const id = await born(tenant, '1990-11-10', msId);
      expect(await f.ledger.createSale(tenant, sale({ id: msId, birthDate: 'вчера' }, [item(100)]))).to.equal(
        undefined,
      );
      const row = f.storage.db.select().from(customers).where(eq(customers.id, id)).get();
      expect(row?.birthDate).to.equal('1990-11-10');
    });
  });
});
