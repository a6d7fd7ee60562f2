import type { AxiosInstance } from 'axios';
import { createHttpClient } from '../../http/outbound-client.js';
import { PUBLIC_ONLY, type OutboundGuard } from '../../http/outbound-guard.js';
import type { Logger } from '../../logging/logger.js';
import type { TransactionLog } from '../../txlog/transaction-log.js';
import { malformedAnswer, refusalFromBody, toGeneralApiError } from './general-api-errors.js';

export type LoyaltyType = 'cashback' | 'discount';

export interface GeneralLevel {
  id: string;
  title: string;
  percent: number;
  type: LoyaltyType;
  /** Most of a receipt that points may pay, in percent (cashback levels). */
  maxSpendPercent: number;
}

export interface GeneralClient {
  id: string;
  name: string;
  photo?: string;
  birthday?: string;
  level: GeneralLevel;
  /** The seed sends the phone as a number; kept as digits in a string so it is never rounded or summed. */
  phone: string;
  email?: string;
  /** Always 0 for discount levels. */
  balance: number;
}

export interface GeneralRecalc {
  amount: number;
  percent: number;
  type: LoyaltyType;
  /** Most points the client may spend in this operation. */
  spend: number;
  /** Points earned if nothing is spent. */
  earn: number;
}

export interface GeneralHold {
  id: string;
  /** Unix time (seconds) the points stay held until. */
  until: number;
  amount: number;
}

export interface GeneralRetail {
  amount: number;
  /** Paid in money. */
  total: number;
  percent: number;
  type: LoyaltyType;
  /** Present when points were spent. */
  spend?: number;
  /** Present when points were earned (spend was 0). */
  earn?: number;
}

export interface GeneralApiClientOptions {
  baseURL: string;
  apiKey: string;
  logger: Logger;
  txlog?: TransactionLog;
  /** Whole-call budget; default 3000 ms, since a cashier waits on every call. */
  timeoutMs?: number;
  /** The tenant typed the address: public addresses only, unless the operator's guard allows more. */
  guard?: OutboundGuard;
}

const PATHS = {
  client: '/integration/general/client',
  recalc: '/integration/general/recalc',
  hold: '/integration/general/bonuses/hold',
  release: '/integration/general/bonuses/release',
  retail: '/integration/general/retail',
} as const;

/**
 * The "general" REST loyalty API (providers spec, section B). Every failure becomes a typed
 * AppError with a Russian message; the client never retries — callers wrap calls in
 * ProviderResilience.execute (reads: findClient, recalc; writes: hold, release, retail).
 */
export class GeneralApiClient {
  private readonly http: AxiosInstance;

  constructor(options: GeneralApiClientOptions) {
    this.http = createHttpClient({
      name: 'general-api',
      kind: 'provider',
      destination: 'tenant',
      guard: options.guard ?? PUBLIC_ONLY,
      baseURL: options.baseURL,
      timeoutMs: options.timeoutMs ?? 3000,
      logger: options.logger,
      txlog: options.txlog,
      headers: { apikey: options.apiKey, 'Content-Type': 'application/json' },
      secrets: [options.apiKey],
      // `success: false` and shapeless bodies arrive with 200; the transaction log should not call them ok.
      isExpectedAnswer: (data) => field(data, 'success') === true,
    });
  }

  /** `search` is a phone, card number or app code; `hold` lists holds to count in the balance. */
  async findClient(input: { search: string; point: string; hold?: string[] }): Promise<GeneralClient> {
    const body = await this.post('findClient', PATHS.client, input);
    const client = field(body, 'client');
    const level = field(client, 'level');
    if (!isString(field(client, 'id')) || !isLevel(level) || !isNumber(field(client, 'balance'))) {
      throw malformedAnswer(body, 'findClient');
    }
    const c = client as Record<string, unknown>;
    return {
      id: c.id as string,
      name: isString(c.name) ? c.name : '',
      photo: isString(c.photo) ? c.photo : undefined,
      birthday: isString(c.birthday) ? c.birthday : undefined,
      level,
      phone: isString(c.phone) || isNumber(c.phone) ? String(c.phone) : '',
      email: isString(c.email) ? c.email : undefined,
      balance: c.balance as number,
    };
  }

  async recalc(input: { client: string; point: string; amount: number; hold?: string[] }): Promise<GeneralRecalc> {
    const body = await this.post('recalc', PATHS.recalc, input);
    const recalc = field(body, 'recalc');
    if (!hasNumbers(recalc, ['amount', 'percent', 'spend', 'earn']) || !isLoyaltyType(field(recalc, 'type'))) {
      throw malformedAnswer(body, 'recalc');
    }
    return pick(recalc as GeneralRecalc, ['amount', 'percent', 'type', 'spend', 'earn']);
  }

  /** `duration` in minutes: the provider's default is 10, its maximum 30. */
  async hold(input: { client: string; point: string; amount: number; duration?: number }): Promise<GeneralHold> {
    const body = await this.post('hold', PATHS.hold, input);
    const held = field(body, 'held');
    if (!isString(field(held, 'id')) || !hasNumbers(held, ['until', 'amount'])) throw malformedAnswer(body, 'hold');
    return pick(held as GeneralHold, ['id', 'until', 'amount']);
  }

  /** Succeeds also when there is no such hold, per the seed. */
  async release(id: string): Promise<void> {
    await this.post('release', PATHS.release, { id });
  }

  /** `spend` = 0 earns points instead of spending them. */
  async retail(input: {
    client: string;
    point: string;
    amount: number;
    spend: number;
    hold?: string[];
  }): Promise<GeneralRetail> {
    const body = await this.post('retail', PATHS.retail, input);
    const retail = field(body, 'retail');
    if (!hasNumbers(retail, ['amount', 'total', 'percent']) || !isLoyaltyType(field(retail, 'type'))) {
      throw malformedAnswer(body, 'retail');
    }
    const r = retail as Record<string, unknown>;
    const spend = isNumber(r.spend) ? r.spend : undefined;
    const earn = isNumber(r.earn) ? r.earn : undefined;
    if (spend === undefined && earn === undefined) throw malformedAnswer(body, 'retail');
    return { ...pick(retail as GeneralRetail, ['amount', 'total', 'percent', 'type']), spend, earn };
  }

  private async post(action: string, path: string, payload: object): Promise<unknown> {
    let data: unknown;
    try {
      data = (await this.http.post(path, withoutUndefined(payload))).data;
    } catch (error) {
      throw toGeneralApiError(error, action);
    }
    if (field(data, 'success') === true) return data;
    if (field(data, 'success') === false) throw refusalFromBody(data, action);
    throw malformedAnswer(data, action);
  }
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isLoyaltyType(value: unknown): value is LoyaltyType {
  return value === 'cashback' || value === 'discount';
}

function hasNumbers(value: unknown, names: string[]): boolean {
  return names.every((name) => isNumber(field(value, name)));
}

function isLevel(value: unknown): value is GeneralLevel {
  return isString(field(value, 'id')) && isLoyaltyType(field(value, 'type')) && isNumber(field(value, 'percent'));
}

function pick<T extends object, K extends keyof T>(value: T, keys: K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const key of keys) out[key] = value[key];
  return out;
}

/** Optional inputs left undefined are not sent, so the provider applies its own defaults. */
function withoutUndefined(payload: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined));
}
