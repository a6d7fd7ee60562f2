import { Router, type Request, type Response } from 'express';
import { AppError } from '../../errors.js';
import type { Db } from '../../storage/database.js';
import type { TransactionLog } from '../../txlog/transaction-log.js';
import { recordAdminAction } from '../../txlog/admin-audit.js';
import type { TimeZone } from '../time-zone.js';
import { safeNext } from './access.js';
import { adminUserRepository } from './admin-user-repository.js';
import { authenticate, normalizeLogin, sessionUser } from './admin-users.js';
import type { AdminCsrf } from './csrf-guards.js';
import { createLoginThrottle } from './login-throttle.js';
import { destroySession, regenerateSession, saveSession, SESSION_COOKIE } from './session.js';

interface LoginForm {
  login?: unknown;
  password?: unknown;
  next?: unknown;
}

/** Sign-in and sign-out; mounted before the session check, so these pages work signed out. */
export function authRoutes(deps: {
  db: Db;
  txlog: TransactionLog;
  tz: TimeZone;
  production: boolean;
  csrf: Pick<AdminCsrf, 'forgetLoginToken'>;
}): Router {
  const { db, txlog, tz } = deps;
  const router = Router();
  const renderLogin = (res: Response, status: number, form: LoginForm, error?: string) => {
    // In production the session cookie is Secure: over plain http the browser drops it and sign-in
    // would silently loop, so the page says why instead.
    const insecure = deps.production && !res.req.secure;
    res
      .status(status)
      .render('admin/login', { error, insecure, login: normalizeLogin(form.login), next: safeNext(form.next) });
  };
  const throttle = createLoginThrottle(db, (req, res, until) => {
    const when = until ? ` Повторите после ${tz.dateTime(until.getTime()).slice(11, 16)}.` : '';
    renderLogin(res, 429, req.body as LoginForm, `Слишком много неудачных попыток входа.${when}`);
  });

  router.get('/login', (req, res) => {
    if (sessionUser(db, req.session)) return res.redirect(303, safeNext(req.query.next));
    renderLogin(res, 200, { next: req.query.next });
  });

  router.post('/login', ...throttle.limiters, async (req: Request, res: Response) => {
    const form = (req.body ?? {}) as LoginForm;
    const login = normalizeLogin(form.login);
    let user;
    try {
      user = await authenticate(db, login, typeof form.password === 'string' ? form.password : '');
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      // A login nobody has is not written down: it is often a password typed into the wrong field.
      const known = adminUserRepository.findByLogin(db, login) !== undefined;
      recordAdminAction(txlog, known ? login : undefined, 'auth.login', {
        ok: false,
        httpStatus: error.status,
        errorMessage: error.message,
        request: { knownLogin: known },
      });
      return renderLogin(res, error.status, form, error.message);
    }
    await throttle.forgive(req);
    deps.csrf.forgetLoginToken(req);
    await regenerateSession(req);
    req.session.userId = user.id;
    req.session.epoch = user.sessionEpoch;
    await saveSession(req);
    recordAdminAction(txlog, user.login, 'auth.login', { httpStatus: 303 });
    res.redirect(303, safeNext(form.next));
  });

  router.post('/logout', async (req, res) => {
    const user = sessionUser(db, req.session);
    await destroySession(req);
    res.clearCookie(SESSION_COOKIE, { path: '/admin' });
    if (user) recordAdminAction(txlog, user.login, 'auth.logout', { httpStatus: 303 });
    res.redirect(303, '/admin/login');
  });

  return router;
}
