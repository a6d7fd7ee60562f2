import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { AppError } from '../errors.js';
import { errorHandler } from '../http/error-handler.js';
import type { AppLifecycle } from './lifecycle.js';
import type { VendorJwtVerifier } from './vendor-jwt.js';
import type { Logger } from '../logging/logger.js';

/** МойСклад's error shape, mirrored so its logs read naturally. */
function renderVendorError(error: AppError, _req: Request, res: Response): void {
  res.status(error.status).json({ errors: [{ error: error.message, code: error.code, parameter: error.parameter }] });
}

type Params = { appId: string; accountId: string };

export function vendorApiRouter(deps: { lifecycle: AppLifecycle; jwt: VendorJwtVerifier; logger: Logger }): Router {
  const { lifecycle, jwt } = deps;
  const router = Router();
  router.use(express.json({ limit: '256kb' }));
  router.use(async (req: Request, _res: Response, next: NextFunction) => {
    await jwt.verify(req.get('Authorization'));
    next();
  });
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

  router.use(errorHandler(deps.logger, renderVendorError));
  return router;
}
