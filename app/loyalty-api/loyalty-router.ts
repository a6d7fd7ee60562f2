import express, { Router, type Request, type Response } from 'express';
import type { AppError } from '../errors.js';
import type { AuthFailureLimiter } from '../http/auth-failures.js';
import { errorHandler } from '../http/error-handler.js';
import type { Logger } from '../logging/logger.js';
import { loyaltyHandlers, type LoyaltyHandlerDeps } from './loyalty-handlers.js';

export interface LoyaltyRouterDeps extends LoyaltyHandlerDeps {
  logger: Logger;
  /** Counts failed tokens per client address; 429 past the limit. */
  authFailures: AuthFailureLimiter;
}

/**
 * The largest real receipt: 1000 positions (the most МойСклад's JSON API takes in one document; the
 * LoyaltyAPI pages state no limit) of about 490 bytes each when fully described (assortment meta with
 * href, id, idType and type, syncId, pack, discount fields), plus a few hundred serial numbers of about
 * 180 bytes: about 0.6 MB. 1 MB leaves room for longer names, and is read only after the token is checked.
 */
export const LOYALTY_BODY_LIMIT = '1mb';

/** The spec's error body; `error_message` is what the cashier reads. */
function renderLoyaltyError(error: AppError, _req: Request, res: Response): void {
  const { title, parameter, code, message } = error;
  res.status(error.status).json({
    errors: [{ error: title, ...(parameter ? { parameter } : {}), code, error_message: message }],
  });
}

/** LoyaltyAPI 1.0 (descriptor: <loyaltyApi><endpoint>…/loyalty-api). */
export function loyaltyApiRouter(deps: LoyaltyRouterDeps): Router {
  const handle = loyaltyHandlers(deps);
  const router = Router();
  // The token first: a caller without one costs a hash and an index lookup, never a body read.
  router.use(handle.authenticate, express.json({ limit: LOYALTY_BODY_LIMIT }));

  router.post('/counterparty', handle.createCustomer);
  router.get('/counterparty', handle.searchCustomers);
  router.post('/counterparty/detail', handle.balance);
  router.post('/counterparty/verify', handle.registrationCode);
  router.post('/retaildemand/recalc', handle.recalc);
  router.post('/retaildemand/verify', handle.spendingCode);
  router.post('/retaildemand', handle.sale);
  router.post('/retailsalesreturn', handle.saleReturn);
  router.get('/giftcard', handle.giftCard);

  router.use(handle.unknownMethod);
  router.use(deps.authFailures, errorHandler(deps.logger, renderLoyaltyError));
  return router;
}
