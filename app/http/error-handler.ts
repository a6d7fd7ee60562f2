import type { NextFunction, Request, Response } from 'express';
import { AppError, PayloadTooLargeError, ValidationError } from '../errors.js';
import type { Logger } from '../logging/logger.js';

/** Renders an AppError in one API's format. */
export type ErrorRenderer = (error: AppError, req: Request, res: Response) => void;

class InternalError extends AppError {
  readonly status = 500;
  readonly code = 1500;
  constructor() {
    super(
      'Внутренняя ошибка сервера. Повторите попытку; если не поможет, обратитесь в поддержку.',
      {},
      'Внутренняя ошибка',
    );
  }
}

/** Body-parser and other framework errors become our own; anything unknown becomes a logged 500. */
export function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  const type = (error as { type?: string } | null)?.type;
  if (type === 'entity.parse.failed') return new ValidationError('Тело запроса не является корректным JSON.');
  if (type === 'entity.too.large') return new PayloadTooLargeError();
  if (type === 'encoding.unsupported' || type === 'charset.unsupported')
    return new ValidationError('Неподдерживаемая кодировка запроса.');
  const status = (error as { status?: number } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) return new ValidationError('Неверный запрос.');
  return undefined;
}

export function errorHandler(logger: Logger, render: ErrorRenderer) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const known = toAppError(error);
    if (known && known.status < 500) {
      logger.info('request refused', {
        path: req.path,
        status: known.status,
        error: known.message,
        details: known.details,
      });
    } else {
      logger.error('request failed', { path: req.path, error });
    }
    if (res.headersSent) return;
    render(known ?? new InternalError(), req, res);
  };
}
