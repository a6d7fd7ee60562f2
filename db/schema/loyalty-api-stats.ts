import { integer, sqliteTable } from 'drizzle-orm/sqlite-core';

/**
 * LoyaltyAPI calls per closed hour, rolled up from the transaction log (app/txlog/loyalty-api-stats.ts)
 * so the dashboard reads 720 small rows for 30 days instead of every call. An hour is rolled up once
 * it has ended; a row with zero calls still marks the hour as done.
 */
export const loyaltyApiHourly = sqliteTable('loyalty_api_hourly', {
  /** Hours since the epoch (UTC). */
  hour: integer('hour').primaryKey(),
  calls: integer('calls').notNull(),
  errors: integer('errors').notNull(),
  /** 95th percentile of the call duration; null when the hour had no calls. */
  p95Ms: integer('p95_ms'),
});
