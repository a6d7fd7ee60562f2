import { Router, type Request, type Response } from 'express';
import Joi from 'joi';
import type { Tenant } from '../../../db/schema/index.js';
import { checkFields, validate, type FieldProblem } from '../../http/validate.js';
import { redactText } from '../../logging/redact.js';
import type { AdminContext } from '../admin-context.js';
import { currentUser, requireRole } from '../auth/access.js';
import { flash, type Flash } from '../flash.js';
import { tenantActions } from './tenant-actions.js';
import { tenantDetail } from './tenant-detail.js';
import { tenantOfRoute } from './tenant-directory-queries.js';
import { tenantListPage } from './tenant-list.js';

const listQuery = Joi.object<{ q: string; after?: string }>({
  q: Joi.string().allow('').max(200).default('').label('Поиск'),
  after: Joi.string().max(100).label('Страница'),
});
const detailQuery = Joi.object<{ outboxBefore?: number }>({
  outboxBefore: Joi.number().integer().min(1).label('Страница очереди'),
}).unknown(true);
const itemParams = Joi.object<{ itemId: number }>({
  itemId: Joi.number().integer().min(1).required().label('Запись очереди'),
}).unknown(true);
/** The box an admin ticks to say they know a resend may apply the operation twice. */
export const DOUBLE_SPEND_CONFIRMATION = 'double-spend-risk';
const resendUnknownForm = Joi.object<{ confirm: string }>({
  confirm: Joi.string().valid(DOUBLE_SPEND_CONFIRMATION).required().label('Подтверждение').messages({
    'any.only': 'Отметьте, что понимаете риск двойного проведения.',
    'any.required': 'Отметьте, что понимаете риск двойного проведения.',
  }),
}).unknown(true);
const abandonForm = Joi.object<{ reason: string }>({
  reason: Joi.string().trim().min(5).max(500).required().label('Причина'),
}).unknown(true);

/** An abandon form sent back with its problems, shown next to the item it was for. */
export interface AbandonFormState {
  itemId: number;
  reason: string;
  problems: FieldProblem[];
}

/**
 * Tenants: the list, the detail page, and the actions on it. Safe actions are open to support (re-send
 * settings to МойСклад, retry a go-live step or an outbox item: each repeats what was meant to happen);
 * rotating a token, abandoning a sale and resending one of unknown outcome (it may apply twice) are the
 * admin's (see docs/decisions.md, "Admin UI").
 */
export function tenantRoutes({ storage, box, txlog, goLive, outbox, loyaltyApiUrl }: AdminContext): Router {
  const router = Router();
  const db = storage.db;
  const actions = tenantActions({ goLive, outbox, txlog });
  const pagePath = (accountId: string) => `/admin/tenants/${encodeURIComponent(accountId)}`;

  router.get('/tenants', (req, res) => {
    const { q, after } = validate(listQuery, req.query);
    res.render('admin/tenants/list', { q, page: tenantListPage(db, outbox, q, after, new Date()) });
  });

  const renderDetail = (req: Request, res: Response, status = 200, abandon?: AbandonFormState) => {
    const tenant = tenantOfRoute(db, req.params);
    const { outboxBefore } = validate(detailQuery, req.query);
    res.status(status).render('admin/tenants/detail', {
      detail: tenantDetail({ db, box, outbox, loyaltyApiUrl }, tenant, { outboxBefore }),
      abandon,
    });
  };

  router.get('/tenants/:accountId', (req, res) => renderDetail(req, res));

  /** Runs one action and returns to the tenant page, which says how it went, once. */
  const act =
    (run: (by: string, tenant: Tenant, req: Request) => Flash | Promise<Flash>) =>
    async (req: Request, res: Response) => {
      const tenant = tenantOfRoute(db, req.params);
      flash(req, await run(currentUser(res).login, tenant, req));
      res.redirect(303, pagePath(tenant.accountId));
    };
  const itemOf = (req: Request) => validate(itemParams, req.params).itemId;

  router.post(
    '/tenants/:accountId/go-live/retry',
    act((by, tenant) => actions.retryGoLive(by, tenant)),
  );
  router.post(
    '/tenants/:accountId/go-live/resend',
    act((by, tenant) => actions.resendSettings(by, tenant)),
  );
  router.post(
    '/tenants/:accountId/go-live/rotate-token',
    requireRole('admin'),
    act((by, tenant) => actions.rotateToken(by, tenant)),
  );
  router.post(
    '/tenants/:accountId/outbox/:itemId/retry',
    act((by, tenant, req) => actions.retryOutboxItem(by, tenant.accountId, itemOf(req))),
  );

  router.post('/tenants/:accountId/outbox/:itemId/resend-unknown', requireRole('admin'), (req, res) => {
    const { problems } = checkFields(resendUnknownForm, req.body);
    if (problems.length > 0) {
      flash(req, { kind: 'error', text: problems.map((p) => p.message).join(' ') });
      return res.redirect(303, `${pagePath(tenantOfRoute(db, req.params).accountId)}#outbox`);
    }
    return act((by, tenant) => actions.resendUnknownOutcome(by, tenant.accountId, itemOf(req)))(req, res);
  });

  router.post('/tenants/:accountId/outbox/:itemId/abandon', requireRole('admin'), (req, res) => {
    const { value, problems } = checkFields(abandonForm, req.body);
    // The typed reason comes back into the form, redacted like everything shown.
    if (problems.length > 0)
      return renderDetail(req, res, 422, {
        itemId: itemOf(req),
        reason: redactText(String((req.body as { reason?: unknown }).reason ?? '')),
        problems,
      });
    return act((by, tenant) => actions.abandonOutboxItem(by, tenant.accountId, itemOf(req), value.reason))(req, res);
  });

  return router;
}
