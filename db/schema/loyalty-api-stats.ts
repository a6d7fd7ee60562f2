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
  /** Every answer of 400 or more, «клиент не найден» included. */
  errors: integer('errors').notNull(),
  /**
   * Of those, 404s to a question about one customer (app/txlog/loyalty-api-stats.ts): the till's normal
   * «клиент не найден», not a failure. Null on hours rolled up before it was counted; filled when read.
   */
  notFound: integer('not_found'),
  /** 95th percentile of the call duration; null when the hour had no calls. */
  p95Ms: integer('p95_ms'),
});
