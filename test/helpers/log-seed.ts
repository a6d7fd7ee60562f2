import type Database from 'better-sqlite3';
import { getTableName } from 'drizzle-orm';
import { transactionLog, type LogKind } from '../../db/schema/index.js';

export const SEED_TENANTS = 200;
const DAY_MS = 86_400_000;

/** Tenant ids of the seeded log: `t000`..`t199`. */
export const seedTenantId = (i: number) => `t${String(i % SEED_TENANTS).padStart(3, '0')}`;

export interface SeededRow {
  at: number;
  tenantId: string;
  kind: LogKind;
  endpoint: string;
  httpStatus: number;
  ok: boolean;
  durationMs: number;
  documentName: string | null;
  saleKey: string | null;
  phoneLast4: string | null;
  cardNumber: string | null;
}

/**
 * Row i of a seeded log: a realistic mix (mostly LoyaltyAPI recalcs and sales, 2 % errors), sales with a
 * number and a sale key, returns pointing at an earlier sale, the customer's last phone digits and card.
 * Deterministic, so a test can recompute any row.
 */
export function seededRow(i: number, count: number, now: number, days = 90): SeededRow {
  const at = now - days * DAY_MS + Math.floor((i * days * DAY_MS) / count);
  const ok = i % 50 !== 7;
  const bucket = i % 100;
  const kind: LogKind =
    bucket < 90
      ? 'loyalty-api'
      : bucket < 94
        ? 'vendor-api'
        : bucket < 97
          ? 'moysklad'
          : bucket < 99
            ? 'provider'
            : 'admin';
  const step = i % 10;
  const endpoint =
    kind === 'loyalty-api'
      ? step < 6
        ? 'POST /retaildemand/recalc'
        : step < 9
          ? 'POST /retaildemand'
          : 'POST /retailsalesreturn'
      : kind === 'vendor-api'
        ? 'PUT /apps/:appId/:accountId'
        : kind === 'moysklad'
          ? 'POST /entity/loyaltyapp'
          : kind === 'provider'
            ? 'POST /v1/purchase'
            : 'ledger.adjust';
  const isSale = endpoint === 'POST /retaildemand';
  const isReturn = endpoint === 'POST /retailsalesreturn';
  const customer = kind === 'loyalty-api' || kind === 'admin';
  return {
    at,
    tenantId: seedTenantId(i),
    kind,
    endpoint,
    httpStatus: ok ? (isSale || isReturn ? 201 : 200) : 422,
    ok,
    durationMs: 5 + ((i * 7919) % 300),
    documentName: isSale ? `S-${i}` : isReturn ? `R-${i}` : null,
    // A return names an earlier sale.
    saleKey: isSale ? `sale-${i}` : isReturn ? `sale-${i - 3}` : null,
    phoneLast4: customer ? String(i % 10_000).padStart(4, '0') : null,
    cardNumber: customer ? `C${i % 100_000}` : null,
  };
}

/**
 * Seeds `count` transaction-log rows in one transaction of one prepared INSERT. The table's indexes are
 * dropped first and built again after (one sort each instead of a million tree inserts: about twice as
 * fast), from the exact SQL the migrations created.
 */
export function seedTransactionLog(sqlite: Database.Database, count: number, now = Date.now(), days = 90): void {
  const table = getTableName(transactionLog);
  const indexes = sqlite
    .prepare(`select name, sql from sqlite_master where type = 'index' and tbl_name = ? and sql is not null`)
    .all(table) as Array<{ name: string; sql: string }>;
  const t = transactionLog;
  const columns = [
    t.at,
    t.tenantId,
    t.kind,
    t.endpoint,
    t.httpStatus,
    t.ok,
    t.durationMs,
    t.documentName,
    t.saleKey,
    t.phoneLast4,
    t.cardNumber,
  ];
  const insert = sqlite.prepare(
    `insert into "${table}" (${columns.map((c) => `"${c.name}"`).join(', ')}) values (${columns.map(() => '?').join(', ')})`,
  );
  sqlite.transaction(() => {
    for (const index of indexes) sqlite.exec(`drop index "${index.name}"`);
    for (let i = 0; i < count; i++) {
      const r = seededRow(i, count, now, days);
      insert.run(
        r.at,
        r.tenantId,
        r.kind,
        r.endpoint,
        r.httpStatus,
        r.ok ? 1 : 0,
        r.durationMs,
        r.documentName,
        r.saleKey,
        r.phoneLast4,
        r.cardNumber,
      );
    }
    for (const index of indexes) sqlite.exec(index.sql);
  })();
}
