import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Tenant } from '../../db/schema/index.js';
import { AuthenticationError, NotFoundError, type AppError } from '../errors.js';
import { errorHandler } from '../http/error-handler.js';
import type { LogFacts } from '../http/transaction-logging.js';
import { validate } from '../http/validate.js';
import { currentRequestContext, type Logger } from '../logging/logger.js';
import type { CommitLog, LoyaltyBackend } from '../loyalty/backend.js';
import type { Db } from '../storage/database.js';
import { findTenantByLoyaltyToken } from '../tenants/tenant-auth.js';
import type { TransactionLog } from '../txlog/transaction-log.js';
import * as map from './mapping.js';
import * as schemas from './schemas.js';

export const AUTH_HEADER = 'Lognex-Discount-API-Auth-Token';

/** The spec's error body; `error_message` is what the cashier reads. */
function renderLoyaltyError(error: AppError, _req: Request, res: Response): void {
  res.status(error.status).json({
    errors: [{ error: error.title, ...(error.parameter ? { parameter: error.parameter } : {}), code: error.code, error_message: error.message }],
  });
}

export interface LoyaltyRouterDeps {
  db: Db;
  logger: Logger;
  txlog: TransactionLog;
  backendFor: (tenant: Tenant) => LoyaltyBackend;
  /** The till's patience: outbound calls made for one LoyaltyAPI call end within it. */
  tillPatienceMs: number;
}

/** LoyaltyAPI 1.0: every route validates, maps to integers, asks the tenant's back-end, maps back. */
export function loyaltyApiRouter({ db, logger, txlog, backendFor, tillPatienceMs }: LoyaltyRouterDeps): Router {
  const router = Router();
  router.use(express.json({ limit: '2mb' }));
  router.use((req: Request, res: Response, next: NextFunction) => {
    const receivedAt = Date.now();
    const tenant = findTenantByLoyaltyToken(db, req.get(AUTH_HEADER));
    if (!tenant) throw new AuthenticationError();
    res.locals.tenant = tenant;
    res.locals.tenantId = tenant.accountId;
    res.locals.receivedAt = receivedAt;
    const context = currentRequestContext();
    if (context) {
      context.accountId = tenant.accountId;
      context.deadlineAt = receivedAt + tillPatienceMs;
    }
    next();
  });

  const tenantOf = (res: Response): Tenant => res.locals.tenant as Tenant;
  const backend = (res: Response) => backendFor(tenantOf(res));
  const facts = (res: Response, value: LogFacts) => {
    res.locals.logFacts = { ...(res.locals.logFacts ?? {}), ...value };
  };
  /** The sale or return is linked in the transaction log: provider calls and outbox attempts carry its key. */
  const linkDocument = (saleKey: string | undefined, documentName: string | undefined) => {
    const context = currentRequestContext();
    if (context) Object.assign(context, { saleKey, documentName });
  };
  /** The 201's log row, written by the back-end in the same transaction as the document itself. */
  const commitLog = (req: Request, res: Response): CommitLog => (tx) => {
    txlog.record(
      {
        tenantId: tenantOf(res).accountId,
        ...(res.locals.logFacts as LogFacts),
        kind: 'loyalty-api',
        endpoint: `${req.method} ${req.route?.path ?? req.path}`,
        httpStatus: 201,
        ok: true,
        durationMs: Date.now() - (res.locals.receivedAt as number),
        request: req.body,
        response: {},
      },
      tx,
    );
    res.locals.logWritten = true;
  };

  router.post('/counterparty', async (req, res) => {
    const body = validate(schemas.createCustomerBody, req.body);
    const fields = map.customerFields(body);
    facts(res, { phone: fields.phone, cardNumber: fields.discountCardNumber });
    const created = await backend(res).createCustomer(tenantOf(res), {
      ...fields,
      msId: map.idOf(body.meta),
      syncId: body.syncId || undefined,
      retailStoreId: map.idOf(body.retailStore?.meta),
      statusCheck: body.statusCheck,
    });
    facts(res, { customerId: created.id });
    res.status(201).json({ id: created.id });
  });

  router.get('/counterparty', async (req, res) => {
    const { search } = validate(schemas.searchQuery, req.query);
    const rows = await backend(res).searchCustomers(tenantOf(res), search);
    res.json({ rows });
  });

  router.post('/counterparty/detail', async (req, res) => {
    const body = validate(schemas.balanceBody, req.body);
    const ref = map.customerRef(body) ?? {};
    facts(res, { customerId: ref.id, phone: ref.phone, cardNumber: ref.discountCardNumber });
    const agentBonusBalance = await backend(res).balance(tenantOf(res), ref, map.idOf(body.retailStore?.meta));
    res.json({ bonusProgram: { agentBonusBalance } });
  });

  router.post('/counterparty/verify', async (req, res) => {
    const body = validate(schemas.registrationCodeBody, req.body);
    const fields = map.customerFields(body);
    facts(res, { phone: fields.phone });
    res.json(await backend(res).sendRegistrationCode(tenantOf(res), fields));
  });

  router.post('/retaildemand/recalc', async (req, res) => {
    const body = validate(schemas.recalcBody, req.body);
    const agent = map.customerRef(body.agent) ?? {};
    const result = await backend(res).recalc(tenantOf(res), {
      retailStoreId: map.idOf(body.retailStore?.meta),
      agent,
      positions: map.receiptPositions(body.positions),
      transactionType: body.bonusProgram?.transactionType ?? 'EARNING',
      preferredPointsToSpend: body.preferredBonusToSpend ?? undefined,
    });
    facts(res, {
      customerId: agent.id,
      phone: agent.phone,
      cardNumber: agent.discountCardNumber,
      pointsSpent: result.bonusValueToSpend,
      pointsEarned: result.bonusValueToEarn,
      errorMessage: result.notice,
    });
    res.json(map.recalcResponse(body.agent, result));
  });

  router.post('/retaildemand/verify', async (req, res) => {
    const body = validate(schemas.spendingCodeBody, req.body);
    facts(res, { customerId: body.counterpartyId, phone: body.phone });
    res.json(
      await backend(res).sendSpendingCode(tenantOf(res), {
        counterpartyId: body.counterpartyId,
        phone: body.phone || undefined,
        retailStoreId: map.idOf(body.retailStore?.meta),
      }),
    );
  });

  router.post('/retaildemand', async (req, res) => {
    const sale = map.saleRequest(validate(schemas.saleBody, req.body));
    facts(res, {
      documentName: sale.name,
      saleKey: sale.saleKey,
      customerId: sale.agent?.id,
      phone: sale.agent?.phone,
      cardNumber: sale.agent?.discountCardNumber,
      pointsSpent: sale.pointsToSpend,
      pointsEarned: sale.pointsToEarn,
    });
    linkDocument(sale.saleKey, sale.name);
    await backend(res).createSale(tenantOf(res), sale, commitLog(req, res));
    res.status(201).json({});
  });

  router.post('/retailsalesreturn', async (req, res) => {
    const saleReturn = map.returnRequest(validate(schemas.returnBody, req.body));
    facts(res, { documentName: saleReturn.name, saleKey: saleReturn.saleMsId, customerId: saleReturn.agent?.id, phone: saleReturn.agent?.phone });
    linkDocument(saleReturn.saleMsId, saleReturn.name);
    await backend(res).createReturn(tenantOf(res), saleReturn, commitLog(req, res));
    res.status(201).json({});
  });

  router.get('/giftcard', async (req, res) => {
    const query = validate(schemas.giftCardQuery, req.query);
    const card = await backend(res).giftCard(tenantOf(res), query.name, query.retailStoreId || undefined);
    res.json(map.giftCardResponse(card));
  });

  router.use(() => {
    throw new NotFoundError('Такого метода LoyaltyAPI нет.');
  });
  router.use(errorHandler(logger, renderLoyaltyError));
  return router;
}
