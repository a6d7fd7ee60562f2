import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import Joi from 'joi';
import { NotFoundError, ValidationError } from '../../errors.js';
import { checkFields, validate } from '../../http/validate.js';
import { customerRepository } from '../../ledger/customer-repository.js';
import { statusOf } from '../../ledger/gift-cards.js';
import { customerEntries, ENTRY_PAGE, findGiftCard, listGiftCards } from '../../ledger/ledger-browse.js';
import { ledgerEntriesRepository, spendablePoints } from '../../ledger/ledger-entries.js';
import { adjustBalance, MAX_ADJUSTMENT_POINTS } from '../../ledger/manual-adjustment.js';
import { looksLikePhone } from '../../ledger/phone.js';
import { immediate } from '../../storage/database.js';
import type { AdminContext } from '../admin-router.js';
import { recordAdminAction } from '../audit.js';
import { currentUser, requireRole } from '../auth/access.js';
import { flash } from '../flash.js';
import { tenantDirectory } from '../tenants/tenant-directory.js';
import { parseRoubles } from './money-input.js';

const id = Joi.string().max(100).required();
const tenantParam = Joi.object<{ accountId: string }>({ accountId: id }).unknown(true);
const customerParams = Joi.object<{ customerId: string }>({ customerId: id }).unknown(true);
const cardParams = Joi.object<{ cardId: string }>({ cardId: id }).unknown(true);
const searchQuery = Joi.object<{ q: string }>({ q: Joi.string().trim().allow('').max(100).default('').label('Поиск') }).unknown(true);
const entriesQuery = Joi.object<{ before?: number }>({ before: Joi.number().integer().min(1) }).unknown(true);

const adjustmentForm = Joi.object<{ points: number; reason: string; requestKey: string }>({
  points: Joi.number()
    .integer()
    .min(-MAX_ADJUSTMENT_POINTS)
    .max(MAX_ADJUSTMENT_POINTS)
    .invalid(0)
    .required()
    .label('Баллы')
    .messages({ 'any.invalid': 'Баллы: укажите число, не ноль (со знаком минус, чтобы списать).' }),
  reason: Joi.string().trim().min(5).max(500).required().label('Причина'),
  requestKey: Joi.string().guid().required().label('Форма'),
}).unknown(true);

const giftCardForm = Joi.object<{ number: string; amount: string; expires: string }>({
  number: Joi.string().trim().min(1).max(64).required().label('Номер карты'),
  amount: Joi.string().trim().pattern(/^\d{1,7}([.,]\d{1,2})?$/).required().label('Номинал, ₽'),
  expires: Joi.string().allow('').pattern(/^\d{4}-\d{2}-\d{2}$/).default('').label('Действует до'),
}).unknown(true);

/** Customers and gift cards of a tenant's built-in ledger. */
export function customerRoutes({ storage, txlog, giftCards, tz }: AdminContext): Router {
  const router = Router();
  const db = storage.db;
  const tenantOf = (req: Request) => {
    const tenant = tenantDirectory.find(db, validate(tenantParam, req.params).accountId);
    if (!tenant) throw new NotFoundError('Такого аккаунта нет.');
    return tenant;
  };

  router.get('/tenants/:accountId/customers', (req, res) => {
    const tenant = tenantOf(req);
    const { q } = validate(searchQuery, req.query);
    const found = q ? customerRepository.search(db, tenant.accountId, q) : [];
    // A searched phone is not written back into the page: only its last digits are.
    res.render('admin/customers/list', { tenant, q: looksLikePhone(q) ? '' : q, searchedPhone: looksLikePhone(q) ? q.replace(/\D/g, '').slice(-4) : undefined, found, searched: q !== '' });
  });

  const renderCustomer = (req: Request, res: Response, status = 200, form: { problems?: { field: string; message: string }[]; points?: unknown; reason?: unknown } = {}) => {
    const tenant = tenantOf(req);
    const { customerId } = validate(customerParams, req.params);
    const customer = customerRepository.findById(db, tenant.accountId, customerId);
    if (!customer) throw new NotFoundError('Такого покупателя нет.');
    const { before } = validate(entriesQuery, req.query);
    const now = new Date();
    const entries = customerEntries(db, customer.id, before);
    res.status(status).render('admin/customers/detail', {
      tenant,
      customer,
      pending: ledgerEntriesRepository.pending(db, customer.id, now),
      spendable: spendablePoints(db, customer, now),
      entries,
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
    if (problems.length > 0) return renderCustomer(req, res, 422, { problems, points: body.points, reason: body.reason });
    const result = adjustBalance(db, txlog, { tenantId: tenant.accountId, customerId, ...value, adminLogin: currentUser(res).login });
    flash(req, 'ok', result.applied ? `Баланс скорректирован: теперь ${result.balance} баллов.` : 'Эта корректировка уже проведена.');
    res.redirect(303, `/admin/tenants/${encodeURIComponent(tenant.accountId)}/customers/${encodeURIComponent(customerId)}`);
  });

  const renderGiftCards = (req: Request, res: Response, status = 200, form: { problems?: { field: string; message: string }[]; values?: Record<string, unknown> } = {}) => {
    const tenant = tenantOf(req);
    const { q } = validate(searchQuery, req.query);
    const now = new Date();
    const cards = listGiftCards(db, tenant.accountId, q).map((card) => ({ ...card, status: statusOf(card, now) }));
    res.status(status).render('admin/customers/gift-cards', { tenant, q, cards, form });
  };

  router.get('/tenants/:accountId/gift-cards', (req, res) => renderGiftCards(req, res));

  router.post('/tenants/:accountId/gift-cards', requireRole('admin'), (req, res) => {
    const tenant = tenantOf(req);
    const { value, problems } = checkFields(giftCardForm, req.body);
    if (problems.length > 0) return renderGiftCards(req, res, 422, { problems, values: req.body as Record<string, unknown> });
    const expiresAt = value.expires ? tz.parseInput(`${value.expires}T23:59:59`) : undefined;
    if (expiresAt && expiresAt.getTime() <= Date.now()) throw new ValidationError('Дата окончания уже прошла.', { parameter: 'expires' });
    const card = immediate(db, (tx) => {
      const issued = giftCards.issue(tx, tenant.accountId, { number: value.number, initialKopecks: parseRoubles(value.amount), expiresAt });
      recordAdminAction(txlog, currentUser(res).login, 'gift-card.issue', { tenantId: tenant.accountId, cardNumber: issued.name, request: { initialKopecks: issued.initialBalanceKopecks } }, tx);
      return issued;
    });
    flash(req, 'ok', `Подарочная карта ${card.name} выпущена.`);
    res.redirect(303, `/admin/tenants/${encodeURIComponent(tenant.accountId)}/gift-cards`);
  });

  // Blocking protects the store from a lost or stolen card: a safe action, open to support.
  router.post('/tenants/:accountId/gift-cards/:cardId/block', (req, res) => {
    const tenant = tenantOf(req);
    const { cardId } = validate(cardParams, req.params);
    const number = immediate(db, (tx) => {
      const card = findGiftCard(tx, tenant.accountId, cardId);
      if (!card) throw new NotFoundError('Такой подарочной карты нет.');
      giftCards.block(tx, tenant.accountId, card.number);
      recordAdminAction(txlog, currentUser(res).login, 'gift-card.block', { tenantId: tenant.accountId, cardNumber: card.number }, tx);
      return card.number;
    });
    flash(req, 'ok', `Подарочная карта ${number} заблокирована.`);
    res.redirect(303, `/admin/tenants/${encodeURIComponent(tenant.accountId)}/gift-cards`);
  });

  return router;
}
