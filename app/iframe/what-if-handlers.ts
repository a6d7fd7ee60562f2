import type { Request, Response } from 'express';
import { formValuesOf, parseSettingsForm } from '../go-live/settings-input.js';
import { ledgerRulesOf } from '../ledger/rules.js';
import { tierRulesOf } from '../ledger/tier-rules.js';
import { NotFoundError } from '../errors.js';
import { WHAT_IF_DAYS, WHAT_IF_SHARES, type WhatIf } from '../what-if/what-if.js';
import { runView } from '../what-if/what-if-view.js';
import { sessionOf, type IframeGuards } from './iframe-guards.js';
import type { IframeSessions } from './iframe-sessions.js';
import type { SettingsPage } from './settings-page.js';

export interface WhatIfHandlerDeps {
  sessions: IframeSessions;
  guards: IframeGuards;
  page: SettingsPage;
  whatIf: Pick<WhatIf, 'start' | 'find' | 'list'>;
}

const NO_ACCESS =
  'Нет доступа к продажам в МоемСкладе: переустановите приложение или дайте ему доступ заново, затем повторите проверку.';

/** «Проверить на моих продажах»: start a run with the rules in the form, show its progress and results. */
export function whatIfHandlers({ sessions, guards, page, whatIf }: WhatIfHandlerDeps) {
  const whatIfUrl = (req: Request, token: string, runId?: string) =>
    `${req.baseUrl}/what-if?session=${encodeURIComponent(token)}${runId ? `&run=${encodeURIComponent(runId)}` : ''}`;

  return {
    /** The form's rules, as typed and not saved, against the saved ones; a bad field is shown in the form. */
    start: async (req: Request, res: Response) => {
      const session = sessionOf(res);
      const tenant = page.tenant(session.accountId);
      const values = formValuesOf(req.body);
      const parsed = parseSettingsForm(values, page.stored(tenant));
      if (!parsed.change) {
        const tokens = { session: await sessions.tokenFor(session), csrf: guards.csrfTokenFor(req) };
        const notice = { kind: 'error' as const, text: 'Проверка не запущена: исправьте отмеченные поля.' };
        res.status(400).render('iframe/settings', await page.model(session, tokens, { values, ...parsed, notice }));
        return;
      }
      const body = req.body as Record<string, unknown>;
      // Read exactly as saved settings would be: defaults under what the form leaves out.
      const proposed = { settings: parsed.change.settings as Record<string, unknown> };
      const outcome = whatIf.start(tenant, {
        proposed: { ledger: ledgerRulesOf(proposed), tiers: tierRulesOf(proposed) },
        days: Number(body.whatIfDays),
        spendSharePercent: WHAT_IF_SHARES.find((s) => s === Number(body.whatIfShare)) ?? 100,
        startedBy: session.employeeName,
      });
      if (outcome.outcome === 'no-access') {
        sessions.leaveNotice(session.id, { kind: 'error', text: NO_ACCESS });
        res.redirect(303, `${req.baseUrl}?session=${encodeURIComponent(await sessions.tokenFor(session))}`);
        return;
      }
      res.redirect(303, whatIfUrl(req, await sessions.tokenFor(session), outcome.runId));
    },

    /** The chosen run (else the newest) side by side, and every kept run to compare rule sets. */
    show: async (req: Request, res: Response) => {
      const session = sessionOf(res);
      const runs = whatIf.list(session.accountId).map(runView);
      const wanted = typeof req.query.run === 'string' ? req.query.run : undefined;
      const run = wanted ? runs.find((r) => r.id === wanted) : runs[0];
      if (wanted && !run) throw new NotFoundError('Такой проверки нет: откройте список проверок заново.');
      const token = await sessions.tokenFor(session);
      res.render('iframe/what-if', {
        session,
        accountName: page.tenant(session.accountId).accountName,
        run,
        runs,
        days: WHAT_IF_DAYS,
        settingsUrl: `${req.baseUrl}?session=${encodeURIComponent(token)}`,
        runUrl: (id: string) => whatIfUrl(req, token, id),
        statusUrl: run
          ? `${req.baseUrl}/what-if/status?session=${encodeURIComponent(token)}&run=${encodeURIComponent(run.id)}`
          : undefined,
      });
    },

    /** A run's progress, for the page to poll; another account's run is not found. */
    status: (req: Request, res: Response) => {
      const run = typeof req.query.run === 'string' ? whatIf.find(sessionOf(res).accountId, req.query.run) : undefined;
      if (!run) throw new NotFoundError('Такой проверки нет.');
      const view = runView(run);
      res.json({ status: view.status, percent: view.percent ?? null, progress: view.progress });
    },
  };
}
