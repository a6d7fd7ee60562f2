import { eq } from 'drizzle-orm';
import { ledgerAdjustments } from '../../db/schema/index.js';
import type { DbOrTx } from '../storage/database.js';

export interface NewAdjustment {
  requestKey: string;
  tenantId: string;
  customerId: string;
  entryId: number;
  points: number;
  reason: string;
  adminLogin: string;
  createdAt: Date;
}

/** Who corrected a balance by hand, and why: one row per submitted form (its requestKey). */
export const adjustmentRepository = {
  exists(tx: DbOrTx, requestKey: string): boolean {
    const row = tx
      .select({ id: ledgerAdjustments.id })
      .from(ledgerAdjustments)
      .where(eq(ledgerAdjustments.requestKey, requestKey))
      .get();
    return row !== undefined;
  },

  insert(tx: DbOrTx, adjustment: NewAdjustment): void {
    tx.insert(ledgerAdjustments).values(adjustment).run();
  },
};
