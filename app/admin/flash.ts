import type { NextFunction, Request, Response } from 'express';

declare module 'express-session' {
  interface SessionData {
    flash?: Flash;
  }
}

export interface Flash {
  kind: 'ok' | 'error';
  text: string;
}

/** Post/redirect/get: an action says how it went on the page it redirects to, once. */
export function flash(req: Request, kind: Flash['kind'], text: string): void {
  req.session.flash = { kind, text };
}

export function exposeFlash(req: Request, res: Response, next: NextFunction): void {
  if (req.session.flash) {
    res.locals.flash = req.session.flash;
    delete req.session.flash;
  }
  next();
}
