import { csrfSync } from 'csrf-sync';
import type { NextFunction, Request, Response } from 'express';
import { ForbiddenError } from '../errors.js';
import { currentRequestContext } from '../logging/logger.js';
import { REOPEN_HINT, type IframeSession, type IframeSessions } from './iframe-sessions.js';

/** The session the request's token named; set by `requireSession`. */
export function sessionOf(res: Response): IframeSession {
  return res.locals.iframeSession as IframeSession;
}

/** The page's token travels in the query (GET, reloads) or the form (POST), never in a cookie. */
function sessionTokenOf(req: Request): unknown {
  return (req.body as Record<string, unknown> | undefined)?.session ?? req.get('X-Iframe-Session') ?? req.query.session;
}

export function iframeGuards(sessions: IframeSessions) {
  const csrf = csrfSync({
    getTokenFromState: (req) => sessions.csrfTokenOf(sessionOf(req.res!).id),
    storeTokenInState: (req, token) => sessions.storeCsrfToken(sessionOf(req.res!).id, token),
    getTokenFromRequest: (req) => {
      const token = (req.body as Record<string, unknown> | undefined)?._csrf ?? req.get('X-CSRF-Token');
      return typeof token === 'string' ? token : undefined;
    },
  });

  return {
    /** Resolves the signed page token to its session, or shows the "reopen from МойСклад" page. */
    requireSession: async (req: Request, res: Response, next: NextFunction): Promise<void> => {
      const session = await sessions.resume(sessionTokenOf(req));
      res.locals.iframeSession = session;
      const context = currentRequestContext();
      if (context) context.accountId = session.accountId;
      next();
    },

    /** Every state-changing POST must echo the session's synchroniser token (csrf-sync). */
    requireCsrfToken: (req: Request, _res: Response, next: NextFunction): void => {
      if (!csrf.isRequestValid(req)) {
        throw new ForbiddenError('Страница устарела, и изменения не сохранены.', {
          title: 'Страница устарела',
          details: { hint: REOPEN_HINT },
        });
      }
      next();
    },

    requireAdmin: (_req: Request, res: Response, next: NextFunction): void => {
      if (!sessionOf(res).isAdmin) {
        throw new ForbiddenError('Изменять настройки могут только администраторы аккаунта МоегоСклада.', {
          title: 'Нет прав на изменение',
          details: { hint: 'Попросите администратора аккаунта открыть приложение и изменить настройки.' },
        });
      }
      next();
    },

    /**
     * What the shop owes its customers, and what it would under other rules, is the owner's business:
     * account admins only, also to read. `what` names the page in the refusal («Баллы и обязательства»).
     */
    requireAdminToRead:
      (what: string) =>
      (_req: Request, res: Response, next: NextFunction): void => {
        if (!sessionOf(res).isAdmin) {
          throw new ForbiddenError(`${what} видят только администраторы аккаунта МоегоСклада.`, {
            title: 'Нет прав на просмотр',
            details: { hint: 'Попросите администратора аккаунта открыть приложение.' },
          });
        }
        next();
      },

    /** The token the page must send back; created once per session. */
    csrfTokenFor: (req: Request): string => csrf.generateToken(req),
  };
}

export type IframeGuards = ReturnType<typeof iframeGuards>;
