import { eq, lt } from 'drizzle-orm';
import { iframeSessions, type IframeSessionRow, type NewIframeSessionRow } from '../../db/schema/index.js';
import type { DbOrTx } from '../storage/database.js';

/** Plain reads and writes of settings-iframe sessions. */
export const iframeSessionRepository = {
  find(tx: DbOrTx, id: string): IframeSessionRow | undefined {
    return tx.select().from(iframeSessions).where(eq(iframeSessions.id, id)).get();
  },

  insert(tx: DbOrTx, row: NewIframeSessionRow): void {
    tx.insert(iframeSessions).values(row).run();
  },

  update(tx: DbOrTx, id: string, changes: Partial<Pick<IframeSessionRow, 'csrfToken' | 'notice'>>): void {
    tx.update(iframeSessions).set(changes).where(eq(iframeSessions.id, id)).run();
  },

  /** Every session of an account: they end when the app is uninstalled there. */
  deleteOfAccount(tx: DbOrTx, accountId: string): number {
    return tx.delete(iframeSessions).where(eq(iframeSessions.accountId, accountId)).run().changes;
  },

  deleteExpired(tx: DbOrTx, now: Date): number {
    return tx.delete(iframeSessions).where(lt(iframeSessions.expiresAt, now)).run().changes;
  },
};
