import type { Tenant } from '../../db/schema/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { NotFoundError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { LoyaltySettings, MoyskladClient } from '../moysklad/moysklad-client.js';
import { MoyskladError } from '../moysklad/moysklad-errors.js';
import { immediate, type Db, type DbOrTx } from '../storage/database.js';
import { LOYALTY_TOKEN_FIELD, issueLoyaltyToken } from '../tenants/loyalty-token.js';
import { tenantRepository as tenants } from '../tenants/tenant-repository.js';
import { providerSecretsOf, sealProviderSecrets } from '../tenants/tenant-settings.js';
import { goLiveStateOf, heldByMoysklad, pendingStep, type GoLiveState, type GoLiveStep } from './go-live-state.js';
import { mergeSecrets, type SettingsChange } from './settings-input.js';
import type { CatalogSync } from '../catalog/catalog-sync.js';
import type { TierJob } from '../ledger/tier-job.js';

export type ReportedStep = 'settings' | 'token' | GoLiveStep;
/** done: it happened now; unchanged: nothing to send; failed: see message; waiting: not tried, an earlier step is missing. */
export type StepOutcome = 'done' | 'unchanged' | 'failed' | 'waiting';

export interface StepReport {
  step: ReportedStep;
  outcome: StepOutcome;
  message: string;
  /** A failure on МойСклад's side (5xx, 429, no answer): nothing for the owner to fix, only to try later. */
  temporary?: boolean;
}

export interface GoLiveReport {
  steps: StepReport[];
  /** МойСклад holds our current settings and the app is Activated there. */
  live: boolean;
}

/** How one action went as a whole: МойСклад refused a step, a step still waits, or all is done. */
export function reportOutcome(report: GoLiveReport): 'failed' | 'waiting' | 'done' {
  const outcomes = report.steps.map((step) => step.outcome);
  return outcomes.includes('failed') ? 'failed' : outcomes.includes('waiting') ? 'waiting' : 'done';
}

export interface GoLiveDeps {
  db: Db;
  box: SecretBox;
  moysklad: Pick<MoyskladClient, 'putLoyaltySettings' | 'patchLoyaltySettings' | 'setStatus'>;
  /** What МойСклад's till calls: PUBLIC_BASE_URL + /loyalty-api. */
  loyaltyApiUrl: string;
  logger: Logger;
  /** The goods cache the restricted-goods rule reads: filled in the background on go-live. */
  catalog?: Pick<CatalogSync, 'ensureFilled'>;
  /** Recomputes levels at once when the owner changed the tiers (otherwise within the hour). */
  tiers?: Pick<TierJob, 'wake'>;
}

/**
 * Taking an account live and keeping МойСклад in step with it: save settings → PUT /loyalty →
 * PUT /status Activated. Every step's outcome is stored in tenants.go_live before the next one
 * starts, so a failure leaves a state that says which step is pending, and a retry resumes there.
 * No Express here: the iframe and the admin UI both call it.
 */
export class GoLive {
  /** One run per account at a time in this process, so accepted values are recorded in order. */
  private readonly runs = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: GoLiveDeps) {}

  /** Stores the settings (secrets sealed), then sends МойСклад what changed. */
  saveSettings(accountId: string, change: SettingsChange): Promise<GoLiveReport> {
    return this.exclusive(accountId, async () => {
      immediate(this.deps.db, (tx) => {
        const tenant = this.installed(tx, accountId);
        const secrets = mergeSecrets(providerSecretsOf(this.deps.box, tenant), change.secrets);
        tenants.update(tx, accountId, {
          backend: change.backend,
          externalSearch: change.externalSearch,
          settings: change.settings as Record<string, unknown>,
          providerSecretsEnc: sealProviderSecrets(this.deps.box, accountId, secrets),
        });
        this.writeState(tx, accountId, (state) => state);
      });
      // The till must know the shop's tobacco before the first receipt: МойСклад's goods are read now.
      this.deps.catalog?.ensureFilled(accountId);
      this.deps.tiers?.wake();
      const steps = await this.send(accountId, { full: false });
      return this.report(accountId, [{ step: 'settings', outcome: 'done', message: 'Настройки сохранены.' }, ...steps]);
    });
  }

  /** Runs whatever is pending: the step that failed last time and the ones after it. */
  retry(accountId: string): Promise<GoLiveReport> {
    return this.exclusive(accountId, async () => this.report(accountId, await this.send(accountId, { full: false })));
  }

  /** Sends the full loyalty settings again (PUT), e.g. when support suspects МойСклад lost them. */
  resend(accountId: string): Promise<GoLiveReport> {
    return this.exclusive(accountId, async () => this.report(accountId, await this.send(accountId, { full: true })));
  }

  /**
   * Issues a new LoyaltyAPI token and sends it. The new token is stored (sealed) before it is sent,
   * and the old one keeps working until МойСклад has accepted the new one: until then both do.
   * A rotation that did not finish is resumed with the same new token, never a third one.
   */
  rotateToken(accountId: string): Promise<GoLiveReport> {
    return this.exclusive(accountId, async () => {
      const held = immediate(this.deps.db, (tx) => {
        const tenant = this.installed(tx, accountId);
        if (!tenant.pendingLoyaltyTokenHash) {
          const issued = issueLoyaltyToken(this.deps.box, accountId);
          tenants.update(tx, accountId, {
            pendingLoyaltyTokenHash: issued.hash,
            pendingLoyaltyTokenEnc: issued.sealed,
          });
        }
        this.writeState(tx, accountId, (state) => state);
        return heldByMoysklad(tenant, goLiveStateOf(tenant)) !== undefined;
      });
      if (!held) {
        return this.report(accountId, [
          {
            step: 'token',
            outcome: 'waiting',
            message:
              'Новый токен выпущен. МойСклад получит его вместе с настройками, когда вы их сохраните; до тех пор действуют оба токена.',
          },
        ]);
      }
      const steps = await this.send(accountId, { full: false });
      const rotated = !tenants.find(this.deps.db, accountId)?.pendingLoyaltyTokenHash;
      const token: StepReport = rotated
        ? { step: 'token', outcome: 'done', message: 'МойСклад принял новый токен. Старый токен больше не действует.' }
        : {
            step: 'token',
            outcome: 'failed',
            message:
              'Новый токен выпущен, но МойСклад его ещё не принял. Пока действуют оба токена; нажмите «Повторить».',
          };
      return this.report(accountId, [token, ...steps]);
    });
  }

  private async send(accountId: string, options: { full: boolean }): Promise<StepReport[]> {
    const tenant = this.installed(this.deps.db, accountId);
    if (tenant.status === 'Suspended') {
      const message =
        'Подписка на приложение приостановлена. Настройки уйдут в МойСклад после её возобновления: тогда нажмите «Повторить».';
      return [
        { step: 'loyalty', outcome: 'waiting', message },
        { step: 'status', outcome: 'waiting', message: 'Ждёт передачи настроек.' },
      ];
    }
    const loyalty = await this.sendLoyaltySettings(tenant, options);
    if (loyalty.outcome !== 'failed') return [loyalty, await this.activate(accountId)];
    // A live account stays live on the settings МойСклад already has; a new one waits.
    const status: StepReport = tenant.configuredAt
      ? {
          step: 'status',
          outcome: 'unchanged',
          message: 'Приложение по-прежнему активно: касса работает на прежних настройках.',
        }
      : { step: 'status', outcome: 'waiting', message: 'Ждёт передачи настроек.' };
    return [loyalty, status];
  }

  /** PUT the whole settings when МойСклад holds none (or on request), otherwise PATCH only what changed. */
  private async sendLoyaltySettings(tenant: Tenant, options: { full: boolean }): Promise<StepReport> {
    const accountId = tenant.accountId;
    const desired = this.desired(tenant);
    const held = heldByMoysklad(tenant, goLiveStateOf(tenant));
    const full = options.full || !held;
    const changes = full ? desired.settings : changedFields(held!, desired);
    if (Object.keys(changes).length === 0) {
      return { step: 'loyalty', outcome: 'unchanged', message: 'В МоёмСкладе уже действуют эти настройки лояльности.' };
    }
    try {
      if (full) await this.deps.moysklad.putLoyaltySettings(accountId, desired.settings);
      else await this.deps.moysklad.patchLoyaltySettings(accountId, changes);
    } catch (error) {
      // A re-send is asked for when МойСклад may have lost the settings: until one succeeds, what it
      // accepted before is not counted on, so the step stays pending and «Повторить» sends it whole.
      return this.failed(accountId, 'loyalty', error, { forgetAccepted: options.full });
    }
    immediate(this.deps.db, (tx) => {
      const now = this.installed(tx, accountId);
      // The new token is now the one МойСклад sends: promote it, and the old one stops working.
      if (now.pendingLoyaltyTokenHash === desired.tokenHash) {
        tenants.update(tx, accountId, {
          loyaltyTokenHash: now.pendingLoyaltyTokenHash,
          loyaltyTokenEnc: now.pendingLoyaltyTokenEnc,
          pendingLoyaltyTokenHash: null,
          pendingLoyaltyTokenEnc: null,
        });
      }
      this.writeState(tx, accountId, (state) => ({
        ...state,
        accepted: {
          url: desired.settings.url,
          externalSearch: desired.settings.externalSearch,
          tokenHash: desired.tokenHash,
          at: new Date().toISOString(),
        },
        lastFailure: state.lastFailure?.step === 'loyalty' ? undefined : state.lastFailure,
      }));
    });
    const what = full
      ? 'Настройки лояльности переданы в МойСклад.'
      : `МойСклад принял изменения: ${describeChanges(changes)}.`;
    return { step: 'loyalty', outcome: 'done', message: what };
  }

  private async activate(accountId: string): Promise<StepReport> {
    if (this.installed(this.deps.db, accountId).configuredAt) {
      return { step: 'status', outcome: 'unchanged', message: 'Приложение уже активно в МоёмСкладе.' };
    }
    try {
      await this.deps.moysklad.setStatus(accountId, 'Activated');
    } catch (error) {
      return this.failed(accountId, 'status', error);
    }
    immediate(this.deps.db, (tx) => {
      tenants.update(tx, accountId, { status: 'Activated', configuredAt: new Date() });
      this.writeState(tx, accountId, (state) => ({ ...state, lastFailure: undefined }));
    });
    return {
      step: 'status',
      outcome: 'done',
      message: 'Приложение активировано в МоёмСкладе: касса работает с бонусами.',
    };
  }

  /** Records why a step failed; anything that is not МойСклад's answer (a bug) propagates. */
  private failed(
    accountId: string,
    step: GoLiveStep,
    error: unknown,
    options: { forgetAccepted?: boolean } = {},
  ): StepReport {
    if (!(error instanceof MoyskladError)) throw error;
    immediate(this.deps.db, (tx) =>
      this.writeState(tx, accountId, (state) => ({
        ...state,
        accepted: options.forgetAccepted ? undefined : state.accepted,
        lastFailure: {
          step,
          message: error.message,
          kind: error.failure,
          httpStatus: error.upstreamStatus,
          at: new Date().toISOString(),
        },
      })),
    );
    this.deps.logger.warn('go-live step failed', {
      accountId,
      step,
      failure: error.failure,
      httpStatus: error.upstreamStatus,
    });
    return { step, outcome: 'failed', message: error.message, temporary: error.failure === 'unavailable' };
  }

  /** Writes the state with `pending` recomputed from the tenant as it now is. */
  private writeState(tx: DbOrTx, accountId: string, change: (state: GoLiveState) => GoLiveState): void {
    const tenant = this.installed(tx, accountId);
    const state = change(goLiveStateOf(tenant));
    const next: GoLiveState = { ...state, pending: pendingStep(tenant, state, this.deps.loyaltyApiUrl) };
    if (!next.lastFailure) delete next.lastFailure;
    tenants.update(tx, accountId, { goLive: next as unknown as Record<string, unknown> });
  }

  private desired(tenant: Tenant): { settings: LoyaltySettings; tokenHash: string } {
    const sealed = tenant.pendingLoyaltyTokenEnc ?? tenant.loyaltyTokenEnc;
    const tokenHash = tenant.pendingLoyaltyTokenHash ?? tenant.loyaltyTokenHash;
    if (!sealed || !tokenHash) throw new NotFoundError('Приложение не установлено на этом аккаунте.');
    const token = this.deps.box.open(sealed, tenant.accountId, LOYALTY_TOKEN_FIELD);
    return { settings: { url: this.deps.loyaltyApiUrl, token, externalSearch: tenant.externalSearch }, tokenHash };
  }

  private installed(tx: DbOrTx, accountId: string): Tenant {
    const tenant = tenants.find(tx, accountId);
    if (!tenant || tenant.status === 'Uninstalled') {
      throw new NotFoundError('Приложение не установлено на этом аккаунте. Установите его в МоёмСкладе заново.');
    }
    return tenant;
  }

  private report(accountId: string, steps: StepReport[]): GoLiveReport {
    const tenant = this.installed(this.deps.db, accountId);
    return { steps, live: pendingStep(tenant, goLiveStateOf(tenant), this.deps.loyaltyApiUrl) === null };
  }

  private async exclusive<T>(accountId: string, run: () => Promise<T>): Promise<T> {
    const previous = this.runs.get(accountId) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(run);
    this.runs.set(accountId, current);
    try {
      return await current;
    } finally {
      if (this.runs.get(accountId) === current) this.runs.delete(accountId);
    }
  }
}

function changedFields(
  held: { url: string; externalSearch: boolean; tokenHash: string },
  desired: { settings: LoyaltySettings; tokenHash: string },
): Partial<LoyaltySettings> {
  const changes: Partial<LoyaltySettings> = {};
  if (held.url !== desired.settings.url) changes.url = desired.settings.url;
  if (held.externalSearch !== desired.settings.externalSearch) changes.externalSearch = desired.settings.externalSearch;
  if (held.tokenHash !== desired.tokenHash) changes.token = desired.settings.token;
  return changes;
}

function describeChanges(changes: Partial<LoyaltySettings>): string {
  const parts: string[] = [];
  if (changes.url !== undefined) parts.push('адрес сервера');
  if (changes.externalSearch !== undefined) parts.push('где искать покупателей');
  if (changes.token !== undefined) parts.push('токен');
  return parts.join(', ');
}
