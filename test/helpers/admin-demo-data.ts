import { randomUUID } from 'node:crypto';
import { ledgerEntriesRepository } from '../../app/ledger/ledger-entry-repository.js';
import { customerRepository } from '../../app/ledger/customer-repository.js';
import { tenantRepository } from '../../app/tenants/tenant-repository.js';
import { transactionLog } from '../../db/schema/index.js';
import { outboxItem } from './admin-tenants.js';
import { counterpartyMeta, createProviderTenant, createTestTenant, position, type TestTenant } from './tenants.js';
import type { TestApp } from './test-app.js';

const HOUR_MS = 3_600_000;

/**
 * A week of believable history for pages and screenshots: LoyaltyAPI traffic per hour with a daytime
 * peak, a few errors and «клиент не найден» answers, points earned and spent every day, and one real sale made through the
 * LoyaltyAPI now (recalc, sale, partial return) under the number `saleNumber`.
 */
export async function seedAdminDemo(
  t: TestApp,
  saleNumber = '0042',
): Promise<{ tenant: TestTenant; customerMsId: string }> {
  const tenant = createTestTenant(t);
  tenantRepository.update(t.storage.db, tenant.accountId, { accountName: 'Цветы на Ленина' });
  for (const name of ['Книжный «Переплёт»', 'Кофейня №7'])
    tenantRepository.update(t.storage.db, createTestTenant(t).accountId, { accountName: name });

  const now = Date.now();
  const hourNow = Math.floor(now / HOUR_MS);
  t.storage.db.transaction((tx) => {
    for (let hour = hourNow - 7 * 24; hour < hourNow; hour++) {
      const local = (hour + 3) % 24; // Moscow
      const calls =
        local < 8 || local > 21
          ? 2 + (hour % 3)
          : 25 + Math.round(15 * Math.sin(((local - 8) / 14) * Math.PI)) + (hour % 7);
      for (let i = 0; i < calls; i++) {
        const ok = (hour * 31 + i) % 53 !== 0;
        // About one balance asked in sixteen is for a customer not in the program: «клиент не найден».
        const unknown = ok && (hour * 7 + i) % 16 === 0;
        tx.insert(transactionLog)
          .values({
            at: hour * HOUR_MS + Math.floor((i * HOUR_MS) / calls),
            tenantId: tenant.accountId,
            kind: 'loyalty-api',
            endpoint: unknown
              ? 'POST /counterparty/detail'
              : i % 3
                ? 'POST /retaildemand/recalc'
                : 'POST /retaildemand',
            httpStatus: unknown ? 404 : ok ? 200 : 422,
            ok: ok && !unknown,
            durationMs: 8 + ((hour * 17 + i * 13) % 40) + (i % 20 === 0 ? 60 + (hour % 50) : 0),
          })
          .run();
      }
    }
  });

  const regular = await tenant.api.post('/counterparty', { meta: counterpartyMeta(), name: 'Постоянный покупатель' });
  const regularCustomer = customerRepository.findById(t.storage.db, tenant.accountId, regular.data.id)!;
  t.storage.db.transaction((tx) => {
    for (let day = 7; day >= 1; day--) {
      const at = new Date(now - day * 24 * HOUR_MS);
      const base = { tenantId: tenant.accountId, customerId: regularCustomer.id };
      ledgerEntriesRepository.append(tx, { ...base, points: 300 + ((day * 97) % 250), kind: 'earn' }, at);
      ledgerEntriesRepository.append(tx, { ...base, points: -(120 + ((day * 53) % 150)), kind: 'spend' }, at);
    }
  });

  const customerMsId = randomUUID();
  await tenant.api.post('/counterparty', {
    meta: counterpartyMeta(customerMsId),
    name: 'Анна Смирнова',
    phone: '+7 912 345-67-89',
    discountCardNumber: '2000123',
  });
  const agent = { meta: counterpartyMeta(customerMsId) };
  const positions = [position(1200, 1), position(350, 2)];
  await tenant.api.post('/retaildemand', {
    meta: { id: randomUUID(), href: '' },
    name: '0041',
    agent,
    positions: [position(990, 1)],
    cashSum: 990,
    noCashSum: 0,
  });
  await tenant.api.post('/retaildemand/recalc', { agent, positions, bonusProgram: { transactionType: 'SPENDING' } });
  const saleId = randomUUID();
  await tenant.api.post('/retaildemand', {
    meta: { id: saleId, href: '' },
    name: saleNumber,
    agent,
    positions,
    cashSum: 1900,
    noCashSum: 0,
  });
  await tenant.api.post('/retailsalesreturn', {
    meta: { id: randomUUID(), href: '' },
    name: `${saleNumber}-В`,
    demand: { meta: { id: saleId, href: '' } },
    agent,
    positions: [positions[1]],
    cashSum: 700,
    noCashSum: 0,
  });
  t.flushLog();
  return { tenant, customerMsId };
}

/**
 * An i-bonus shop halfway live, as GoLive leaves it when МойСклад refuses the activation, with sales in
 * its outbox: two waiting for i-bonus to come back, one refused and waiting for support.
 */
export function seedProviderTenantInTrouble(t: TestApp): TestTenant {
  const shop = createProviderTenant(
    t,
    'ibonus',
    {
      ibonus: { baseUrl: 'https://lk.i-bonus.test/api', maxPaidRatePercents: 50, spendRatePointsToRouble: 1 },
      storePoints: {},
    },
    { ibonus: { login: 'shop', password: 'shop-password' } },
  );
  const tenant = tenantRepository.find(t.storage.db, shop.accountId)!;
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
  tenantRepository.update(t.storage.db, shop.accountId, {
    accountName: 'Кофейня «Зерно»',
    createdAt: new Date(Date.now() - 40 * 60_000),
    status: 'SettingsRequired',
    configuredAt: null,
    goLive: {
      pending: 'status',
      accepted: {
        url: `${t.config.publicBaseUrl}/loyalty-api`,
        externalSearch: false,
        tokenHash: tenant.loyaltyTokenHash!,
        at: minutesAgo(12),
      },
      lastFailure: {
        step: 'status',
        message: 'МойСклад отказал (смена статуса): Подписка на приложение не оплачена',
        kind: 'conflict',
        httpStatus: 409,
        at: minutesAgo(12),
      },
    },
  });
  const customer = { phone: '+7 912 345-67-89', meta: { id: randomUUID() } };
  outboxItem(t, shop.accountId, {
    status: 'needs_support',
    attempts: 1,
    documentName: '0117',
    supportReason: 'Не доставлено: i-bonus: недостаточно баллов для списания 300',
    payload: { customer, order: { receiptType: 'sale', amountCash: 1450 }, amount: 300 },
  });
  for (const [n, name] of ['0118', '0119'].entries()) {
    outboxItem(t, shop.accountId, {
      status: 'pending',
      attempts: 3 + n,
      documentName: name,
      nextAttemptAt: Date.now() + (4 + n) * 60_000,
      lastError: 'ECONNREFUSED lk.i-bonus.test:443',
      payload: { customer, order: { receiptType: 'sale', amountCash: 990 }, amount: 0 },
    });
  }
  return shop;
}
