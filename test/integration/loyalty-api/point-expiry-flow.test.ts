import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import nock from 'nock';
import { ExpiryReminders } from '../../../app/ledger/expiry-reminders.js';
import { PointExpiry } from '../../../app/ledger/point-expiry.js';
import { moscowDayMonth, nextMoscowMidnight } from '../../../app/locale/moscow-day.js';
import { startMaintenance } from '../../../app/ops/maintenance.js';
import { SmsGateway } from '../../../app/sms/sms-gateway.js';
import { memoryLogger } from '../../helpers/memory-logger.js';
import { testGuard } from '../../helpers/outbound.js';
import { counterpartyMeta, createTestTenant, position, retailStore, type TestTenant } from '../../helpers/tenants.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';

const DAY = 86_400_000;
const SMS_GATEWAY = 'https://sms.shop.test';

describe('LoyaltyAPI on the built-in ledger: points that expire', () => {
  let t: TestApp;
  let shop: TestTenant;
  const msId = randomUUID();

  beforeEach(async () => {
    t = await startTestApp();
    shop = createTestTenant(
      t,
      { earnRateRoublesToPoint: 10, pointsLifetimeDays: 30, expiryReminderDays: 7, receiptTemplate: '' },
      { smsWebhookUrl: `${SMS_GATEWAY}/send` },
    );
    const created = await shop.api.post('/counterparty', {
      retailStore,
      meta: counterpartyMeta(msId),
      name: 'Иванов Иван',
      phone: '+7 912 345-67-89',
      statusCheck: 'CHECKED',
    });
    expect(created.status, JSON.stringify(created.data)).to.equal(201);
  });
  afterEach(() => t.close());

  const balance = async () =>
    (await shop.api.post('/counterparty/detail', { retailStore, meta: counterpartyMeta(msId) })).data.bonusProgram
      .agentBonusBalance as number;

  /** The maintenance pass as main.ts starts it, on a clock moved to `at`. */
  const maintenanceAt = async (at: number) => {
    const now = () => new Date(at);
    const { logger } = memoryLogger();
    const maintenance = startMaintenance({
      storage: t.storage,
      logger,
      retentionDays: 90,
      readBodiesDays: 7,
      expiry: new PointExpiry(t.storage.db, { now }),
      reminders: new ExpiryReminders(t.storage.db, {
        logger,
        box: t.services.box,
        sms: new SmsGateway({ logger, guard: testGuard() }),
        now,
      }),
      now,
    });
    try {
      await maintenance.runOnce();
    } finally {
      await maintenance.stop();
    }
  };

  it('when a customer buys, then the till shows what expires, the customer is reminded once, and the points expire', async () => {
    const sold = await shop.api.post('/retaildemand', {
      retailStore,
      name: '00001',
      moment: '2026-11-23 10:00:00',
      meta: counterpartyMeta(),
      agent: { meta: counterpartyMeta(msId) },
      positions: [position(1200)],
      cashSum: 1200,
      noCashSum: 0,
      bonusProgram: { bonusValueToEarn: 120, bonusValueToSpend: 0 },
    });
    expect(sold.status, JSON.stringify(sold.data)).to.equal(201);
    const expiresAt = nextMoscowMidnight(Date.now() + 29 * DAY);

    const recalc = await shop.api.post('/retaildemand/recalc', {
      retailStore,
      agent: { meta: counterpartyMeta(msId) },
      positions: [position(100)],
      bonusProgram: { transactionType: 'EARNING' },
    });
    expect(recalc.status, JSON.stringify(recalc.data)).to.equal(200);
    expect(recalc.data.bonusProgram.receiptExtraInfo).to.equal(`Сгорит 120 баллов ${moscowDayMonth(expiresAt - 1)}`);

    const sms = nock(SMS_GATEWAY)
      .post('/send', {
        phone: '+79123456789',
        message: `Через 5 дней сгорит 120 баллов. Ждём вас в «shop-${shop.accountId.slice(0, 8)}»!`,
      })
      .reply(200, {});
    const noon = expiresAt - 5 * DAY + 12 * 3_600_000; // 12:00 in Moscow, 5 days before
    await maintenanceAt(noon);
    await maintenanceAt(noon + 3_600_000);
    expect(sms.isDone()).to.equal(true);

    expect(await balance()).to.equal(120);
    await maintenanceAt(expiresAt + 3_600_000);
    expect(await balance()).to.equal(0);
  });
});
