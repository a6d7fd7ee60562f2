import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { tenants } from './tenants.js';

export const PROVIDER_KINDS = ['general', 'ibonus'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

/**
 * Our UUID for each customer of an external loyalty system. МойСклад accepts only UUIDs as
 * loyalty-side ids, while providers use numbers or hex strings, so search answers carry `id` and the
 * till sends it back; `ms_id` links the МойСклад counterparty once we have seen it.
 */
export const providerCustomers = sqliteTable(
  'provider_customers',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.accountId, { onDelete: 'cascade' }),
    provider: text('provider').$type<ProviderKind>().notNull(),
    /** The provider's own id (i-bonus numbers are kept as decimal strings). */
    providerId: text('provider_id').notNull(),
    msId: text('ms_id'),
    /** 11 digits starting with 7: how the general API finds the client again (it has no lookup by id). */
    phone: text('phone'),
    email: text('email'),
    cardNumber: text('card_number'),
    name: text('name').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    uniqueIndex('provider_customers_provider_id_uq').on(t.tenantId, t.provider, t.providerId),
    index('provider_customers_ms_id_idx').on(t.tenantId, t.provider, t.msId),
  ],
);

export const HOLD_STATUSES = ['active', 'used', 'released'] as const;
export type HoldStatus = (typeof HOLD_STATUSES)[number];

/**
 * Points the general API holds for a SPENDING recalc. One active hold per (tenant, point, client):
 * the next recalc for the same client at the same point supersedes it, and the sale uses it.
 */
export const generalHolds = sqliteTable(
  'general_holds',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** The provider's hold id. */
    holdId: text('hold_id').notNull(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.accountId, { onDelete: 'cascade' }),
    point: text('point').notNull(),
    clientId: text('client_id').notNull(),
    amount: integer('amount').notNull(),
    /** Epoch ms the provider keeps the points held until. */
    until: integer('until').notNull(),
    status: text('status').$type<HoldStatus>().notNull(),
    /** The recalc that made the hold, so support can link it to the sale that used it. */
    requestId: text('request_id'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('general_holds_client_idx').on(t.tenantId, t.point, t.clientId, t.status)],
);

export type ProviderCustomer = typeof providerCustomers.$inferSelect;
export type NewProviderCustomer = typeof providerCustomers.$inferInsert;
export type GeneralHoldRow = typeof generalHolds.$inferSelect;
