import express, { type NextFunction, type Request, type Response } from 'express';
import { PayloadTooLargeError, ValidationError } from '../errors.js';

/**
 * A file a page's script posts as the raw body (`Content-Type: text/csv`) with its name URI-encoded in
 * X-File-Name: no multipart parser needed, and the CSRF token travels in a header. Mount the parser after
 * the guards, so nobody's 20 MB are read before their rights are checked.
 */
export function rawFile(limitBytes: number, tooLarge: string) {
  const parse = express.raw({ type: 'text/csv', limit: limitBytes });
  return (req: Request, res: Response, next: NextFunction) =>
    parse(req, res, (error?: unknown) =>
      next(
        (error as { type?: string } | undefined)?.type === 'entity.too.large'
          ? new PayloadTooLargeError(tooLarge)
          : error,
      ),
    );
}

export function fileOf(req: Request): Buffer {
  if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
    throw new ValidationError('Выберите файл CSV с покупателями.');
  }
  return req.body;
}

export function fileNameOf(req: Request): string | undefined {
  try {
    return decodeURIComponent(req.get('X-File-Name') ?? '').slice(0, 255) || undefined;
  } catch {
    return undefined;
  }
}
