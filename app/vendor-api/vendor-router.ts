import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { AppError } from '../errors.js';
import { markAuthenticated, type AuthFailureLimiter } from '../http/auth-failures.js';
import { errorHandler } from '../http/error-handler.js';
import type { AppLifecycle } from './lifecycle.js';
import type { VendorJwtVerifier } from './vendor-jwt.js';
import type { Logger } from '../logging/logger.js';

/** МойСклад's error shape, mirrored so its logs read naturally. */
function renderVendorError(error: AppError, _req: Request, res: Response): void {
  res.status(error.status).json({ errors: [{ error: error.message, code: error.code, parameter: error.parameter }] });
}

type Params = { appId: string; accountId: string };

/**
 * The largest body МойСклад sends is an activation with a `permissions` block (an employee's rights,
 * some 15 KB); 256 KB leaves room, and it is read only after the JWT is verified.
 */
const VENDOR_BODY_LIMIT = '256kb';

export function vendorApiRouter(deps: {
  lifecycle: AppLifecycle;
  jwt: VendorJwtVerifier;
  logger: Logger;
  authFailures: AuthFailureLimiter;
}): Router {
  const { lifecycle, jwt } = deps;
  const router = Router();
  // The JWT first: a caller without a valid one never gets its body read.
  router.use(async (req: Request, res: Response, next: NextFunction) => {
    await jwt.verify(req.get('Authorization'));
    markAuthenticated(res);
    next();
  });
  router.use(express.json({ limit: VENDOR_BODY_LIMIT }));
  router.use('/apps/:appId/:accountId', (req: Request<Params>, res: Response, next: NextFunction) => {
    res.locals.tenantId = req.params.accountId;
    next();
  });

  router.put('/apps/:appId/:accountId', (req: Request<Params>, res) => {
    res.json(lifecycle.activate(req.params.appId, req.params.accountId, req.body));
  });
  router.delete('/apps/:appId/:accountId', (req: Request<Params>, res) => {
    const known = lifecycle.deactivate(req.params.appId, req.params.accountId, req.body ?? {});
    res.status(known ? 200 : 204).end();
  });
  router.get('/apps/:appId/:accountId', (req: Request<Params>, res) => {
    res.json(lifecycle.status(req.params.appId, req.params.accountId));
  });
  router.put('/apps/:appId/:accountId/event', (req: Request<Params>, res) => {
    res.json(lifecycle.applyEvent(req.params.appId, req.params.accountId, req.body));
  });

  router.use(deps.authFailures, errorHandler(deps.logger, renderVendorError));
  return router;
}
