import { eq, sql } from 'drizzle-orm';
import { ledgerEntries, type LedgerEntryKind } from '../../db/schema/index.js';
import type { DbOrTx } from '../storage/database.js';
import { insertRow, statement } from '../storage/statements.js';
import { lotRepository } from './lot-repository.js';
import { spendableOf } from './points-math.js';

export interface NewEntry {
  tenantId: string;
  customerId: string;
  points: number;
  kind: LedgerEntryKind;
  saleId?: string;
  returnId?: string;
  /** Defaults to now: spendable at once. */
  availableAt?: number;
}

// Every sale and return appends here: statements prepared once (app/storage/statements.ts).
const ADD_TO_BALANCE = 'update customers set balance = balance + ?, updated_at = ? where id = ?';
const PENDING =
  'select coalesce(sum(points), 0) as total from ledger_entries where customer_id = ? and available_at > ?';

/** The append-only points journal and the materialised balance it keeps in step. */
export const ledgerEntriesRepository = {
  /**
   * Appends one entry and moves customers.balance by the same amount, in the caller's transaction,
   * so balance == Σ entries holds after every commit. Zero-point entries are skipped. Returns the new
   * entry's id (undefined when skipped).
   */
  append(tx: DbOrTx, entry: NewEntry, now: Date): number | undefined {
    if (!Number.isSafeInteger(entry.points)) throw new RangeError(`points must be an integer, got ${entry.points}`);
    if (entry.points === 0) return undefined;
    const { lastInsertRowid } = insertRow(tx, ledgerEntries, {
      tenantId: entry.tenantId,
      customerId: entry.customerId,
      points: entry.points,
      kind: entry.kind,
      saleId: entry.saleId ?? null,
      returnId: entry.returnId ?? null,
      availableAt: entry.availableAt ?? now.getTime(),
      createdAt: now.getTime(),
    });
    statement(tx, ADD_TO_BALANCE).run(entry.points, now.getTime(), entry.customerId);
    return Number(lastInsertRowid);
  },

  /**
   * Points not yet spendable: Σ entries dated in the future. Reversals of postponed points carry the
   * same date as the points they reverse, so they cancel out here as well as in the balance.
   */
  pending(tx: DbOrTx, customerId: string, now: Date): number {
    return (statement(tx, PENDING).get(customerId, now.getTime()) as { total: number }).total;
  },

  /** Σ all entries; equals customers.balance (tests check the invariant through this). */
  sum(tx: DbOrTx, customerId: string): number {
    const row = tx
      .select({ total: sql<number>`coalesce(sum(${ledgerEntries.points}), 0)` })
      .from(ledgerEntries)
      .where(eq(ledgerEntries.customerId, customerId))
      .get();
    return row?.total ?? 0;
  },
};

/**
 * Spendable points: balance minus pending, minus points past their expiry not yet written off (`due`,
 * when the caller has read it already), never negative. It can dip below zero only when a return
 * took back points already spent out of pending ones; the debt is then settled as they mature.
 */
export function spendablePoints(
  tx: DbOrTx,
  customer: { id: string; balance: number },
  now: Date,
  due = lotRepository.dueRemaining(tx, customer.id, now.getTime()),
): number {
  return spendableOf(customer.balance, ledgerEntriesRepository.pending(tx, customer.id, now), due);
}
