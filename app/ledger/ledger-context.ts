import type { GiftCardPayment, GiftCardView } from '../loyalty/backend.js';
import type { DbOrTx } from '../storage/database.js';
import type { LedgerRules } from './rules.js';

/** What every ledger write needs to know about the call: whose ledger, under which rules, when. */
export interface LedgerContext {
  tenantId: string;
  rules: LedgerRules;
  now: Date;
}

/** The gift cards a sale may be paid with; the ledger redeems them inside the sale's transaction. */
export interface GiftCardBook {
  find(tx: DbOrTx, tenantId: string, name: string, now: Date): GiftCardView;
  /** Inside the sale's transaction; idempotent per (card, sale); throws BusinessRuleError if a card can't pay. */
  redeem(tx: DbOrTx, tenantId: string, saleId: string, payments: GiftCardPayment[], now: Date): void;
}
