/**
 * The one error hierarchy. Domain code throws these; each API's converter (LoyaltyAPI `errors[]`,
 * Vendor API JSON, HTML pages) renders them. `message` is Russian and meant for a person.
 */
export interface AppErrorOptions {
  /** Which input field is at fault, when one is. */
  parameter?: string;
  /** Short Russian title; the LoyaltyAPI `error` field. */
  title?: string;
  cause?: unknown;
  /** Extra machine-readable facts for logs and support, never shown to cashiers. */
  details?: Record<string, unknown>;
}

export abstract class AppError extends Error {
  abstract readonly status: number;
  /** Stable integer code, the LoyaltyAPI `code` field. */
  abstract readonly code: number;
  readonly parameter?: string;
  readonly title: string;
  readonly details?: Record<string, unknown>;

  constructor(message: string, options: AppErrorOptions = {}, defaultTitle = 'Ошибка') {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.parameter = options.parameter;
    this.title = options.title ?? defaultTitle;
    this.details = options.details;
  }
}

export class ValidationError extends AppError {
  readonly status = 400;
  readonly code = 1000;
  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, options, 'Неверные данные запроса');
  }
}

export class AuthenticationError extends AppError {
  readonly status = 401;
  readonly code = 1001;
  /** The default is what a cashier reads: the till's key is not accepted, and only the shop's owner can fix that. */
  constructor(
    message = 'Бонусы недоступны: попросите владельца магазина проверить приложение в МоёмСкладе.',
    options: AppErrorOptions = {},
  ) {
    super(message, options, 'Ошибка авторизации');
  }
}

export class ForbiddenError extends AppError {
  readonly status = 403;
  readonly code = 1002;
  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, options, 'Доступ запрещён');
  }
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly code = 1003;
  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, options, 'Не найдено');
  }
}

export class ConflictError extends AppError {
  readonly status = 409;
  readonly code = 1004;
  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, options, 'Конфликт');
  }
}

/** A valid request that the business rules refuse (not enough points, card expired, ...). */
export class BusinessRuleError extends AppError {
  readonly status = 422;
  readonly code = 1005;
  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, options, 'Операция невозможна');
  }
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  readonly code = 1006;
  constructor(message = 'Слишком большой запрос.', options: AppErrorOptions = {}) {
    super(message, options, 'Слишком большой запрос');
  }
}

/**
 * LoyaltyAPI's own signal that a new customer must confirm by code (`POST /counterparty`, 412, code
 * 28001): the till then asks for a registration code and sends the creation again as CHECKED.
 * Title and message are the official page's, word for word.
 */
export class RegistrationCodeRequiredError extends AppError {
  readonly status = 412;
  readonly code = 28001;
  constructor(message = 'Покупатель должен подтвердить свои данные через код.', options: AppErrorOptions = {}) {
    super(message, options, 'Необходимо подтверждение создания покупателя.');
  }
}

/** Too many failed authentications from one client address (the Retry-After header says until when). */
export class TooManyRequestsError extends AppError {
  readonly status = 429;
  readonly code = 1007;
  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, options, 'Слишком много запросов');
  }
}

/** A system we depend on (МойСклад, a loyalty provider, an SMS gateway) failed or timed out. */
export class UpstreamError extends AppError {
  readonly status: number;
  readonly code = 1010;
  /** True when the upstream definitely refused (4xx): retrying the same call will not help. */
  readonly definite: boolean;
  readonly upstreamStatus?: number;

  constructor(
    message: string,
    options: AppErrorOptions & { definite?: boolean; upstreamStatus?: number; status?: number } = {},
  ) {
    super(message, options, 'Внешняя система недоступна');
    this.definite = options.definite ?? false;
    this.upstreamStatus = options.upstreamStatus;
    this.status = options.status ?? 503;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
