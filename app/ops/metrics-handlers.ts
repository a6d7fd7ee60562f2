import type { NextFunction, Request, Response, Router } from 'express';
import { digest, metricsAccess } from './metrics-access.js';
import type { Metrics } from './metrics.js';

export function metricsHandlers(metrics: Metrics, token: string | undefined) {
  const tokenDigest = token ? digest(token) : undefined;
  return {
    /** Decides before anything is collected, so refusing costs a header check. */
    guard(req: Request, res: Response, next: NextFunction): void {
      switch (metricsAccess({ remoteAddress: req.socket.remoteAddress, headers: req.headers }, tokenDigest)) {
        case 'allowed':
          return next();
        case 'unauthorized':
          res.status(401).set('WWW-Authenticate', 'Bearer').end();
          return;
        case 'hidden':
          // On to the app's own 404, so /metrics looks like any unknown address.
          return next('router');
      }
    },

    async scrape(_req: Request, res: Response): Promise<void> {
      const { contentType, body } = await metrics.render();
      res.set('Content-Type', contentType).set('Cache-Control', 'no-store').send(body);
    },
  };
}

/** The routes a router serves (method and path), so metrics can tell a LoyaltyAPI endpoint from any other path. */
export function routesOf(router: Router): Array<{ method: string; path: string }> {
  return router.stack.flatMap((layer) => {
    const route = layer.route as { path: string; methods: Record<string, boolean> } | undefined;
    return route
      ? Object.keys(route.methods).map((method) => ({ method: method.toUpperCase(), path: route.path }))
      : [];
  });
}
