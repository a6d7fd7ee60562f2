import type { Tenant } from '../../db/schema/index.js';
import type { DiscountedPosition, ReceiptPosition } from '../receipt/positions.js';
import type { DbOrTx } from '../storage/database.js';

/**
 * What the LoyaltyAPI router needs from a loyalty system. The built-in ledger is one implementation;
 * external providers are others. Amounts are integers: money in kopecks, points in points, quantity
 * in thousandths. Conversion to and from МойСклад's roubles happens only in app/loyalty-api.
 * Failures are thrown as AppError subclasses with Russian messages for the cashier.
 */
export interface LoyaltyBackend {
  createCustomer(tenant: Tenant, input: NewCustomerInput): Promise<{ id: string }>;
  /** `retailStoreId`: the till's store, where a system keeps customers per point of sale. */
  searchCustomers(tenant: Tenant, search: string, retailStoreId?: string): Promise<CustomerView[]>;
  /** Spendable points now (pending points excluded). */
  balance(tenant: Tenant, customer: CustomerRef, retailStoreId?: string): Promise<number>;
  sendRegistrationCode(tenant: Tenant, customer: CustomerFields, retailStoreId?: string): Promise<VerificationAnswer>;
  sendSpendingCode(tenant: Tenant, request: SpendingCodeRequest): Promise<VerificationAnswer>;
  recalc(tenant: Tenant, request: RecalcRequest): Promise<RecalcResult>;
  /**
   * Idempotent on request.saleKey: a repeat changes nothing and resolves normally. A repeat whose content
   * differs from the first resolves with a SaleConflict, so the caller can tell support.
   */
  createSale(tenant: Tenant, request: SaleRequest, commitLog?: CommitLog): Promise<SaleConflict | undefined>;
  /** Idempotent on request.returnKey. */
  createReturn(tenant: Tenant, request: ReturnRequest, commitLog?: CommitLog): Promise<void>;
  giftCard(tenant: Tenant, name: string, retailStoreId?: string): Promise<GiftCardView>;
}

/**
 * What the restricted-goods rules allow on each receipt line (app/catalog reads МойСклад's flags):
 * the positions come back with their `rule`, which every loyalty system honours.
 */
export interface GoodsClassifier {
  classify<P extends ReceiptPosition>(tenant: Tenant, positions: P[]): Promise<P[]>;
}

/**
 * Writes the call's transaction-log row inside the back-end's own write transaction, so "answered
 * 201" and "recorded" commit together. A back-end that calls it must not fail after committing.
 *
 * Who uses it: the provider back-ends (app/providers/provider-backend.ts), whose sale is an outbox
 * entry that support must be able to trace from the moment it exists. The built-in ledger does not:
 * its sale is the ledger entries themselves, and its log row is written after the answer like any
 * other call's.
 */
export type CommitLog = (tx: DbOrTx) => void;

/**
 * A sale key МойСклад sent before with other content. The sale stays as it was first recorded (the
 * repeat is answered like the first call); support gets both versions to decide what to do.
 */
export interface SaleConflict {
  /** What the first call recorded, as the back-end holds it. */
  recorded: unknown;
}

export interface CustomerFields {
  name?: string;
  discountCardNumber?: string;
  phone?: string;
  email?: string;
  legalFirstName?: string;
  legalMiddleName?: string;
  legalLastName?: string;
  birthDate?: string;
  sex?: 'MALE' | 'FEMALE';
}

export interface NewCustomerInput extends CustomerFields {
  /** МойСклад counterparty id. */
  msId?: string;
  syncId?: string;
  retailStoreId?: string;
  statusCheck?: 'UNCHECKED' | 'CHECKED' | 'IGNORE';
}

/** How МойСклад points at a customer: meta.id (МойСклад id or our id from a search) plus fields. */
export interface CustomerRef extends CustomerFields {
  id?: string;
}

export interface CustomerView extends CustomerFields {
  /** Our UUID for the customer. */
  id: string;
  msId?: string;
  name: string;
}

export interface VerificationAnswer {
  verificationCode: string;
  timeForRepeat: number;
  messageForCashier?: string;
}

export interface SpendingCodeRequest {
  counterpartyId: string;
  phone?: string;
  retailStoreId?: string;
}

export interface RecalcRequest {
  retailStoreId?: string;
  agent: CustomerRef;
  positions: ReceiptPosition[];
  transactionType: 'EARNING' | 'SPENDING';
  /** Points the customer wants to spend; undefined means "as many as allowed". */
  preferredPointsToSpend?: number;
}

export interface RecalcResult {
  positions: DiscountedPosition[];
  transactionType: 'EARNING' | 'SPENDING';
  agentBonusBalance: number;
  bonusValueToSpend: number;
  bonusValueToEarn: number;
  agentBonusBalanceAfter: number;
  paidByBonusPointsKopecks: number;
  receiptExtraInfo?: string;
  needVerification: boolean;
  /** Why the receipt comes without loyalty (e.g. the provider is down): for the transaction log. */
  notice?: string;
}

export interface GiftCardPayment {
  id?: string;
  name: string;
  paymentKopecks: number;
}

export interface SaleRequest {
  /** meta.id, or a stable fallback derived from store + name + moment when МойСклад sends it empty. */
  saleKey: string;
  msId?: string;
  name?: string;
  moment?: string;
  retailStoreId?: string;
  agent?: CustomerRef;
  positions: DiscountedPosition[];
  pointsToSpend: number;
  pointsToEarn: number;
  cashKopecks: number;
  noCashKopecks: number;
  giftCards: GiftCardPayment[];
}

export interface ReturnRequest {
  returnKey: string;
  msId?: string;
  name?: string;
  moment?: string;
  retailStoreId?: string;
  /** The linked sale's МойСклад id, when given. */
  saleMsId?: string;
  agent?: CustomerRef;
  positions: DiscountedPosition[];
  cashKopecks: number;
  noCashKopecks: number;
}

export type GiftCardStatus = 'CAN_BE_USED' | 'PARTIALLY_REDEEMED' | 'EXPIRED' | 'REDEEMED' | 'INVALID';

export interface GiftCardView {
  name: string;
  id?: string;
  status: GiftCardStatus;
  /** YYYY-MM-DD HH:MM:SS UTC */
  expireDate?: string;
  currentBalanceKopecks?: number;
  initialBalanceKopecks?: number;
}
