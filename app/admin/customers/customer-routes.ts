import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import Joi from 'joi';
import { BusinessRuleError, NotFoundError, ValidationError } from '../../errors.js';
import { pointsText } from '../../locale/plural.js';
import { checkFields, validate, type FieldProblem } from '../../http/validate.js';
import { customerRepository } from '../../ledger/customer-repository.js';
import { customerEntries, ENTRY_PAGE } from '../../ledger/ledger-queries.js';
import { ledgerEntriesRepository, spendablePoints } from '../../ledger/ledger-entry-repository.js';
import { adjustBalance, adjustmentFormFields } from '../../ledger/manual-adjustment.js';
import { ledgerRulesOf } from '../../ledger/rules.js';
import { redactText } from '../../logging/redact.js';
import type { AdminContext } from '../admin-context.js';
import { currentUser, requireRole } from '../auth/access.js';
import { flash } from '../flash.js';
import { tenantOfRoute } from '../tenants/tenant-directory-queries.js';
import { looksLikePhone } from '../../locale/phone.js';
import { tierRulesOf, tiersOn } from '../../ledger/tier-rules.js';
import { tierRepository } from '../../ledger/tier-repository.js';
import { standingOf } from '../../ledger/tiers.js';

const id = Joi.string().max(100).required();
const customerParams = Joi.object<{ customerId: string }>({ customerId: id }).unknown(true);
const searchQuery = Joi.object<{ q: string }>({
  q: Joi.string().trim().allow('').max(100).default('').label('Поиск'),
}).unknown(true);
const entriesQuery = Joi.object<{ before?: number }>({ before: Joi.number().integer().min(1) }).unknown(true);

const adjustmentForm = Joi.object<{ points: number; reason: string; requestKey: string }>({
  ...adjustmentFormFields,
}).unknown(true);

/** Customers of a tenant's built-in ledger: search, balance and history, manual adjustment. */
export function customerRoutes({ storage, txlog }: AdminContext): Router {
  const router = Router();
  const db = storage.db;
  const tenantOf = (req: Request) => tenantOfRoute(db, req.params);

  router.get('/tenants/:accountId/customers', (req, res) => {
    const tenant = tenantOf(req);
    const { q } = validate(searchQuery, req.query);
    // Before any search, the customers seen last: support usually comes about one of them.
    const found = q
      ? customerRepository.search(db, tenant.accountId, q)
      : customerRepository.recent(db, tenant.accountId);
    // A searched phone is not written back into the page: only its last digits are.
    res.render('admin/customers/list', {
      tenant,
      q: looksLikePhone(q) ? '' : q,
      searchedPhone: looksLikePhone(q) ? q.replace(/\D/g, '').slice(-4) : undefined,
      found,
      searched: q !== '',
    });
  });

  const renderCustomer = (
    req: Request,
    res: Response,
    status = 200,
    form: { problems?: FieldProblem[]; points?: unknown; reason?: string } = {},
  ) => {
    const tenant = tenantOf(req);
    const { customerId } = validate(customerParams, req.params);
    const customer = customerRepository.findById(db, tenant.accountId, customerId);
    if (!customer) throw new NotFoundError('Такого покупателя нет.');
    const { before } = validate(entriesQuery, req.query);
    const now = new Date();
    const entries = customerEntries(db, customer.id, before);
    const tiers = tierRulesOf(tenant);
    res.status(status).render('admin/customers/detail', {
      tenant,
      customer,
      pending: ledgerEntriesRepository.pending(db, customer.id, now),
      spendable: spendablePoints(db, customer, now),
      entries,
      tier: tiersOn(tiers) ? standingOf(tiers, customer) : undefined,
      levelChanges: tierRepository.changesOf(db, customer.id),
      olderEntries: entries.length === ENTRY_PAGE ? entries.at(-1)?.id : undefined,
      requestKey: randomUUID(),
      form,
    });
  };

  router.get('/tenants/:accountId/customers/:customerId', (req, res) => renderCustomer(req, res));

  router.post('/tenants/:accountId/customers/:customerId/adjustments', requireRole('admin'), (req, res) => {
    const tenant = tenantOf(req);
    const { customerId } = validate(customerParams, req.params);
    const { value, problems } = checkFields(adjustmentForm, req.body);
    const body = req.body as { points?: unknown; reason?: unknown };
    // The typed reason comes back into the form, redacted like everything shown.
    if (problems.length > 0)
      return renderCustomer(req, res, 422, {
        problems,
        points: body.points,
        reason: redactText(String(body.reason ?? '')),
      });
    const { points, reason, requestKey } = value;
    let result;
    try {
      result = adjustBalance(db, txlog, {
        tenantId: tenant.accountId,
        customerId,
        points,
        reason,
        requestKey,
        adminLogin: currentUser(res).login,
        rules: ledgerRulesOf(tenant),
      });
    } catch (error) {
      // A refusal (below zero, past the cap) stays on the customer's page, next to the field: no bare error page.
      if (!(error instanceof BusinessRuleError || error instanceof ValidationError)) throw error;
      return renderCustomer(req, res, 422, {
        problems: [{ field: error.parameter ?? 'points', message: error.message }],
        points: body.points,
        reason: redactText(String(body.reason ?? '')),
      });
    }
    flash(
      req,
      'ok',
      result.applied
        ? `Баланс скорректирован: теперь ${pointsText(result.balance)}.`
        : 'Эта корректировка уже проведена.',
    );
    res.redirect(
      303,
      `/admin/tenants/${encodeURIComponent(tenant.accountId)}/customers/${encodeURIComponent(customerId)}`,
    );
  });

  return router;
}
