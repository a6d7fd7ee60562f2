import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { ProviderKind } from './provider-customers.js';
import { tenants } from './tenants.js';

export const OUTBOX_KINDS = ['sale', 'return'] as const;
export type OutboxKind = (typeof OUTBOX_KINDS)[number];

/**
 * pending: waiting for its next attempt; sending: an attempt is under way (claimed until
 * claimed_until); delivered: the provider accepted it; needs_support: refused or of unknown outcome,
 * a person must look; abandoned: support gave up on it, with a reason.
 */
export const OUTBOX_STATUSES = ['pending', 'sending', 'delivered', 'needs_support', 'abandoned'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/**
 * Sales and returns owed to an external loyalty system. A row is written in the same transaction as
 * the LoyaltyAPI call's log row, before the 201, so an answered sale is never lost; the worker in
 * app/outbox delivers rows in id order per customer.
 */
export const outbox = sqliteTable(
  'outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.accountId, { onDelete: 'cascade' }),
    provider: text('provider').$type<ProviderKind>().notNull(),
    kind: text('kind').$type<OutboxKind>().notNull(),
    /** The sale key or return key: a repeat of the same document adds no row. */
    operationKey: text('operation_key').notNull(),
    /** The sale this row belongs to (for a return, the returned sale), for the transaction log. */
    saleKey: text('sale_key'),
    documentName: text('document_name'),
    /** Deliveries for one customer go out in id order. */
    customerKey: text('customer_key').notNull(),
    payload: text('payload', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    status: text('status').$type<OutboxStatus>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    /** While sending: after this an attempt is presumed dead (the process stopped mid-call). */
    claimedUntil: integer('claimed_until'),
    lastError: text('last_error'),
    /** Why a person must look (needs_support) or why support gave up (abandoned). */
    supportReason: text('support_reason'),
    /** What the provider answered on delivery. */
    result: text('result', { mode: 'json' }).$type<Record<string, unknown>>(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    deliveredAt: integer('delivered_at'),
  },
  (t) => [
    uniqueIndex('outbox_operation_uq').on(t.tenantId, t.kind, t.operationKey),
    index('outbox_due_idx').on(t.status, t.nextAttemptAt),
    index('outbox_customer_idx').on(t.tenantId, t.customerKey, t.id),
    index('outbox_tenant_status_idx').on(t.tenantId, t.status, t.id),
    index('outbox_sale_key_idx').on(t.tenantId, t.saleKey),
  ],
);

export type OutboxRow = typeof outbox.$inferSelect;
export type NewOutboxRow = typeof outbox.$inferInsert;
