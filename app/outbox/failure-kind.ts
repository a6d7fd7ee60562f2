import { AxiosError } from 'axios';
import { BrokenCircuitError } from 'cockatiel';
import { UpstreamError, isAppError } from '../errors.js';
import { describeFailure } from '../http/outbound-client.js';
import { OUTBOUND_REFUSED } from '../http/outbound-guard.js';

/**
 * What a failed provider call tells us about the operation it carried:
 * - refused: the provider answered "no" (4xx, a business rule); the same call fails the same way;
 * - not-applied: the request never reached the provider, or it answered "not now"
 *   (connection refused, address refused by our outbound guard, breaker open, 429, 502, 503, 504),
 *   so sending again is safe;
 * - timed-out: no answer in time; the provider may or may not have applied it;
 * - unknown: reset mid-call, another 5xx, an unreadable 2xx; it may have been applied.
 */
export type FailureKind = 'refused' | 'not-applied' | 'timed-out' | 'unknown';

const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  OUTBOUND_REFUSED,
]);
const NOT_NOW = new Set([429, 502, 503, 504]);

export function failureKind(error: unknown): FailureKind {
  if (isAppError(error) && !(error instanceof UpstreamError)) return 'refused';
  if (error instanceof UpstreamError && error.definite) return 'refused';
  if (error instanceof NotSentError) return 'not-applied';
  if (causes(error).some((cause) => cause instanceof BrokenCircuitError)) return 'not-applied';
  const axiosError = axiosCause(error);
  if (!axiosError) return 'unknown';
  const failure = describeFailure(axiosError);
  if (failure.type === 'timeout') return 'timed-out';
  if (failure.type === 'network' && NOT_CONNECTED.has(axiosError.code ?? '')) return 'not-applied';
  if (failure.type === 'http' && NOT_NOW.has(failure.status ?? 0)) return 'not-applied';
  return 'unknown';
}

/** A delivery that failed while preparing (a lookup), before its write left: nothing reached the provider. */
export class NotSentError extends UpstreamError {}

/** Runs a delivery's preparation: its transient failures become NotSentError, refusals pass unchanged. */
export async function beforeSending<T>(step: Promise<T>): Promise<T> {
  try {
    return await step;
  } catch (error) {
    if (error instanceof UpstreamError && !error.definite) {
      throw new NotSentError(error.message, {
        cause: error,
        upstreamStatus: error.upstreamStatus,
        details: error.details,
      });
    }
    throw error;
  }
}

/** The message for people plus the technical reason (HTTP status, socket error) for support. */
export function failureText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const axiosError = axiosCause(error);
  const providerMessage = isAppError(error) ? error.details?.providerMessage : undefined;
  const reason = [axiosError ? describeFailure(axiosError).reason : undefined, providerMessage].filter(
    (part) => typeof part === 'string' && part !== '',
  );
  return reason.length > 0 ? `${error.message} (${reason.join('; ')})` : error.message;
}

function axiosCause(error: unknown): AxiosError | undefined {
  return causes(error).find((cause): cause is AxiosError => cause instanceof AxiosError);
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (
    let current = error;
    current !== undefined && chain.length < 10;
    current = (current as { cause?: unknown }).cause
  ) {
    chain.push(current);
    if (typeof current !== 'object' || current === null) break;
  }
  return chain;
}
