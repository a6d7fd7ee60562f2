import { hashToken } from '../crypto/secret-box.js';
import type { Tenant } from '../../db/schema/index.js';
import type { DbOrTx } from '../storage/database.js';
import { tenantRepository } from './tenant-repository.js';

/**
 * The tenant a LoyaltyAPI token belongs to, or undefined. Uninstalled accounts have no token left;
 * suspended ones keep it but are refused until МойСклад resumes them.
 */
export function findTenantByLoyaltyToken(tx: DbOrTx, token: string | undefined): Tenant | undefined {
  if (!token || token.length > 200) return undefined;
  const tenant = tenantRepository.findByLoyaltyTokenHash(tx, hashToken(token));
  if (!tenant || tenant.status === 'Uninstalled' || tenant.status === 'Suspended') return undefined;
  return tenant;
}
