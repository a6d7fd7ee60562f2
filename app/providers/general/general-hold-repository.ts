import { and, desc, eq, gt, sql } from 'drizzle-orm';
import { generalHolds, type GeneralHoldRow, type HoldStatus } from '../../../db/schema/index.js';
import { preparedOnce, type DbOrTx } from '../../storage/database.js';

/** Plain reads and writes of the general API's point holds. */
export const generalHoldRepository = {
  /** The newest hold still active and not yet expired for this client at this point. */
  active(
    tx: DbOrTx,
    key: { tenantId: string; point: string; clientId: string },
    now: number,
  ): GeneralHoldRow | undefined {
    const query = preparedOnce(tx, 'generalActiveHold', () =>
      tx
        .select()
        .from(generalHolds)
        .where(
          and(
            eq(generalHolds.tenantId, sql.placeholder('tenantId')),
            eq(generalHolds.point, sql.placeholder('point')),
            eq(generalHolds.clientId, sql.placeholder('clientId')),
            eq(generalHolds.status, 'active'),
            gt(generalHolds.until, sql.placeholder('now')),
          ),
        )
        .orderBy(desc(generalHolds.id))
        .prepare(),
    );
    return query.get({ ...key, now });
  },

  insert(tx: DbOrTx, row: typeof generalHolds.$inferInsert): void {
    tx.insert(generalHolds).values(row).run();
  },

  setStatus(tx: DbOrTx, id: number, status: HoldStatus): void {
    tx.update(generalHolds).set({ status }).where(eq(generalHolds.id, id)).run();
  },

  setStatusByHoldId(tx: DbOrTx, tenantId: string, holdId: string, status: HoldStatus): void {
    tx.update(generalHolds)
      .set({ status })
      .where(and(eq(generalHolds.tenantId, tenantId), eq(generalHolds.holdId, holdId)))
      .run();
  },
};
