import type { SecretBox } from '../crypto/secret-box.js';
import { immediate, type Db } from '../storage/database.js';
import { issueLoyaltyToken } from './loyalty-token.js';
import { tenantRepository as tenants } from './tenant-repository.js';

export const DEMO_ACCOUNT_ID = '00000000-0000-4000-8000-00000000d3e0';

/** Development only: a configured tenant on the built-in ledger so the API can be curled at once. */
export function ensureDemoTenant(db: Db, box: SecretBox, appId: string, token: string): void {
  immediate(db, (tx) => {
    const issued = issueLoyaltyToken(box, DEMO_ACCOUNT_ID, token);
    const existing = tenants.find(tx, DEMO_ACCOUNT_ID);
    if (existing) {
      if (existing.loyaltyTokenHash !== issued.hash) {
        tenants.update(tx, DEMO_ACCOUNT_ID, { loyaltyTokenHash: issued.hash, loyaltyTokenEnc: issued.sealed });
      }
      return;
    }
    const now = new Date();
    tenants.insert(tx, {
      accountId: DEMO_ACCOUNT_ID,
      appId,
      accountName: 'Демо-магазин',
      status: 'Activated',
      lastCause: 'Install',
      loyaltyTokenHash: issued.hash,
      loyaltyTokenEnc: issued.sealed,
      backend: 'ledger',
      configuredAt: now,
      createdAt: now,
      updatedAt: now,
    });
  });
}
