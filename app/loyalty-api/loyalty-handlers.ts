import type { NextFunction, Request, Response } from 'express';
import type { Tenant } from '../../db/schema/index.js';
import { AuthenticationError, NotFoundError } from '../errors.js';
import { markAuthenticated } from '../http/auth-failures.js';
import type { LogFacts } from '../http/transaction-logging.js';
import { validate } from '../http/validate.js';
import { looksLikePhone } from '../locale/phone.js';
import { currentRequestContext } from '../logging/logger.js';
import type {
  CommitLog,
  CustomerRef,
  GoodsClassifier,
  LoyaltyBackend,
  SaleConflict,
  SaleRequest,
} from '../loyalty/backend.js';
import { receiptTotalKopecks } from '../receipt/positions.js';
import type { Db } from '../storage/database.js';
import { findTenantByLoyaltyToken } from '../tenants/tenant-auth.js';
import { firstSaleCallBody } from '../txlog/log-query.js';
import type { TransactionLog } from '../txlog/transaction-log.js';
import * as map from './mapping.js';
import * as schemas from './schemas.js';

export const AUTH_HEADER = 'Lognex-Discount-API-Auth-Token';

export interface LoyaltyHandlerDeps {
  db: Db;
  txlog: TransactionLog;
  backendFor: (tenant: Tenant) => LoyaltyBackend;
  /** Tells each receipt line whether points may discount it and whether it earns. */
  goods: GoodsClassifier;
  /** The till's patience: outbound calls made for one LoyaltyAPI call end within it. */
  tillPatienceMs: number;
}

/** LoyaltyAPI 1.0 handlers: each validates, maps to integers, asks the tenant's back-end, maps back. */
export function loyaltyHandlers({ db, txlog, backendFor, goods, tillPatienceMs }: LoyaltyHandlerDeps) {
  const tenantOf = (res: Response): Tenant => res.locals.tenant as Tenant;
  const backend = (res: Response) => backendFor(tenantOf(res));

  /** The 201's log row, written by the back-end in the same transaction as the document itself. */
  const commitLog =
    (req: Request, res: Response): CommitLog =>
    (tx) => {
      txlog.record(
        {
          tenantId: tenantOf(res).accountId,
          ...res.locals.logFacts,
          kind: 'loyalty-api',
          endpoint: `${req.method} ${req.route?.path ?? req.path}`,
          httpStatus: 201,
          ok: true,
          durationMs: Date.now() - (res.locals.receivedAt ?? Date.now()),
          request: req.body,
          response: {},
        },
        tx,
      );
      res.locals.logWritten = true;
    };

  /**
   * A sale key sent again with other content: answered like the first time, and a failed log row with
   * both bodies tells support (the first as logged then, else as the back-end recorded it).
   */
  const recordSaleConflict = (req: Request, res: Response, sale: SaleRequest, conflict: SaleConflict): void => {
    const tenantId = tenantOf(res).accountId;
    const first = firstSaleCallBody(db, tenantId, sale.saleKey) ?? conflict.recorded;
    // Nothing moved on this call: the points stay on the first call's row only.
    const { pointsSpent: _spent, pointsEarned: _earned, ...facts } = res.locals.logFacts ?? {};
    const named = sale.name ? `Продажа № ${sale.name}` : `Продажа с ключом ${sale.saleKey}`;
    txlog.record({
      tenantId,
      ...facts,
      kind: 'loyalty-api',
      endpoint: `${req.method} ${req.route?.path ?? req.path}`,
      httpStatus: 201,
      ok: false,
      errorMessage: `${named} пришла повторно с другим содержимым. Кассе ответили как в первый раз, повтор не применён. Поддержке: сравните first (первая продажа) и repeated (повтор) и при необходимости поправьте баллы вручную.`,
      request: { first, repeated: req.body },
      response: {},
    });
  };

  return {
    /** The token names the tenant; the till's deadline starts when the call arrives. */
    authenticate(req: Request, res: Response, next: NextFunction): void {
      const receivedAt = Date.now();
      const tenant = findTenantByLoyaltyToken(db, req.get(AUTH_HEADER));
      if (!tenant) throw new AuthenticationError();
      markAuthenticated(res);
      res.locals.tenant = tenant;
      res.locals.tenantId = tenant.accountId;
      res.locals.receivedAt = receivedAt;
      const context = currentRequestContext();
      if (context) {
        context.accountId = tenant.accountId;
        context.deadlineAt = receivedAt + tillPatienceMs;
      }
      next();
    },

    async createCustomer(req: Request, res: Response): Promise<void> {
      const body = validate(schemas.createCustomerBody, req.body);
      const fields = map.customerFields(body);
      addFacts(res, customerFacts(fields));
      const created = await backend(res).createCustomer(tenantOf(res), {
        ...fields,
        msId: map.idOf(body.meta),
        syncId: body.syncId || undefined,
        retailStoreId: map.idOf(body.retailStore?.meta),
        statusCheck: body.statusCheck,
      });
      addFacts(res, { customerId: created.id });
      res.status(201).json({ id: created.id });
    },

    async searchCustomers(req: Request, res: Response): Promise<void> {
      const { search, retailStoreId } = validate(schemas.searchQuery, req.query);
      const rows = await backend(res).searchCustomers(tenantOf(res), search, retailStoreId || undefined);
      addFacts(res, {
        read: true,
        foundCount: rows.length,
        // The id the till's next calls carry for a customer МойСклад knows, so the rows link up.
        customerId: rows.length === 1 ? (rows[0]!.msId ?? rows[0]!.id) : undefined,
        phone: looksLikePhone(search) ? search : undefined,
      });
      res.json({ rows });
    },

    async balance(req: Request, res: Response): Promise<void> {
      const body = validate(schemas.balanceBody, req.body);
      const ref = map.customerRef(body) ?? {};
      addFacts(res, customerFacts(ref));
      const agentBonusBalance = await backend(res).balance(tenantOf(res), ref, map.idOf(body.retailStore?.meta));
      addFacts(res, { read: true, balanceBefore: agentBonusBalance });
      res.json({ bonusProgram: { agentBonusBalance } });
    },

    async registrationCode(req: Request, res: Response): Promise<void> {
      const body = validate(schemas.registrationCodeBody, req.body);
      const fields = map.customerFields(body);
      addFacts(res, { phone: fields.phone });
      res.json(await backend(res).sendRegistrationCode(tenantOf(res), fields, map.idOf(body.retailStore?.meta)));
    },

    async recalc(req: Request, res: Response): Promise<void> {
      const body = validate(schemas.recalcBody, req.body);
      const agent = map.customerRef(body.agent) ?? {};
      const positions = map.receiptPositions(body.positions);
      const result = await backend(res).recalc(tenantOf(res), {
        retailStoreId: map.idOf(body.retailStore?.meta),
        agent,
        positions: await goods.classify(tenantOf(res), positions),
        transactionType: body.bonusProgram?.transactionType ?? 'EARNING',
        preferredPointsToSpend: body.preferredBonusToSpend ?? undefined,
      });
      // What the till showed outlives the bodies: support answers "what did the till show?" from these.
      addFacts(res, {
        ...customerFacts(agent),
        read: true,
        pointsSpent: result.bonusValueToSpend,
        pointsEarned: result.bonusValueToEarn,
        errorMessage: result.notice,
        receiptLines: positions.length,
        receiptKopecks: receiptTotalKopecks(positions),
        discountKopecks: result.paidByBonusPointsKopecks,
        balanceBefore: result.agentBonusBalance,
        balanceAfter: result.agentBonusBalanceAfter,
        receiptText: result.receiptExtraInfo,
      });
      res.json(map.recalcResponse(body.agent, result));
    },

    async spendingCode(req: Request, res: Response): Promise<void> {
      const body = validate(schemas.spendingCodeBody, req.body);
      addFacts(res, { customerId: body.counterpartyId, phone: body.phone });
      res.json(
        await backend(res).sendSpendingCode(tenantOf(res), {
          counterpartyId: body.counterpartyId,
          phone: body.phone || undefined,
          retailStoreId: map.idOf(body.retailStore?.meta),
        }),
      );
    },

    async sale(req: Request, res: Response): Promise<void> {
      const sale = map.saleRequest(validate(schemas.saleBody, req.body));
      addFacts(res, {
        ...documentFacts(sale.saleKey, sale.name),
        ...customerFacts(sale.agent),
        pointsSpent: sale.pointsToSpend,
        pointsEarned: sale.pointsToEarn,
      });
      const classified = { ...sale, positions: await goods.classify(tenantOf(res), sale.positions) };
      const conflict = await backend(res).createSale(tenantOf(res), classified, commitLog(req, res));
      if (conflict) recordSaleConflict(req, res, classified, conflict);
      res.status(201).json({});
    },

    async saleReturn(req: Request, res: Response): Promise<void> {
      const saleReturn = map.returnRequest(validate(schemas.returnBody, req.body));
      const { customerId, phone } = customerFacts(saleReturn.agent);
      addFacts(res, { ...documentFacts(saleReturn.saleMsId, saleReturn.name), customerId, phone });
      await backend(res).createReturn(tenantOf(res), saleReturn, commitLog(req, res));
      res.status(201).json({});
    },

    async giftCard(req: Request, res: Response): Promise<void> {
      const query = validate(schemas.giftCardQuery, req.query);
      const card = await backend(res).giftCard(tenantOf(res), query.name, query.retailStoreId || undefined);
      res.json(map.giftCardResponse(card));
    },

    unknownMethod(): never {
      throw new NotFoundError('Такого метода LoyaltyAPI нет.');
    },
  };
}

/** Facts a handler adds to its transaction-log row; the logging middleware writes them when the answer is sent. */
function addFacts(res: Response, value: LogFacts): void {
  res.locals.logFacts = { ...res.locals.logFacts, ...value };
}

function customerFacts(ref: CustomerRef | undefined): LogFacts {
  return { customerId: ref?.id, phone: ref?.phone, cardNumber: ref?.discountCardNumber };
}

/**
 * A sale or return: its log row names it, and the provider calls and outbox attempts made for it carry
 * its key, so the transaction log links them.
 */
function documentFacts(saleKey: string | undefined, documentName: string | undefined): LogFacts {
  const context = currentRequestContext();
  if (context) Object.assign(context, { saleKey, documentName });
  return { saleKey, documentName };
}
