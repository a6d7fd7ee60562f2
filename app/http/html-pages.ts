import type { Request, Response } from 'express';
import type { AppError } from '../errors.js';

/**
 * The HTML face of an AppError, for the settings iframe and the admin UI: the same Russian message
 * a person reads, in the page layout of views/error.ejs. `hint` says what to do next.
 */
export function renderHtmlError(error: AppError, _req: Request, res: Response): void {
  res.status(error.status).render('error', {
    title: error.title,
    message: error.message,
    hint: typeof error.details?.hint === 'string' ? error.details.hint : undefined,
  });
}
