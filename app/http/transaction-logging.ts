import type { NextFunction, Request, Response } from 'express';
import type { LogKind } from '../../db/schema/index.js';
import type { Logger } from '../logging/logger.js';
import type { LogEntry, TransactionLog } from '../txlog/transaction-log.js';

/** Facts a route adds to its log row (sale number, points...) via res.locals.logFacts. */
export type LogFacts = Partial<
  Omit<LogEntry, 'kind' | 'endpoint' | 'httpStatus' | 'ok' | 'durationMs' | 'request' | 'response'>
>;

/** Told of every call when its answer is sent (metrics): method, path under the mount point, status, seconds. */
export type CallObserver = (method: string, path: string, status: number, seconds: number) => void;

/**
 * Writes one transaction-log row per inbound call when the answer is sent. Routes that must commit
 * their log row together with their own writes set res.locals.logWritten and record it themselves.
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
      if (res.locals.logWritten) return;
      const facts = res.locals.logFacts ?? {};
      try {
        txlog.record({
          tenantId: res.locals.tenantId ?? null,
          ...facts,
          kind,
          endpoint: `${req.method} ${req.route?.path ?? req.path}`,
          httpStatus: res.statusCode,
          ok: res.statusCode < 400,
          durationMs: Math.round(performance.now() - startedAt),
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
