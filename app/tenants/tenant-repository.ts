import { eq, sql } from 'drizzle-orm';
import { tenants, type NewTenant, type Tenant } from '../../db/schema/index.js';
import type { DbOrTx } from '../storage/database.js';
import { columnsOf, rowOf, statement } from '../storage/statements.js';

// Prepared once per connection (app/storage/statements.ts); both columns are unique, so each side is an index lookup.
const BY_TOKEN_HASH = `select ${columnsOf(tenants)} from tenants where loyalty_token_hash = ? or pending_loyalty_token_hash = ?`;

/** Plain reads and writes of tenants; callers decide the transaction. */
export const tenantRepository = {
  find(tx: DbOrTx, accountId: string): Tenant | undefined {
    return tx.select().from(tenants).where(eq(tenants.accountId, accountId)).get();
  },

  /** Current or pending (mid-rotation) LoyaltyAPI token; every LoyaltyAPI call starts here. */
  findByLoyaltyTokenHash(tx: DbOrTx, hash: string): Tenant | undefined {
    return rowOf(tenants, statement(tx, BY_TOKEN_HASH).get(hash, hash));
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
