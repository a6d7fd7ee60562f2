import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { tenants } from './tenants.js';

export const WHAT_IF_STATUSES = ['running', 'done', 'failed'] as const;
export type WhatIfStatus = (typeof WHAT_IF_STATUSES)[number];

/**
 * One «Проверить на моих продажах» run (app/what-if): the rules proposed and those in force, the period
 * of МойСклад's retail sales it replays, its progress, and the totals of both replays once done. Kept per
 * run so the owner can compare rule sets. The run itself lives in the process that started it: one whose
 * heartbeat stopped (a restart, a crash) is shown as failed and can be started again.
 */
export const whatIfRuns = sqliteTable(
  'what_if_runs',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.accountId, { onDelete: 'cascade' }),
    status: text('status').$type<WhatIfStatus>().notNull(),
    days: integer('days').notNull(),
    /** Retail sales whose moment is in [fromMs, untilMs), epoch ms. */
    fromMs: integer('from_ms').notNull(),
    untilMs: integer('until_ms').notNull(),
    /** Share of spendable points customers are assumed to spend, 0..100. */
    spendSharePercent: integer('spend_share_percent').notNull(),
    /** The rules replayed: { ledger, tiers } proposed in the form, and those saved when it started. */
    proposedRules: text('proposed_rules', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    currentRules: text('current_rules', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    /** Documents read and the list's size as МойСклад gave it. */
    read: integer('read').notNull().default(0),
    size: integer('size'),
    proposedTotals: text('proposed_totals', { mode: 'json' }).$type<Record<string, unknown>>(),
    currentTotals: text('current_totals', { mode: 'json' }).$type<Record<string, unknown>>(),
    error: text('error'),
    startedBy: text('started_by'),
    createdAt: integer('created_at').notNull(),
    /** Moved after every page: a running run whose heartbeat is old lost its process. */
    heartbeatAt: integer('heartbeat_at').notNull(),
    finishedAt: integer('finished_at'),
  },
  (t) => [index('what_if_runs_tenant_idx').on(t.tenantId, t.createdAt)],
);

export type WhatIfRun = typeof whatIfRuns.$inferSelect;
export type NewWhatIfRun = typeof whatIfRuns.$inferInsert;
