import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { getTableName } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { customers, ledgerEntries, ledgerLots } from '../../db/schema/index.js';
import { nextMoscowMidnight } from '../../app/locale/moscow-day.js';
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
 * with a phone, a card, a МойСклад id (bodies.ts msIdOf), a birth date and a balance. customers.balance is Σ
 * ledger_entries.points, so each customer also gets one opening 'earn' entry of that amount, already
 * spendable, as a lot that expires within 10–209 days (a fifth of them within the receipt's 30) — what a
 * program with expiry, tiers and birthdays holds (BENCH_PROGRAM in run.ts). A third of the customers are
 * at each of three levels, with totals that fit them, as the tier job leaves them.
 */
export function seedCustomers(sqlite: Database.Database, tenantId: string, from: number, to: number): void {
  const c = customers;
  const e = ledgerEntries;
  const l = ledgerLots;
  const insertCustomer = insertInto(sqlite, c, [
    c.id,
    c.tenantId,
    c.msId,
    c.cardNumber,
    c.phone,
    c.name,
    c.searchName,
    c.birthDate,
    c.balance,
    c.welcomeGranted,
    c.tierLevel,
    c.tierTotalKopecks,
    c.tierRollsAt,
    c.createdAt,
    c.updatedAt,
  ]);
  const insertEntry = insertInto(sqlite, e, [e.tenantId, e.customerId, e.points, e.kind, e.availableAt, e.createdAt]);
  const insertLot = insertInto(sqlite, l, [
    l.entryId,
    l.tenantId,
    l.customerId,
    l.points,
    l.remaining,
    l.availableAt,
    l.expiresAt,
  ]);

  const now = Date.now();
  sqlite.transaction(() => {
    for (let i = from; i < to; i++) {
      const id = randomUUID();
      const name = `Покупатель ${i}`;
      const balance = openingBalanceOf(i);
      const level = i % 3;
      const birthDate = new Date(Date.UTC(1990, 0, 1 + (i % 365))).toISOString().slice(0, 10);
      insertCustomer.run(
        id,
        tenantId,
        msIdOf(i),
        cardOf(i),
        phoneOf(i),
        name,
        name.toLowerCase(),
        birthDate,
        balance,
        0,
        level,
        level * 1_500_000 + 100_000,
        now + 300 * DAY_MS,
        now,
        now,
      );
      const availableAt = now - DAY_MS;
      const entry = insertEntry.run(tenantId, id, balance, 'earn', availableAt, now);
      const expiresAt = nextMoscowMidnight(now + (10 + (i % 200)) * DAY_MS);
      insertLot.run(entry.lastInsertRowid, tenantId, id, balance, balance, availableAt, expiresAt);
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
