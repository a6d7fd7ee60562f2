import { Router, type Request } from 'express';
import { NotFoundError } from '../../errors.js';
import { fileNameOf, fileOf, rawFile } from '../../http/uploaded-file.js';
import { errorHandler } from '../../http/error-handler.js';
import { renderJsonOrHtmlError } from '../../http/json-error.js';
import { validate } from '../../http/validate.js';
import { FILE_TOO_LARGE, MAX_IMPORT_BYTES } from '../../ledger/customer-file.js';
import {
  checkCustomerFile,
  importPageModel,
  importQueryOf,
  importQuerySchema,
  startCustomerImport,
} from '../../ledger/customer-import-page.js';
import { customerImportRepository } from '../../ledger/customer-import-repository.js';
import type { AdminContext } from '../admin-context.js';
import { currentUser, requireRole } from '../auth/access.js';
import { tenantOfRoute } from '../tenants/tenant-directory-queries.js';

/**
 * A tenant's customer import: the same page as in the settings iframe. Support may look, only an admin
 * checks and imports a file (it changes balances). Answers the page's script in JSON.
 */
export function customerImportRoutes({ storage, logger, customerImport }: AdminContext): Router {
  const router = Router();
  const db = storage.db;
  const base = '/tenants/:accountId/import';
  const csv = rawFile(MAX_IMPORT_BYTES, FILE_TOO_LARGE);
  const queryOf = (req: Request) => importQueryOf(validate(importQuerySchema, req.query));

  router.get(base, (req, res) => {
    const tenant = tenantOfRoute(db, req.params);
    const path = `/admin/tenants/${encodeURIComponent(tenant.accountId)}/import`;
    res.render('admin/customers/import', {
      ...importPageModel,
      tenant,
      ledger: tenant.backend === 'ledger',
      canImport: currentUser(res).role === 'admin',
      urls: { check: `${path}/check`, start: `${path}/start`, progress: `${path}/` },
      headers: { 'X-CSRF-Token': res.locals.csrfToken() },
      recent: customerImportRepository.recent(db, tenant.accountId),
    });
  });

  router.post(`${base}/check`, requireRole('admin'), csv, async (req, res) => {
    res.json(await checkCustomerFile(customerImport, tenantOfRoute(db, req.params), fileOf(req), queryOf(req)));
  });

  router.post(`${base}/start`, requireRole('admin'), csv, async (req, res) => {
    const tenant = tenantOfRoute(db, req.params);
    const who = { by: currentUser(res).login, fileName: fileNameOf(req) };
    res.status(202).json(await startCustomerImport(customerImport, tenant, fileOf(req), queryOf(req), who));
  });

  router.get(`${base}/:importId`, (req, res) => {
    const tenant = tenantOfRoute(db, req.params);
    const id = Number(req.params.importId);
    const progress = Number.isSafeInteger(id) ? customerImport.progress(tenant.accountId, id) : undefined;
    if (!progress) throw new NotFoundError('Такого переноса нет.');
    res.json(progress);
  });

  router.use(errorHandler(logger, renderJsonOrHtmlError));
  return router;
}
