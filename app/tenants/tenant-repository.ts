import { eq, or, sql } from 'drizzle-orm';
import { tenants, type NewTenant, type Tenant } from '../../db/schema/index.js';
import { preparedOnce, type DbOrTx } from '../storage/database.js';

/** Plain reads and writes of tenants; callers decide the transaction. */
export const tenantRepository = {
  find(tx: DbOrTx, accountId: string): Tenant | undefined {
    return tx.select().from(tenants).where(eq(tenants.accountId, accountId)).get();
  },

  /** Current or pending (mid-rotation) LoyaltyAPI token. */
  findByLoyaltyTokenHash(tx: DbOrTx, hash: string): Tenant | undefined {
    const query = preparedOnce(tx, 'tenantByTokenHash', () =>
      tx
        .select()
        .from(tenants)
        .where(
          or(
            eq(tenants.loyaltyTokenHash, sql.placeholder('hash')),
            eq(tenants.pendingLoyaltyTokenHash, sql.placeholder('hash')),
          ),
        )
        .prepare(),
    );
    return query.get({ hash });
  },

  /** Tenants whose SMS gateway URL still sits unsealed in their settings (written before it was sealed). */
  withPlainSmsWebhook(tx: DbOrTx): Tenant[] {
    return tx
      .select()
      .from(tenants)
      .where(sql`json_extract(${tenants.settings}, '$.ledger.codeWebhookUrl') is not null`)
      .all();
  },

  insert(tx: DbOrTx, row: NewTenant): void {
    tx.insert(tenants).values(row).run();
  },

  update(tx: DbOrTx, accountId: string, changes: Partial<NewTenant>): void {
    tx.update(tenants)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(tenants.accountId, accountId))
      .run();
  },
};
