import { desc, inArray } from 'drizzle-orm';
import Joi from 'joi';
import { tenants, type Tenant } from '../../../db/schema/index.js';
import { NotFoundError } from '../../errors.js';
import { validate } from '../../http/validate.js';
import type { DbOrTx } from '../../storage/database.js';
import { tenantRepository } from '../../tenants/tenant-repository.js';

export type TenantSummary = Pick<Tenant, 'accountId' | 'accountName' | 'status' | 'backend' | 'createdAt'>;

/** Admin reads of tenants: summaries without settings or sealed secrets, and names for log rows. */
export const tenantDirectory = {
  summaries(tx: DbOrTx): TenantSummary[] {
    return tx
      .select({
        accountId: tenants.accountId,
        accountName: tenants.accountName,
        status: tenants.status,
        backend: tenants.backend,
        createdAt: tenants.createdAt,
      })
      .from(tenants)
      .orderBy(desc(tenants.createdAt))
      .all();
  },

  names(tx: DbOrTx, accountIds: string[]): Map<string, string> {
    if (accountIds.length === 0) return new Map();
    const rows = tx
      .select({ id: tenants.accountId, name: tenants.accountName })
      .from(tenants)
      .where(inArray(tenants.accountId, accountIds))
      .all();
    return new Map(rows.map((row) => [row.id, row.name]));
  },
};

const accountIdParam = Joi.object<{ accountId: string }>({ accountId: Joi.string().max(100).required() }).unknown(true);

/** The tenant named by a route's :accountId, or a 404 page. */
export function tenantOfRoute(tx: DbOrTx, params: unknown): Tenant {
  const tenant = tenantRepository.find(tx, validate(accountIdParam, params).accountId);
  if (!tenant) throw new NotFoundError('Такого аккаунта нет.');
  return tenant;
}
