import express, { Router, type Request, type Response } from 'express';
import type { AppError } from '../errors.js';
import { errorHandler } from '../http/error-handler.js';
import type { Logger } from '../logging/logger.js';
import { loyaltyHandlers, type LoyaltyHandlerDeps } from './loyalty-handlers.js';

export interface LoyaltyRouterDeps extends LoyaltyHandlerDeps {
  logger: Logger;
}

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
  router.use(express.json({ limit: '2mb' }), handle.authenticate);

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
  router.use(errorHandler(deps.logger, renderLoyaltyError));
  return router;
}
