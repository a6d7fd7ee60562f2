import axios, { AxiosError, type AxiosInstance, type InternalAxiosRequestConfig } from 'axios';
import type { LogKind } from '../../db/schema/index.js';
import { currentRequestContext, type Logger } from '../logging/logger.js';
import { blankSecrets } from '../logging/redact.js';
import type { TransactionLog } from '../txlog/transaction-log.js';
import type { OutboundGuard } from './outbound-guard.js';

/**
 * Who chose the address. The operator's (МойСклад's APIs from config) is called as configured. A tenant's
 * (a provider's base URL, an SMS gateway) goes through the guard: every socket must reach a public address,
 * or one the operator allowed with OUTBOUND_ALLOW_HOSTS.
 */
export type OutboundDestination = { destination: 'operator' } | { destination: 'tenant'; guard: OutboundGuard };

interface ClientSettings {
  /** Short name for logs: "moysklad-vendor", "general-api", ... */
  name: string;
  kind: Extract<LogKind, 'moysklad' | 'provider'>;
  baseURL: string;
  /** Whole-call budget, including connect and body: sized to whoever waits on us. */
  timeoutMs: number;
  logger: Logger;
  txlog?: TransactionLog;
  headers?: Record<string, string>;
  /** How a request path appears in logs, for paths that carry a secret (МойСклад's one-time contextKey). */
  describePath?: (path: string) => string;
  /**
   * The call's secret values (API key, login and password, a key inside the URL, a one-time code). They
   * are blanked in the log line and the transaction-log row, and in the body of a failed call before the
   * caller sees it, so a provider that echoes one in its error text never gets it stored or shown.
   */
  secrets?: readonly (string | undefined | null)[];
  /** Files the call under this tenant when no request context names one (a call made outside a request). */
  tenantId?: string;
  /** Whether a 2xx body is the documented answer; one that is not is logged as failed, not ok. */
  isExpectedAnswer?: (data: unknown, config: InternalAxiosRequestConfig) => boolean;
}

export type OutboundClientOptions = ClientSettings & OutboundDestination;

interface TimedConfig extends InternalAxiosRequestConfig {
  startedAt?: number;
}

/**
 * The one outbound HTTP setup: every call has a hard deadline (AbortSignal, not just the socket
 * idle timer), malformed JSON is an error rather than a string, and every call is logged redacted
 * and written to the transaction log under the current tenant.
 */
export function createHttpClient(options: OutboundClientOptions): AxiosInstance {
  const client = axios.create({
    baseURL: options.baseURL,
    timeout: options.timeoutMs,
    headers: { 'Accept-Encoding': 'gzip', ...options.headers },
    responseType: 'json',
    transitional: { silentJSONParsing: false, forcedJSONParsing: true, clarifyTimeoutError: true },
    maxRedirects: 0,
    maxContentLength: 5 * 1024 * 1024,
    ...(options.destination === 'tenant'
      ? // No proxy from the environment: the guard must see the address the call really goes to.
        { httpAgent: options.guard.httpAgent, httpsAgent: options.guard.httpsAgent, proxy: false as const }
      : {}),
  });

  client.interceptors.request.use((config: TimedConfig) => {
    config.startedAt = Date.now();
    // A call made for someone waiting (the till) never outlives their patience, retries included.
    const deadlineAt = currentRequestContext()?.deadlineAt;
    const timeout = config.timeout ?? options.timeoutMs;
    config.timeout = deadlineAt === undefined ? timeout : Math.max(1, Math.min(timeout, deadlineAt - config.startedAt));
    config.signal ??= AbortSignal.timeout(config.timeout);
    return config;
  });

  const secrets = options.secrets ?? [];
  const record = (
    config: TimedConfig | undefined,
    status: number | undefined,
    ok: boolean,
    response: unknown,
    error?: string,
  ) => {
    const durationMs = config?.startedAt ? Date.now() - config.startedAt : undefined;
    const path = config?.url ?? '';
    const endpoint = `${(config?.method ?? 'get').toUpperCase()} ${options.name} ${options.describePath?.(path) ?? path}`;
    const context = currentRequestContext();
    options.logger.log(ok ? 'http' : 'warn', 'outbound call', {
      endpoint: blankSecrets(endpoint, secrets),
      status,
      durationMs,
      error: error === undefined ? undefined : blankSecrets(error, secrets),
    });
    options.txlog?.record({
      tenantId: context?.accountId ?? options.tenantId,
      saleKey: context?.saleKey,
      documentName: context?.documentName,
      kind: options.kind,
      endpoint,
      httpStatus: status ?? null,
      ok,
      durationMs,
      errorMessage: error,
      request: parseBody(config?.data),
      response,
      secrets,
    });
  };

  client.interceptors.response.use(
    (response) => {
      const expected = options.isExpectedAnswer?.(response.data, response.config) ?? true;
      record(response.config, response.status, expected, response.data, expected ? undefined : 'unexpected answer');
      // An answer that is not the documented one becomes an error whose details carry the body.
      if (!expected) response.data = blankSecrets(response.data, secrets);
      return response;
    },
    (error: unknown) => {
      const failure = describeFailure(error);
      const axiosError = error instanceof AxiosError ? error : undefined;
      record(axiosError?.config, failure.status, false, failure.body, failure.reason);
      if (axiosError) {
        // Callers copy the body and the message into error details, the outbox and admin pages.
        axiosError.message = blankSecrets(axiosError.message, secrets);
        if (axiosError.response) axiosError.response.data = blankSecrets(axiosError.response.data, secrets);
      }
      return Promise.reject(error);
    },
  );
  return client;
}

export interface CallFailure {
  /** timeout: no answer in time; network: refused/reset; http: an answer with a non-2xx status; malformed: unreadable 2xx body. */
  type: 'timeout' | 'network' | 'http' | 'malformed';
  status?: number;
  body?: unknown;
  reason: string;
}

export function describeFailure(error: unknown): CallFailure {
  if (!(error instanceof AxiosError)) {
    return { type: 'network', reason: error instanceof Error ? error.message : String(error) };
  }
  if (error.response) {
    const status = error.response.status;
    if (status >= 200 && status < 300) return { type: 'malformed', status, reason: 'malformed response body' };
    return { type: 'http', status, body: error.response.data, reason: `HTTP ${status}` };
  }
  if (error.code === 'ETIMEDOUT' || error.code === 'ECONNABORTED' || error.code === 'ERR_CANCELED') {
    return { type: 'timeout', reason: 'timed out' };
  }
  if (error.code === 'ERR_BAD_RESPONSE') return { type: 'malformed', reason: 'malformed response body' };
  return { type: 'network', reason: error.code ?? error.message };
}

function parseBody(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}
