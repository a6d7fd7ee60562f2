import { and, desc, eq, gt } from 'drizzle-orm';
import { generalHolds, type GeneralHoldRow, type HoldStatus } from '../../../db/schema/index.js';
import type { DbOrTx } from '../../storage/database.js';

/** Plain reads and writes of the general API's point holds. */
export const generalHoldRepository = {
  /** The newest hold still active and not yet expired for this client at this point. */
  active(tx: DbOrTx, key: { tenantId: string; point: string; clientId: string }, now: number): GeneralHoldRow | undefined {
    return tx
      .select()
      .from(generalHolds)
      .where(
        and(
          eq(generalHolds.tenantId, key.tenantId),
          eq(generalHolds.point, key.point),
          eq(generalHolds.clientId, key.clientId),
          eq(generalHolds.status, 'active'),
          gt(generalHolds.until, now),
        ),
      )
      .orderBy(desc(generalHolds.id))
      .get();
  },

  insert(tx: DbOrTx, row: typeof generalHolds.$inferInsert): void {
    tx.insert(generalHolds).values(row).run();
  },

  setStatus(tx: DbOrTx, id: number, status: HoldStatus): void {
    tx.update(generalHolds).set({ status }).where(eq(generalHolds.id, id)).run();
  },

  setStatusByHoldId(tx: DbOrTx, tenantId: string, holdId: string, status: HoldStatus): void {
    tx.update(generalHolds).set({ status }).where(and(eq(generalHolds.tenantId, tenantId), eq(generalHolds.holdId, holdId))).run();
  },
};
