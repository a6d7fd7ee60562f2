import express, { Router } from 'express';
import { errorHandler } from '../http/error-handler.js';
import { renderHtmlError } from '../http/html-pages.js';
import { renderJsonOrHtmlError } from '../http/json-error.js';
import { rawFile } from '../http/uploaded-file.js';
import { FILE_TOO_LARGE, MAX_IMPORT_BYTES } from '../ledger/customer-file.js';
import type { CustomerImport } from '../ledger/customer-import.js';
import { framedOnlyBy } from './framing.js';
import { iframeGuards } from './iframe-guards.js';
import { iframeHandlers, type IframeHandlerDeps } from './iframe-handlers.js';
import { importHandlers } from './import-handlers.js';
import { whatIfHandlers, type WhatIfHandlerDeps } from './what-if-handlers.js';

export interface IframeRouterDeps extends Omit<IframeHandlerDeps, 'guards'> {
  frameAncestors: string[];
  importer: CustomerImport;
  /** «Проверить на моих продажах» (app/what-if). */
  whatIf: WhatIfHandlerDeps['whatIf'];
}

/** The settings iframe МойСклад shows inside its own page (descriptor: <iframe><sourceUrl>…/iframe). */
export function iframeRouter(deps: IframeRouterDeps): Router {
  const guards = iframeGuards(deps.sessions);
  const { requireSession, requireCsrfToken, requireAdmin, requireAdminToRead } = guards;
  const handle = iframeHandlers({ ...deps, guards });
  const whatIf = whatIfHandlers({ ...deps, guards });
  const change = [requireSession, requireCsrfToken, requireAdmin];
  const statementReader = [requireSession, requireAdminToRead('Баллы и обязательства')];
  const whatIfReader = [requireSession, requireAdminToRead('Проверки на продажах')];
  const imports = importHandlers({ ...deps, guards });
  // The customer file comes as the raw body, read only after the session, the token and the rights are checked.
  const csv = rawFile(MAX_IMPORT_BYTES, FILE_TOO_LARGE);

  const router = Router();
  router.use(framedOnlyBy(deps.frameAncestors));
  router.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 500 }));

  router.get('/', handle.openFromContextKey, requireSession, handle.show);
  router.post('/settings', ...change, handle.save);
  router.post('/import-bonus-program', ...change, handle.importBonusProgram);
  router.post('/check-connection', ...change, handle.checkConnection);
  router.post('/tier-seed', ...change, handle.requestTierSeed);
  router.get('/tier-seed', requireSession, handle.tierSeedProgress);
  router.get('/statement', ...statementReader, handle.statement);
  router.get('/statement.csv', ...statementReader, handle.statementCsv);
  router.post('/what-if', ...change, whatIf.start);
  router.get('/what-if', ...whatIfReader, whatIf.show);
  router.get('/what-if/status', ...whatIfReader, whatIf.status);
  router.post('/retry', ...change, handle.retry);
  router.post('/rotate-token', ...change, handle.rotateToken);
  router.get('/import', requireSession, imports.show);
  router.post('/import/check', ...change, csv, imports.check);
  router.post('/import/start', ...change, csv, imports.start);
  router.get('/import/:importId', requireSession, imports.progress);

  // The import page's script asks for JSON: its errors come back as JSON.
  router.use('/import', errorHandler(deps.logger, renderJsonOrHtmlError));

  router.use(errorHandler(deps.logger, renderHtmlError));
  return router;
}
