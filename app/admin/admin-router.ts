import express, { Router, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { ForbiddenError, NotFoundError } from '../errors.js';
import { errorHandler } from '../http/error-handler.js';
import { renderHtmlError } from '../http/html-pages.js';
import { requireUser } from './auth/access.js';
import { authRoutes } from './auth/auth-routes.js';
import { adminCsrf } from './auth/csrf-guards.js';
import { adminSession } from './auth/session.js';
import { customerImportRoutes } from './customers/customer-import-routes.js';
import { customerRoutes } from './customers/customer-routes.js';
import { giftCardRoutes } from './customers/gift-card-routes.js';
import { dashboardRoutes } from './dashboard/dashboard-routes.js';
import { exposeFlash } from './flash.js';
import { logRoutes } from './log/log-routes.js';
import { statementRoutes } from './tenants/statement-routes.js';
import { tenantRoutes } from './tenants/tenant-routes.js';
import { TimeZone } from './time-zone.js';
import { userRoutes } from './users/user-routes.js';
import { viewHelpers } from './view-helpers.js';
import type { AdminContext, AdminDeps } from './admin-context.js';

/** Pages carry account data: no caching, no scripts or styles but our own files, never framed. */
const adminHeaders = [
  helmet.contentSecurityPolicy({
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      objectSrc: ["'none'"],
    },
  }),
  (_req: Request, res: Response, next: NextFunction) => {
    res.set('Cache-Control', 'no-store');
    next();
  },
];

/**
 * /admin: support staff's UI. Order matters: headers, form parsing, the SQLite session, CSRF on every
 * POST (sign-in included, see csrf-guards.ts), the sign-in pages, then the session check in front of
 * everything else. An anonymous visitor writes no session row: only a successful sign-in does.
 */
export function adminRouter(deps: AdminDeps): Router {
  const context: AdminContext = { ...deps, tz: new TimeZone(deps.config.timeZone) };
  const { storage, logger, config } = deps;
  const router = Router();
  router.use(...adminHeaders);
  router.use(express.urlencoded({ extended: false, limit: '100kb' }));
  const production = config.env === 'production';
  router.use(adminSession(storage.sqlite, { secret: config.sessionSecret, production }));
  const csrf = adminCsrf({ production });
  router.use(csrf.protect);
  router.use((req, res, next) => {
    // Called by the views that render a form, so a page without one starts no session.
    res.locals.csrfToken = () => csrf.tokenFor(req);
    res.locals.fmt = viewHelpers(context.tz);
    res.locals.path = req.originalUrl;
    res.locals.tzName = config.timeZone;
    next();
  });
  router.use(exposeFlash);

  router.use(authRoutes({ db: storage.db, txlog: deps.txlog, tz: context.tz, production, csrf }));
  router.use(requireUser(storage.db));
  router.get('/', (_req, res) => res.redirect(303, '/admin/dashboard'));
  router.use(dashboardRoutes(context));
  router.use(tenantRoutes(context));
  router.use(customerRoutes(context));
  router.use(customerImportRoutes(context));
  router.use(giftCardRoutes(context));
  router.use(statementRoutes(context));
  router.use(logRoutes(context));
  router.use(userRoutes(context));

  router.use(() => {
    throw new NotFoundError('Такой страницы нет.');
  });
  router.use((error: unknown, _req: Request, _res: Response, next: NextFunction) => {
    next(
      csrf.isCsrfError(error) ? new ForbiddenError('Форма устарела: обновите страницу и повторите действие.') : error,
    );
  });
  router.use(errorHandler(logger, renderHtmlError));
  return router;
}
