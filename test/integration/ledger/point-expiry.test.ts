import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { and, eq } from 'drizzle-orm';
import nock from 'nock';
import { expiryReminders, ledgerEntries, ledgerLots, saleReturns, type Tenant } from '../../../db/schema/index.js';
import { SecretBox } from '../../../app/crypto/secret-box.js';
import { ExpiryReminders } from '../../../app/ledger/expiry-reminders.js';
import { PointExpiry } from '../../../app/ledger/point-expiry.js';
import type { LedgerRules } from '../../../app/ledger/rules.js';
import type { ReturnRequest, SaleRequest } from '../../../app/loyalty/backend.js';
import { SmsGateway } from '../../../app/sms/sms-gateway.js';
import { openStorage, type Db } from '../../../app/storage/database.js';
import { sealProviderSecrets } from '../../../app/tenants/tenant-settings.js';
import { tenantRepository } from '../../../app/tenants/tenant-repository.js';
import { memoryLogger } from '../../helpers/memory-logger.js';
import { testGuard } from '../../helpers/outbound.js';
import { runJobInTwoProcesses } from '../../helpers/job-in-two-processes.js';
import { item, openLedgerFixture, sale, type LedgerFixture } from './ledger-fixture.js';

const DAY = 86_400_000;
const GATEWAY = 'https://sms.shop.test';
const box = new SecretBox(randomBytes(32));

describe('Points that expire', () => {
  let f: LedgerFixture;
  let job: PointExpiry;
  beforeEach(() => {
    f = openLedgerFixture();
    job = expiryJob(f.storage.db);
  });
  afterEach(() => f.close());

  const expiryJob = (db: Db) => new PointExpiry(db, { now: () => f.clock.now });

  /** A shop where 1 ₽ earns 1 point, 1 point pays 1 ₽, up to the whole receipt; points live 30 days. */
  const shop = (rules: Partial<LedgerRules> = {}) =>
    f.tenant({ maxPaidRatePercents: 100, pointsLifetimeDays: 30, ...rules });
  const customer = async (tenant: Tenant, phone?: string) =>
    (await f.ledger.createCustomer(tenant, { msId: randomUUID(), name: 'Покупатель', phone })).id;
  const earn = async (tenant: Tenant, id: string, points: number): Promise<SaleRequest> => {
    const request = sale({ id }, [item(points * 100)]);
    expect(await f.ledger.createSale(tenant, request)).to.equal(undefined);
    return request;
  };
  const spend = async (tenant: Tenant, id: string, points: number): Promise<SaleRequest> => {
    const goods = { ...item(points * 100 + 100), discountedPriceKopecks: 100, discountPercent: 50 };
    const request = sale({ id }, [goods], { pointsToSpend: points });
    expect(await f.ledger.createSale(tenant, request)).to.equal(undefined);
    return request;
  };
  const returnAll = (tenant: Tenant, sold: SaleRequest) =>
    f.ledger.createReturn(tenant, {
      returnKey: randomUUID(),
      msId: randomUUID(),
      saleMsId: sold.msId,
      positions: sold.positions,
      cashKopecks: 0,
      noCashKopecks: 0,
    } satisfies ReturnRequest);
  const later = (days: number) => (f.clock.now = new Date(f.clock.now.getTime() + days * DAY));
  const entriesOf = (id: string, kind: string) =>
    f.storage.db
      .select()
      .from(ledgerEntries)
      .where(and(eq(ledgerEntries.customerId, id), eq(ledgerEntries.kind, kind as 'expire')))
      .all();
  const balance = (tenant: Tenant, id: string) => f.ledger.balance(tenant, { id });

  describe('lots', () => {
    it('when a customer spends, then the points that expire soonest go first and the later ones stay', async () => {
      const tenant = shop({
        pointsLifetimeDays: 180,
        welcomeLifetimeDays: 30,
        welcomeBonusesEnabled: true,
        welcomeBonusesValue: 50,
      });
      const id = await customer(tenant); // 50 welcome points, good 30 days
      await earn(tenant, id, 100); // good 180 days
      await spend(tenant, id, 60); // takes the 50 welcome points first, then 10 earned

      later(31);
      expect(await job.expireDue()).to.deep.equal({ lots: 0, points: 0 });
      expect(await balance(tenant, id)).to.equal(90);
      later(150);
      expect(await job.expireDue()).to.deep.equal({ lots: 1, points: 90 });
      expect(await balance(tenant, id)).to.equal(0);
      expect(f.books(id)).to.deep.equal({ balance: 0, entries: 0 });
    });

    it('when the owner turns expiry on, then points earned before never expire and are spent after the dated ones', async () => {
      const before = shop({ pointsLifetimeDays: 0 });
      const id = await customer(before);
      await earn(before, id, 100);
      const after = {
        ...before,
        settings: { ledger: { ...(before.settings.ledger as object), pointsLifetimeDays: 30 } },
      };
      await earn(after, id, 40);
      await spend(after, id, 50); // the 40 dated points first, then 10 undated
      later(400);
      expect(await job.expireDue()).to.deep.equal({ lots: 0, points: 0 });
      expect(await balance(before, id)).to.equal(90);
    });

    it('when points are past their date but the job has not run, then the till cannot spend them and the next sale writes them off first', async () => {
      const tenant = shop();
      const id = await customer(tenant);
      await earn(tenant, id, 100);
      later(30);
      expect(await balance(tenant, id), 'expired at the Moscow midnight, job or not').to.equal(0);
      const recalc = await f.ledger.recalc(tenant, {
        agent: { id },
        positions: [item(10_000)],
        transactionType: 'SPENDING',
        preferredPointsToSpend: 100,
      });
      expect(recalc).to.include({ agentBonusBalance: 0, bonusValueToSpend: 0 });
      await earn(tenant, id, 5);
      expect(entriesOf(id, 'expire').map((e) => e.points)).to.deep.equal([-100]);
      expect(f.books(id)).to.deep.equal({ balance: 5, entries: 5 });
      expect(await job.expireDue(), 'nothing left for the job').to.deep.equal({ lots: 0, points: 0 });
    });
  });

  describe('returns', () => {
    it('when the points a sale spent expired before its return, then they come back and expire at once', async () => {
      const tenant = shop();
      const id = await customer(tenant);
      await earn(tenant, id, 100);
      later(10);
      const spent = await spend(tenant, id, 40);
      later(25);
      expect(await job.expireDue()).to.deep.equal({ lots: 1, points: 60 });

      await returnAll(tenant, spent);
      expect(await balance(tenant, id)).to.equal(0);
      expect(f.books(id)).to.deep.equal({ balance: 0, entries: 0 });
      expect(entriesOf(id, 'return-spend').map((e) => e.points)).to.deep.equal([40]);
      expect(entriesOf(id, 'expire').map((e) => e.points)).to.deep.equal([-60, -40]);
    });

    it('when spent points come back before their date, then they keep it: they expire when they would have', async () => {
      const tenant = shop();
      const id = await customer(tenant);
      await earn(tenant, id, 100);
      later(10);
      const spent = await spend(tenant, id, 40);
      later(5);
      await returnAll(tenant, spent);
      expect(await balance(tenant, id)).to.equal(100);
      later(15); // day 30: the original date
      expect(await job.expireDue()).to.deep.equal({ lots: 2, points: 100 });
    });

    it('when a sale’s earned points expired before the sale is returned, then the return takes nothing else', async () => {
      const tenant = shop();
      const id = await customer(tenant);
      const sold = await earn(tenant, id, 100);
      later(20);
      await earn(tenant, id, 50); // good until day 50
      later(11);
      expect(await job.expireDue()).to.deep.equal({ lots: 1, points: 100 });

      await returnAll(tenant, sold);
      expect(await balance(tenant, id)).to.equal(50);
      const [row] = f.storage.db.select().from(saleReturns).all();
      expect(row).to.include({ earnedTakenBack: 0, uncollectedPoints: 0, needsSupport: false });
    });

    it('when part of a sale’s points was spent and the rest expired, then returns take back exactly the part that was used', async () => {
      const tenant = shop();
      const id = await customer(tenant);
      const sold = sale({ id }, [item(5_000, 2)]); // 100 points
      await f.ledger.createSale(tenant, sold);
      await spend(tenant, id, 60);
      later(5);
      await earn(tenant, id, 200);
      later(26);
      expect(await job.expireDue()).to.deep.equal({ lots: 1, points: 40 });
      expect(await balance(tenant, id)).to.equal(200);

      const half = { ...sold.positions[0]!, quantityMilli: 1000 };
      for (let i = 0; i < 2; i++) {
        await f.ledger.createReturn(tenant, {
          returnKey: randomUUID(),
          msId: randomUUID(),
          saleMsId: sold.msId,
          positions: [half],
          cashKopecks: 0,
          noCashKopecks: 0,
        });
      }
      // First half: 50 reversed, 40 of them had expired → 10 taken; second half: 50 taken.
      const rows = f.storage.db.select().from(saleReturns).orderBy(saleReturns.createdAt).all();
      expect(rows.map((r) => r.earnedTakenBack).sort()).to.deep.equal([10, 50]);
      expect(await balance(tenant, id)).to.equal(140);
      expect(f.books(id)).to.deep.equal({ balance: 140, entries: 140 });
    });
  });

  describe('the job', () => {
    it('when two connections to the same file run it in turns, then every lot expires exactly once', async () => {
      const tenant = shop();
      const ids = await Promise.all(Array.from({ length: 10 }, () => customer(tenant)));
      for (const id of ids) for (let i = 1; i <= 12; i++) await earn(tenant, id, i);
      later(31);
      const other = openStorage(f.storage.sqlite.name, { migrate: false });
      try {
        const jobs = [expiryJob(f.storage.db), expiryJob(other.db)];
        // Small batches, alternating: each one reads the due lots again under the write lock.
        let done = 0;
        for (let turn = 0; done < 2; turn++) done = jobs[turn % 2]!.expireBatch(7).lots === 0 ? done + 1 : 0;
      } finally {
        other.close();
      }
      const expired = f.storage.db.select().from(ledgerEntries).where(eq(ledgerEntries.kind, 'expire')).all();
      expect(expired).to.have.length(120);
      const lots = f.storage.db.select().from(ledgerLots).all();
      expect(new Set(lots.map((lot) => lot.expireEntryId)).size).to.equal(120);
      for (const id of ids) expect(f.books(id)).to.deep.equal({ balance: 0, entries: 0 });
    });
  });

  describe('two processes', () => {
    it('when two processes run the job at the same moment, then each lot expires exactly once and both did some', async function () {
      this.timeout(60_000);
      const tenant = shop();
      const ids = await Promise.all(Array.from({ length: 20 }, () => customer(tenant)));
      for (const id of ids) for (let i = 1; i <= 15; i++) await earn(tenant, id, i);
      later(31);
      const counts = (
        await runJobInTwoProcesses('test/helpers/expiry-job-process.ts', f.storage.sqlite.name, f.clock.now)
      ).map((result) => result.lots!);
      expect(counts[0]! + counts[1]!).to.equal(300);
      expect(Math.min(...counts), `both processes wrote off lots: ${counts.join(' + ')}`).to.be.above(0);

      const expired = f.storage.db.select().from(ledgerEntries).where(eq(ledgerEntries.kind, 'expire')).all();
      expect(expired).to.have.length(300);
      for (const id of ids) expect(f.books(id)).to.deep.equal({ balance: 0, entries: 0 });
    });
  });

  describe('the receipt', () => {
    const recalc = (tenant: Tenant, id: string, preferredPointsToSpend = 0) =>
      f.ledger.recalc(tenant, {
        agent: { id },
        positions: [item(100_000)],
        transactionType: preferredPointsToSpend > 0 ? 'SPENDING' : 'EARNING',
        preferredPointsToSpend,
      });

    it('when points expire within 30 days, then the receipt names how many and the last day, after this receipt’s spend', async () => {
      const tenant = shop({ pointsLifetimeDays: 60, receiptTemplate: 'Баллов: {balanceAfter}' });
      const id = await customer(tenant);
      f.clock.now = new Date('2026-01-10T09:00:00Z');
      await earn(tenant, id, 120); // good through 10 March
      later(1);
      await earn(tenant, id, 1); // good through 11 March

      expect((await recalc(tenant, id)).receiptExtraInfo, 'more than 30 days ahead').to.equal('Баллов: 1121');
      f.clock.now = new Date('2026-02-20T09:00:00Z');
      expect((await recalc(tenant, id)).receiptExtraInfo).to.equal('Баллов: 1121\nСгорит 120 баллов 10.03');
      expect((await recalc(tenant, id, 20)).receiptExtraInfo).to.equal('Баллов: 101\nСгорит 100 баллов 10.03');
      expect((await recalc(tenant, id, 120)).receiptExtraInfo).to.equal('Баллов: 1\nСгорит 1 балл 11.03');
    });

    it('when points of many dates are due or spent by the receipt, then every due one is left out and the next one named', async () => {
      const tenant = shop({ pointsLifetimeDays: 30, receiptTemplate: '' });
      const id = await customer(tenant);
      f.clock.now = new Date('2026-01-01T09:00:00Z');
      for (let day = 0; day < 30; day++, later(1)) await earn(tenant, id, 1); // good through 30 January … 28 February
      f.clock.now = new Date('2026-02-12T09:00:00Z'); // 13 dates past and not written off: recalc writes nothing
      const answer = await recalc(tenant, id, 15);
      expect(answer).to.include({ agentBonusBalance: 17, bonusValueToSpend: 15 });
      expect(answer.receiptExtraInfo).to.equal('Сгорит 1 балл 27.02');
      expect(entriesOf(id, 'expire')).to.deep.equal([]);
    });

    it('when points never expire, then the receipt says nothing about it', async () => {
      const tenant = shop({ pointsLifetimeDays: 0, receiptTemplate: 'Баллов: {balanceAfter}' });
      const id = await customer(tenant);
      await earn(tenant, id, 120);
      expect((await recalc(tenant, id)).receiptExtraInfo).to.equal('Баллов: 1120');
    });
  });

  describe('reminders', () => {
    const remindingShop = (rules: Partial<LedgerRules> = {}) => {
      const tenant = shop({ expiryReminderDays: 7, ...rules });
      const secrets = sealProviderSecrets(box, tenant.accountId, { smsGateway: { webhookUrl: `${GATEWAY}/send` } });
      tenantRepository.update(f.storage.db, tenant.accountId, { providerSecretsEnc: secrets, accountName: 'Ромашка' });
      return tenantRepository.find(f.storage.db, tenant.accountId)!;
    };
    const gatewayJob = (db = f.storage.db) =>
      new ExpiryReminders(db, {
        logger: memoryLogger().logger,
        box,
        sms: new SmsGateway({ logger: memoryLogger().logger, guard: testGuard() }),
        now: () => f.clock.now,
      });

    it('when points expire in 7 days, then one SMS per customer and date goes out, by day, and never again', async () => {
      const tenant = remindingShop();
      f.clock.now = new Date('2026-03-01T07:00:00Z'); // 10:00 in Moscow
      const anna = await customer(tenant, '+7 912 345-67-89');
      await earn(tenant, anna, 100);
      await earn(tenant, anna, 20); // the same day: the same date, one SMS
      const nobody = await customer(tenant);
      await earn(tenant, nobody, 50);

      // Good through 30 March: gone at the Moscow midnight starting 31 March; the window opens on 24 March.
      f.clock.now = new Date('2026-03-23T21:30:00Z'); // 00:30 in Moscow on 24 March: not at night
      expect(await gatewayJob().remind()).to.deep.equal({ sent: 0, failed: 0, noPhone: 0 });

      f.clock.now = new Date('2026-03-24T07:30:00Z'); // 10:30 in Moscow
      const scope = nock(GATEWAY)
        .post('/send', { phone: '+79123456789', message: 'Через 7 дней сгорит 120 баллов. Ждём вас в «Ромашка»!' })
        .reply(200, {});
      expect(await gatewayJob().remind()).to.deep.equal({ sent: 1, failed: 0, noPhone: 1 });
      expect(scope.isDone()).to.equal(true);
      expect(await gatewayJob().remind(), 'a second run').to.deep.equal({ sent: 0, failed: 0, noPhone: 0 });

      const rows = f.storage.db.select().from(expiryReminders).all();
      expect(rows.map((r) => [r.customerId, r.points, r.status])).to.have.deep.members([
        [anna, 120, 'sent'],
        [nobody, 50, 'no-phone'],
      ]);
    });

    it('when two processes remind at the same time, then each customer gets one SMS', async () => {
      const tenant = remindingShop();
      f.clock.now = new Date('2026-03-01T07:00:00Z');
      const phones = ['+79120000001', '+79120000002', '+79120000003'];
      for (const phone of phones) await earn(tenant, await customer(tenant, phone), 10);
      f.clock.now = new Date('2026-03-25T08:00:00Z');
      const received: string[] = [];
      nock(GATEWAY)
        .post('/send')
        .times(6)
        .delay(20)
        .reply(200, (_uri, body) => void received.push((body as { phone: string }).phone));
      const other = openStorage(f.storage.sqlite.name, { migrate: false });
      try {
        const [a, b] = await Promise.all([gatewayJob().remind(), gatewayJob(other.db).remind()]);
        expect(a.sent + b.sent).to.equal(3);
      } finally {
        other.close();
      }
      expect(received.sort()).to.deep.equal(phones);
    });

    it('when the gateway fails, then the reminder is recorded as failed with the reason and not sent again', async () => {
      const tenant = remindingShop();
      f.clock.now = new Date('2026-03-01T07:00:00Z');
      await earn(tenant, await customer(tenant, '+79120000001'), 10);
      f.clock.now = new Date('2026-03-25T08:00:00Z');
      nock(GATEWAY).post('/send').reply(500, {});
      expect(await gatewayJob().remind()).to.deep.equal({ sent: 0, failed: 1, noPhone: 0 });
      expect(await gatewayJob().remind()).to.deep.equal({ sent: 0, failed: 0, noPhone: 0 });
      const [row] = f.storage.db.select().from(expiryReminders).all();
      expect(row).to.include({ status: 'failed' });
      expect(row!.error).to.contain('Не удалось отправить SMS');
    });

    it('when reminders are off, or the shop has no SMS gateway, then nothing is sent or claimed', async () => {
      const off = remindingShop({ expiryReminderDays: 0 });
      const noGateway = shop({ expiryReminderDays: 7 });
      f.clock.now = new Date('2026-03-01T07:00:00Z');
      await earn(off, await customer(off, '+79120000001'), 10);
      await earn(noGateway, await customer(noGateway, '+79120000002'), 10);
      f.clock.now = new Date('2026-03-25T08:00:00Z');
      expect(await gatewayJob().remind()).to.deep.equal({ sent: 0, failed: 0, noPhone: 0 });
      expect(f.storage.db.select().from(expiryReminders).all()).to.deep.equal([]);
    });
  });
});
