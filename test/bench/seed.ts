import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { getTableName } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { customers, ledgerEntries } from '../../db/schema/index.js';
import { cardOf, msIdOf, phoneOf } from './bodies.js';

const DAY_MS = 86_400_000;

/** A prepared INSERT whose table and column names come from the drizzle schema, not typed by hand. */
function insertInto(sqlite: Database.Database, table: SQLiteTable, columns: SQLiteColumn[]): Database.Statement {
  const names = columns.map((c) => `"${c.name}"`).join(', ');
  return sqlite.prepare(
    `insert into "${getTableName(table)}" (${names}) values (${columns.map(() => '?').join(', ')})`,
  );
}

/** The opening balance of customer i: 500..1499 points, enough for every recalc to spend the maximum. */
export const openingBalanceOf = (i: number): number => 500 + (i % 1000);

/**
 * Seeds ledger customers number `from` to `to - 1` for one tenant in a single transaction of prepared INSERTs, each
 * with a phone, a card, a МойСклад id (bodies.ts msIdOf) and a balance. customers.balance is Σ
 * ledger_entries.points, so each customer also gets one opening 'earn' entry of that amount,
 * already spendable.
 */
export function seedCustomers(sqlite: Database.Database, tenantId: string, from: number, to: number): void {
  const c = customers;
  const e = ledgerEntries;
  const insertCustomer = insertInto(sqlite, c, [
    c.id,
    c.tenantId,
    c.msId,
    c.cardNumber,
    c.phone,
    c.name,
    c.searchName,
    c.balance,
    c.welcomeGranted,
    c.createdAt,
    c.updatedAt,
  ]);
  const insertEntry = insertInto(sqlite, e, [e.tenantId, e.customerId, e.points, e.kind, e.availableAt, e.createdAt]);

  const now = Date.now();
  sqlite.transaction(() => {
    for (let i = from; i < to; i++) {
      const id = randomUUID();
      const name = `Покупатель ${i}`;
      const balance = openingBalanceOf(i);
      insertCustomer.run(
        id,
        tenantId,
        msIdOf(i),
        cardOf(i),
        phoneOf(i),
        name,
        name.toLowerCase(),
        balance,
        0,
        now,
        now,
      );
      insertEntry.run(tenantId, id, balance, 'earn', now - DAY_MS, now);
    }
  })();
}

/** Customers of the tenant whose balance is not Σ of their entries: 0 when the ledger is consistent. */
export function balanceMismatches(sqlite: Database.Database, tenantId: string): number {
  const row = sqlite
    .prepare(
      `select count(*) as n from "${getTableName(customers)}" c
        where c."${customers.tenantId.name}" = ?
          and c."${customers.balance.name}" != (select coalesce(sum(e."${ledgerEntries.points.name}"), 0)
                                               from "${getTableName(ledgerEntries)}" e
                                              where e."${ledgerEntries.customerId.name}" = c."${customers.id.name}")`,
    )
    .get(tenantId) as { n: number };
  return row.n;
}
