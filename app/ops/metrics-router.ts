import { Router } from 'express';
import type { Metrics } from './metrics.js';
import { metricsHandlers } from './metrics-handlers.js';

/** GET /metrics in Prometheus format, for the loopback address or the METRICS_TOKEN bearer only. */
export function metricsRouter(deps: { metrics: Metrics; token: string | undefined }): Router {
  const handle = metricsHandlers(deps.metrics, deps.token);
  const router = Router();
  router.get('/', handle.guard, handle.scrape);
  return router;
}
