import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { tenants } from './tenants.js';

export const CATALOG_KINDS = ['product', 'variant', 'service', 'bundle'] as const;
export type CatalogKind = (typeof CATALOG_KINDS)[number];

/**
 * What МойСклад's JSON API says about each of a tenant's goods that the restricted-goods rule needs
 * (app/catalog). Products and variants are listed in full on go-live and refreshed; services and
 * bundles are added when a till first sells one. A variant keeps only its product's id: the
 * product's flags are the variant's.
 */
export const catalogGoods = sqliteTable(
  'catalog_goods',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.accountId, { onDelete: 'cascade' }),
    /** МойСклад's id of the product, variant, service or bundle. */
    id: text('id').notNull(),
    kind: text('kind').$type<CatalogKind>().notNull(),
    /** A variant's product. */
    productId: text('product_id'),
    /** The till's id for goods it created offline (`idType: sync`). */
    syncId: text('sync_id'),
    trackingType: text('tracking_type'),
    discountProhibited: integer('discount_prohibited', { mode: 'boolean' }).notNull().default(false),
    folderId: text('folder_id'),
    /** Epoch ms the JSON API last showed it; a full fill removes the listed kinds it did not see. */
    seenAt: integer('seen_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('catalog_goods_sync_idx').on(t.tenantId, t.syncId),
    index('catalog_goods_product_idx').on(t.tenantId, t.productId),
  ],
);

/** The tenant's product folders, so an excluded folder takes everything below it along. */
export const catalogFolders = sqliteTable(
  'catalog_folders',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.accountId, { onDelete: 'cascade' }),
    id: text('id').notNull(),
    parentId: text('parent_id'),
    name: text('name').notNull(),
    /** The folders above it, as МойСклад writes them ("Напитки/Пиво"). */
    pathName: text('path_name').notNull().default(''),
    seenAt: integer('seen_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] })],
);

export const WEBHOOK_STATES = ['registered', 'unavailable'] as const;
export type WebhookState = (typeof WEBHOOK_STATES)[number];

/**
 * One row per tenant whose goods are cached: when the last full fill finished, when the next run is
 * due, and the claim that keeps two processes (a reload overlap) from filling at once.
 */
export const catalogSync = sqliteTable('catalog_sync', {
  tenantId: text('tenant_id')
    .primaryKey()
    .references(() => tenants.accountId, { onDelete: 'cascade' }),
  /** Epoch ms the last full fill finished; null until the first one does. */
  filledAt: integer('filled_at'),
  /** Epoch ms the next fill is due (a refresh, or a retry after a failure). */
  nextRunAt: integer('next_run_at').notNull(),
  /** A process is filling until then; a crashed one's claim simply runs out. */
  claimedUntil: integer('claimed_until'),
  /** Whether МойСклад sends us product changes; null until we tried to subscribe. */
  webhooks: text('webhooks').$type<WebhookState>(),
  /** Why the subscription was refused, for support. */
  webhooksNote: text('webhooks_note'),
  lastError: text('last_error'),
  lastErrorAt: integer('last_error_at'),
  updatedAt: integer('updated_at').notNull(),
});

/**
 * МойСклад's tags («группы») of the counterparties the till named, for a bonus program that applies
 * only to some customers; refreshed in the background once old.
 */
export const counterpartyTags = sqliteTable(
  'counterparty_tags',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.accountId, { onDelete: 'cascade' }),
    counterpartyId: text('counterparty_id').notNull(),
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull(),
    fetchedAt: integer('fetched_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.counterpartyId] })],
);

export type CatalogGood = typeof catalogGoods.$inferSelect;
export type NewCatalogGood = typeof catalogGoods.$inferInsert;
export type CatalogFolder = typeof catalogFolders.$inferSelect;
export type CatalogSyncRow = typeof catalogSync.$inferSelect;
