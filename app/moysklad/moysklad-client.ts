import type { AxiosInstance } from 'axios';
import type { Logger } from '../logging/logger.js';
import { createHttpClient } from '../http/outbound-client.js';
import type { TransactionLog } from '../txlog/transaction-log.js';
import { signVendorToken } from './moysklad-jwt.js';
import { toMoyskladError } from './moysklad-errors.js';

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
}

/** МойСклад's side of the Vendor API, plus the few JSON API reads we need. */
export class MoyskladClient {
  private readonly vendor: AxiosInstance;
  private readonly jsonApi: AxiosInstance;

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
}
