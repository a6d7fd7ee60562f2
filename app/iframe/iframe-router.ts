import express, { Router } from 'express';
import { errorHandler } from '../http/error-handler.js';
import { renderHtmlError } from '../http/html-pages.js';
import { framedOnlyBy } from './framing.js';
import { iframeGuards } from './iframe-guards.js';
import { iframeHandlers, type IframeHandlerDeps } from './iframe-handlers.js';

export interface IframeRouterDeps extends Omit<IframeHandlerDeps, 'guards'> {
  frameAncestors: string[];
}

/** The settings iframe МойСклад shows inside its own page (descriptor: <iframe><sourceUrl>…/iframe). */
export function iframeRouter(deps: IframeRouterDeps): Router {
  const guards = iframeGuards(deps.sessions);
  const { requireSession, requireCsrfToken, requireAdmin, requireAdminToRead } = guards;
  const handle = iframeHandlers({ ...deps, guards });
  const change = [requireSession, requireCsrfToken, requireAdmin];

  const router = Router();
  router.use(framedOnlyBy(deps.frameAncestors));
  router.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 500 }));

  router.get('/', handle.openFromContextKey, requireSession, handle.show);
  router.post('/settings', ...change, handle.save);
  router.post('/import-bonus-program', ...change, handle.importBonusProgram);
  router.post('/check-connection', ...change, handle.checkConnection);
  router.post('/tier-seed', ...change, handle.requestTierSeed);
  router.get('/tier-seed', requireSession, handle.tierSeedProgress);
  router.get('/statement', requireSession, requireAdminToRead, handle.statement);
  router.get('/statement.csv', requireSession, requireAdminToRead, handle.statementCsv);
  router.post('/retry', ...change, handle.retry);
  router.post('/rotate-token', ...change, handle.rotateToken);

  router.use(errorHandler(deps.logger, renderHtmlError));
  return router;
}
