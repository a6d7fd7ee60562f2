import { AxiosError } from 'axios';
import { DelegateBackoff, bulkhead, handleWhen, retry, wrap, type IPolicy, type IRetryBackoffContext } from 'cockatiel';
import { hashToken } from '../crypto/secret-box.js';
import { currentRequestContext } from '../logging/logger.js';

export interface JsonApiLimitsOptions {
  /** Parallel requests per token. МойСклад allows 5 per solution; one is left for the settings iframe. */
  parallel?: number;
  /** Requests that may wait for a slot; more are refused at once. */
  queue?: number;
  /** Retries after a 429. */
  attempts?: number;
  /** The longest pause before a retry, whatever МойСклад asks for. */
  maxWaitMs?: number;
}

/**
 * How long МойСклад asks us to wait after a 429: `X-Lognex-Retry-After` (ms), else the standard
 * `Retry-After` (seconds). Undefined for anything else.
 */
export function retryAfterMs(error: unknown): number | undefined {
  const response = error instanceof AxiosError ? error.response : undefined;
  if (response?.status !== 429) return undefined;
  const lognex = Number(response.headers?.['x-lognex-retry-after']);
  if (Number.isFinite(lognex) && lognex >= 0) return lognex;
  const seconds = Number(response.headers?.['retry-after']);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

const isRateLimited = (error: unknown) => error instanceof AxiosError && error.response?.status === 429;

/**
 * The JSON API's limits per solution token (`_restrictions.md`: 45 requests per 3 s, 5 in parallel):
 * a cockatiel bulkhead keeps our parallel requests per token below the limit, and a 429 is retried
 * after the pause МойСклад names. Whoever waits (the till) bounds it all: queueing and pauses end at
 * the request context's deadline.
 */
export class JsonApiLimits {
  private readonly policies = new Map<string, IPolicy>();
  private readonly parallel: number;
  private readonly queue: number;
  private readonly attempts: number;
  private readonly maxWaitMs: number;

  constructor(options: JsonApiLimitsOptions = {}) {
    this.parallel = options.parallel ?? 4;
    this.queue = options.queue ?? 200;
    this.attempts = options.attempts ?? 4;
    this.maxWaitMs = options.maxWaitMs ?? 10_000;
  }

  run<T>(accessToken: string, fn: () => Promise<T>, budgetMs?: number): Promise<T> {
    const deadlineAt = currentRequestContext()?.deadlineAt;
    const left = [budgetMs, deadlineAt === undefined ? undefined : deadlineAt - Date.now()].filter(
      (ms): ms is number => ms !== undefined,
    );
    // AbortSignal.timeout takes whole milliseconds only: a fraction would throw before any request.
    const signal = left.length > 0 ? AbortSignal.timeout(Math.max(1, Math.floor(Math.min(...left)))) : undefined;
    return this.policyFor(accessToken).execute(() => fn(), signal) as Promise<T>;
  }

  private policyFor(accessToken: string): IPolicy {
    // The token's hash names its lane: the token itself is kept out of long-lived maps.
    const key = hashToken(accessToken);
    const existing = this.policies.get(key);
    if (existing) return existing;
    const pauses = new DelegateBackoff<IRetryBackoffContext<unknown>>((context) => {
      const asked = 'error' in context.result ? retryAfterMs(context.result.error) : undefined;
      return Math.min(this.maxWaitMs, asked ?? 500 * 2 ** (context.attempt - 1));
    });
    const policy = wrap(
      retry(handleWhen(isRateLimited), { maxAttempts: this.attempts, backoff: pauses }),
      bulkhead(this.parallel, this.queue),
    );
    this.policies.set(key, policy);
    return policy;
  }
}
