import { Router } from 'express';
import Joi from 'joi';
import { validate } from '../../http/validate.js';
import type { AdminContext } from '../admin-router.js';
import { tenantDetail } from './tenant-detail.js';
import { tenantOfRoute } from './tenant-directory.js';
import { tenantListPage } from './tenant-list.js';

const listQuery = Joi.object<{ q: string; after?: string }>({
  q: Joi.string().allow('').max(200).default('').label('Поиск'),
  after: Joi.string().max(100).label('Страница'),
});

export function tenantRoutes({ storage, box }: AdminContext): Router {
  const router = Router();

  router.get('/tenants', (req, res) => {
    const { q, after } = validate(listQuery, req.query);
    res.render('admin/tenants/list', { q, page: tenantListPage(storage.db, q, after, new Date()) });
  });

  router.get('/tenants/:accountId', (req, res) => {
    res.render('admin/tenants/detail', { detail: tenantDetail(storage.db, box, tenantOfRoute(storage.db, req.params)) });
  });

  return router;
}
