import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { customers, ledgerEntries } from './ledger.js';

/**
 * Birthday points given (app/ledger/birthdays.ts): one row per customer and year of the birthday the
 * window belongs to. The unique pair is the claim: a customer whose birth date changes, or two
 * processes granting at once, still get one gift a year.
 */
export const birthdayGrants = sqliteTable(
  'birthday_grants',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tenantId: text('tenant_id').notNull(),
    customerId: text('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    /** The year of the birthday whose window it was given in (a 2 January birthday given on 30 December: next year). */
    year: integer('year').notNull(),
    /** The birth date it was given for, as stored then (YYYY-MM-DD). */
    birthDate: text('birth_date').notNull(),
    /** The 'birthday' entry; null when nothing could be given (points set to 0, a balance at its bound). */
    entryId: integer('entry_id').references(() => ledgerEntries.id, { onDelete: 'cascade' }),
    points: integer('points').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('birthday_grants_customer_year_uq').on(t.customerId, t.year),
    index('birthday_grants_tenant_idx').on(t.tenantId, t.createdAt),
  ],
);

export type BirthdayGrant = typeof birthdayGrants.$inferSelect;
