import { Router, type Request, type Response } from 'express';
import Joi from 'joi';
import { AppError } from '../../errors.js';
import { checkFields, validate, type FieldProblem } from '../../http/validate.js';
import { statusOf } from '../../ledger/gift-cards.js';
import { listGiftCards } from '../../ledger/ledger-queries.js';
import type { AdminContext } from '../admin-context.js';
import { currentUser, requireRole } from '../auth/access.js';
import { flash } from '../flash.js';
import { tenantOfRoute } from '../tenants/tenant-directory-queries.js';
import { blockGiftCard, issueGiftCard, unblockGiftCard, type BlockChange } from './gift-card-admin.js';
import { parseRoubles } from './money-input.js';

const searchQuery = Joi.object<{ q: string }>({
  q: Joi.string().trim().allow('').max(100).default('').label('Поиск'),
}).unknown(true);
const cardParams = Joi.object<{ cardId: string }>({ cardId: Joi.string().max(100).required() }).unknown(true);
const issueForm = Joi.object<{ number: string; amount: string; expires: string }>({
  number: Joi.string().trim().min(1).max(64).required().label('Номер карты'),
  amount: Joi.string()
    .trim()
    .pattern(/^\d{1,7}([.,]\d{1,2})?$/)
    .required()
    .label('Номинал, ₽'),
  expires: Joi.string()
    .allow('')
    .pattern(/^\d{4}-\d{2}-\d{2}$/)
    .default('')
    .label('Действует до'),
}).unknown(true);

/** The form's field for a refusal's parameter: the ledger names the amount in kopecks. */
const FORM_FIELDS: Record<string, string> = { number: 'number', initialKopecks: 'amount', expires: 'expires' };

/** Gift cards of a tenant's built-in ledger: list and search, issue (admin), block (support too), unblock (admin). */
export function giftCardRoutes({ storage, txlog, giftCards, tz }: AdminContext): Router {
  const router = Router();
  const deps = { db: storage.db, giftCards, txlog };
  const listPath = (accountId: string) => `/admin/tenants/${encodeURIComponent(accountId)}/gift-cards`;

  const render = (
    req: Request,
    res: Response,
    status = 200,
    form: { problems?: FieldProblem[]; values?: unknown } = {},
  ) => {
    const tenant = tenantOfRoute(storage.db, req.params);
    const { q } = validate(searchQuery, req.query);
    const now = new Date();
    const cards = listGiftCards(storage.db, tenant.accountId, q).map((card) => ({
      ...card,
      status: statusOf(card, now),
    }));
    res.status(status).render('admin/customers/gift-cards', { tenant, q, cards, form });
  };

  router.get('/tenants/:accountId/gift-cards', (req, res) => render(req, res));

  router.post('/tenants/:accountId/gift-cards', requireRole('admin'), (req, res) => {
    const tenant = tenantOfRoute(storage.db, req.params);
    const { value, problems } = checkFields(issueForm, req.body);
    if (problems.length > 0) return render(req, res, 422, { problems, values: req.body });
    let number;
    try {
      number = issueGiftCard(deps, currentUser(res).login, tenant.accountId, {
        number: value.number,
        initialKopecks: parseRoubles(value.amount),
        expiresAt: value.expires ? tz.parseInput(`${value.expires}T23:59:59`) : undefined,
      });
    } catch (error) {
      // A refused card (a number already issued, a date gone) stays on the page, under its field.
      const field = error instanceof AppError ? FORM_FIELDS[error.parameter ?? ''] : undefined;
      if (!field || !(error instanceof AppError)) throw error;
      return render(req, res, 422, { problems: [{ field, message: error.message }], values: req.body });
    }
    flash(req, 'ok', `Подарочная карта ${number} выпущена.`);
    res.redirect(303, listPath(tenant.accountId));
  });

  const toggle =
    (change: typeof blockGiftCard, done: (number: string) => string, already: (number: string) => string) =>
    (req: Request, res: Response) => {
      const tenant = tenantOfRoute(storage.db, req.params);
      const { cardId } = validate(cardParams, req.params);
      const { number, changed }: BlockChange = change(deps, currentUser(res).login, tenant.accountId, cardId);
      // A second click (or a reload of the POST) changes nothing and says so, as an ok.
      flash(req, 'ok', changed ? done(number) : already(number));
      res.redirect(303, listPath(tenant.accountId));
    };

  // Blocking protects the store from a lost or stolen card: a safe action, open to support.
  router.post(
    '/tenants/:accountId/gift-cards/:cardId/block',
    toggle(
      blockGiftCard,
      (n) => `Подарочная карта ${n} заблокирована.`,
      (n) => `Подарочная карта ${n} уже заблокирована.`,
    ),
  );
  // Unblocking lets a card pay again, maybe one reported stolen: an admin decides.
  router.post(
    '/tenants/:accountId/gift-cards/:cardId/unblock',
    requireRole('admin'),
    toggle(
      unblockGiftCard,
      (n) => `Подарочная карта ${n} снова действует.`,
      (n) => `Подарочная карта ${n} не заблокирована.`,
    ),
  );

  return router;
}
