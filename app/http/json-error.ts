import type { Request, Response } from 'express';
import type { AppError } from '../errors.js';
import { renderHtmlError } from './html-pages.js';

/**
 * For pages whose script asks for JSON (the customer import): the error as `{ message, hint }` when the
 * request accepts JSON before HTML, the usual error page otherwise.
 */
export function renderJsonOrHtmlError(error: AppError, req: Request, res: Response): void {
  if (req.accepts(['html', 'json']) !== 'json') return renderHtmlError(error, req, res);
  const hint = (error.details as { hint?: unknown } | undefined)?.hint;
  res.status(error.status).json({ message: error.message, hint: typeof hint === 'string' ? hint : undefined });
}
