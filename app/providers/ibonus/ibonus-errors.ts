import { NotFoundError, UpstreamError } from '../../errors.js';
import { describeFailure } from '../../http/outbound-client.js';

export const IBONUS_AUTH_MESSAGE = 'i-bonus отклонил логин или пароль. Проверьте их в настройках приложения.';
export const IBONUS_CLIENT_NOT_FOUND_MESSAGE = 'Клиент не найден в i-bonus';

/** i-bonus's error body: `{error, message, path, status, timestamp}`. Kept for logs only. */
interface IBonusErrorBody {
  error?: unknown;
  message?: unknown;
  path?: unknown;
  status?: unknown;
}

export type IBonusFailure = 'auth' | 'refused' | 'unavailable';

/**
 * A failed call to i-bonus. `definite` (auth, refused) means i-bonus answered "no": the same call
 * will fail again. `unavailable` means we do not know, and for a write the order may have been applied.
 */
export class IBonusError extends UpstreamError {
  constructor(
    message: string,
    readonly failure: IBonusFailure,
    options: { upstreamStatus?: number; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, { ...options, definite: failure !== 'unavailable', status: 502 });
  }
}

export interface IBonusCallContext {
  /** Russian name of the action for the message: "поиск клиента", "отправка чека", ... */
  action: string;
  /** True when the path names one client, so a 404 means that client does not exist. */
  clientPath?: boolean;
}

/**
 * Maps a failed call to a typed error. The provider's own text is English and meant for developers,
 * so it goes to `details` (logs, support) and never into the message a cashier reads.
 */
export function toIBonusError(error: unknown, context: IBonusCallContext): IBonusError | NotFoundError {
  const failure = describeFailure(error);
  if (failure.type !== 'http') {
    const why =
      failure.type === 'timeout' ? 'вовремя' : failure.type === 'malformed' ? 'понятным ответом' : 'на запрос';
    return unavailable(
      `i-bonus не отвечает ${why} (${context.action}). Повторите попытку позже.`,
      failure.reason,
      error,
      failure.status,
    );
  }
  const status = failure.status!;
  const details = providerDetails(failure.body, status);
  const options = { upstreamStatus: status, cause: error, details };
  if (status === 401 || status === 403) return new IBonusError(IBONUS_AUTH_MESSAGE, 'auth', options);
  if (status === 404 && context.clientPath)
    return new NotFoundError(IBONUS_CLIENT_NOT_FOUND_MESSAGE, { cause: error, details });
  // 429 is "not now", not "never": worth retrying later like a 5xx.
  if (status >= 500 || status === 429) {
    return new IBonusError(
      `i-bonus не отвечает (${context.action}), HTTP ${status}. Повторите попытку позже.`,
      'unavailable',
      options,
    );
  }
  return new IBonusError(
    `i-bonus отклонил запрос (${context.action}), HTTP ${status}. Проверьте данные операции или обратитесь в поддержку.`,
    'refused',
    options,
  );
}

/** A 2xx answer whose body is not what the API describes. */
export function malformedIBonusAnswer(action: string, what: string): IBonusError {
  return unavailable(
    `i-bonus не отвечает понятным ответом (${action}). Повторите попытку позже.`,
    `malformed response body: ${what}`,
  );
}

function unavailable(message: string, reason: string, cause?: unknown, upstreamStatus?: number): IBonusError {
  return new IBonusError(message, 'unavailable', { cause, upstreamStatus, details: { reason } });
}

function providerDetails(body: unknown, status: number): Record<string, unknown> {
  const details: Record<string, unknown> = { httpStatus: status };
  // createOrder reads its reply as text (i-bonus answers a bare 200), so its error body arrives unparsed.
  if (typeof body === 'string') body = parseJson(body);
  if (body && typeof body === 'object') {
    const { error, message, path } = body as IBonusErrorBody;
    if (typeof error === 'string') details.providerError = error;
    if (typeof message === 'string') details.providerMessage = message;
    if (typeof path === 'string') details.providerPath = path;
  }
  return details;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
