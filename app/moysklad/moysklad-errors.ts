import { UpstreamError } from '../errors.js';
import { describeFailure } from '../http/outbound-client.js';

/** What went wrong talking to МойСклад, with МойСклад's own error text when it sent one. */
export class MoyskladError extends UpstreamError {
  constructor(
    message: string,
    readonly failure: 'not-installed' | 'conflict' | 'refused' | 'unavailable',
    readonly moyskladCode?: number,
    options: { upstreamStatus?: number; cause?: unknown } = {},
  ) {
    super(message, { ...options, definite: failure !== 'unavailable', status: 502 });
  }
}

interface MoyskladErrorBody {
  errors?: Array<{ error?: string; code?: number; moreInfo?: string }>;
}

export function toMoyskladError(error: unknown, action: string): MoyskladError {
  const failure = describeFailure(error);
  if (failure.type !== 'http') {
    const why =
      failure.type === 'timeout'
        ? 'не ответил вовремя'
        : failure.type === 'malformed'
          ? 'прислал нечитаемый ответ'
          : 'недоступен';
    return new MoyskladError(`МойСклад ${why} (${action}). Повторите попытку позже.`, 'unavailable', undefined, {
      cause: error,
    });
  }
  const first = (failure.body as MoyskladErrorBody | undefined)?.errors?.[0];
  const text = first?.error ? `: ${first.error}` : '';
  const status = failure.status!;
  const options = { upstreamStatus: status, cause: error };
  if (status === 404)
    return new MoyskladError(
      `МойСклад: приложение не установлено на аккаунте${text}`,
      'not-installed',
      first?.code,
      options,
    );
  if (status === 409) return new MoyskladError(`МойСклад отказал (${action})${text}`, 'conflict', first?.code, options);
  if (status >= 500 || status === 429) {
    return new MoyskladError(
      `МойСклад временно недоступен (${action}), HTTP ${status}${text}`,
      'unavailable',
      first?.code,
      options,
    );
  }
  return new MoyskladError(`МойСклад отказал (${action}), HTTP ${status}${text}`, 'refused', first?.code, options);
}
