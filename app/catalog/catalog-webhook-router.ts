import express, { Router, type NextFunction, type Request, type Response } from 'express';
import Joi from 'joi';
import { constantTimeEqual } from '../crypto/secret-box.js';
import type { Logger } from '../logging/logger.js';
import type { CatalogSync, WebhookEvent } from './catalog-sync.js';

const webhookBody = Joi.object<{ events: WebhookEvent[] }>({
  events: Joi.array()
    .items(
      Joi.object({
        meta: Joi.object({ type: Joi.string().max(64).required(), href: Joi.string().max(500).required() }).unknown(
          true,
        ),
        action: Joi.string().max(32).required(),
      }).unknown(true),
    )
    .max(1000)
    .required(),
}).unknown(true);

/**
 * JSON API webhooks on product changes (entity/webhook): МойСклад posts to an address keyed per
 * tenant and wants 200/204 within 1.5 s, so the answer comes first and the goods are read after it.
 * A wrong key is a plain 404, never an error that would log the path.
 */
export function catalogWebhookRouter(deps: { sync: CatalogSync; logger: Logger }): Router {
  const router = Router();
  router.post(
    '/:accountId/:key',
    express.json({ limit: '1mb' }),
    (req: Request<{ accountId: string; key: string }>, res: Response) => {
      const { accountId, key } = req.params;
      if (!constantTimeEqual(key, deps.sync.webhookKey(accountId))) {
        res.status(404).end();
        return;
      }
      res.locals.tenantId = accountId;
      const { value, error } = webhookBody.validate(req.body);
      if (error) {
        res.status(400).json({ error: 'Неверное тело вебхука.' });
        return;
      }
      res.status(204).end();
      void deps.sync
        .applyEvents(accountId, value.events)
        .catch((failure: unknown) => deps.logger.warn('catalog webhook not applied', { accountId, error: failure }));
    },
  );
  // An unreadable body: МойСклад is told so, and nothing logs the keyed path.
  router.use((_error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    res.status(400).end();
  });
  return router;
}
