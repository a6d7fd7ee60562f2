import express, { Router } from 'express';
import { errorHandler } from '../http/error-handler.js';
import { framedOnlyBy } from '../iframe/framing.js';
import type { Logger } from '../logging/logger.js';
import { widgetGuards } from './widget-guards.js';
import { renderWidgetError, widgetHandlers, type WidgetHandlerDeps } from './widget-handlers.js';

export interface WidgetRouterDeps extends Omit<WidgetHandlerDeps, 'guards' | 'hostOrigins'> {
  frameAncestors: string[];
  logger: Logger;
}

/** МойСклад's widgets (descriptor: <widgets><entity.counterparty.edit><sourceUrl>…/widget/counterparty). */
export function widgetRouter(deps: WidgetRouterDeps): Router {
  const guards = widgetGuards(deps.sessions);
  const { requireSession, requireCsrfToken, requireAdmin } = guards;
  const handle = widgetHandlers({ ...deps, guards, hostOrigins: deps.frameAncestors });

  const router = Router();
  router.use(framedOnlyBy(deps.frameAncestors));
  router.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 }));

  router.get('/counterparty', handle.openFromContextKey, requireSession, handle.show);
  router.get('/counterparty/card', requireSession, handle.card);
  router.post('/counterparty/adjustments', requireSession, requireCsrfToken, requireAdmin, handle.adjust);

  router.use(errorHandler(deps.logger, renderWidgetError));
  return router;
}
