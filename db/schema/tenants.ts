import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const TENANT_STATUSES = ['SettingsRequired', 'Activated', 'Suspended', 'Uninstalled'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

export const BACKEND_KINDS = ['ledger', 'general', 'ibonus'] as const;
export type BackendKind = (typeof BACKEND_KINDS)[number];

/** One row per МойСклад account that has ever installed the app. */
export const tenants = sqliteTable(
  'tenants',
  {
    accountId: text('account_id').primaryKey(),
    appId: text('app_id').notNull(),
    accountName: text('account_name').notNull(),
    status: text('status').$type<TenantStatus>().notNull(),
    lastCause: text('last_cause').notNull(),
    subscription: text('subscription', { mode: 'json' }).$type<Record<string, unknown> | null>(),
    /** JSON API access token from activation, sealed with SecretBox (field "accessToken"). */
    accessTokenEnc: text('access_token_enc'),
    /** LoyaltyAPI token: SHA-256 for lookup, sealed copy (field "loyaltyToken") so it can be re-sent. */
    loyaltyTokenHash: text('loyalty_token_hash').unique(),
    loyaltyTokenEnc: text('loyalty_token_enc'),
    /** During rotation the new token works too, until МойСклад has accepted it. */
    pendingLoyaltyTokenHash: text('pending_loyalty_token_hash').unique(),
    pendingLoyaltyTokenEnc: text('pending_loyalty_token_enc'),
    backend: text('backend').$type<BackendKind>().notNull().default('ledger'),
    /** Non-secret settings of the chosen back-end (rules, store mapping, ...). */
    settings: text('settings', { mode: 'json' })
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'`),
    /** Provider credentials, sealed as one JSON object (field "providerSecrets"). */
    providerSecretsEnc: text('provider_secrets_enc'),
    externalSearch: integer('external_search', { mode: 'boolean' }).notNull().default(false),
    /** Go-live progress: which step is pending and why the last attempt failed. */
    goLive: text('go_live', { mode: 'json' }).$type<Record<string, unknown> | null>(),
    /** Set once МойСклад accepted our loyalty settings; cleared on Uninstall (МойСклад drops them). */
    configuredAt: integer('configured_at', { mode: 'timestamp_ms' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (table) => [index('tenants_status_idx').on(table.status)],
);

export type Tenant = typeof tenants.$inferSelect;
export type NewTenant = typeof tenants.$inferInsert;

/** One-time JWT ids seen from МойСклад, kept until they expire so a replay is refused. */
export const jwtReplay = sqliteTable(
  'jwt_replay',
  {
    jti: text('jti').primaryKey(),
    expiresAt: integer('expires_at').notNull(),
  },
  (table) => [index('jwt_replay_expires_idx').on(table.expiresAt)],
);
