import { AxiosError, type AxiosInstance } from 'axios';
import type { Logger } from '../logging/logger.js';
import { createHttpClient } from '../http/outbound-client.js';
import type { TransactionLog } from '../txlog/transaction-log.js';
import { signVendorToken } from './moysklad-jwt.js';
import { toMoyskladError } from './moysklad-errors.js';
import { JsonApiLimits } from './json-api-limits.js';
import { moyskladMoment } from './json-api-moment.js';

export type AppStatus = 'Activating' | 'SettingsRequired' | 'Activated';

export interface LoyaltySettings {
  url: string;
  token: string;
  externalSearch: boolean;
}

/** The employee who opened the iframe (subset of JSON API context/employee). */
export interface EmployeeContext {
  id: string;
  accountId: string;
  uid?: string;
  fullName?: string;
  shortFio?: string;
  email?: string;
  permissions?: { admin?: { view?: string } } & Record<string, unknown>;
  [key: string]: unknown;
}

export interface MoyskladClientOptions {
  appId: string;
  appUid: string;
  secretKey: string;
  vendorApiUrl: string;
  jsonApiUrl: string;
  logger: Logger;
  txlog?: TransactionLog;
  /** A store owner waits on these calls in the iframe; 8 s is patient but bounded. */
  timeoutMs?: number;
  /** Parallel requests and 429 retries per access token (JsonApiLimits' defaults otherwise). */
  jsonApiLimits?: JsonApiLimits;
}

/** A JSON API entity as МойСклад sends it; app/catalog reads the fields it needs. */
export type JsonApiRow = Record<string, unknown>;

/** The entities whose lists we page through. */
export type ListedEntity = 'product' | 'variant' | 'productfolder';
/** Goods a receipt line may name (assortment meta.type). */
export type AssortmentEntity = 'product' | 'variant' | 'service' | 'bundle';

/** A caller's budget as axios' timeout: whole milliseconds, as AbortSignal.timeout demands. */
function budgetTimeout(budgetMs: number | undefined): { timeout?: number } {
  return budgetMs === undefined ? {} : { timeout: Math.max(1, Math.floor(budgetMs)) };
}

/** A JSON API list page holds at most 1000 rows (`_restrictions.md`). */
export const JSON_API_PAGE = 1000;
/** The largest page the JSON API expands nested entities on. */
export const RETAIL_DEMAND_EXPAND_PAGE = 100;
/** A full page of goods can be several megabytes and slow; nobody waits on these background reads. */
const LIST_PAGE = { timeout: 60_000, maxContentLength: 64 * 1024 * 1024 };

/** МойСклад's side of the Vendor API, plus the few JSON API reads we need. */
export class MoyskladClient {
  private readonly vendor: AxiosInstance;
  private readonly jsonApi: AxiosInstance;
  private readonly limits: JsonApiLimits;

  constructor(private readonly options: MoyskladClientOptions) {
    const timeoutMs = options.timeoutMs ?? 8000;
    this.vendor = createHttpClient({
      name: 'moysklad-vendor',
      kind: 'moysklad',
      destination: 'operator',
      baseURL: options.vendorApiUrl,
      timeoutMs,
      logger: options.logger,
      txlog: options.txlog,
      // The contextKey opens an employee's session: it stays out of logs even after it is spent.
      describePath: (path) => path.replace(/^\/context\/[^/?]+/, '/context/{contextKey}'),
    });
    this.vendor.interceptors.request.use(async (config) => {
      config.headers.set('Authorization', `Bearer ${await signVendorToken(options.appUid, options.secretKey)}`);
      return config;
    });
    this.limits = options.jsonApiLimits ?? new JsonApiLimits();
    this.jsonApi = createHttpClient({
      name: 'moysklad-json',
      kind: 'moysklad',
      destination: 'operator',
      baseURL: options.jsonApiUrl,
      timeoutMs,
      logger: options.logger,
      txlog: options.txlog,
    });
  }

  private appPath(accountId: string): string {
    return `/apps/${encodeURIComponent(this.options.appId)}/${encodeURIComponent(accountId)}`;
  }

  private async call<T>(action: string, request: () => Promise<{ data: T }>): Promise<T> {
    try {
      return (await request()).data;
    } catch (error) {
      throw toMoyskladError(error, action);
    }
  }

  async getStatus(accountId: string): Promise<{ status: string; [key: string]: unknown }> {
    return this.call('получение статуса', () => this.vendor.get(`${this.appPath(accountId)}/status`));
  }

  async setStatus(accountId: string, status: AppStatus): Promise<void> {
    await this.call('смена статуса', () => this.vendor.put(`${this.appPath(accountId)}/status`, { status }));
  }

  async putLoyaltySettings(accountId: string, settings: LoyaltySettings): Promise<void> {
    await this.call('передача настроек лояльности', () =>
      this.vendor.put(`${this.appPath(accountId)}/loyalty`, settings),
    );
  }

  async patchLoyaltySettings(accountId: string, changes: Partial<LoyaltySettings>): Promise<void> {
    await this.call('изменение настроек лояльности', () =>
      this.vendor.patch(`${this.appPath(accountId)}/loyalty`, changes),
    );
  }

  /** One-time: a second exchange of the same key answers 409. */
  async exchangeContextKey(contextKey: string): Promise<EmployeeContext> {
    return this.call('получение контекста', () => this.vendor.post(`/context/${encodeURIComponent(contextKey)}`));
  }

  async listBonusPrograms(accessToken: string): Promise<Array<Record<string, unknown>>> {
    const page = await this.call<{ rows?: Array<Record<string, unknown>> }>('чтение бонусных программ', () =>
      this.jsonApi.get('/entity/bonusprogram', { headers: { Authorization: `Bearer ${accessToken}` } }),
    );
    return page.rows ?? [];
  }

  async listRetailStores(accessToken: string): Promise<Array<{ id: string; name: string }>> {
    const page = await this.call<{ rows?: Array<{ id: string; name: string }> }>('чтение точек продаж', () =>
      this.jsonApi.get('/entity/retailstore', { headers: { Authorization: `Bearer ${accessToken}` } }),
    );
    return (page.rows ?? []).map((row) => ({ id: row.id, name: row.name }));
  }

  /** One page of a list, `limit` 1000 from `offset`; `size` is the list's total. */
  async listPage(
    accessToken: string,
    entity: ListedEntity,
    offset: number,
    filter?: string,
  ): Promise<{ rows: JsonApiRow[]; size: number }> {
    const params = { limit: JSON_API_PAGE, offset, ...(filter ? { filter } : {}) };
    const page = await this.jsonApiRead<{ rows?: JsonApiRow[]; meta?: { size?: number } }>(
      accessToken,
      `чтение списка ${entity}`,
      (headers) => this.jsonApi.get(`/entity/${entity}`, { headers, params, ...LIST_PAGE }),
    );
    const rows = page.rows ?? [];
    return { rows, size: page.meta?.size ?? offset + rows.length };
  }

  /**
   * One page (1000 from `offset`, oldest first) of the account's applied retail sales (`retaildemand`)
   * whose moment is in [fromMs, untilMs): the sales history tiers are seeded from. Each row names its
   * counterparty (`agent`) and its `sum` in kopecks (`_retaildemand.md`).
   */
  async listRetailDemands(
    accessToken: string,
    range: { fromMs: number; untilMs: number },
    offset: number,
  ): Promise<{ rows: JsonApiRow[]; size: number }> {
    return this.retailDemandPage(accessToken, range, { limit: JSON_API_PAGE, offset });
  }

  /**
   * One page of applied retail sales like listRetailDemands, with each sale's positions (`expand`):
   * the JSON API expands only pages of at most 100 (`_general.md`, «Замена ссылок объектами с помощью
   * expand»), so a page holds 100 sales. `agent`: the counterparty in place too (its name, tags and birth
   * date), as the what-if reads it.
   */
  async listRetailDemandsWithPositions(
    accessToken: string,
    range: { fromMs: number; untilMs: number },
    offset: number,
    options: { agent?: boolean } = {},
  ): Promise<{ rows: JsonApiRow[]; size: number }> {
    const expand = options.agent ? 'positions,agent' : 'positions';
    return this.retailDemandPage(accessToken, range, { limit: RETAIL_DEMAND_EXPAND_PAGE, offset, expand });
  }

  /** One page of applied retail sales in [fromMs, untilMs), oldest first, with `page`'s limit, offset and expand. */
  private async retailDemandPage(
    accessToken: string,
    range: { fromMs: number; untilMs: number },
    page: { limit: number; offset: number; expand?: string },
  ): Promise<{ rows: JsonApiRow[]; size: number }> {
    const params = {
      ...page,
      filter: `moment>=${moyskladMoment(range.fromMs)};moment<${moyskladMoment(range.untilMs)};applicable=true`,
      // A stable order, so that offsets page through the same list.
      order: 'moment,asc;id,asc',
    };
    const read = await this.jsonApiRead<{ rows?: JsonApiRow[]; meta?: { size?: number } }>(
      accessToken,
      'чтение розничных продаж',
      (headers) =>
        this.jsonApi.get('/entity/retaildemand', {
          headers,
          params,
          // The filter is an urlencoded string (`_general.md`): its space as %20, not the + axios writes.
          paramsSerializer: { encode: encodeURIComponent },
          ...LIST_PAGE,
        }),
    );
    const rows = read.rows ?? [];
    return { rows, size: read.meta?.size ?? page.offset + rows.length };
  }

  /** One page (1000 from `offset`) of a retail sale's positions, for a sale whose expanded list was cut short. */
  async listRetailSalePositions(
    accessToken: string,
    retailDemandId: string,
    offset: number,
  ): Promise<{ rows: JsonApiRow[]; size: number }> {
    const page = await this.jsonApiRead<{ rows?: JsonApiRow[]; meta?: { size?: number } }>(
      accessToken,
      'чтение позиций розничной продажи',
      (headers) =>
        this.jsonApi.get(`/entity/retaildemand/${encodeURIComponent(retailDemandId)}/positions`, {
          headers,
          params: { limit: JSON_API_PAGE, offset },
          ...LIST_PAGE,
        }),
    );
    const rows = page.rows ?? [];
    return { rows, size: page.meta?.size ?? offset + rows.length };
  }

  /**
   * One product, variant, service, bundle or counterparty by its id; undefined when МойСклад has no
   * such entity. `budgetMs` bounds the call (and its wait for a slot) for a caller in a hurry.
   */
  async getEntity(
    accessToken: string,
    entity: AssortmentEntity | 'counterparty',
    id: string,
    options: { expand?: string; budgetMs?: number } = {},
  ): Promise<JsonApiRow | undefined> {
    const params = options.expand ? { expand: options.expand } : undefined;
    return this.jsonApiRead<JsonApiRow>(
      accessToken,
      `чтение ${entity}`,
      (headers) =>
        this.jsonApi.get(`/entity/${entity}/${encodeURIComponent(id)}`, {
          headers,
          params,
          ...budgetTimeout(options.budgetMs),
        }),
      { budgetMs: options.budgetMs, missingIsUndefined: true },
    );
  }

  /** The product the till created offline with this syncId (the product page documents `filter=syncId=`). */
  async findProductBySyncId(
    accessToken: string,
    syncId: string,
    options: { budgetMs?: number } = {},
  ): Promise<JsonApiRow | undefined> {
    const page = await this.jsonApiRead<{ rows?: JsonApiRow[] }>(
      accessToken,
      'поиск товара по syncId',
      (headers) =>
        this.jsonApi.get('/entity/product', {
          headers,
          params: { filter: `syncId=${syncId}`, limit: 1 },
          ...budgetTimeout(options.budgetMs),
        }),
      { budgetMs: options.budgetMs },
    );
    return page.rows?.[0];
  }

  async listWebhooks(accessToken: string): Promise<JsonApiRow[]> {
    const page = await this.jsonApiRead<{ rows?: JsonApiRow[] }>(accessToken, 'чтение вебхуков', (headers) =>
      this.jsonApi.get('/entity/webhook', { headers }),
    );
    return page.rows ?? [];
  }

  async createWebhook(
    accessToken: string,
    webhook: { url: string; action: 'CREATE' | 'UPDATE' | 'DELETE'; entityType: string },
  ): Promise<void> {
    await this.jsonApiRead(accessToken, 'создание вебхука', (headers) =>
      this.jsonApi.post('/entity/webhook', webhook, { headers }),
    );
  }

  /** A JSON API call with the account's token, inside the token's limits (JsonApiLimits). */
  private async jsonApiRead<T>(
    accessToken: string,
    action: string,
    request: (headers: Record<string, string>) => Promise<{ data: T }>,
    options: { budgetMs?: number; missingIsUndefined?: boolean } = {},
  ): Promise<T> {
    const headers = { Authorization: `Bearer ${accessToken}` };
    try {
      return (await this.limits.run(accessToken, () => request(headers), options.budgetMs)).data;
    } catch (error) {
      if (options.missingIsUndefined && error instanceof AxiosError && error.response?.status === 404) {
        return undefined as T;
      }
      throw toMoyskladError(error, action);
    }
  }
}
