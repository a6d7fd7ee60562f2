import type { OutboxKind, OutboxRow, ProviderKind, Tenant } from '../../db/schema/index.js';
import { BusinessRuleError, NotFoundError, UpstreamError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type {
  CommitLog,
  CustomerRef,
  CustomerView,
  GiftCardView,
  LoyaltyBackend,
  NewCustomerInput,
  RecalcRequest,
  RecalcResult,
  ReturnRequest,
  SaleConflict,
  SaleRequest,
  VerificationAnswer,
} from '../loyalty/backend.js';
import type { DeliveryResult, OutboxDelivery, OutboxEntry } from '../outbox/outbox-delivery.js';
import type { Outbox } from '../outbox/outbox.js';
import { immediate, type Db } from '../storage/database.js';
import type { TenantSettings } from '../tenants/tenant-settings.js';
import { CustomerMapping, type FoundCustomer } from './provider-customers.js';
import type { CallKind, CallLane, ProviderResilience } from './resilience.js';
import { isAnonymous, noDiscount } from '../loyalty/anonymous-receipt.js';
import { saleDigest } from '../loyalty/sale-repeat.js';
import {
  returnedLines,
  soldLines,
  valueOfReturn,
  type ReturnValue,
  type ReturnedLine,
  type SoldLine,
} from '../receipt/return-value.js';

export interface ProviderBackendDeps {
  db: Db;
  tenantId: string;
  settings: TenantSettings;
  outbox: Outbox;
  resilience: ProviderResilience;
  logger: Logger;
}

export const PROVIDER_DOWN_RECEIPT_TEXT = 'Система лояльности недоступна: чек без скидки, баллы не списаны.';

/**
 * What both external loyalty systems share: recalc that falls back to a receipt without discount
 * when the tenant chose so, sales and returns written to the outbox with the call's log row, and
 * honest refusals for what neither provider offers (codes, gift cards). One instance per tenant,
 * built from its settings and secrets (app/providers/provider-backends.ts).
 */
export abstract class ProviderBackend implements LoyaltyBackend, OutboxDelivery {
  abstract readonly resendIsSafe: boolean;
  protected readonly customers: CustomerMapping;

  constructor(
    protected readonly deps: ProviderBackendDeps,
    readonly provider: ProviderKind,
    /** How the cashier knows the system, at the start of a sentence and after "в": "Система лояльности" / "в системе лояльности". */
    protected readonly names: { name: string; inName: string },
  ) {
    this.customers = new CustomerMapping(deps.db, deps.tenantId, provider);
  }

  abstract searchCustomers(tenant: Tenant, search: string, retailStoreId?: string): Promise<CustomerView[]>;
  abstract balance(tenant: Tenant, customer: CustomerRef, retailStoreId?: string): Promise<number>;
  abstract deliver(item: OutboxRow): Promise<DeliveryResult>;
  /** The provider's customer for the till's fields (phone, card, e-mail), if it has one. */
  protected abstract lookup(ref: CustomerRef): Promise<FoundCustomer | undefined>;
  protected abstract recalcWithProvider(request: RecalcRequest): Promise<RecalcResult>;
  /** undefined: nothing to send (an anonymous sale earns and spends nothing). */
  protected abstract saleEntry(request: SaleRequest): OutboxEntry | undefined;
  protected abstract returnEntry(request: ReturnRequest): OutboxEntry;

  /** Neither provider registers customers through its API: an existing one is linked, never faked. */
  async createCustomer(_tenant: Tenant, input: NewCustomerInput): Promise<{ id: string }> {
    const found =
      input.phone || input.email || input.discountCardNumber
        ? await this.lookup(input).catch(ignoreNotFound)
        : undefined;
    if (!found) {
      throw new BusinessRuleError(
        `${this.names.name} не регистрирует покупателей из кассы. Зарегистрируйте покупателя ${this.names.inName}, затем найдите его по телефону.`,
      );
    }
    return { id: this.customers.remember(found, input.msId).id };
  }

  async recalc(_tenant: Tenant, request: RecalcRequest): Promise<RecalcResult> {
    if (isAnonymous(request.agent)) return noDiscount(request);
    try {
      return await this.recalcWithProvider(request);
    } catch (error) {
      const down = error instanceof UpstreamError && !error.definite;
      if (!down || this.deps.settings.whenProviderDown !== 'no-discount') throw error;
      this.deps.logger.warn('provider down: recalc answered without discount', {
        provider: this.provider,
        error: error.message,
      });
      return {
        ...noDiscount(request),
        receiptExtraInfo: PROVIDER_DOWN_RECEIPT_TEXT,
        notice: `provider down, no discount: ${error.message}`,
      };
    }
  }

  /** A sale key already in the outbox with another digest is a repeat with other content: reported, not sent. */
  async createSale(_tenant: Tenant, request: SaleRequest, commitLog?: CommitLog): Promise<SaleConflict | undefined> {
    const entry = this.saleEntry(request);
    const row = this.record(entry, commitLog);
    const recorded = row?.payload as { digest?: string } | undefined;
    if (!entry || !row || recorded?.digest === entry.payload.digest) return undefined;
    return { recorded: row.payload };
  }

  async createReturn(_tenant: Tenant, request: ReturnRequest, commitLog?: CommitLog): Promise<void> {
    this.record(this.returnEntry(request), commitLog);
  }

  async sendRegistrationCode(): Promise<VerificationAnswer> {
    throw this.noCodes();
  }

  async sendSpendingCode(): Promise<VerificationAnswer> {
    throw this.noCodes();
  }

  async giftCard(): Promise<GiftCardView> {
    throw new BusinessRuleError(
      `${this.names.name} не поддерживает подарочные карты. Примите оплату другим способом.`,
      { parameter: 'name' },
    );
  }

  /** The provider's customer for a LoyaltyAPI reference, or a "not found" the cashier understands. */
  protected async locate(ref: CustomerRef, notFoundMessage: string, lookup = (r: CustomerRef) => this.lookup(r)) {
    const customer = await this.customers.resolve(ref, (r) => lookup(r).catch(ignoreNotFound));
    if (!customer) throw new NotFoundError(notFoundMessage);
    return customer;
  }

  /**
   * Every provider call goes through a breaker of the tenant's, one for the till's calls and one for the
   * outbox's deliveries; reads are also retried.
   */
  protected call<T>(kind: CallKind, fn: () => Promise<T>, lane: CallLane = 'till'): Promise<T> {
    return this.deps.resilience.execute(breakerKey(this.deps.tenantId, this.provider, lane), kind, fn);
  }

  /** The entry's payload as its adapter wrote it. */
  protected payloadOf<T>(item: OutboxRow): T {
    return item.payload as T;
  }

  /** The entry of the returned sale, so the return keeps the sale's line and can read its result. */
  protected saleOf(saleKey: string | undefined): OutboxRow | undefined {
    return saleKey ? this.deps.outbox.saleEntry(this.deps.tenantId, saleKey) : undefined;
  }

  /**
   * The outbox entry for a sale; it records its goods (`lines`), which its returns are valued by, and
   * the digest of what the till asked for, which tells a true repeat from one with other content.
   */
  protected saleDocument(request: SaleRequest, payload: object): OutboxEntry {
    return this.entry('sale', request.saleKey, request.saleKey, request.name, this.customers.lineKey(request.agent), {
      ...payload,
      lines: soldLines(request.positions),
      digest: saleDigest(request),
    });
  }

  /**
   * What a return is worth by what its sale recorded (valueOfReturn), counting the sale's earlier
   * returns; undefined when we hold no record of the sale's goods.
   */
  protected returnValue(request: ReturnRequest, sale: OutboxRow | undefined): ReturnValue | undefined {
    const sold = (sale?.payload as { lines?: SoldLine[] } | undefined)?.lines;
    if (!sale || !sold) return undefined;
    const earlier = this.deps.outbox
      .returnEntries(this.deps.tenantId, sale.operationKey)
      .flatMap((row) => (row.payload as { lines?: ReturnedLine[] }).lines ?? []);
    return valueOfReturn(sold, returnedLines(request.positions), earlier);
  }

  /** The outbox entry for a return: it follows its sale's line, so it never overtakes the sale. */
  protected returnDocument(
    request: ReturnRequest,
    sale: OutboxRow | undefined,
    payload: object,
    needsSupport?: string,
  ): OutboxEntry {
    const line = sale?.customerKey ?? this.customers.lineKey(request.agent);
    const withLines = { ...payload, lines: returnedLines(request.positions) };
    return {
      ...this.entry('return', request.returnKey, request.saleMsId, request.name, line, withLines),
      ...(needsSupport ? { needsSupport } : {}),
    };
  }

  private entry(
    kind: OutboxKind,
    operationKey: string,
    saleKey: string | undefined,
    documentName: string | undefined,
    customerKey: string,
    payload: object,
  ): OutboxEntry {
    return { provider: this.provider, kind, operationKey, saleKey, documentName, customerKey, payload: { ...payload } };
  }

  private noCodes(): BusinessRuleError {
    return new BusinessRuleError(
      `${this.names.name} не отправляет коды подтверждения. Продолжите без кода или отключите проверку кодом в настройках бонусной программы.`,
    );
  }

  /**
   * The outbox entry and the call's log row commit together, before the 201; the worker is woken after.
   * Returns the entry's row: the one just written, or the one a repeat found.
   */
  private record(entry: OutboxEntry | undefined, commitLog?: CommitLog): OutboxRow | undefined {
    const row = immediate(this.deps.db, (tx) => {
      const written = entry ? this.deps.outbox.enqueue(tx, this.deps.tenantId, entry) : undefined;
      commitLog?.(tx);
      return written;
    });
    if (entry && !entry.needsSupport) this.deps.outbox.onDue();
    return row;
  }
}

/** `tenant:provider:lane`, the key of one breaker in ProviderResilience. */
export function breakerKey(tenantId: string, provider: ProviderKind, lane: CallLane): string {
  return `${tenantId}:${provider}:${lane}`;
}

function ignoreNotFound(error: unknown): undefined {
  if (error instanceof NotFoundError) return undefined;
  throw error;
}
