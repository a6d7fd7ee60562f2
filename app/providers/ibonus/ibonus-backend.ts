import type { OutboxRow, ProviderCustomer, Tenant } from '../../../db/schema/index.js';
import { BusinessRuleError, NotFoundError } from '../../errors.js';
import type {
  CustomerRef,
  CustomerView,
  RecalcRequest,
  RecalcResult,
  ReturnRequest,
  SaleRequest,
} from '../../loyalty/backend.js';
import type { DeliveryResult, OutboxEntry } from '../../outbox/outbox-delivery.js';
import type { IBonusSettings } from './ibonus-settings.js';
import { beforeSending } from '../../outbox/failure-kind.js';
import { ProviderBackend, type ProviderBackendDeps } from '../provider-backend.js';
import type { CallLane } from '../resilience.js';
import { customerView, type FoundCustomer } from '../provider-customers.js';
import type {
  FindClientsQuery,
  IBonusClient,
  IBonusCoupon,
  IBonusCustomer,
  IBonusOrder,
  IBonusOrderItem,
} from './ibonus-client.js';
import { IBONUS_CLIENT_NOT_FOUND_MESSAGE } from './ibonus-errors.js';
import type { DiscountedPosition } from '../../receipt/positions.js';
import { roublesFromKopecks } from '../../receipt/money.js';
import { normalizePhone } from '../../locale/phone.js';
import { kopecksForPoints, pointsToSpend, type SpendRules } from '../../receipt/points.js';
import { allowedTotalKopecks, discountAllowedLines, withRestrictionNote } from '../../receipt/restrictions.js';
import { isAnonymous } from '../../loyalty/anonymous-receipt.js';

const SEARCH_LIMIT = 20;
const COUPONS_ON_RECEIPT = 5;

export interface IBonusOutboxOrder {
  customer?: CustomerRef;
  /** The order without the customer's contact, which is looked up when it is sent. */
  order: IBonusOrder;
  /** Points to spend (sales only). */
  amount: number;
}

export const IBONUS_SEARCH_HINT =
  'i-bonus ищет покупателей только по телефону или e-mail. Введите номер телефона или адрес почты.';
export const IBONUS_EARN_TEXT = 'Баллы за покупку начислит i-bonus после оплаты.';

/**
 * i-bonus.me behind LoyaltyAPI (providers spec C). Search by phone or e-mail, balance in points,
 * recalc computed here from the balance and the tenant's limits (i-bonus has no recalc call, so the
 * points it will award are not known in advance and are never guessed), sales and refunds as
 * fiscal orders whose externalId is our sale key. Coupons are listed on the receipt.
 */
export class IBonusBackend extends ProviderBackend {
  /**
   * An order carries our sale key as its externalId, but the seeds never promise that i-bonus ignores a
   * repeat. An order of unknown outcome is sent again by itself only when the operator states that it
   * does (IBONUS_DEDUPLICATES_EXTERNAL_ID); otherwise it goes to support, like the general API's.
   */
  readonly resendIsSafe: boolean;
  private readonly rules: SpendRules;

  constructor(
    deps: ProviderBackendDeps,
    private readonly api: { till: IBonusClient; delivery: IBonusClient },
    settings: IBonusSettings,
    options: { deduplicatesExternalId?: boolean } = {},
  ) {
    super(deps, 'ibonus', { name: 'i-bonus', inName: 'в i-bonus' });
    this.resendIsSafe = options.deduplicatesExternalId ?? false;
    // The spend limits mean what the ledger's mean, so the same exact points arithmetic applies.
    this.rules = {
      active: true,
      maxPaidRatePercents: settings.maxPaidRatePercents,
      spendRatePointsToRouble: settings.spendRatePointsToRouble,
    };
  }

  async searchCustomers(_tenant: Tenant, search: string): Promise<CustomerView[]> {
    const query = searchQuery(search);
    if (!query) throw new BusinessRuleError(IBONUS_SEARCH_HINT, { parameter: 'search' });
    const clients = await this.call('read', () => this.api.till.findClients({ ...query, limit: SEARCH_LIMIT }));
    return clients.map((client) => customerView(this.customers.remember(foundCustomer(client))));
  }

  async balance(_tenant: Tenant, ref: CustomerRef): Promise<number> {
    const customer = await this.locate(ref, IBONUS_CLIENT_NOT_FOUND_MESSAGE);
    const balance = await this.call('read', () => this.api.till.balance(customer.providerId));
    return Math.floor(balance.points);
  }

  protected async lookup(ref: CustomerRef, lane: CallLane = 'till'): Promise<FoundCustomer | undefined> {
    const phone = ref.phone ? normalizePhone(ref.phone) : null;
    const query: FindClientsQuery | undefined = phone
      ? { phone: `%${phone.slice(1)}` }
      : ref.email
        ? { email: ref.email.toLowerCase() }
        : undefined;
    if (!query) return undefined;
    const [client] = await this.call('read', () => this.api[lane].findClients({ ...query, limit: 1 }), lane);
    return client ? foundCustomer(client) : undefined;
  }

  protected async recalcWithProvider(request: RecalcRequest): Promise<RecalcResult> {
    const customer = await this.locate(request.agent, IBONUS_CLIENT_NOT_FOUND_MESSAGE);
    const [balance, coupons] = await Promise.all([
      this.call('read', () => this.api.till.balance(customer.providerId)),
      // Coupons only decorate the receipt: without them the sale goes on.
      this.call('read', () => this.api.till.coupons(customer.providerId)).catch((error: unknown) => {
        this.deps.logger.warn('i-bonus coupons unavailable', { error });
        return [] as IBonusCoupon[];
      }),
    ]);
    const points = Math.max(0, Math.floor(balance.points));
    // Points may pay only for the lines they may discount, and at most the tenant's share of those.
    const allowedKopecks = allowedTotalKopecks(request.positions);
    const spend =
      request.transactionType === 'SPENDING'
        ? pointsToSpend(request.preferredPointsToSpend, points, allowedKopecks, this.rules)
        : 0;
    const discountKopecks = kopecksForPoints(spend, this.rules);
    return {
      positions: discountAllowedLines(request.positions, discountKopecks),
      transactionType: request.transactionType,
      agentBonusBalance: points,
      bonusValueToSpend: spend,
      // i-bonus decides what it awards when it receives the sale; we do not invent a number.
      bonusValueToEarn: 0,
      agentBonusBalanceAfter: points - spend,
      paidByBonusPointsKopecks: discountKopecks,
      receiptExtraInfo: withRestrictionNote(
        [`Баланс i-bonus: ${points} баллов. Списано: ${spend}.`, IBONUS_EARN_TEXT, couponText(coupons)]
          .filter(Boolean)
          .join('\n'),
        request.positions,
      ),
      needVerification: false,
    };
  }

  protected saleEntry(request: SaleRequest): OutboxEntry | undefined {
    if (isAnonymous(request.agent)) return undefined;
    const payload: IBonusOutboxOrder = {
      customer: request.agent,
      order: {
        receiptType: 'sale',
        amountCash: roublesFromKopecks(request.cashKopecks),
        amountCard: roublesFromKopecks(request.noCashKopecks),
        externalId: request.saleKey,
        items: orderItems(request.positions),
      },
      amount: request.pointsToSpend,
    };
    return this.saleDocument(request, payload);
  }

  /**
   * A refund order with the sale's externalId: i-bonus takes back what it awarded and returns what was
   * spent. Its items are the sale's own order items for the returned goods, quantities capped at what
   * was sold (app/receipt/return-value.ts); only a sale we never sent leaves the return's items.
   */
  protected returnEntry(request: ReturnRequest): OutboxEntry {
    const sale = this.saleOf(request.saleMsId);
    const value = this.returnValue(request, sale);
    const soldItems = (sale?.payload as IBonusOutboxOrder | undefined)?.order.items ?? [];
    const items = value
      ? value.lines.flatMap(({ index, quantityMilli }) =>
          soldItems[index] ? [{ ...soldItems[index], quantity: quantityMilli / 1000 }] : [],
        )
      : orderItems(request.positions);
    const payload: IBonusOutboxOrder = {
      customer: request.agent,
      order: {
        receiptType: 'refund',
        amountCash: roublesFromKopecks(request.cashKopecks),
        amountCard: roublesFromKopecks(request.noCashKopecks),
        externalId: request.saleMsId ?? '',
        items,
      },
      amount: 0,
    };
    const unlinked =
      'Возврат пришёл без ссылки на продажу, а i-bonus находит продажу только по её номеру (externalId). Поправьте баллы покупателя в i-bonus вручную.';
    const nothingSold = `В продаже ${sale?.documentName ?? request.saleMsId} нет товаров этого возврата (или они уже возвращены): возвращать в i-bonus нечего. Проверьте возврат и при необходимости поправьте баллы вручную.`;
    const support = !request.saleMsId ? unlinked : value && items.length === 0 ? nothingSold : undefined;
    return this.returnDocument(request, sale, payload, support);
  }

  async deliver(item: OutboxRow): Promise<DeliveryResult> {
    const { customer, order, amount } = this.payloadOf<IBonusOutboxOrder>(item);
    const contact = await beforeSending(this.contactOf(customer, amount > 0));
    await this.call(
      'write',
      () =>
        this.api.delivery.createOrder({
          order: { ...order, ...contact },
          ...(amount > 0 ? { amount, currency: 'points' as const } : {}),
        }),
      'delivery',
    );
    // i-bonus answers a bare 200: what it awarded is not told, so it is not claimed.
    return {
      pointsSpent: amount,
      answer: { accepted: true, externalId: order.externalId, receiptType: order.receiptType },
    };
  }

  /**
   * Who the order is for: i-bonus knows customers by phone or e-mail. A sale that spends needs the
   * customer to exist in i-bonus; one that only earns is sent with the till's contact and i-bonus decides.
   */
  private async contactOf(
    ref: CustomerRef | undefined,
    mustExist: boolean,
  ): Promise<Pick<IBonusOrder, 'customerPhone' | 'customerEmail'>> {
    let found: ProviderCustomer | undefined;
    try {
      found = ref
        ? await this.locate(ref, IBONUS_CLIENT_NOT_FOUND_MESSAGE, (r) => this.lookup(r, 'delivery'))
        : undefined;
    } catch (error) {
      if (!(error instanceof NotFoundError) || mustExist) throw error;
    }
    const phone = found?.phone ?? (ref?.phone ? normalizePhone(ref.phone) : null);
    const email = found?.email ?? ref?.email?.toLowerCase();
    if (mustExist && !found) throw new NotFoundError(IBONUS_CLIENT_NOT_FOUND_MESSAGE);
    return { ...(phone ? { customerPhone: phone } : {}), ...(email ? { customerEmail: email } : {}) };
  }
}

/** A full phone, or five or more digits of one (`%` around them), or an e-mail; names and cards cannot be searched. */
function searchQuery(search: string): FindClientsQuery | undefined {
  const text = search.trim();
  // Addresses are matched lower-cased: people type them in any case.
  const email = text.toLowerCase();
  if (email.includes('@')) return { email: email.includes('%') ? email : `%${email}%` };
  const phone = normalizePhone(text);
  if (phone) return { phone: `%${phone.slice(1)}` };
  const digits = text.replace(/[\s()+-]/g, '');
  return /^\d{5,}$/.test(digits) ? { phone: `%${digits}%` } : undefined;
}

function foundCustomer(client: IBonusCustomer): FoundCustomer {
  return {
    providerId: String(client.id),
    name: client.name || client.phone || client.email || `Клиент i-bonus ${client.id}`,
    phone: client.phone ?? undefined,
    email: client.email ?? undefined,
  };
}

/** Full prices: the points spent travel separately as the order's `amount`. */
function orderItems(positions: DiscountedPosition[]): IBonusOrderItem[] {
  return positions.map((position, index) => {
    const assortment = position.echo.assortment as { meta?: { id?: string }; name?: unknown } | undefined;
    const vat = position.echo.vat;
    return {
      ...(assortment?.meta?.id ? { Id: assortment.meta.id } : {}),
      price: roublesFromKopecks(position.priceKopecks),
      quantity: position.quantityMilli / 1000,
      // МойСклад does not send the unit of measure to LoyaltyAPI.
      unit: 'piece',
      ...(typeof vat === 'number' ? { vat } : {}),
      name: typeof assortment?.name === 'string' && assortment.name ? assortment.name : `Позиция ${index + 1}`,
    };
  });
}

function couponText(coupons: IBonusCoupon[]): string | undefined {
  if (coupons.length === 0) return undefined;
  const shown = coupons.slice(0, COUPONS_ON_RECEIPT).map((coupon) => {
    const title = coupon.header || coupon.title || `№ ${coupon.id}`;
    const until = coupon.expireDate
      ? ` до ${new Date(coupon.expireDate).toLocaleDateString('ru-RU', { timeZone: 'Europe/Moscow' })}`
      : '';
    return `${title}${until}`;
  });
  const more = coupons.length > shown.length ? ` и ещё ${coupons.length - shown.length}` : '';
  return `Купоны: ${shown.join('; ')}${more}.`;
}
