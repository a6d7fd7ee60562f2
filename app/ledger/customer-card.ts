import type { Tenant } from '../../db/schema/index.js';
import type { DbOrTx } from '../storage/database.js';
import { customerRepository } from './customer-repository.js';
import { ledgerEntriesRepository, spendablePoints } from './ledger-entry-repository.js';
import { customerEntries, type EntryLine } from './ledger-queries.js';
import { expiryOutlook } from './point-lots.js';
import { EXPIRY_NOTE_DAYS } from './recalc.js';
import { tierRulesOf, tiersOn } from './tier-rules.js';
import { standingOf, type TierStanding } from './tiers.js';

/** As many operations as the counterparty widget has room for. */
export const CARD_OPERATIONS = 5;

/** One ledger customer as the counterparty card in МойСклад shows them; read only. */
export interface LedgerCustomerCard {
  customerId: string;
  name: string;
  balance: number;
  /** Earned but not spendable yet (postponed earning). */
  pending: number;
  spendable: number;
  /** The nearest date within EXPIRY_NOTE_DAYS on which points burn, as the till's receipt names it. */
  expiringSoon?: { points: number; expiresAt: number };
  /** Absent when the owner has no tiers. */
  tier?: TierStanding;
  operations: EntryLine[];
}

/**
 * The customer a МойСклад counterparty is, in this tenant's ledger only: the lookup is by the counterparty
 * id and the tenant together, so another account's counterparty (or our own UUID) finds nothing.
 */
export function ledgerCustomerCard(
  tx: DbOrTx,
  tenant: Pick<Tenant, 'accountId' | 'settings'>,
  counterpartyId: string,
  now: Date,
): LedgerCustomerCard | undefined {
  const customer = customerRepository.findByMsId(tx, tenant.accountId, counterpartyId);
  if (!customer) return undefined;
  const expiring = expiryOutlook(tx, customer.id, now, EXPIRY_NOTE_DAYS * 86_400_000);
  const tiers = tierRulesOf(tenant);
  return {
    customerId: customer.id,
    name: customer.name,
    balance: customer.balance,
    pending: ledgerEntriesRepository.pending(tx, customer.id, now),
    spendable: spendablePoints(tx, customer, now, expiring.due),
    expiringSoon: expiring.soonAfter(0),
    tier: tiersOn(tiers) ? standingOf(tiers, customer) : undefined,
    operations: customerEntries(tx, customer.id, undefined, CARD_OPERATIONS),
  };
}
