import type { OutboxRow, ProviderCustomer, Tenant } from '../../../db/schema/index.js';
import { BusinessRuleError, NotFoundError } from '../../errors.js';
import { currentRequestContext } from '../../logging/logger.js';
import type {
  CustomerRef,
  CustomerView,
  RecalcRequest,
  RecalcResult,
  ReturnRequest,
  SaleRequest,
} from '../../loyalty/backend.js';
import type { DeliveryResult, OutboxEntry } from '../../outbox/outbox-delivery.js';
import { generalPointFor } from './general-settings.js';
import { beforeSending } from '../../outbox/failure-kind.js';
import { ProviderBackend, type ProviderBackendDeps } from '../provider-backend.js';
import type { CallLane } from '../resilience.js';
import { customerView, type FoundCustomer } from '../provider-customers.js';
import type { GeneralApiClient, GeneralClient, GeneralRecalc } from './general-api-client.js';
import { GENERAL_API_MESSAGES } from './general-api-errors.js';
import { generalHoldRepository as holds } from './general-hold-repository.js';
import { generalReturnReason } from './general-return-reason.js';
import { paidTotalKopecks } from '../../receipt/positions.js';
import { roublesFromKopecks } from '../../receipt/money.js';
import { normalizePhone } from '../../locale/phone.js';
import {
  allowedTotalKopecks,
  discountAllowedLines,
  earningFullKopecks,
  withRestrictionNote,
} from '../../receipt/restrictions.js';
import { isAnonymous } from '../../loyalty/anonymous-receipt.js';

/** Minutes the provider holds points for a SPENDING recalc (its default is 10, its maximum 30). */
export const HOLD_MINUTES = 15;
/** A hold with less time left than this is not reused: the sale may come minutes after the recalc. */
const HOLD_REUSE_MARGIN_MS = 5 * 60_000;

export interface GeneralSale {
  customer: CustomerRef;
  retailStoreId?: string;
  /** Resolved when the sale arrived; absent when the store had no point then (support fixes settings, then retries). */
  point?: string;
  /**
   * Σ full line amounts of the lines that may be discounted or earn (restricted goods the owner lets
   * earn included): the provider awards points on it and applies the spend to it.
   */
  amountKopecks: number;
  paidKopecks: number;
  spend: number;
  holdId?: string;
  /** The recalc that made the hold, to link them in the transaction log. */
  holdRequestId?: string;
}

export interface GeneralReturn {
  customer?: CustomerRef;
  /** The returned goods at what the sale recorded for them (app/receipt/return-value.ts). */
  returnedKopecks: number;
  /** Returned lines whose goods the sale did not have. */
  unmatched?: number;
}

/**
 * The "general" REST loyalty API behind LoyaltyAPI (providers spec B). Search and balance go
 * through `client`, recalc through `recalc`, a SPENDING recalc holds the points and the sale spends
 * them with the hold through `retail`. 1 point = 1 ₽ (the seed's `spend` 100 of `amount` 100 leaves
 * `total` 0). The API has no refunds and no customer creation: returns go to support, creation
 * links an existing client or says what to do.
 */
export class GeneralBackend extends ProviderBackend {
  /** `retail` has no operation id: a sale sent twice would count twice. */
  readonly resendIsSafe = false;

  constructor(
    deps: ProviderBackendDeps,
    private readonly api: { till: GeneralApiClient; delivery: GeneralApiClient },
    private readonly now: () => number = Date.now,
  ) {
    super(deps, 'general', { name: 'Система лояльности', inName: 'в системе лояльности' });
  }

  /** At the point of the till's store (LoyaltyAPI sends retailStoreId since 2024-06-28). */
  async searchCustomers(_tenant: Tenant, search: string, retailStoreId?: string): Promise<CustomerView[]> {
    const key = searchKey(search);
    const point = this.point(retailStoreId);
    const client = await this.call('read', () => this.api.till.findClient({ search: key, point })).catch(
      (error: unknown) => {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      },
    );
    if (!client) return [];
    const found = foundCustomer(client, normalizePhone(key) ? undefined : key);
    return [customerView(this.customers.remember(found), found)];
  }

  async balance(_tenant: Tenant, ref: CustomerRef, retailStoreId?: string): Promise<number> {
    const { client } = await this.client(ref, this.point(retailStoreId));
    return client.level.type === 'discount' ? 0 : Math.floor(client.balance);
  }

  protected async lookup(
    ref: CustomerRef,
    point = this.point(),
    lane: CallLane = 'till',
  ): Promise<FoundCustomer | undefined> {
    const key = searchKeyOf(ref);
    if (!key) return undefined;
    const client = await this.call('read', () => this.api[lane].findClient({ search: key, point }), lane);
    return foundCustomer(client, ref.discountCardNumber);
  }

  /**
   * The provider sees only the lines points may discount: `amount` is their sum, and its spend or
   * discount level is spread over them; restricted lines keep their price.
   */
  protected async recalcWithProvider(request: RecalcRequest): Promise<RecalcResult> {
    const point = this.point(request.retailStoreId);
    const totalKopecks = allowedTotalKopecks(request.positions);
    const known = this.customers.known(request.agent);
    const previous = known
      ? holds.active(this.deps.db, { tenantId: this.deps.tenantId, point, clientId: known.providerId }, this.now())
      : undefined;
    // Our own earlier hold counts as available to this operation, not as held elsewhere.
    const hold = previous ? [previous.holdId] : undefined;
    const askRecalc = (clientId: string) =>
      this.call('read', () =>
        this.api.till.recalc({ client: clientId, point, amount: roublesFromKopecks(totalKopecks), hold }),
      );
    // With the mapping known, the client and the recalc are asked together: one round trip, not two.
    const [{ client, customer }, recalc] = known
      ? await Promise.all([this.client(request.agent, point, hold, known), askRecalc(known.providerId)])
      : await this.client(request.agent, point, hold).then(
          async (found) => [found, await askRecalc(found.client.id)] as const,
        );

    const discountLevel = recalc.type === 'discount';
    const balance = discountLevel ? 0 : Math.floor(client.balance);
    const spend =
      request.transactionType === 'SPENDING' && !discountLevel
        ? chosenSpend(
            request.preferredPointsToSpend,
            Math.min(Math.floor(recalc.spend), balance, Math.floor(totalKopecks / 100)),
          )
        : 0;
    await this.holdPoints({ point, clientId: customer.providerId, spend, previous });
    const earn = spend > 0 || discountLevel ? 0 : Math.floor(recalc.earn);
    // A discount level is a percentage off the receipt, not points: it becomes per-position discounts.
    const discountKopecks = discountLevel ? percentOf(totalKopecks, recalc.percent) : spend * 100;
    return {
      positions: discountAllowedLines(request.positions, discountKopecks),
      transactionType: request.transactionType,
      agentBonusBalance: balance,
      bonusValueToSpend: spend,
      bonusValueToEarn: earn,
      agentBonusBalanceAfter: balance - spend + earn,
      paidByBonusPointsKopecks: discountLevel ? 0 : discountKopecks,
      receiptExtraInfo: withRestrictionNote(receiptText(client, recalc, { balance, spend, earn }), request.positions),
      needVerification: false,
    };
  }

  protected saleEntry(request: SaleRequest): OutboxEntry | undefined {
    if (isAnonymous(request.agent)) return undefined;
    const customer = request.agent ?? {};
    const point = generalPointFor(this.deps.settings, request.retailStoreId);
    const known = this.customers.known(customer);
    const hold =
      point && known && request.pointsToSpend > 0
        ? holds.active(this.deps.db, { tenantId: this.deps.tenantId, point, clientId: known.providerId }, this.now())
        : undefined;
    const payload: GeneralSale = {
      customer,
      retailStoreId: request.retailStoreId,
      point,
      amountKopecks: earningFullKopecks(request.positions),
      paidKopecks: paidTotalKopecks(request.positions),
      spend: request.pointsToSpend,
      holdId: hold?.holdId,
      holdRequestId: hold?.requestId ?? undefined,
    };
    return this.saleDocument(request, payload);
  }

  /**
   * The API has no refund: the return is recorded for support with what to reverse by hand, valued by
   * what the sale recorded for the returned goods (only a sale we never recorded leaves the return's own).
   */
  protected returnEntry(request: ReturnRequest): OutboxEntry {
    const sale = this.saleOf(request.saleMsId);
    const value = this.returnValue(request, sale);
    const payload: GeneralReturn = {
      customer: request.agent,
      returnedKopecks: value ? value.paidKopecks : paidTotalKopecks(request.positions),
      unmatched: value?.unmatched ?? 0,
    };
    return this.returnDocument(
      request,
      sale,
      payload,
      generalReturnReason(sale, payload.returnedKopecks, payload.unmatched),
    );
  }

  /** A return noted before its sale was delivered learns the points to correct by hand from the sale's answer. */
  supportNoteAfterSale(entry: OutboxRow, sale: OutboxRow): string | undefined {
    if (entry.kind !== 'return') return undefined;
    const { returnedKopecks, unmatched } = this.payloadOf<GeneralReturn>(entry);
    return generalReturnReason(sale, returnedKopecks, unmatched);
  }

  async deliver(item: OutboxRow): Promise<DeliveryResult> {
    if (item.kind === 'return') {
      const { returnedKopecks, unmatched } = this.payloadOf<GeneralReturn>(item);
      throw new BusinessRuleError(
        generalReturnReason(this.saleOf(item.saleKey ?? undefined), returnedKopecks, unmatched),
      );
    }
    const sale = this.payloadOf<GeneralSale>(item);
    const point = sale.point ?? this.point(sale.retailStoreId);
    const customer = await beforeSending(
      this.locate(sale.customer, GENERAL_API_MESSAGES.clientNotFound, (ref) => this.lookup(ref, point, 'delivery')),
    );
    const retail = await this.call(
      'write',
      () =>
        this.api.delivery.retail({
          client: customer.providerId,
          point,
          amount: roublesFromKopecks(sale.amountKopecks),
          spend: sale.spend,
          hold: sale.holdId ? [sale.holdId] : undefined,
        }),
      'delivery',
    );
    if (sale.holdId) this.markHold(sale.holdId, 'used');
    return {
      pointsSpent: retail.spend ?? 0,
      pointsEarned: retail.earn ?? 0,
      answer: { ...retail, holdRequestId: sale.holdRequestId },
    };
  }

  /** The client record (balance, level) with the mapping refreshed. */
  private async client(
    ref: CustomerRef,
    point: string,
    hold?: string[],
    known = this.customers.known(ref),
  ): Promise<{ client: GeneralClient; customer: ProviderCustomer }> {
    const key = known ? (known.phone ?? known.cardNumber) : searchKeyOf(ref);
    if (!key) throw new NotFoundError(GENERAL_API_MESSAGES.clientNotFound);
    const client = await this.call('read', () => this.api.till.findClient({ search: key, point, hold }));
    const customer = this.customers.remember(
      foundCustomer(client, known?.cardNumber ?? ref.discountCardNumber),
      known ? undefined : ref.id,
    );
    return { client, customer };
  }

  /**
   * A SPENDING recalc holds its points; the previous hold of this client at this point is
   * superseded: reused when it holds the same amount with time to spare, released otherwise.
   */
  private async holdPoints(input: {
    point: string;
    clientId: string;
    spend: number;
    previous?: { id: number; holdId: string; amount: number; until: number };
  }): Promise<void> {
    const { point, clientId, spend, previous } = input;
    if (previous && previous.amount === spend && previous.until - this.now() > HOLD_REUSE_MARGIN_MS) return;
    if (previous) {
      await this.call('write', () => this.api.till.release(previous.holdId)).catch((error: unknown) => {
        // The hold expires by itself; a failed release must not block the till.
        this.deps.logger.warn('general hold release failed', { error });
      });
      this.markHold(previous.holdId, 'released', previous.id);
    }
    if (spend === 0) return;
    const held = await this.call('write', () =>
      this.api.till.hold({ client: clientId, point, amount: spend, duration: HOLD_MINUTES }),
    );
    holds.insert(this.deps.db, {
      holdId: held.id,
      tenantId: this.deps.tenantId,
      point,
      clientId,
      amount: held.amount,
      until: held.until * 1000,
      status: 'active',
      requestId: currentRequestContext()?.requestId ?? null,
      createdAt: new Date(this.now()),
    });
  }

  private markHold(holdId: string, status: 'used' | 'released', rowId?: number): void {
    if (rowId !== undefined) return holds.setStatus(this.deps.db, rowId, status);
    holds.setStatusByHoldId(this.deps.db, this.deps.tenantId, holdId, status);
  }

  /** The provider point for a МойСклад store (generalPointFor); a store without one is refused. */
  private point(retailStoreId?: string): string {
    const point = generalPointFor(this.deps.settings, retailStoreId);
    if (!point) throw new BusinessRuleError(GENERAL_API_MESSAGES.pointNotFound, { parameter: 'retailStore' });
    return point;
  }
}

/** A phone in the one form the provider stores (7XXXXXXXXXX); a card or app code as typed. */
function searchKey(search: string): string {
  return normalizePhone(search) ?? search.trim();
}

function searchKeyOf(ref: CustomerRef): string | undefined {
  if (ref.phone) return normalizePhone(ref.phone) ?? ref.phone;
  return ref.discountCardNumber;
}

function foundCustomer(client: GeneralClient, cardNumber?: string): FoundCustomer {
  return {
    providerId: client.id,
    name: client.name || client.phone || 'Клиент',
    phone: client.phone || undefined,
    email: client.email,
    cardNumber,
    // МойСклад's format is "YYYY-MM-DD HH:MM:SS"; the provider sends a date.
    birthDate:
      client.birthday && /^\d{4}-\d{2}-\d{2}$/.test(client.birthday) ? `${client.birthday} 00:00:00` : undefined,
  };
}

function chosenSpend(wanted: number | undefined, max: number): number {
  return Math.max(0, wanted === undefined ? max : Math.min(Math.floor(wanted), max));
}

/** percent of an amount in whole kopecks, half up; the percent may have decimals (7.5 %). */
function percentOf(kopecks: number, percent: number): number {
  const basisPoints = Math.round(percent * 100);
  return Math.min(kopecks, Math.floor((kopecks * basisPoints + 5000) / 10_000));
}

function receiptText(
  client: GeneralClient,
  recalc: GeneralRecalc,
  points: { balance: number; spend: number; earn: number },
): string {
  if (recalc.type === 'discount') {
    // A level often is just called «Скидка»: the receipt then reads «Скидка 5 %.», not «Скидка: скидка 5 %.».
    const level = client.level.title.trim();
    return /^скидка$/i.test(level) || level === ''
      ? `Скидка ${recalc.percent} %.`
      : `${level}: скидка ${recalc.percent} %.`;
  }
  return `${client.level.title} (${recalc.percent} %). Баллов было: ${points.balance}. Списано: ${points.spend}. Начислится: ${points.earn}.`;
}
