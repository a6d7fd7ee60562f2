import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { tenants } from './tenants.js';

/** Built-in ledger customers, one set per МойСклад account. `balance` is Σ ledger_entries.points. */
export const customers = sqliteTable(
  'customers',
  {
    /** Our UUID: МойСклад only accepts UUIDs as loyalty-side ids. */
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.accountId, { onDelete: 'cascade' }),
    /** МойСклад counterparty id, when the customer came from (or was linked to) МойСклад. */
    msId: text('ms_id'),
    syncId: text('sync_id'),
    cardNumber: text('card_number'),
    /** 11 digits starting with 7 (app/ledger/phone.ts). */
    phone: text('phone'),
    /** Lowercased. */
    email: text('email'),
    name: text('name').notNull(),
    /** Lowercased name + legal names: SQLite's lower() only folds ASCII, so Cyrillic is folded in JS. */
    searchName: text('search_name').notNull(),
    legalFirstName: text('legal_first_name'),
    legalMiddleName: text('legal_middle_name'),
    legalLastName: text('legal_last_name'),
    /** YYYY-MM-DD (app/locale/birth-date.ts); rows from before it was checked may carry МойСклад's time too. */
    birthDate: text('birth_date'),
    /** MM-DD of birthDate, however МойСклад wrote the time: the birthday job's indexed read. */
    birthday: text('birthday').generatedAlwaysAs(sql`substr(birth_date, 6, 5)`, { mode: 'virtual' }),
    sex: text('sex').$type<'MALE' | 'FEMALE'>(),
    balance: integer('balance').notNull().default(0),
    welcomeGranted: integer('welcome_granted', { mode: 'boolean' }).notNull().default(false),
    /** The customer's tier (уровень): an index into the owner's levels, 0 the first (app/ledger/tiers.ts). */
    tierLevel: integer('tier_level').notNull().default(0),
    /** Purchases over the tier window when last computed, in kopecks: what the till shows as left to the next level. */
    tierTotalKopecks: integer('tier_total_kopecks').notNull().default(0),
    /** Epoch ms the oldest purchase counted leaves the window (or now: due); the tier job recomputes then. */
    tierRollsAt: integer('tier_rolls_at'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    uniqueIndex('customers_tenant_ms_id_uq').on(t.tenantId, t.msId),
    index('customers_tenant_phone_idx').on(t.tenantId, t.phone),
    index('customers_tenant_card_idx').on(t.tenantId, t.cardNumber),
    index('customers_tenant_email_idx').on(t.tenantId, t.email),
    index('customers_tenant_tier_rolls_idx').on(t.tenantId, t.tierRollsAt),
    index('customers_tenant_birthday_idx').on(t.tenantId, t.birthday),
  ],
);

/**
 * 'adjustment': a manual correction by an admin, with its reason in ledger_adjustments. 'expire': the
 * unconsumed remainder of one lot written off when its time came (ledger_lots.expire_entry_id).
 * 'birthday': the owner's birthday gift, once a year (birthday_grants). 'import': a balance brought from
 * a customer file, the difference to the file's balance (customer_import_entries).
 */
export const LEDGER_ENTRY_KINDS = [
  'welcome',
  'earn',
  'spend',
  'return-earn',
  'return-spend',
  'adjustment',
  'expire',
  'birthday',
  'import',
] as const;
export type LedgerEntryKind = (typeof LEDGER_ENTRY_KINDS)[number];

/** Append-only: points are never edited, only new signed entries are added. */
export const ledgerEntries = sqliteTable(
  'ledger_entries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tenantId: text('tenant_id').notNull(),
    customerId: text('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    points: integer('points').notNull(),
    kind: text('kind').$type<LedgerEntryKind>().notNull(),
    saleId: text('sale_id'),
    returnId: text('return_id'),
    /** Epoch ms from which the points count as spendable (postponed earning). */
    availableAt: integer('available_at').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    index('ledger_entries_customer_available_idx').on(t.customerId, t.availableAt),
    index('ledger_entries_sale_idx').on(t.saleId),
    // Covers the dashboard's points per day without reading the table.
    index('ledger_entries_created_idx').on(t.createdAt, t.kind, t.points),
    // Covers a tenant's points statement (app/ledger/statement-queries.ts): Σ before a date, pending, per kind.
    index('ledger_entries_tenant_created_idx').on(t.tenantId, t.createdAt, t.kind, t.points, t.availableAt),
  ],
);

/** One row per sale ever applied; the unique (tenant, sale_key) is what makes a sale apply once. */
export const sales = sqliteTable(
  'sales',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.accountId, { onDelete: 'cascade' }),
    saleKey: text('sale_key').notNull(),
    msId: text('ms_id'),
    name: text('name'),
    moment: text('moment'),
    retailStoreId: text('retail_store_id'),
    customerId: text('customer_id').references(() => customers.id),
    /** Σ full line amounts before the points discount. */
    totalKopecks: integer('total_kopecks').notNull(),
    /** Σ discounted line amounts: what was paid by money and gift cards. */
    paidKopecks: integer('paid_kopecks').notNull(),
    discountKopecks: integer('discount_kopecks').notNull(),
    cashKopecks: integer('cash_kopecks').notNull(),
    noCashKopecks: integer('no_cash_kopecks').notNull(),
    giftCardKopecks: integer('gift_card_kopecks').notNull(),
    pointsSpent: integer('points_spent').notNull(),
    pointsEarned: integer('points_earned').notNull(),
    earnAvailableAt: integer('earn_available_at').notNull(),
    /** Running totals over all returns, so partial returns never reverse more than the sale had. */
    returnedKopecks: integer('returned_kopecks').notNull().default(0),
    earnedReversed: integer('earned_reversed').notNull().default(0),
    spentReversed: integer('spent_reversed').notNull().default(0),
    positions: text('positions', { mode: 'json' })
      .$type<unknown[]>()
      .notNull()
      .default(sql`'[]'`),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    /**
     * Epoch ms a sale that never reached us through LoyaltyAPI was credited by the catch-up job
     * (app/catch-up), read from МойСклад; null for every sale the till sent.
     */
    caughtUpAt: integer('caught_up_at'),
  },
  (t) => [
    uniqueIndex('sales_tenant_key_uq').on(t.tenantId, t.saleKey),
    // A late copy the till sends without the sale's id finds the caught-up sale by its number (few rows).
    index('sales_caught_up_name_idx')
      .on(t.tenantId, t.name)
      .where(sql`${t.caughtUpAt} is not null`),
    // A sale the till sent without its id is found by its number when the catch-up job reads МойСклад.
    index('sales_no_ms_id_name_idx')
      .on(t.tenantId, t.name)
      .where(sql`${t.msId} is null`),
    index('sales_tenant_ms_id_idx').on(t.tenantId, t.msId),
    index('sales_customer_idx').on(t.customerId),
    // Covers a customer's purchase total over the tier window (app/ledger/tier-repository.ts).
    index('sales_customer_created_idx').on(t.customerId, t.createdAt, t.paidKopecks, t.returnedKopecks),
  ],
);

/** Every return, also those we could not apply (needs_support), so support staff can act on them. */
export const saleReturns = sqliteTable(
  'sale_returns',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.accountId, { onDelete: 'cascade' }),
    returnKey: text('return_key').notNull(),
    msId: text('ms_id'),
    name: text('name'),
    moment: text('moment'),
    retailStoreId: text('retail_store_id'),
    saleMsId: text('sale_ms_id'),
    saleId: text('sale_id').references(() => sales.id),
    customerId: text('customer_id').references(() => customers.id),
    amountKopecks: integer('amount_kopecks').notNull(),
    cashKopecks: integer('cash_kopecks').notNull(),
    noCashKopecks: integer('no_cash_kopecks').notNull(),
    earnedTakenBack: integer('earned_taken_back').notNull().default(0),
    spentGivenBack: integer('spent_given_back').notNull().default(0),
    /** Earned points we should have taken back but could not without a negative balance. */
    uncollectedPoints: integer('uncollected_points').notNull().default(0),
    needsSupport: integer('needs_support', { mode: 'boolean' }).notNull().default(false),
    supportReason: text('support_reason'),
    positions: text('positions', { mode: 'json' })
      .$type<unknown[]>()
      .notNull()
      .default(sql`'[]'`),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    uniqueIndex('sale_returns_tenant_key_uq').on(t.tenantId, t.returnKey),
    index('sale_returns_sale_idx').on(t.saleId),
    index('sale_returns_support_idx').on(t.tenantId, t.needsSupport),
  ],
);

export type Customer = typeof customers.$inferSelect;
export type NewCustomer = typeof customers.$inferInsert;
export type LedgerEntry = typeof ledgerEntries.$inferSelect;
export type Sale = typeof sales.$inferSelect;
export type SaleReturn = typeof saleReturns.$inferSelect;
