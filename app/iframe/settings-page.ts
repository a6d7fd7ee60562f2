import type { Tenant } from '../../db/schema/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { AppError, NotFoundError } from '../errors.js';
import { bonusProgramChoices, type BonusProgramChoice } from '../go-live/bonus-program-import.js';
import { goLiveSummary } from '../go-live/go-live-state.js';
import { reportOutcome, type GoLiveReport } from '../go-live/go-live.js';
import {
  formValuesFromStored,
  secretsSetOf,
  type SettingsFormValues,
  type StoredSettings,
} from '../go-live/settings-input.js';
import type { FieldProblem } from '../http/validate.js';
import { safeUrl } from '../logging/safe-url.js';
import type { MoyskladClient } from '../moysklad/moysklad-client.js';
import type { Db } from '../storage/database.js';
import { ACCESS_TOKEN_FIELD } from '../tenants/loyalty-token.js';
import { tenantRepository as tenants } from '../tenants/tenant-repository.js';
import {
  providerSecretsOf,
  restrictionSettingsOf,
  settingsOf,
  smsWebhookUrlOf,
  type ProviderSecrets,
} from '../tenants/tenant-settings.js';
import { catalogOverview } from '../catalog/catalog-overview.js';
import { agoText } from '../locale/ago.js';
import { LAW_RESTRICTED_TRACKING_TYPES, OWNER_EXCLUDABLE_TRACKING_TYPES } from '../receipt/restrictions.js';
import type { IframeSession } from './iframe-sessions.js';
import { settingsSections, type SectionId } from './settings-sections.js';
import { tierExample } from '../go-live/tier-settings-input.js';
import { birthdayExample, expiryExample } from '../go-live/program-examples.js';
import { seedProgressText, type TierSeed } from '../go-live/tier-seed.js';
import { tierRulesOf, tiersOn } from '../ledger/tier-rules.js';
import { pointsStatement, statementFormat, statementMonth, statementRows } from '../ledger/points-statement.js';
import { moscowMonthOf, shiftMonth, type MoscowMonth } from '../locale/moscow-day.js';

/** What one render of the settings page shows: typed values, their problems, a notice, sections to open. */
export interface SettingsPageInput {
  values?: SettingsFormValues;
  problems?: FieldProblem[];
  notice?: Notice;
  /** Sections an action just filled or reported on: shown open even when configured. */
  open?: SectionId[];
}

/** A one-time message above the form: the steps of the last action, or what to fix. */
export interface Notice {
  kind: 'ok' | 'warning' | 'error' | 'info';
  text: string;
  steps?: GoLiveReport['steps'];
}

export interface SettingsPageDeps {
  db: Db;
  box: SecretBox;
  moysklad: Pick<MoyskladClient, 'listRetailStores' | 'listBonusPrograms'>;
  loyaltyApiUrl: string;
  /** Seeding tier totals from МойСклад's sales history: its progress is shown in the tiers section. */
  tierSeed?: Pick<TierSeed, 'progress'>;
}

/** The tiers section's seeding, as the page and its poll show it. */
export interface SeedView {
  status: string;
  text: string;
}

/** What МойСклад's JSON API gave, or why it gave nothing, in words for the owner. */
export interface Loaded<T> {
  list: T[];
  error?: string;
}

export const STEP_TITLES = {
  settings: 'Сохранить настройки',
  token: 'Выпустить новый токен для кассы',
  loyalty: 'Передать настройки лояльности в МойСклад',
  status: 'Включить приложение в МоёмСкладе',
} as const;

/** Builds everything views/iframe/settings.ejs shows. Secrets appear only as "задан". */
export class SettingsPage {
  constructor(private readonly deps: SettingsPageDeps) {}

  tenant(accountId: string): Tenant {
    const tenant = tenants.find(this.deps.db, accountId);
    if (!tenant || tenant.status === 'Uninstalled')
      throw new NotFoundError('Приложение не установлено на этом аккаунте МоегоСклада.');
    return tenant;
  }

  stored(tenant: Tenant): StoredSettings {
    return {
      backend: tenant.backend,
      externalSearch: tenant.externalSearch,
      settings: settingsOf(tenant),
      secretsSet: secretsSetOf(this.secrets(tenant)),
      smsWebhookUrl: smsWebhookUrlOf(this.deps.box, tenant),
      ibonusLogin: this.secrets(tenant).ibonus?.login,
      ledgerLive: tenant.backend === 'ledger' && Boolean(tenant.configuredAt),
    };
  }

  secrets(tenant: Tenant): ProviderSecrets {
    return providerSecretsOf(this.deps.box, tenant);
  }

  async bonusPrograms(tenant: Tenant): Promise<Loaded<BonusProgramChoice>> {
    const loaded = await this.fromJsonApi(tenant, (token) => this.deps.moysklad.listBonusPrograms(token));
    return { list: bonusProgramChoices(loaded.list), error: loaded.error };
  }

  async model(
    session: IframeSession,
    tokens: { session: string; csrf: string },
    input: SettingsPageInput = {},
  ): Promise<Record<string, unknown>> {
    const tenant = this.tenant(session.accountId);
    const stored = this.stored(tenant);
    const [stores, programs] = await Promise.all([
      this.fromJsonApi(tenant, (token) => this.deps.moysklad.listRetailStores(token)),
      this.bonusPrograms(tenant),
    ]);
    const problems = new Map((input.problems ?? []).map((p) => [p.field, p.message]));
    const values = input.values ?? formValuesFromStored(stored);
    const goLive = goLiveSummary(tenant, this.deps.loyaltyApiUrl);
    const suspended = tenant.status === 'Suspended';
    return {
      session,
      tokens,
      suspended,
      values: session.isAdmin ? values : maskedForEmployees(values),
      problems,
      secretsSet: stored.secretsSet,
      leavingLedger: Boolean(stored.ledgerLive),
      stores,
      programs,
      goLive,
      // Folded once all is done; open while something waits, failed, or an action just reported its steps.
      goLiveOpen:
        !goLive.live || suspended || goLive.tokenRotationPending || Boolean(input.notice?.steps || goLive.lastFailure),
      sections: settingsSections({
        values,
        problemFields: problems.keys(),
        savedFor: tenant.configuredAt ? tenant.backend : undefined,
        open: input.open,
      }),
      goods: {
        // No access token, no МойСклад behind the tenant: nothing to read flags from (the local demo).
        connected: Boolean(tenant.accessTokenEnc),
        catalog: catalogOverview(this.deps.db, tenant.accountId, restrictionSettingsOf(tenant)),
        ago: (ms: number) => agoText(ms, Date.now()),
        lawTypes: LAW_RESTRICTED_TRACKING_TYPES,
        trackingTypes: OWNER_EXCLUDABLE_TRACKING_TYPES,
      },
      examples: { expiry: expiryExample(values, Date.now()), birthday: birthdayExample(values) },
      tiers: {
        example: tierExample(values),
        // Seeding reads the stored tiers' window: offered once tiers are saved on, with МойСклад behind the tenant.
        canSeed: tiersOn(tierRulesOf(tenant)) && Boolean(tenant.accessTokenEnc),
        seed: this.seedView(tenant),
      },
      stepTitles: STEP_TITLES,
      notice:
        input.notice ??
        (problems.size > 0 ? { kind: 'error', text: 'Настройки не сохранены: исправьте отмеченные поля.' } : undefined),
      loyaltyApiUrl: this.deps.loyaltyApiUrl,
    };
  }

  /** «Баллы и обязательства»: the month asked for (never one not begun) and what the page shows around it. */
  statementView(session: IframeSession, month: MoscowMonth | undefined, now: number) {
    const tenant = this.tenant(session.accountId);
    const statement = pointsStatement(this.deps.db, tenant, statementMonth(month, now), now);
    return {
      tenant: { accountId: tenant.accountId, accountName: tenant.accountName, backend: tenant.backend },
      statement,
      rows: statementRows(statement),
      format: statementFormat,
      previous: shiftMonth(statement.month, -1),
      next: statement.complete ? shiftMonth(statement.month, 1) : undefined,
      current: moscowMonthOf(now),
    };
  }

  seedView(tenant: Tenant): SeedView {
    const progress = this.deps.tierSeed?.progress(tenant.accountId);
    if (!progress) return { status: 'none', text: '' };
    return { status: progress.status, text: seedProgressText(progress, tierRulesOf(tenant).windowDays) };
  }

  /** Reads with the access token from activation; a failure is shown next to the list, not as an error page. */
  private async fromJsonApi<T>(tenant: Tenant, read: (accessToken: string) => Promise<T[]>): Promise<Loaded<T>> {
    if (!tenant.accessTokenEnc) {
      return {
        list: [],
        error: 'Нет доступа к данным МоегоСклада: переустановите приложение или дайте ему доступ заново.',
      };
    }
    try {
      return { list: await read(this.deps.box.open(tenant.accessTokenEnc, tenant.accountId, ACCESS_TOKEN_FIELD)) };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return { list: [], error: error.message };
    }
  }
}

/** Employees who may not change settings see them read-only, and the SMS gateway's URL (often with a key) cut. */
function maskedForEmployees(values: SettingsFormValues): SettingsFormValues {
  const webhook = values['ledger.codeWebhookUrl'];
  return webhook ? { ...values, 'ledger.codeWebhookUrl': safeUrl(webhook) } : values;
}

/** The steps of one action as a notice: red when МойСклад refused, yellow when a step waits. */
export function noticeOf(report: GoLiveReport): Notice {
  const outcome = reportOutcome(report);
  if (outcome === 'failed') {
    // A 500 or a time-out at МойСклад is nothing the owner can fix: they are told to try again later.
    const onTheirSide = report.steps.filter((step) => step.outcome === 'failed').every((step) => step.temporary);
    return {
      kind: 'error',
      text: onTheirSide
        ? 'МойСклад сейчас не отвечает как нужно: это временно и не зависит от вас. Настройки сохранены; нажмите «Повторить» через несколько минут.'
        : 'МойСклад не принял изменения. Причина указана ниже; нажмите «Повторить», когда её устраните.',
      steps: report.steps,
    };
  }
  if (outcome === 'waiting') return { kind: 'warning', text: 'Готово не всё: часть шагов ждёт.', steps: report.steps };
  return { kind: 'ok', text: report.live ? 'Готово: касса работает с бонусами.' : 'Готово.', steps: report.steps };
}
