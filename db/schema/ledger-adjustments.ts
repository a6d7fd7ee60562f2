import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { customers, ledgerEntries } from './ledger.js';

/**
 * Manual balance adjustments made by an admin: who, why, and the ledger entry they produced. The same
 * facts go to the transaction log (kind 'admin') in the same transaction.
 */
export const ledgerAdjustments = sqliteTable(
  'ledger_adjustments',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** One per submitted form: a double click or a resubmitted page never adjusts twice. */
    requestKey: text('request_key').notNull().unique(),
    tenantId: text('tenant_id').notNull(),
    customerId: text('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    entryId: integer('entry_id')
      .notNull()
      .references(() => ledgerEntries.id, { onDelete: 'cascade' }),
    points: integer('points').notNull(),
    reason: text('reason').notNull(),
    adminLogin: text('admin_login').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    index('ledger_adjustments_customer_idx').on(t.customerId),
    index('ledger_adjustments_entry_idx').on(t.entryId),
  ],
);

export type LedgerAdjustment = typeof ledgerAdjustments.$inferSelect;
