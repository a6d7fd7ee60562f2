import { and, asc, count, eq, sql } from 'drizzle-orm';
import { adminUsers, type AdminUser, type NewAdminUser } from '../../../db/schema/index.js';
import type { DbOrTx } from '../../storage/database.js';

/** Plain reads and writes of admin users; callers decide the transaction. */
export const adminUserRepository = {
  findByLogin(tx: DbOrTx, login: string): AdminUser | undefined {
    return tx.select().from(adminUsers).where(eq(adminUsers.login, login)).get();
  },

  findById(tx: DbOrTx, id: number): AdminUser | undefined {
    return tx.select().from(adminUsers).where(eq(adminUsers.id, id)).get();
  },

  list(tx: DbOrTx): AdminUser[] {
    return tx.select().from(adminUsers).orderBy(asc(adminUsers.login)).all();
  },

  count(tx: DbOrTx): number {
    return tx.select({ n: count() }).from(adminUsers).get()?.n ?? 0;
  },

  countActiveAdmins(tx: DbOrTx): number {
    return (
      tx
        .select({ n: count() })
        .from(adminUsers)
        .where(and(eq(adminUsers.role, 'admin'), eq(adminUsers.blocked, false)))
        .get()?.n ?? 0
    );
  },

  insert(tx: DbOrTx, row: NewAdminUser): AdminUser {
    return tx.insert(adminUsers).values(row).returning().get();
  },

  /** endSessions bumps the epoch: every session signed in before this change ends at its next request. */
  update(tx: DbOrTx, id: number, changes: Partial<NewAdminUser>, options: { endSessions?: boolean } = {}): void {
    tx.update(adminUsers)
      .set({
        ...changes,
        updatedAt: new Date(),
        ...(options.endSessions ? { sessionEpoch: sql`${adminUsers.sessionEpoch} + 1` } : {}),
      })
      .where(eq(adminUsers.id, id))
      .run();
  },
};
