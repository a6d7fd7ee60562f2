import type { NextFunction, Request, Response } from 'express';
import type { LogKind } from '../../db/schema/index.js';
import type { Logger } from '../logging/logger.js';
import type { LogEntry, TransactionLog } from '../txlog/transaction-log.js';
import { isAuthenticated } from './auth-failures.js';

/** Facts a route adds to its log row (sale number, points...) via res.locals.logFacts. */
export type LogFacts = Partial<
  Omit<LogEntry, 'kind' | 'endpoint' | 'httpStatus' | 'ok' | 'durationMs' | 'request' | 'response'>
>;

/** Told of every call when its answer is sent (metrics): method, path under the mount point, status, seconds. */
export type CallObserver = (method: string, path: string, status: number, seconds: number) => void;

/**
 * Writes one transaction-log row per inbound call when the answer is sent. Routes that must commit
 * their log row together with their own writes set res.locals.logWritten and record it themselves.
 * A call that never authenticated (401, 403, 429) keeps metadata only: when, from which address, to
 * which endpoint and how large; its body was never read and is never stored. A flood past the
 * failure limit sets res.locals.skipLog and writes nothing.
 */
export function transactionLogging(kind: LogKind, txlog: TransactionLog, logger: Logger, observe?: CallObserver) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const startedAt = performance.now();
    const originalJson = res.json.bind(res);
    res.json = (body: unknown) => {
      res.locals.responseBody = body;
      return originalJson(body);
    };
    res.on('finish', () => {
      observe?.(req.method, req.path, res.statusCode, (performance.now() - startedAt) / 1000);
      if (res.locals.logWritten || res.locals.skipLog) return;
      const facts = res.locals.logFacts ?? {};
      const call = {
        kind,
        endpoint: `${req.method} ${req.route?.path ?? req.path}`,
        httpStatus: res.statusCode,
        ok: res.statusCode < 400,
        durationMs: Math.round(performance.now() - startedAt),
      };
      try {
        if (!isAuthenticated(res)) {
          txlog.record({ ...call, errorMessage: errorMessageOf(res.locals.responseBody), request: metadataOf(req) });
          return;
        }
        txlog.record({
          tenantId: res.locals.tenantId ?? null,
          ...facts,
          // A refusal's text, as the till showed it, so the log's list says why without opening the row.
          errorMessage: facts.errorMessage ?? errorMessageOf(res.locals.responseBody),
          ...call,
          request: req.method === 'GET' ? req.query : req.body,
          response: res.locals.responseBody,
        });
      } catch (error) {
        logger.error('transaction log write failed', { error });
      }
    });
    next();
  };
}

/** What an unauthenticated call leaves: the client's address (as `trust proxy` reads it) and the declared size. */
function metadataOf(req: Request): Record<string, unknown> {
  const length = Number(req.get('content-length'));
  return {
    bodyNotRead: true,
    address: req.ip ?? null,
    bytes: Number.isSafeInteger(length) ? length : null,
  };
}

/** The refusal our error renderers wrote, so the row says why without keeping the whole answer. */
function errorMessageOf(body: unknown): string | undefined {
  const first = (body as { errors?: Array<{ error_message?: unknown; error?: unknown }> } | undefined)?.errors?.[0];
  const message = first?.error_message ?? first?.error;
  return typeof message === 'string' ? message : undefined;
}
