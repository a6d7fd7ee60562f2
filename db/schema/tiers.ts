import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { customers } from './ledger.js';
import { tenants } from './tenants.js';

export const TIER_CHANGE_REASONS = ['sale', 'return', 'job', 'seed'] as const;
export type TierChangeReason = (typeof TIER_CHANGE_REASONS)[number];

/**
 * A customer's tier history: every move between levels, with the purchase total that caused it. Not a
 * points entry: the balance stays Σ ledger_entries. Names are kept as they were, the owner may rename.
 */
export const tierLevelChanges = sqliteTable(
  'tier_level_changes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.accountId, { onDelete: 'cascade' }),
    customerId: text('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    fromLevel: integer('from_level').notNull(),
    toLevel: integer('to_level').notNull(),
    fromName: text('from_name').notNull(),
    toName: text('to_name').notNull(),
    totalKopecks: integer('total_kopecks').notNull(),
    reason: text('reason').$type<TierChangeReason>().notNull(),
    saleId: text('sale_id'),
    returnId: text('return_id'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('tier_level_changes_customer_idx').on(t.customerId, t.id)],
);

export const TIER_SEED_STATUSES = ['requested', 'running', 'done', 'failed'] as const;
export type TierSeedStatus = (typeof TIER_SEED_STATUSES)[number];

/**
 * Per tenant: which tier rules every customer's level was last recomputed under, a recompute under way,
 * and the seeding from МойСклад's sales history with its progress. Claims keep two processes (a reload
 * overlap) from doing the same pass at once; a crashed process's claim simply runs out.
 */
export const tierJobs = sqliteTable('tier_jobs', {
  tenantId: text('tenant_id')
    .primaryKey()
    .references(() => tenants.accountId, { onDelete: 'cascade' }),
  /**
   * What every customer's level was last recomputed under: the window, the thresholds and the seeding
   * (app/ledger/tier-job.ts, tierKey). Null, or anything else than now: a full recompute is due.
   */
  appliedKey: text('applied_key'),
  /** A full recompute under way: under which key, and the last customer id it did. */
  passKey: text('pass_key'),
  passCursor: text('pass_cursor'),
  claimedUntil: integer('claimed_until'),
  seedStatus: text('seed_status').$type<TierSeedStatus>(),
  /** The retail sales read: moment in [seedFrom, seedUntil), epoch ms. */
  seedFrom: integer('seed_from'),
  seedUntil: integer('seed_until'),
  /** Documents read so far (the next page's offset) and the list's size as МойСклад gave it. */
  seedOffset: integer('seed_offset').notNull().default(0),
  seedSize: integer('seed_size'),
  /** Purchases kept (a known counterparty, a positive sum, not a sale we recorded ourselves). */
  seedKept: integer('seed_kept').notNull().default(0),
  seedClaimedUntil: integer('seed_claimed_until'),
  seedError: text('seed_error'),
  seedRequestedAt: integer('seed_requested_at'),
  seedFinishedAt: integer('seed_finished_at'),
  updatedAt: integer('updated_at').notNull(),
});

/** Retail sales from МойСклад's history before our first recorded sale, counted into tier totals. */
export const tierSeedPurchases = sqliteTable(
  'tier_seed_purchases',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.accountId, { onDelete: 'cascade' }),
    /** The retaildemand's id: a second seeding rewrites, never doubles. */
    documentId: text('document_id').notNull(),
    counterpartyId: text('counterparty_id').notNull(),
    momentMs: integer('moment_ms').notNull(),
    kopecks: integer('kopecks').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.documentId] }),
    index('tier_seed_purchases_counterparty_idx').on(t.tenantId, t.counterpartyId, t.momentMs, t.kopecks),
  ],
);

export type TierLevelChange = typeof tierLevelChanges.$inferSelect;
export type TierJobRow = typeof tierJobs.$inferSelect;
