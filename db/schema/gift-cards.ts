import { sql } from 'drizzle-orm';
import { check, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { tenants } from './tenants.js';

/** Gift cards of the built-in ledger. Money in integer kopecks, as МойСклад sends it for gift cards. */
export const giftCards = sqliteTable(
  'gift_cards',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.accountId, { onDelete: 'cascade' }),
    /** What the cashier scans or types; МойСклад sends it as the card's `name`. */
    number: text('number').notNull(),
    initialKopecks: integer('initial_kopecks').notNull(),
    balanceKopecks: integer('balance_kopecks').notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }),
    blocked: integer('blocked', { mode: 'boolean' }).notNull().default(false),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (table) => [
    uniqueIndex('gift_cards_tenant_number_idx').on(table.tenantId, table.number),
    // Last line of defence: the code checks first, the database refuses a negative or inflated balance.
    check(
      'gift_cards_balance_check',
      sql`${table.balanceKopecks} >= 0 AND ${table.balanceKopecks} <= ${table.initialKopecks}`,
    ),
  ],
);

/** One row per card paid in a sale: the unique pair is what makes a repeated sale a no-op. */
export const giftCardRedemptions = sqliteTable(
  'gift_card_redemptions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    cardId: text('card_id')
      .notNull()
      .references(() => giftCards.id, { onDelete: 'cascade' }),
    tenantId: text('tenant_id').notNull(),
    saleId: text('sale_id').notNull(),
    amountKopecks: integer('amount_kopecks').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (table) => [
    uniqueIndex('gift_card_redemptions_card_sale_idx').on(table.cardId, table.saleId),
    check('gift_card_redemptions_amount_check', sql`${table.amountKopecks} > 0`),
  ],
);

export type GiftCardRow = typeof giftCards.$inferSelect;
export type NewGiftCardRow = typeof giftCards.$inferInsert;
