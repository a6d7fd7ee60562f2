import type { NextFunction, Request, Response } from 'express';
import type { AdminRole, AdminUser } from '../../../db/schema/index.js';
import { AuthenticationError, ForbiddenError } from '../../errors.js';
import type { Db } from '../../storage/database.js';
import { sessionUser } from './admin-users.js';

/** Every page after sign-in: a GET without a session goes to the login page and comes back after. */
export function requireUser(db: Db) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const user = sessionUser(db, req.session);
    if (!user) {
      if (req.method !== 'GET') throw new AuthenticationError('Сессия закончилась. Войдите снова.');
      res.redirect(303, `/admin/login?next=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    res.locals.user = user;
    next();
  };
}

/** `admin` may do everything `support` may; `support` is read-only plus safe actions. */
export function requireRole(role: AdminRole) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    if (role === 'admin' && currentUser(res).role !== 'admin') {
      throw new ForbiddenError('Это действие доступно только администратору.');
    }
    next();
  };
}

export function currentUser(res: Response): AdminUser {
  return res.locals.user as AdminUser;
}

/** Where to go after sign-in: only a path inside /admin, never another site (`//evil.example`). */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/admin(?:[/?]|$)/.test(next) && !/[\\\s]/.test(next) && !next.startsWith('//')
    ? next
    : '/admin/dashboard';
}
