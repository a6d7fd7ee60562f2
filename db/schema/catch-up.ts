import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { tenants } from './tenants.js';

/**
 * Catch-up after an outage (app/catch-up): per tenant, how far its LoyaltyAPI calls have been checked for
 * gaps, and the claim that keeps two processes (a pm2 reload) from checking the same tenant at once.
 */
export const catchUpState = sqliteTable('catch_up_state', {
  tenantId: text('tenant_id')
    .primaryKey()
    .references(() => tenants.accountId, { onDelete: 'cascade' }),
  /** Epoch ms: every pair of calls whose second call came before this has been checked. */
  checkedUntil: integer('checked_until').notNull(),
  /** Epoch ms the claim of the process checking it ends; null: free. */
  claimedUntil: integer('claimed_until'),
  updatedAt: integer('updated_at').notNull(),
});

/**
 * Every start of a serving process, with the newest transaction-log row it found: a crash and restart
 * shorter than the gap rule still counts as a window without calls (app/catch-up).
 */
export const processStarts = sqliteTable(
  'process_starts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    startedAt: integer('started_at').notNull(),
    /** The newest log row's time when it started: the previous process was alive until about then. */
    lastRowAt: integer('last_row_at'),
  },
  (t) => [index('process_starts_started_idx').on(t.startedAt)],
);

export type CatchUpState = typeof catchUpState.$inferSelect;
export type ProcessStart = typeof processStarts.$inferSelect;
