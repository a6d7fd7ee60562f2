import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { tenants } from './tenants.js';

export const CODE_PURPOSES = ['registration', 'spending'] as const;
export type CodePurpose = (typeof CODE_PURPOSES)[number];

/**
 * One-time codes sent to customers by SMS. Only an HMAC-SHA256 of the code (keyed by a per-row
 * random salt) is kept, never the code itself.
 */
export const verificationCodes = sqliteTable(
  'verification_codes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.accountId, { onDelete: 'cascade' }),
    /** Normalised: 11 digits starting with 7. */
    phone: text('phone').notNull(),
    purpose: text('purpose').$type<CodePurpose>().notNull(),
    codeHash: text('code_hash').notNull(),
    salt: text('salt').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    /** Set when the code was accepted once; a used code never verifies again. */
    usedAt: integer('used_at', { mode: 'timestamp_ms' }),
  },
  (table) => [index('verification_codes_lookup_idx').on(table.tenantId, table.phone, table.purpose, table.createdAt)],
);

export type VerificationCodeRow = typeof verificationCodes.$inferSelect;
