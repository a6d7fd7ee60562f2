import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { tenants } from './tenants.js';

/**
 * One row per opening of the settings iframe: МойСклад's one-time contextKey is exchanged once and
 * this row remembers who it was. The page carries a signed token naming the row, because a
 * third-party iframe may get no cookies at all.
 */
export const iframeSessions = sqliteTable(
  'iframe_sessions',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => tenants.accountId, { onDelete: 'cascade' }),
    employeeId: text('employee_id').notNull(),
    employeeName: text('employee_name').notNull(),
    /** permissions.admin.view === "ALL" at the time the key was exchanged. */
    isAdmin: integer('is_admin', { mode: 'boolean' }).notNull(),
    /** csrf-sync's synchroniser token for this session. */
    csrfToken: text('csrf_token'),
    /** What the last POST did (go-live steps), shown once by the page it redirects to. */
    notice: text('notice', { mode: 'json' }).$type<Record<string, unknown> | null>(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    /** Absolute end: after it the owner reopens the app from МойСклад. */
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (table) => [index('iframe_sessions_expires_idx').on(table.expiresAt)],
);

export type IframeSessionRow = typeof iframeSessions.$inferSelect;
export type NewIframeSessionRow = typeof iframeSessions.$inferInsert;
