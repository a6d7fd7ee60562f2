import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';

/**
 * For the settings iframe only: МойСклад's pages (and nobody else) may frame it. helmet's global
 * X-Frame-Options cannot name another origin, so it is removed here and CSP frame-ancestors decides;
 * every other route keeps helmet's `frame-ancestors 'none'`.
 */
export function framedOnlyBy(ancestors: string[]) {
  const policy = helmet.contentSecurityPolicy({ directives: { 'frame-ancestors': ancestors } });
  return (req: Request, res: Response, next: NextFunction): void => {
    res.removeHeader('X-Frame-Options');
    policy(req, res, next);
  };
}
