import type { Tenant } from '../../db/schema/index.js';
import type { GiftCardPayment, GiftCardView } from '../loyalty/backend.js';
import type { DbOrTx } from '../storage/database.js';
import type { LedgerRules } from './rules.js';
import type { TierRules } from './tier-rules.js';

/** What every ledger write needs to know about the call: whose ledger, under which rules, when. */
export interface LedgerContext {
  tenantId: string;
  rules: LedgerRules;
  now: Date;
  /** The owner's tiers (tier-rules.ts); absent or off: everyone earns under `rules`. */
  tiers?: TierRules;
}

/** The gift cards a sale may be paid with; the ledger redeems them inside the sale's transaction. */
export interface GiftCardBook {
  find(tx: DbOrTx, tenantId: string, name: string, now: Date): GiftCardView;
  /** Inside the sale's transaction; idempotent per (card, sale); throws BusinessRuleError if a card can't pay. */
  redeem(tx: DbOrTx, tenantId: string, saleId: string, payments: GiftCardPayment[], now: Date): void;
}

/**
 * МойСклад's tags («группы») of a counterparty, for a bonus program that applies only to some
 * customers. Answers within the till's patience; undefined when that could not be found out.
 */
export interface CustomerTagSource {
  tagsOf(tenant: Tenant, counterpartyId: string): Promise<string[] | undefined>;
}

/** Whether this receipt's customer is in the program's audience: outside it they neither earn nor spend. */
export interface Audience {
  member: boolean;
}
