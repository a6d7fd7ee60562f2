import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { customers, ledgerEntries } from './ledger.js';

/**
 * Points that can expire (app/ledger/point-lots.ts). Every positive entry is a lot; one with an expiry date
 * gets a row here, one without (never expires) needs none: such points are spent after all dated ones.
 * `remaining` is materialised like customers.balance: points − Σ ledger_lot_uses, kept in the same
 * transaction as the entries that consume the lot.
 */
export const ledgerLots = sqliteTable(
  'ledger_lots',
  {
    /** The positive entry the points came with (earn, welcome, return-spend, adjustment). */
    entryId: integer('entry_id')
      .primaryKey()
      .references(() => ledgerEntries.id, { onDelete: 'cascade' }),
    tenantId: text('tenant_id').notNull(),
    customerId: text('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    points: integer('points').notNull(),
    remaining: integer('remaining').notNull(),
    /** The entry's availableAt: spendable from then. */
    availableAt: integer('available_at').notNull(),
    /** Epoch ms, a Moscow midnight: the points are gone from this moment. */
    expiresAt: integer('expires_at').notNull(),
    /** The 'expire' entry that wrote off what was left; unique, so a lot expires once. */
    expireEntryId: integer('expire_entry_id').references(() => ledgerEntries.id, { onDelete: 'cascade' }),
  },
  (t) => [
    uniqueIndex('ledger_lots_expire_entry_uq').on(t.expireEntryId),
    // Only live lots are indexed: the indexes stay as small as what customers still hold. The customer's
    // one covers the till's read (lotRepository.groupsUntil) without touching the table.
    index('ledger_lots_customer_live_idx')
      .on(t.customerId, t.expiresAt, t.availableAt, t.remaining)
      .where(sql`remaining > 0`),
    index('ledger_lots_tenant_live_idx')
      .on(t.tenantId, t.expiresAt)
      .where(sql`remaining > 0`),
    index('ledger_lots_due_idx')
      .on(t.expiresAt)
      .where(sql`remaining > 0`),
  ],
);

/** Which lots a negative entry (spend, return-earn, adjustment, expire) took its points from, and how many. */
export const ledgerLotUses = sqliteTable(
  'ledger_lot_uses',
  {
    entryId: integer('entry_id')
      .notNull()
      .references(() => ledgerEntries.id, { onDelete: 'cascade' }),
    lotId: integer('lot_id')
      .notNull()
      .references(() => ledgerLots.entryId, { onDelete: 'cascade' }),
    points: integer('points').notNull(),
  },
  (t) => [primaryKey({ columns: [t.entryId, t.lotId] }), index('ledger_lot_uses_lot_idx').on(t.lotId)],
);

export const EXPIRY_REMINDER_STATUSES = ['sending', 'sent', 'failed', 'no-phone'] as const;
export type ExpiryReminderStatus = (typeof EXPIRY_REMINDER_STATUSES)[number];

/**
 * One SMS per customer and expiry date, claimed (inserted) before it is sent: the unique key is what
 * keeps two processes from sending it twice.
 */
export const expiryReminders = sqliteTable(
  'expiry_reminders',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tenantId: text('tenant_id').notNull(),
    customerId: text('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    expiresAt: integer('expires_at').notNull(),
    /** Points that were to expire when the reminder was claimed. */
    points: integer('points').notNull(),
    status: text('status').$type<ExpiryReminderStatus>().notNull(),
    error: text('error'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('expiry_reminders_customer_date_uq').on(t.customerId, t.expiresAt),
    index('expiry_reminders_tenant_idx').on(t.tenantId, t.createdAt),
  ],
);

export type LedgerLot = typeof ledgerLots.$inferSelect;
export type ExpiryReminder = typeof expiryReminders.$inferSelect;
