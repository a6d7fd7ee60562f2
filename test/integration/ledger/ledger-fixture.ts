import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { customers, type Tenant } from '../../../db/schema/index.js';
import { LedgerBackend, type CodeSender } from '../../../app/ledger/ledger-backend.js';
import type { GiftCardBook } from '../../../app/ledger/ledger-context.js';
import { ledgerEntriesRepository } from '../../../app/ledger/ledger-entry-repository.js';
import type { LedgerRules } from '../../../app/ledger/rules.js';
import type { SaleRequest } from '../../../app/loyalty/backend.js';
import { openStorage, type Storage } from '../../../app/storage/database.js';
import type { GroupCommitOptions } from '../../../app/storage/group-commit.js';
import { BusinessRuleError } from '../../../app/errors.js';
import { tenantRepository } from '../../../app/tenants/tenant-repository.js';
import type { DiscountedPosition, ReceiptPosition } from '../../../app/receipt/positions.js';

export const REFUSED_GIFT_CARD = 'REFUSED';

/** A built-in ledger on a real SQLite file in a temp folder, with fake codes/gift cards and a settable clock. */
export interface LedgerFixture {
  storage: Storage;
  ledger: LedgerBackend;
  clock: { now: Date };
  codesSent: { purpose: string; phone: string | undefined }[];
  /** МойСклад's tags per counterparty id, as the customer-tag source answers them; absent: unknown. */
  tags: Map<string, string[]>;
  /** Counterparty ids whose tags were asked for, in order. */
  tagLookups: string[];
  redemptions: { saleId: string; names: string[] }[];
  /** A ledger tenant; `settings` adds other sections (e.g. tiers) beside the rules. */
  tenant(rules?: Partial<LedgerRules>, settings?: Record<string, unknown>): Tenant;
  /** Registers a customer and gives them `points` through a sale that earns exactly that many. */
  customerWith(tenant: Tenant, points: number, fields?: { phone?: string }): Promise<string>;
  /** Σ entries and the materialised balance of a customer. */
  books(customerId: string): { balance: number; entries: number };
  close(): void;
}

/**
 * groupCommit: how sales and returns are batched (by default as in production). A gift card named
 * REFUSED is refused by the fake book after the sale's own rows are written.
 */
export function openLedgerFixture(options: { groupCommit?: GroupCommitOptions } = {}): LedgerFixture {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-'));
  const storage = openStorage(join(dir, 'ledger.sqlite'));
  const clock = { now: new Date('2026-11-23T10:00:00Z') };
  const codesSent: LedgerFixture['codesSent'] = [];
  const redemptions: LedgerFixture['redemptions'] = [];
  const codes: CodeSender = {
    async send(_tenant, purpose, phone) {
      codesSent.push({ purpose, phone });
      return { verificationCode: '123456', timeForRepeat: 60 };
    },
  };
  const giftCards: GiftCardBook = {
    find: (_tx, _tenantId, name) => ({ name, status: 'CAN_BE_USED', currentBalanceKopecks: 100_000 }),
    redeem: (_tx, _tenantId, saleId, payments) => {
      if (payments.some((p) => p.name === REFUSED_GIFT_CARD)) {
        throw new BusinessRuleError(`Подарочная карта ${REFUSED_GIFT_CARD} не найдена или заблокирована.`);
      }
      redemptions.push({ saleId, names: payments.map((p) => p.name) });
    },
  };
  const tags = new Map<string, string[]>();
  const tagLookups: string[] = [];
  const customerTags = {
    tagsOf: async (_tenant: Tenant, counterpartyId: string) => {
      tagLookups.push(counterpartyId);
      return tags.get(counterpartyId);
    },
  };
  const ledger = new LedgerBackend(storage.db, {
    codes,
    giftCards,
    customerTags,
    now: () => clock.now,
    groupCommit: options.groupCommit,
  });

  const fixture: LedgerFixture = {
    storage,
    ledger,
    clock,
    codesSent,
    tags,
    tagLookups,
    redemptions,
    tenant(rules = {}, settings = {}) {
      const accountId = randomUUID();
      const now = new Date();
      tenantRepository.insert(storage.db, {
        accountId,
        appId: randomUUID(),
        accountName: `shop-${accountId.slice(0, 8)}`,
        status: 'Activated',
        lastCause: 'Install',
        backend: 'ledger',
        // Defaults that make arithmetic easy to read: 1 point per 1 ₽, 1 point = 1 ₽, up to 50 %.
        settings: {
          ledger: { earnRateRoublesToPoint: 1, spendRatePointsToRouble: 1, maxPaidRatePercents: 50, ...rules },
          ...settings,
        },
        createdAt: now,
        updatedAt: now,
      });
      const tenant = tenantRepository.find(storage.db, accountId);
      if (!tenant) throw new Error('tenant not stored');
      return tenant;
    },
    async customerWith(tenant, points, fields = {}) {
      const { id } = await ledger.createCustomer(tenant, { msId: randomUUID(), name: 'Покупатель', ...fields });
      if (points > 0) {
        // Earning is 1 point per earnRate roubles; use an earn-only tenant copy at rate 1 for setup.
        const setupTenant = {
          ...tenant,
          settings: { ledger: { earnRateRoublesToPoint: 1, postponedBonusesDelayDays: 0 } },
        };
        await ledger.createSale(setupTenant, sale({ id }, [item(points * 100)]));
      }
      return id;
    },
    books(customerId) {
      const row = storage.db.select().from(customers).where(eq(customers.id, customerId)).get();
      return { balance: row?.balance ?? Number.NaN, entries: ledgerEntriesRepository.sum(storage.db, customerId) };
    },
    close() {
      storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}

/** One unit (or `quantity` units) at `priceKopecks`. */
export function item(priceKopecks: number, quantity = 1): ReceiptPosition {
  return { quantityMilli: quantity * 1000, priceKopecks, echo: { assortment: { meta: { id: randomUUID() } } } };
}

export function undiscounted(positions: ReceiptPosition[]): DiscountedPosition[] {
  return positions.map((p) => ({ ...p, discountedPriceKopecks: p.priceKopecks, discountPercent: 0 }));
}

/** A cash sale; positions may already carry a discount (from recalc). */
export function sale(
  agent: SaleRequest['agent'],
  positions: (ReceiptPosition | DiscountedPosition)[],
  extra: Partial<SaleRequest> = {},
): SaleRequest {
  const discounted = positions.map((p) => ('discountedPriceKopecks' in p ? p : undiscounted([p])[0]!));
  return {
    saleKey: randomUUID(),
    msId: randomUUID(),
    agent,
    positions: discounted,
    pointsToSpend: 0,
    pointsToEarn: 0,
    cashKopecks: 0,
    noCashKopecks: 0,
    giftCards: [],
    ...extra,
  };
}
