import type { AxiosInstance } from 'axios';
import { createHttpClient } from '../../http/outbound-client.js';
import { PUBLIC_ONLY, type OutboundGuard } from '../../http/outbound-guard.js';
import type { Logger } from '../../logging/logger.js';
import type { TransactionLog } from '../../txlog/transaction-log.js';
import { malformedIBonusAnswer, toIBonusError, type IBonusCallContext } from './ibonus-errors.js';

export interface IBonusClientOptions {
  baseURL: string;
  login: string;
  password: string;
  logger: Logger;
  txlog?: TransactionLog;
  /** A cashier waits on these calls at the till; 3 s keeps the checkout moving. */
  timeoutMs?: number;
  /** The tenant typed the address: public addresses only, unless the operator's guard allows more. */
  guard?: OutboundGuard;
}

export type IBonusClientId = number | string;

/** One i-bonus client as `GET /clients/` lists it. Only `id` is relied upon. */
export interface IBonusCustomer {
  id: IBonusClientId;
  email?: string | null;
  phone?: string | null;
  name?: string | null;
  avatarUrl?: string | null;
  paidPurchases?: number;
  totalPurchases?: number;
  averageBill?: number;
  totalPurchasesAmount?: number;
  paidPurchasesAmount?: number;
  positiveReviews?: number;
  neutralReviews?: number;
  negativeReviews?: number;
  token?: string;
}

export interface IBonusCoupon {
  id: number | string;
  title?: string | null;
  header?: string | null;
  subHeader?: string | null;
  shortDescription?: string | null;
  longDescription?: string | null;
  /** Valid until, ms since epoch. */
  expireDate?: number;
  token?: string;
  shareToken?: string;
  merchantToken?: string;
  merchantShareToken?: string;
}

export interface IBonusBalance {
  points: number;
  rubles: number;
}

export interface FindClientsQuery {
  /** `%` stands for any part of the number. */
  phone?: string;
  /** `%` stands for any part of the address. */
  email?: string;
  offset?: number;
  limit?: number;
}

export type IBonusUnit = 'piece' | 'kg' | 'g' | 'L' | 'ml';

export interface IBonusOrderItem {
  Id?: string | number;
  price: number;
  quantity: number;
  unit: IBonusUnit;
  /** VAT rate in percent; left out when МойСклад did not tell us. */
  vat?: number;
  name: string;
}

export interface IBonusOrder {
  receiptType: 'sale' | 'refund';
  amountCard?: number;
  amountCash?: number;
  customerEmail?: string;
  customerPhone?: string;
  /** Our receipt key; a refund names the sale it reverses by the same externalId. */
  externalId: string;
  items: IBonusOrderItem[];
}

export interface CreateOrderRequest {
  order: IBonusOrder;
  /** Points to spend. */
  amount?: number;
  currency?: 'points' | 'rubles';
  coupons?: Array<number | string>;
}

const API = '/ext/api/v1';

/**
 * i-bonus.me REST API. Every call carries HTTP Basic auth. The client never retries: callers wrap
 * reads (findClients, coupons, balance) and the write (createOrder) in ProviderResilience.
 */
export class IBonusClient {
  private readonly http: AxiosInstance;

  constructor(options: IBonusClientOptions) {
    this.http = createHttpClient({
      name: 'ibonus',
      kind: 'provider',
      destination: 'tenant',
      guard: options.guard ?? PUBLIC_ONLY,
      baseURL: options.baseURL,
      timeoutMs: options.timeoutMs ?? 3000,
      logger: options.logger,
      txlog: options.txlog,
      headers: { Accept: 'application/json', 'Content-Type': 'application/json; charset=utf-8' },
      secrets: [options.login, options.password],
      // Every read answers a JSON array; a 200 with anything else is logged as failed, not ok.
      isExpectedAnswer: (data, config) => config.method !== 'get' || Array.isArray(data),
    });
    this.http.defaults.auth = { username: options.login, password: options.password };
  }

  async findClients(query: FindClientsQuery = {}): Promise<IBonusCustomer[]> {
    const action = 'поиск клиента';
    const params: Record<string, string | number> = {};
    if (query.phone !== undefined) params.phone = query.phone;
    if (query.email !== undefined) params.email = query.email;
    if (query.offset !== undefined) params.offset = query.offset;
    if (query.limit !== undefined) params.limit = query.limit;
    const data = await this.call({ action }, () => this.http.get<unknown>(`${API}/clients/`, { params }));
    return arrayOf<IBonusCustomer>(data, action, hasId);
  }

  async coupons(clientId: IBonusClientId): Promise<IBonusCoupon[]> {
    const action = 'получение купонов клиента';
    const data = await this.call({ action, clientPath: true }, () =>
      this.http.get<unknown>(`${clientPath(clientId)}/coupons/`),
    );
    return arrayOf<IBonusCoupon>(data, action, hasId);
  }

  /** What the client may spend now. A currency i-bonus leaves out counts as 0. */
  async balance(clientId: IBonusClientId): Promise<IBonusBalance> {
    const action = 'получение баланса клиента';
    const data = await this.call({ action, clientPath: true }, () =>
      this.http.get<unknown>(`${clientPath(clientId)}/balance/`),
    );
    const entries = arrayOf<{ amount: number; currency: string }>(
      data,
      action,
      (entry) =>
        typeof entry.currency === 'string' && typeof entry.amount === 'number' && Number.isFinite(entry.amount),
    );
    const sum = (currency: string) =>
      entries.filter((entry) => entry.currency === currency).reduce((total, entry) => total + entry.amount, 0);
    return { points: sum('points'), rubles: sum('rubles') };
  }

  /**
   * Sends a fiscal receipt: a `sale` spends `amount` and redeems `coupons`, a `refund` with the
   * sale's externalId reverses it. i-bonus answers a bare 200, so the body is not parsed.
   */
  async createOrder(request: CreateOrderRequest): Promise<void> {
    await this.call(
      { action: request.order.receiptType === 'refund' ? 'отправка чека возврата' : 'отправка чека продажи' },
      () => this.http.post<unknown>(`${API}/fiscal/orders/`, request, { responseType: 'text' }),
    );
  }

  private async call<T>(context: IBonusCallContext, request: () => Promise<{ data: T }>): Promise<T> {
    try {
      return (await request()).data;
    } catch (error) {
      throw toIBonusError(error, context);
    }
  }
}

function clientPath(clientId: IBonusClientId): string {
  return `${API}/clients/${encodeURIComponent(String(clientId))}`;
}

function hasId(entry: Record<string, unknown>): boolean {
  return typeof entry.id === 'number' || (typeof entry.id === 'string' && entry.id !== '');
}

/** A JSON body that parsed but is not the documented array is as useless as one that did not parse. */
function arrayOf<T>(data: unknown, action: string, valid: (entry: Record<string, unknown>) => boolean): T[] {
  if (!Array.isArray(data)) throw malformedIBonusAnswer(action, 'expected an array');
  for (const entry of data) {
    if (!entry || typeof entry !== 'object' || Array.isArray(entry) || !valid(entry as Record<string, unknown>)) {
      throw malformedIBonusAnswer(action, 'unexpected array entry');
    }
  }
  return data as T[];
}
