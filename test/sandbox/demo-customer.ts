import { randomUUID } from 'node:crypto';
import { LedgerBackend } from '../../app/ledger/ledger-backend.js';
import type { LedgerRules } from '../../app/ledger/rules.js';
import type { TierRules } from '../../app/ledger/tier-rules.js';
import { immediate, type Storage } from '../../app/storage/database.js';
import { tenantRepository } from '../../app/tenants/tenant-repository.js';
import { settingsOf } from '../../app/tenants/tenant-settings.js';

const DAY_MS = 86_400_000;

/** The sandbox program: points live 180 days, earned also when spent, three levels, birthdays with double points. */
export const DEMO_RULES: Partial<LedgerRules> = {
  earnRateRoublesToPoint: 10,
  pointsLifetimeDays: 180,
  welcomeLifetimeDays: 30,
  birthdayEnabled: true,
  birthdayPoints: 300,
  birthdayEarnMultiplier: 2,
  // The till's receipt then shows points spent and earned at once.
  earnWhileRedeeming: true,
};
export const DEMO_TIERS: TierRules = {
  enabled: true,
  windowDays: 365,
  levels: [
    { name: 'Бронза', thresholdKopecks: 0, earnRateRoublesToPoint: 10 },
    { name: 'Серебро', thresholdKopecks: 1_000_000, earnRateRoublesToPoint: 5 },
    { name: 'Золото', thresholdKopecks: 3_000_000, earnRateRoublesToPoint: 2 },
  ],
};

const line = (roubles: number) => ({
  quantityMilli: 1000,
  priceKopecks: roubles * 100,
  discountedPriceKopecks: roubles * 100,
  discountPercent: 0,
  echo: { assortment: { meta: { id: randomUUID() } } },
});

/**
 * The till's suggested customer on the built-in ledger, with a history made the way the till makes it
 * (the ledger's own createCustomer and createSale, on a clock set back): 12 000 ₽ bought 175 days ago
 * made her «Серебро» and earned 1 200 points that expire in 5 days; 2 000 ₽ ten days ago earned 400
 * more. Her birthday is the day after tomorrow, so the till shows double points.
 */
export async function seedDemoCustomer(
  storage: Storage,
  accountId: string,
  customer: { msId: string; phone: string; name: string },
): Promise<void> {
  immediate(storage.db, (tx) => {
    const tenant = tenantRepository.find(tx, accountId)!;
    const settings = settingsOf(tenant);
    tenantRepository.update(tx, accountId, {
      settings: { ...settings, ledger: { ...settings.ledger, ...DEMO_RULES }, tiers: DEMO_TIERS },
      updatedAt: new Date(),
    });
  });
  const tenant = tenantRepository.find(storage.db, accountId)!;
  const now = Date.now();
  const clock = { now: new Date(now - 175 * DAY_MS) };
  const ledger = new LedgerBackend(storage.db, {
    codes: { send: async () => ({ verificationCode: '000000', timeForRepeat: 60 }) },
    giftCards: {
      find: (_tx, _tenant, name) => ({ name, status: 'CAN_BE_USED', currentBalanceKopecks: 0 }),
      redeem: () => undefined,
    },
    now: () => clock.now,
  });
  const birthday = new Date(now + 2 * DAY_MS).toISOString().slice(5, 10);
  await ledger.createCustomer(tenant, { ...customer, birthDate: `2000-${birthday} 00:00:00` });
  const sale = (roubles: number) => ({
    saleKey: randomUUID(),
    msId: randomUUID(),
    agent: { id: customer.msId },
    positions: [line(roubles)],
    pointsToSpend: 0,
    pointsToEarn: 0,
    cashKopecks: roubles * 100,
    noCashKopecks: 0,
    giftCards: [],
  });
  await ledger.createSale(tenant, sale(12_000));
  clock.now = new Date(now - 10 * DAY_MS);
  await ledger.createSale(tenant, sale(2_000));
}
