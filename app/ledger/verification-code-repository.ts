import { and, desc, eq, gt, isNull, lt, ne } from 'drizzle-orm';
import { verificationCodes, type CodePurpose } from '../../db/schema/index.js';
import type { DbOrTx } from '../storage/database.js';

/** Whose code: one tenant's customer phone, for one purpose. */
export interface CodeOwner {
  tenantId: string;
  phone: string;
  purpose: CodePurpose;
}

/** Salted hashes of one-time codes; the codes themselves are never stored. */
export const verificationCodeRepository = {
  /** When the newest code for this owner was sent, if after `since`. */
  sentSince(tx: DbOrTx, owner: CodeOwner, since: Date): Date | undefined {
    return tx
      .select({ createdAt: verificationCodes.createdAt })
      .from(verificationCodes)
      .where(and(ofOwner(owner), gt(verificationCodes.createdAt, since)))
      .orderBy(desc(verificationCodes.createdAt))
      .limit(1)
      .get()?.createdAt;
  },

  insert(
    tx: DbOrTx,
    owner: CodeOwner,
    code: { salt: string; codeHash: string; createdAt: Date; expiresAt: Date },
  ): number {
    return tx
      .insert(verificationCodes)
      .values({ ...owner, ...code })
      .returning({ id: verificationCodes.id })
      .get().id;
  },

  /** Codes sent and not yet used or expired. */
  live(tx: DbOrTx, owner: CodeOwner, now: Date) {
    return tx
      .select()
      .from(verificationCodes)
      .where(and(ofOwner(owner), gt(verificationCodes.expiresAt, now), isNull(verificationCodes.usedAt)))
      .all();
  },

  markUsed(tx: DbOrTx, id: number, now: Date): void {
    tx.update(verificationCodes).set({ usedAt: now }).where(eq(verificationCodes.id, id)).run();
  },

  delete(tx: DbOrTx, id: number): void {
    tx.delete(verificationCodes).where(eq(verificationCodes.id, id)).run();
  },

  /** Every code of this owner but the one kept. */
  deleteOthers(tx: DbOrTx, owner: CodeOwner, keepId: number): void {
    tx.delete(verificationCodes)
      .where(and(ofOwner(owner), ne(verificationCodes.id, keepId)))
      .run();
  },

  deleteExpired(tx: DbOrTx, tenantId: string, now: Date): void {
    tx.delete(verificationCodes)
      .where(and(eq(verificationCodes.tenantId, tenantId), lt(verificationCodes.expiresAt, now)))
      .run();
  },
};

function ofOwner({ tenantId, phone, purpose }: CodeOwner) {
  return and(
    eq(verificationCodes.tenantId, tenantId),
    eq(verificationCodes.phone, phone),
    eq(verificationCodes.purpose, purpose),
  );
}
