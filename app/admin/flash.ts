import type { NextFunction, Request, Response } from 'express';

declare module 'express-session' {
  interface SessionData {
    flash?: Flash;
  }
}

export interface Flash {
  kind: 'ok' | 'warning' | 'error';
  text: string;
  /** What each step of a multi-step action did (going live, token rotation), in order. */
  steps?: FlashStep[];
}

/** One line of views/iframe/_steps.ejs: done, pending (waiting, not tried) or failed, with what happened. */
export interface FlashStep {
  step: string;
  state: 'done' | 'pending' | 'failed';
  message: string;
}

/** Post/redirect/get: an action says how it went on the page it redirects to, once. */
export function flash(req: Request, message: Flash): void;
export function flash(req: Request, kind: Flash['kind'], text: string): void;
export function flash(req: Request, kindOrMessage: Flash['kind'] | Flash, text = ''): void {
  req.session.flash = typeof kindOrMessage === 'string' ? { kind: kindOrMessage, text } : kindOrMessage;
}

export function exposeFlash(req: Request, res: Response, next: NextFunction): void {
  if (req.session.flash) {
    res.locals.flash = req.session.flash;
    delete req.session.flash;
  }
  next();
}
