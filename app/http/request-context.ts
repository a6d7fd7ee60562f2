import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { runWithRequestContext } from '../logging/logger.js';

const INCOMING_ID = /^[\w.:-]{1,100}$/;

/** Gives every request an id (МойСклад's X_Lognex_RequestId when present) that every log line carries. */
export function requestContext(req: Request, res: Response, next: NextFunction): void {
  const incoming = req.get('X_Lognex_RequestId') ?? req.get('X-Lognex-RequestId') ?? req.get('X-Request-Id');
  const requestId = incoming && INCOMING_ID.test(incoming) ? incoming : randomUUID();
  res.locals.requestId = requestId;
  res.setHeader('X-Request-Id', requestId);
  runWithRequestContext({ requestId }, next);
}
