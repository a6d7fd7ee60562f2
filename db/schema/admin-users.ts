import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** support: read-only plus safe actions; admin: also user management and manual balance adjustments. */
export const ADMIN_ROLES = ['support', 'admin'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

/** People who sign in to /admin. Passwords are scrypt hashes (app/admin/auth/passwords.ts). */
export const adminUsers = sqliteTable('admin_users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** Lowercased, so "Anna" and "anna" are one user. */
  login: text('login').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  role: text('role').$type<AdminRole>().notNull(),
  blocked: integer('blocked', { mode: 'boolean' }).notNull().default(false),
  /** Bumped on a password change, a block or a role change: sessions carrying an older value end. */
  sessionEpoch: integer('session_epoch').notNull().default(0),
  lastLoginAt: integer('last_login_at', { mode: 'timestamp_ms' }),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});

/**
 * express-rate-limit counters, kept in SQLite so a lockout survives a restart, each limiter under its
 * own key prefix: failed sign-ins (app/admin/auth/login-throttle.ts) and failed API authentications
 * (app/http/auth-failures.ts). Sessions live in the `sessions` table that better-sqlite3-session-store
 * creates and owns.
 */
export const loginThrottle = sqliteTable('login_throttle', {
  key: text('key').primaryKey(),
  hits: integer('hits').notNull(),
  resetAt: integer('reset_at').notNull(),
});

export type AdminUser = typeof adminUsers.$inferSelect;
export type NewAdminUser = typeof adminUsers.$inferInsert;
