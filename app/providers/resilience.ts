import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  circuitBreaker,
  handleWhen,
  retry,
  wrap,
  type CircuitBreakerPolicy,
  type IPolicy,
} from 'cockatiel';
import { UpstreamError, isAppError } from '../errors.js';
import { failureKind } from '../outbox/failure-kind.js';

export interface ResilienceOptions {
  /** Extra attempts after the first, reads only. Default 2. */
  retryAttempts?: number;
  /** Cap on one jittered backoff pause. Default 400 ms: a cashier is waiting. */
  maxBackoffMs?: number;
  /** Consecutive transient failures that open the breaker. Default 5. */
  breakerFailures?: number;
  /** How long the breaker stays open before one trial call is let through. Default 15 s. */
  halfOpenAfterMs?: number;
}

export type CallKind = 'read' | 'write';
/**
 * Whose call it is: the till's (someone waits at the checkout) or the outbox's (a delivery in the
 * background). Each has its own breaker, so failed deliveries in a quiet shop never make the till refuse
 * calls that would have worked, and a till hammering a slow provider never holds back the outbox.
 */
export type CallLane = 'till' | 'delivery';
export type BreakerState = 'closed' | 'open' | 'half-open';

export const PROVIDER_UNAVAILABLE_MESSAGE = 'Система лояльности временно недоступна. Повторите через минуту.';

/**
 * A failure worth retrying and counting against the provider: time-outs, resets, 5xx, unreadable
 * answers. A definite refusal (a 4xx, a business rule) would fail the same way again and says
 * nothing about the provider's health.
 */
export function isTransientFailure(error: unknown): boolean {
  if (error instanceof UpstreamError) return !error.definite;
  if (isAppError(error)) return false;
  return !(error instanceof BrokenCircuitError);
}

interface KeyPolicies {
  breaker: CircuitBreakerPolicy;
  read: IPolicy;
  write: IPolicy;
  openedAt?: number;
}

/** Retries and a circuit breaker per tenant and provider, so one tenant's broken provider never blocks another's. */
export class ProviderResilience {
  private readonly retryAttempts: number;
  private readonly maxBackoffMs: number;
  private readonly breakerFailures: number;
  private readonly halfOpenAfterMs: number;
  private readonly policies = new Map<string, KeyPolicies>();

  constructor(options: ResilienceOptions = {}) {
    this.retryAttempts = Math.max(0, options.retryAttempts ?? 2);
    this.maxBackoffMs = Math.max(1, options.maxBackoffMs ?? 400);
    this.breakerFailures = Math.max(1, options.breakerFailures ?? 5);
    this.halfOpenAfterMs = Math.max(0, options.halfOpenAfterMs ?? 15_000);
  }

  /**
   * key = `${tenantId}:${provider}`. Reads are retried with capped, jittered backoff on transient
   * failures other than time-outs; writes never, since a write that failed may have been applied. When the breaker
   * is open, fails at once with an UpstreamError without calling fn.
   */
  async execute<T>(key: string, kind: CallKind, fn: () => Promise<T>): Promise<T> {
    const policies = this.policiesFor(key);
    try {
      return await policies[kind].execute(() => fn());
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        throw new UpstreamError(PROVIDER_UNAVAILABLE_MESSAGE, { cause: error, details: { breaker: key } });
      }
      throw error;
    }
  }

  state(key: string): BreakerState {
    const policies = this.policies.get(key);
    if (!policies) return 'closed';
    switch (policies.breaker.state) {
      case CircuitState.HalfOpen:
        return 'half-open';
      case CircuitState.Open:
      case CircuitState.Isolated:
        // cockatiel moves to half-open lazily on the next call; report what that call would meet.
        if (
          policies.breaker.state === CircuitState.Open &&
          policies.openedAt !== undefined &&
          Date.now() - policies.openedAt >= this.halfOpenAfterMs
        ) {
          return 'half-open';
        }
        return 'open';
      default:
        return 'closed';
    }
  }

  /** Every breaker created so far and its state, for /metrics. */
  states(): Array<{ key: string; state: BreakerState }> {
    return [...this.policies.keys()].map((key) => ({ key, state: this.state(key) }));
  }

  private policiesFor(key: string): KeyPolicies {
    const existing = this.policies.get(key);
    if (existing) return existing;
    const transient = handleWhen(isTransientFailure);
    const breaker = circuitBreaker(transient, {
      halfOpenAfter: this.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(this.breakerFailures),
    });
    // The breaker sits inside the retry, so every attempt counts and an open breaker stops retrying.
    // A read that timed out has used up the cashier's patience: it is not tried again.
    const retryPolicy = retry(
      handleWhen((error) => isTransientFailure(error) && failureKind(error) !== 'timed-out'),
      {
        maxAttempts: this.retryAttempts,
        backoff: new ExponentialBackoff({ initialDelay: Math.min(50, this.maxBackoffMs), maxDelay: this.maxBackoffMs }),
      },
    );
    const created: KeyPolicies = { breaker, read: wrap(retryPolicy, breaker), write: breaker };
    breaker.onBreak(() => {
      created.openedAt = Date.now();
    });
    breaker.onReset(() => {
      created.openedAt = undefined;
    });
    this.policies.set(key, created);
    return created;
  }
}
