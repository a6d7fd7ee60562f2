import { and, asc, eq, gt, isNull, lte, sql } from 'drizzle-orm';
import {
  customers,
  expiryReminders,
  ledgerLots,
  tenants,
  type ExpiryReminderStatus,
  type Tenant,
} from '../../db/schema/index.js';
import type { DbOrTx } from '../storage/database.js';

/** One customer's points of one expiry date that nobody has reminded them of yet. */
export interface ReminderCandidate {
  customerId: string;
  phone: string | null;
  expiresAt: number;
  points: number;
}

/** Expiry reminders: who is due one, and the claim that makes each go out once. */
export const expiryReminderRepository = {
  /** Tenants whose built-in program runs: only they send reminders. */
  activeLedgerTenants(tx: DbOrTx): Tenant[] {
    return tx
      .select()
      .from(tenants)
      .where(and(eq(tenants.backend, 'ledger'), eq(tenants.status, 'Activated')))
      .all();
  },

  /** Up to `limit` (customer, expiry date) pairs of a tenant in (from, until] with points left and no reminder row. */
  candidates(tx: DbOrTx, tenantId: string, from: number, until: number, limit: number): ReminderCandidate[] {
    return tx
      .select({
        customerId: ledgerLots.customerId,
        phone: customers.phone,
        expiresAt: ledgerLots.expiresAt,
        points: sql<number>`sum(${ledgerLots.remaining})`,
      })
      .from(ledgerLots)
      .innerJoin(customers, eq(customers.id, ledgerLots.customerId))
      .leftJoin(
        expiryReminders,
        and(eq(expiryReminders.customerId, ledgerLots.customerId), eq(expiryReminders.expiresAt, ledgerLots.expiresAt)),
      )
      .where(
        and(
          eq(ledgerLots.tenantId, tenantId),
          sql`${ledgerLots.remaining} > 0`,
          gt(ledgerLots.expiresAt, from),
          lte(ledgerLots.expiresAt, until),
          isNull(expiryReminders.id),
        ),
      )
      .groupBy(ledgerLots.customerId, ledgerLots.expiresAt)
      .orderBy(asc(ledgerLots.expiresAt))
      .limit(limit)
      .all();
  },

  /**
   * Claims one reminder: true when this call inserted its row, false when another process (or an
   * earlier run) already has it. The row is written before the SMS goes out.
   */
  claim(
    tx: DbOrTx,
    row: { tenantId: string; customerId: string; expiresAt: number; points: number; status: ExpiryReminderStatus },
    now: number,
  ): boolean {
    return (
      tx
        .insert(expiryReminders)
        .values({ ...row, createdAt: now, updatedAt: now })
        .onConflictDoNothing()
        .run().changes === 1
    );
  },

  finish(
    tx: DbOrTx,
    key: { customerId: string; expiresAt: number },
    status: ExpiryReminderStatus,
    now: number,
    error?: string,
  ): void {
    tx.update(expiryReminders)
      .set({ status, error: error ?? null, updatedAt: now })
      .where(and(eq(expiryReminders.customerId, key.customerId), eq(expiryReminders.expiresAt, key.expiresAt)))
      .run();
  },

  ofCustomer(tx: DbOrTx, customerId: string) {
    return tx
      .select()
      .from(expiryReminders)
      .where(eq(expiryReminders.customerId, customerId))
      .orderBy(asc(expiryReminders.expiresAt))
      .all();
  },
};
