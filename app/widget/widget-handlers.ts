import { pointsText } from '../locale/plural.js';
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import Joi from 'joi';
import { AppError } from '../errors.js';
import type { IframeSessions } from '../iframe/iframe-sessions.js';
import { checkFields, validate, type FieldProblem } from '../http/validate.js';
import { adjustmentFormFields } from '../ledger/manual-adjustment.js';
import { redactText } from '../logging/redact.js';
import { cardView, WIDGET_HEIGHT_PX, WIDGET_WIDTH_PX } from './card-view.js';
import type { CounterpartyCards } from './counterparty-card.js';
import { sessionOf, type WidgetGuards } from './widget-guards.js';

export interface WidgetHandlerDeps {
  sessions: IframeSessions;
  guards: WidgetGuards;
  cards: CounterpartyCards;
  /** МойСклад's origins: the only windows whose `Open` the page obeys (the same list frames it). */
  hostOrigins: string[];
}

/** The page's scripts ask for fragments with this header; errors then come back as a fragment too. */
export const FRAGMENT_HEADER = 'X-Widget-Fragment';

const counterpartyQuery = Joi.object<{ objectId: string }>({
  objectId: Joi.string().guid().required().label('Контрагент'),
}).unknown(true);

const adjustmentForm = Joi.object<{ objectId: string; points: number; reason: string; requestKey: string }>({
  objectId: Joi.string().guid().required().label('Контрагент'),
  ...adjustmentFormFields,
}).unknown(true);

interface FormState {
  problems?: FieldProblem[];
  points?: string;
  reason?: string;
  /** Kept across a refused submit, so the corrected form is still the same request. */
  requestKey?: string;
}

/** What each widget route does; the router lists them. The card itself comes from CounterpartyCards. */
export function widgetHandlers({ sessions, guards, cards, hostOrigins }: WidgetHandlerDeps) {
  const renderCard = async (
    req: Request,
    res: Response,
    objectId: string,
    extra: { form?: FormState; notice?: string } = {},
    status = 200,
  ) => {
    const session = sessionOf(res);
    const view = cardView(await cards.show(session, objectId));
    res.status(status).render('widget/_card', {
      view,
      objectId,
      canAdjust: view.adjustable && session.isAdmin,
      // A fresh token with every card: a widget МойСклад keeps open for hours stays within its session.
      tokens: { session: await sessions.tokenFor(session), csrf: guards.csrfTokenFor(req) },
      requestKey: extra.form?.requestKey ?? randomUUID(),
      form: extra.form,
      notice: extra.notice,
    });
  };

  return {
    /** МойСклад loads `sourceUrl?contextKey=…` once per tab: exchange it, then continue on our own session. */
    openFromContextKey: async (req: Request, res: Response, next: NextFunction) => {
      if (req.query.contextKey === undefined) return next();
      const { token } = await sessions.open(req.query.contextKey);
      res.redirect(303, `${req.baseUrl}${req.path}?session=${encodeURIComponent(token)}`);
    },

    /** The empty widget; its script waits for МойСклад's `Open` naming the counterparty. */
    show: async (req: Request, res: Response) => {
      const session = sessionOf(res);
      res.render('widget/counterparty', {
        session,
        tokens: { session: await sessions.tokenFor(session), csrf: guards.csrfTokenFor(req) },
        cardUrl: `${req.baseUrl}${req.path.replace(/\/$/, '')}/card`,
        adjustUrl: `${req.baseUrl}${req.path.replace(/\/$/, '')}/adjustments`,
        hostOrigins,
        size: { width: WIDGET_WIDTH_PX, height: WIDGET_HEIGHT_PX },
      });
    },

    card: async (req: Request, res: Response) => {
      const { objectId } = validate(counterpartyQuery, req.query);
      await renderCard(req, res, objectId);
    },

    adjust: async (req: Request, res: Response) => {
      const body = req.body as Record<string, unknown>;
      const { objectId } = validate(counterpartyQuery, body);
      const { value, problems } = checkFields(adjustmentForm, body);
      const typed: FormState = {
        points: String(body.points ?? ''),
        // The typed reason comes back into the form redacted, like everything shown.
        reason: redactText(String(body.reason ?? '')),
        requestKey: typeof body.requestKey === 'string' ? body.requestKey : undefined,
      };
      if (problems.length > 0) return renderCard(req, res, objectId, { form: { ...typed, problems } }, 422);
      try {
        const result = cards.adjust(sessionOf(res), {
          counterpartyId: objectId,
          points: value.points,
          reason: value.reason,
          requestKey: value.requestKey,
        });
        const notice = result.applied
          ? `Готово: теперь ${pointsText(result.balance)}.`
          : 'Эта корректировка уже проведена.';
        await renderCard(req, res, objectId, { notice });
      } catch (error) {
        // A refused adjustment (below zero, too many points) is shown next to the form, not as a page.
        if (!(error instanceof AppError) || error.status >= 500 || error.status === 404) throw error;
        const field = error.parameter ?? 'points';
        await renderCard(
          req,
          res,
          objectId,
          { form: { ...typed, problems: [{ field, message: error.message }] } },
          422,
        );
      }
    },
  };
}

/**
 * Errors inside the widget: the page's script gets a short fragment to put in place of the card, a load
 * gets a page that fits the widget. An expired session is the usual one: reloading МойСклад's page
 * (which sends a new contextKey) is the way back, not the settings iframe's "open the app again".
 */
export function renderWidgetError(error: AppError, req: Request, res: Response): void {
  const expired = error.status === 401;
  const model = {
    title: expired ? 'Сеанс истёк' : error.title,
    message: expired ? 'Обновите страницу контрагента в МоёмСкладе, чтобы снова увидеть баллы.' : error.message,
    hint: expired ? undefined : typeof error.details?.hint === 'string' ? error.details.hint : undefined,
  };
  if (req.get(FRAGMENT_HEADER)) res.status(error.status).render('widget/_message', model);
  else
    res
      .status(error.status)
      .render('widget/message', { ...model, size: { width: WIDGET_WIDTH_PX, height: WIDGET_HEIGHT_PX } });
}
