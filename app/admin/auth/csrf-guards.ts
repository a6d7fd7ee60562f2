import type { NextFunction, Request, Response } from 'express';
import { csrfSync, type CsrfSync } from 'csrf-sync';

const TOKEN_BYTES = 32;
const LOGIN_TOKEN = /^[0-9a-f]{64}$/;
/** Long enough to type a password after a coffee; a stale form is answered "reload the page". */
const LOGIN_TOKEN_MS = 2 * 60 * 60_000;

const tokenFromForm = (req: Request) => (req.body as { _csrf?: string } | undefined)?._csrf ?? req.get('x-csrf-token');

/** Sign-in is the one form an anonymous visitor sees. */
const isLoginForm = (req: Request) => req.path === '/login';

export interface AdminCsrf {
  /** Refuses a POST whose `_csrf` does not match: the sign-in form's cookie, or the session everywhere else. */
  protect: (req: Request, res: Response, next: NextFunction) => void;
  /** The token for a form on this page; on the sign-in page it is set as a cookie, never in a session. */
  tokenFor: (req: Request) => string;
  /** A successful sign-in spends the sign-in form's token. */
  forgetLoginToken: (req: Request) => void;
  isCsrfError: (error: unknown) => boolean;
}

/**
 * CSRF tokens for /admin, both from csrf-sync. Signed in, the synchroniser token lives in the session
 * (`_csrf` must equal it). Signed out, storing it in a session would write a session row for every
 * anonymous GET of the sign-in page, so the sign-in form keeps its token in a cookie instead and the
 * POST must send both (double submit). The cookie is HttpOnly and SameSite=Strict, so a cross-site POST
 * never carries it; in production it is `__Host-` (Secure, no Domain), so a sibling subdomain cannot
 * plant one. A session row is written only by a successful sign-in.
 */
export function adminCsrf(options: { production: boolean }): AdminCsrf {
  const cookieName = options.production ? '__Host-lb_login' : 'lb_login';
  const session = csrfSync({
    getTokenFromRequest: tokenFromForm,
    size: TOKEN_BYTES,
    skipCsrfProtection: isLoginForm,
  });
  const login = csrfSync({
    getTokenFromRequest: tokenFromForm,
    getTokenFromState: (req) => {
      const token = cookieValue(req, cookieName);
      return token && LOGIN_TOKEN.test(token) ? token : undefined;
    },
    storeTokenInState: (req, token) => {
      const res = req.res!;
      if (!token) return void res.clearCookie(cookieName, { path: '/' });
      res.cookie(cookieName, token, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: options.production,
        maxAge: LOGIN_TOKEN_MS,
      });
    },
    size: TOKEN_BYTES,
    skipCsrfProtection: (req) => !isLoginForm(req),
  });
  const guards: CsrfSync[] = [session, login];
  return {
    protect: (req, res, next) =>
      session.csrfSynchronisedProtection(req, res, (error?: unknown) =>
        error ? next(error) : login.csrfSynchronisedProtection(req, res, next),
      ),
    tokenFor: (req) => (isLoginForm(req) ? login.generateToken(req) : session.generateToken(req)),
    forgetLoginToken: (req) => login.revokeToken(req),
    isCsrfError: (error) =>
      guards.some((guard) => error === guard.invalidCsrfTokenError) ||
      (error as { code?: string } | null)?.code === 'EBADCSRFTOKEN',
  };
}

/** One cookie from the Cookie header; the app has no cookie parser (express-session reads its own). */
function cookieValue(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
