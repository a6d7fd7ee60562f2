import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { TierRules } from '../../../app/ledger/tier-rules.js';
import { tenantRepository } from '../../../app/tenants/tenant-repository.js';
import { signedInAdmin, type AdminClient } from '../../helpers/admin.js';
import { textOf } from '../../helpers/iframe.js';
import { counterpartyMeta, createTestTenant, position, retailStore, type TestTenant } from '../../helpers/tenants.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';

const TIERS: TierRules = {
  enabled: true,
  windowDays: 365,
  levels: [
    { name: 'Бронза', thresholdKopecks: 0, earnRateRoublesToPoint: 10 },
    { name: 'Серебро', thresholdKopecks: 1_000_000, earnRateRoublesToPoint: 5 },
    { name: 'Золото', thresholdKopecks: 3_000_000, earnRateRoublesToPoint: 2 },
  ],
};

describe('Admin customer page: tiers', () => {
  let t: TestApp;
  let tenant: TestTenant;
  let admin: AdminClient;
  let customerId: string;
  const page = () => `/admin/tenants/${tenant.accountId}/customers/${customerId}`;

  beforeEach(async () => {
    t = await startTestApp();
    tenant = createTestTenant(t);
    tenantRepository.update(t.storage.db, tenant.accountId, { settings: { ledger: {}, tiers: TIERS } });
    const agent = { meta: counterpartyMeta(), name: 'Анна', phone: '+7 912 000-11-22' };
    customerId = (await tenant.api.post('/counterparty', agent)).data.id;
    const sold = await tenant.api.post('/retaildemand', {
      retailStore,
      meta: { href: '', id: randomUUID() },
      agent: { meta: agent.meta },
      positions: [position(12_000)],
      cashSum: 12_000,
      noCashSum: 0,
    });
    expect(sold.status, JSON.stringify(sold.data)).to.equal(201);
    admin = await signedInAdmin(t, 'anna', 'support');
  });
  afterEach(async () => t.close());

  it('when a sale moved the customer up, then support sees the level, the total, what is left and the change with its reason', async () => {
    const text = textOf((await admin.get(page())).data);
    expect(text).to.include('Уровень Сейчас Серебро Покупки за срок 12 000,00 ₽');
    expect(text).to.include('До следующего «Золото»: ещё 18 000,00 ₽');
    expect(text).to.match(/\d\d:\d\d Бронза Серебро 12 000,00 ₽ Покупка/);
    // The level change is no points entry: the points history shows the sale's earning only.
    expect(text).to.include('Начисление за продажу +1 200');
  });

  it('when tiers are switched off later, then the history stays and the page says they are off', async () => {
    tenantRepository.update(t.storage.db, tenant.accountId, {
      settings: { ledger: {}, tiers: { ...TIERS, enabled: false } },
    });
    const text = textOf((await admin.get(page())).data);
    expect(text).to.include('Уровни выключены в настройках магазина');
    expect(text).to.match(/Бронза Серебро 12 000,00 ₽ Покупка/);
  });
});
