import { Router } from 'express';
import Joi from 'joi';
import { validate } from '../../http/validate.js';
import type { AdminContext } from '../admin-router.js';
import { tenantDetail } from './tenant-detail.js';
import { tenantListPage } from './tenant-list.js';

const listQuery = Joi.object<{ q: string; after?: string }>({
  q: Joi.string().allow('').max(200).default('').label('Поиск'),
  after: Joi.string().max(100).label('Страница'),
});
export const accountIdParam = Joi.object<{ accountId: string }>({ accountId: Joi.string().max(100).required() }).unknown(true);

export function tenantRoutes({ storage, box }: AdminContext): Router {
  const router = Router();

  router.get('/tenants', (req, res) => {
    const { q, after } = validate(listQuery, req.query);
    res.render('admin/tenants/list', { q, page: tenantListPage(storage.db, q, after, new Date()) });
  });

  router.get('/tenants/:accountId', (req, res) => {
    const { accountId } = validate(accountIdParam, req.params);
    res.render('admin/tenants/detail', { detail: tenantDetail(storage.db, box, accountId) });
  });

  return router;
}
