import type { NextFunction, Request, Response } from 'express';
import { withImportedRules } from '../go-live/bonus-program-import.js';
import type { GoLive, GoLiveReport } from '../go-live/go-live.js';
import type { SeedRequestOutcome, TierSeed } from '../go-live/tier-seed.js';
import { formValuesOf, mergeSecrets, parseSettingsForm, refusedAddresses } from '../go-live/settings-input.js';
import type { OutboundGuard } from '../http/outbound-guard.js';
import { validate } from '../http/validate.js';
import { statementCsv, statementFileName, statementQuery } from '../ledger/points-statement.js';
import type { Logger } from '../logging/logger.js';
import { checkProviderConnection } from '../providers/connection-check.js';
import type { TransactionLog } from '../txlog/transaction-log.js';
import { sessionOf, type IframeGuards } from './iframe-guards.js';
import type { IframeSessions } from './iframe-sessions.js';
import { noticeOf, type Notice, type SettingsPage, type SettingsPageInput } from './settings-page.js';

export interface IframeHandlerDeps {
  sessions: IframeSessions;
  guards: IframeGuards;
  page: SettingsPage;
  goLive: GoLive;
  /** Checks the addresses the owner types, now and again when anything is sent to them. */
  guard: OutboundGuard;
  logger: Logger;
  txlog?: TransactionLog;
  /** Seeding tier totals from МойСклад's sales history, in the background. */
  tierSeed: Pick<TierSeed, 'request'>;
}

const SEED_NOTICES: Record<SeedRequestOutcome, Notice> = {
  started: {
    kind: 'info',
    text: 'Загружаем историю покупок из МоегоСклада. Ход загрузки виден в разделе «Уровни покупателей».',
  },
  running: { kind: 'info', text: 'История покупок уже загружается: дождитесь окончания.' },
  'tiers-off': {
    kind: 'warning',
    text: 'Сначала включите уровни и сохраните настройки: история загружается за их срок.',
  },
  'no-access': {
    kind: 'error',
    text: 'Нет доступа к данным МоегоСклада: переустановите приложение или дайте ему доступ заново.',
  },
};

/** What each iframe route does; the router lists them. Domain work happens in GoLive and SettingsPage. */
export function iframeHandlers({ sessions, guards, page, goLive, guard, logger, txlog, tierSeed }: IframeHandlerDeps) {
  /** The page URL carries the session token, so a reload works without any cookie. */
  const pageUrl = (req: Request, token: string) => `${req.baseUrl}?session=${encodeURIComponent(token)}`;

  const render = async (req: Request, res: Response, input: SettingsPageInput, status = 200) => {
    const session = sessionOf(res);
    const tokens = { session: await sessions.tokenFor(session), csrf: guards.csrfTokenFor(req) };
    res.status(status).render('iframe/settings', await page.model(session, tokens, input));
  };

  /** Post/redirect/get: the steps' outcome is shown once by the page the browser lands on. */
  const showReport = async (req: Request, res: Response, report: GoLiveReport) => {
    const session = sessionOf(res);
    sessions.leaveNotice(session.id, noticeOf(report) as unknown as Record<string, unknown>);
    res.redirect(303, pageUrl(req, await sessions.tokenFor(session)));
  };

  return {
    /** МойСклад opens `/iframe?contextKey=…`: exchange it once, then continue on our own session. */
    openFromContextKey: async (req: Request, res: Response, next: NextFunction) => {
      if (req.query.contextKey === undefined) return next();
      const { token } = await sessions.open(req.query.contextKey);
      res.redirect(303, pageUrl(req, token));
    },

    show: async (req: Request, res: Response) => {
      const notice = sessions.takeNotice(sessionOf(res).id) as Notice | undefined;
      await render(req, res, { notice });
    },

    save: async (req: Request, res: Response) => {
      const { accountId } = sessionOf(res);
      const values = formValuesOf(req.body);
      const parsed = parseSettingsForm(values, page.stored(page.tenant(accountId)));
      if (!parsed.change) return render(req, res, { values, problems: parsed.problems }, 400);
      const refused = await refusedAddresses(parsed.change, guard);
      if (refused.length > 0) return render(req, res, { values, problems: refused }, 400);
      await showReport(req, res, await goLive.saveSettings(accountId, parsed.change));
    },

    /** Fills the ledger rules from one of the account's МойСклад bonus programs; nothing is saved yet. */
    importBonusProgram: async (req: Request, res: Response) => {
      const values = formValuesOf(req.body);
      const programs = await page.bonusPrograms(page.tenant(sessionOf(res).accountId));
      const chosen = programs.list.find((program) => program.id === (req.body as Record<string, unknown>).programId);
      if (!chosen) {
        const message = programs.error ?? 'Выберите бонусную программу из списка.';
        return render(req, res, { values, problems: [{ field: 'programId', message }] }, 400);
      }
      const text = `Правила программы «${chosen.name}» подставлены в форму. Проверьте их и нажмите «Сохранить».`;
      const filled = withImportedRules(values, chosen);
      await render(req, res, { values: filled, notice: { kind: 'info', text }, open: ['rules'] });
    },

    /**
     * "Проверить подключение" with what is typed (stored secrets when their fields are blank). An address
     * inside our network gets one answer, before anything is sent, whether or not something listens there.
     */
    checkConnection: async (req: Request, res: Response) => {
      const tenant = page.tenant(sessionOf(res).accountId);
      const parsed = parseSettingsForm(formValuesOf(req.body), page.stored(tenant));
      if (!parsed.change) {
        res.status(400).json({
          ok: false,
          message: `Сначала исправьте поля: ${parsed.problems.map((p) => p.message).join(' ')}`,
          problems: parsed.problems,
        });
        return;
      }
      const { backend, settings, secrets } = parsed.change;
      const result = await checkProviderConnection(
        { backend, settings, secrets: mergeSecrets(page.secrets(tenant), secrets) },
        { logger, txlog, guard },
      );
      res.json(result);
    },

    /** Starts seeding tier totals from МойСклад's history; the form keeps what was typed, nothing is saved. */
    requestTierSeed: async (req: Request, res: Response) => {
      const outcome = tierSeed.request(sessionOf(res).accountId);
      await render(req, res, { values: formValuesOf(req.body), notice: SEED_NOTICES[outcome], open: ['tiers'] });
    },

    /** The seeding's progress, for the page to poll while it runs. */
    tierSeedProgress: (_req: Request, res: Response) => {
      res.json(page.seedView(page.tenant(sessionOf(res).accountId)));
    },

    /** «Баллы и обязательства»: a month's statement; the month picker is a GET form carrying the session. */
    statement: async (req: Request, res: Response) => {
      const session = sessionOf(res);
      res.render('iframe/statement', {
        ...page.statementView(session, validate(statementQuery, req.query).month, Date.now()),
        session,
        token: await sessions.tokenFor(session),
      });
    },

    statementCsv: (req: Request, res: Response) => {
      const { tenant, statement } = page.statementView(
        sessionOf(res),
        validate(statementQuery, req.query).month,
        Date.now(),
      );
      res.set('Content-Type', 'text/csv; charset=utf-8');
      res.attachment(statementFileName(statement));
      res.send(statementCsv(statement, tenant.accountName));
    },

    retry: async (req: Request, res: Response) => showReport(req, res, await goLive.retry(sessionOf(res).accountId)),

    rotateToken: async (req: Request, res: Response) =>
      showReport(req, res, await goLive.rotateToken(sessionOf(res).accountId)),
  };
}
