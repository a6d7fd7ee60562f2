import type { NextFunction, Request, Response } from 'express';
import { ForbiddenError } from '../errors.js';
import { iframeGuards, sessionOf } from '../iframe/iframe-guards.js';
import type { IframeSessions } from '../iframe/iframe-sessions.js';

export { sessionOf };

/** The settings iframe's guards (session token, csrf-sync), with the widget's own words for rights. */
export function widgetGuards(sessions: IframeSessions) {
  return {
    ...iframeGuards(sessions),

    requireAdmin: (_req: Request, res: Response, next: NextFunction): void => {
      if (!sessionOf(res).isAdmin) {
        throw new ForbiddenError('Корректировать баллы могут только администраторы аккаунта МоегоСклада.', {
          title: 'Нет прав на корректировку',
          details: { hint: 'Попросите администратора аккаунта.' },
        });
      }
      next();
    },
  };
}

export type WidgetGuards = ReturnType<typeof widgetGuards>;
