import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** 'catch-up': sales the till made without reaching us, found later in МойСклад (app/catch-up). */
export const LOG_KINDS = ['loyalty-api', 'vendor-api', 'moysklad', 'provider', 'outbox', 'admin', 'catch-up'] as const;
export type LogKind = (typeof LOG_KINDS)[number];

/**
 * Every LoyaltyAPI call, Vendor API webhook, МойСклад callback, provider call and admin action.
 * The integer id grows with time, so "newest first" is a walk down the primary key: a page of the
 * newest rows stays fast however large the table grows (keyset pagination on id).
 */
export const transactionLog = sqliteTable(
  'transaction_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull(),
    tenantId: text('tenant_id'),
    kind: text('kind').$type<LogKind>().notNull(),
    endpoint: text('endpoint').notNull(),
    httpStatus: integer('http_status'),
    ok: integer('ok', { mode: 'boolean' }).notNull(),
    durationMs: integer('duration_ms'),
    requestId: text('request_id'),
    /** Sale or return number as the till shows it. */
    documentName: text('document_name'),
    /** Links a sale's recalc, sale, provider calls, outbox attempts and returns. */
    saleKey: text('sale_key'),
    customerId: text('customer_id'),
    phoneLast4: text('phone_last4'),
    cardNumber: text('card_number'),
    pointsSpent: integer('points_spent'),
    pointsEarned: integer('points_earned'),
    errorMessage: text('error_message'),
    /** Redacted JSON (see app/logging/redact.ts). */
    requestBody: text('request_body'),
    responseBody: text('response_body'),
    /**
     * A successful read (recalc, balance, search) keeps its bodies for LOG_READ_BODIES_DAYS only:
     * 1 while they are stored, 0 once dropped or when never stored; null on every other row, whose
     * bodies stay as long as the row does.
     */
    readBodies: integer('read_bodies'),
    /** Facts of a recalc that outlive its bodies: what the till showed. */
    receiptLines: integer('receipt_lines'),
    /** The receipt's sum before the discount. */
    receiptKopecks: integer('receipt_kopecks'),
    /** Paid by points (the recalc's discount). */
    discountKopecks: integer('discount_kopecks'),
    /** The customer's points before and after (a balance read has only "before"). */
    balanceBefore: integer('balance_before'),
    balanceAfter: integer('balance_after'),
    /** The text the till printed on the receipt (receiptExtraInfo). */
    receiptText: text('receipt_text'),
    /** Customers a search found. */
    foundCount: integer('found_count'),
  },
  (table) => [
    index('txlog_tenant_idx').on(table.tenantId, table.id),
    index('txlog_kind_idx').on(table.kind, table.endpoint, table.id),
    // Admin filters: a kind without an endpoint, and errors (of one tenant or all), each walked newest
    // first without sorting. The error indexes are partial, so ok rows cost them nothing.
    index('txlog_kind_id_idx').on(table.kind, table.id),
    index('txlog_errors_idx')
      .on(table.id)
      .where(sql`${table.ok} = 0`),
    index('txlog_tenant_errors_idx')
      .on(table.tenantId, table.id)
      .where(sql`${table.ok} = 0`),
    index('txlog_document_idx').on(table.documentName),
    index('txlog_sale_key_idx').on(table.saleKey),
    index('txlog_phone_idx').on(table.phoneLast4),
    index('txlog_card_idx').on(table.cardNumber),
    // Support links a till's call with the provider and МойСклад calls it caused, and filters by it.
    index('txlog_request_id_idx').on(table.requestId),
    index('txlog_at_idx').on(table.at),
    // The bodies the retention job will drop, oldest first; a row leaves it when they are dropped.
    index('txlog_read_bodies_idx')
      .on(table.at)
      .where(sql`${table.readBodies} = 1`),
  ],
);

export type LogRow = typeof transactionLog.$inferSelect;
export type NewLogRow = typeof transactionLog.$inferInsert;
