import type { Tenant } from '../../../db/schema/index.js';
import { goLiveStateOf, goLiveSummary, type GoLiveFailure, type GoLiveSummary } from '../../go-live/go-live-state.js';
import { reportOutcome, type GoLiveReport, type StepOutcome } from '../../go-live/go-live.js';
import { STEP_TITLES } from '../../iframe/settings-page.js';
import { redactText } from '../../logging/redact.js';
import type { Flash, FlashStep } from '../flash.js';

const FAILURE_KINDS: Record<GoLiveFailure['kind'], string> = {
  'not-installed': 'МойСклад не видит приложение на аккаунте',
  conflict: 'конфликт в МоёмСкладе',
  refused: 'МойСклад отказал',
  unavailable: 'МойСклад не ответил',
};

/** The go-live section of the tenant page, read from tenants.go_live and the tenant row only. */
export interface GoLiveView {
  summary: GoLiveSummary;
  /** What МойСклад last accepted; `stale` when it was from an earlier installation (МойСклад dropped it). */
  accepted?: { url: string; externalSearch: boolean; at: Date; stale: boolean };
  lastFailure?: { step: string; message: string; kind: string; httpStatus?: number; at: Date };
  /** Why settings cannot be sent from here now, if they cannot (see nothingToSend). */
  cannotSend?: string;
  installed: boolean;
}

/**
 * Sending settings from the admin UI is only for an account whose owner saved them at least once (or
 * that was live): otherwise a re-send would switch the till to bonuses on rules nobody chose.
 */
export function nothingToSend(tenant: Pick<Tenant, 'status' | 'goLive' | 'configuredAt'>): string | undefined {
  if (tenant.status === 'Uninstalled')
    return 'Приложение удалено с аккаунта: отправлять в МойСклад нечего, пока его не установят снова.';
  if (!tenant.goLive && !tenant.configuredAt)
    return 'Владелец ещё не сохранял настройки в приложении: отправлять в МойСклад нечего.';
  return undefined;
}

/** МойСклад's error texts are shown like every error text on a page: redacted, in case one quotes a phone or a token. */
export function goLiveView(tenant: Tenant, loyaltyApiUrl: string): GoLiveView {
  const stored = goLiveSummary(tenant, loyaltyApiUrl);
  const summary = {
    ...stored,
    steps: stored.steps.map((s) => ({ ...s, message: s.message && redactText(s.message) })),
  };
  const { accepted } = goLiveStateOf(tenant);
  const failure = summary.lastFailure;
  const installed = tenant.status !== 'Uninstalled';
  return {
    summary,
    accepted: accepted && {
      url: accepted.url,
      externalSearch: accepted.externalSearch,
      at: new Date(accepted.at),
      stale: !summary.held,
    },
    lastFailure: failure && {
      step: STEP_TITLES[failure.step],
      message: redactText(failure.message),
      kind: FAILURE_KINDS[failure.kind] ?? failure.kind,
      httpStatus: failure.httpStatus,
      at: new Date(failure.at),
    },
    cannotSend: nothingToSend(tenant),
    installed,
  };
}

const STATE_OF: Record<StepOutcome, FlashStep['state']> = {
  done: 'done',
  unchanged: 'done',
  failed: 'failed',
  waiting: 'pending',
};

/**
 * What one go-live action did, for the page it returns to: red when МойСклад refused a step (the reason
 * is on that step, and the stored state keeps it pending), yellow when a step waits, green otherwise.
 */
export function flashOfReport(report: GoLiveReport, done: string): Flash {
  const outcome = reportOutcome(report);
  const steps = report.steps.map((s) => ({ step: s.step, state: STATE_OF[s.outcome], message: redactText(s.message) }));
  if (outcome === 'failed') {
    return {
      kind: 'error',
      text: 'МойСклад не принял изменения: причина у шага ниже. Шаг остался незавершённым; повторите, когда причина устранена.',
      steps,
    };
  }
  if (outcome === 'waiting') return { kind: 'warning', text: 'Сделано не всё: часть шагов ждёт.', steps };
  return { kind: 'ok', text: report.live ? `${done} Касса работает с бонусами.` : done, steps };
}
