import { AppError, BusinessRuleError, NotFoundError, UpstreamError } from '../../errors.js';
import { describeFailure } from '../../http/outbound-client.js';

export const GENERAL_API_MESSAGES = {
  clientNotFound: 'Клиент не найден в системе лояльности',
  pointNotFound:
    'Точка продаж не настроена в системе лояльности. Проверьте соответствие точек в настройках приложения.',
  spendTooMuch: (max: number) => `Нельзя списать больше ${max} баллов`,
  spendRefused: 'Нельзя списать столько баллов',
  keyRejected: 'Система лояльности отклонила ключ API. Проверьте ключ в настройках приложения.',
  refused: 'Система лояльности отклонила операцию. Если ошибка повторяется, обратитесь в поддержку приложения.',
  unavailable: 'Система лояльности не отвечает. Повторите попытку через минуту.',
} as const;

/** The seed's error shape: field name → English message, e.g. `{"client": "Client not found."}`. */
type FieldErrors = Record<string, unknown>;

/**
 * Turns any failure of a general-API call into a typed error with a Russian text for the cashier.
 * The provider's English text goes to `details` for support, never to the message.
 */
export function toGeneralApiError(error: unknown, action: string): AppError {
  if (error instanceof AppError) return error;
  const failure = describeFailure(error);
  const details = { provider: 'general', action, failure: failure.type, reason: failure.reason };
  if (failure.type !== 'http') {
    return new UpstreamError(GENERAL_API_MESSAGES.unavailable, { cause: error, definite: false, status: 503, details });
  }
  const status = failure.status ?? 0;
  const options = { cause: error, upstreamStatus: status, details: { ...details, body: failure.body } };
  if (status === 401 || status === 403) {
    return new UpstreamError(GENERAL_API_MESSAGES.keyRejected, { ...options, definite: true, status: 502 });
  }
  // 429 and 5xx say nothing about the request itself: the same call may pass a moment later.
  if (status >= 500 || status === 429) {
    return new UpstreamError(GENERAL_API_MESSAGES.unavailable, { ...options, definite: false, status: 503 });
  }
  return (
    fromFieldErrors(failure.body, options) ??
    new UpstreamError(GENERAL_API_MESSAGES.refused, { ...options, definite: true, status: 502 })
  );
}

/** A 200 answer whose `success` is false: a refusal in the seed's field-error shape when we recognise it. */
export function refusalFromBody(body: unknown, action: string): AppError {
  const details = { provider: 'general', action, failure: 'refused', body };
  return (
    fromFieldErrors(body, { details }) ??
    new UpstreamError(GENERAL_API_MESSAGES.refused, { definite: true, status: 502, details })
  );
}

/** A 2xx answer we cannot read: the operation's outcome is unknown, so it is not a definite refusal. */
export function malformedAnswer(body: unknown, action: string): UpstreamError {
  return new UpstreamError(GENERAL_API_MESSAGES.unavailable, {
    definite: false,
    status: 503,
    details: { provider: 'general', action, failure: 'malformed', body },
  });
}

function fromFieldErrors(
  body: unknown,
  options: { cause?: unknown; details: Record<string, unknown> },
): AppError | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const fields = body as FieldErrors;
  if (typeof fields.client === 'string')
    return new NotFoundError(GENERAL_API_MESSAGES.clientNotFound, { ...options, parameter: 'client' });
  if (typeof fields.point === 'string')
    return new BusinessRuleError(GENERAL_API_MESSAGES.pointNotFound, { ...options, parameter: 'point' });
  if (typeof fields.spend === 'string') {
    // "Spend can't be more 100": the number is the most the client may spend right now.
    const max = /(\d+(?:[.,]\d+)?)/.exec(fields.spend)?.[1];
    const maxSpend = max === undefined ? undefined : Number(max.replace(',', '.'));
    const message =
      maxSpend === undefined || !Number.isFinite(maxSpend)
        ? GENERAL_API_MESSAGES.spendRefused
        : GENERAL_API_MESSAGES.spendTooMuch(maxSpend);
    return new BusinessRuleError(message, {
      ...options,
      parameter: 'spend',
      details: { ...options.details, maxSpend },
    });
  }
  return undefined;
}
