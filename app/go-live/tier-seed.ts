import { randomUUID } from 'node:crypto';
import type { TierSeedStatus } from '../../db/schema/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { tierRulesOf, tiersOn } from '../ledger/tier-rules.js';
import { tierRepository as repo, type SeedPurchase } from '../ledger/tier-repository.js';
import type { TierJob } from '../ledger/tier-job.js';
import { runWithRequestContext, type Logger } from '../logging/logger.js';
import { epochOfMoyskladMoment } from '../moysklad/json-api-moment.js';
import type { JsonApiRow, MoyskladClient } from '../moysklad/moysklad-client.js';
import { MoyskladError } from '../moysklad/moysklad-errors.js';
import { immediate, type Db } from '../storage/database.js';
import { countText, DAY_FORMS, groupDigits, SALE_FORMS } from '../locale/plural.js';
import { formatWholeRoublesUp } from '../receipt/money.js';
import { openAccessToken } from '../tenants/loyalty-token.js';
import { tenantRepository as tenants } from '../tenants/tenant-repository.js';

const DAY_MS = 86_400_000;

export interface TierSeedDeps {
  db: Db;
  box: SecretBox;
  moysklad: Pick<MoyskladClient, 'listRetailDemands'>;
  logger: Logger;
  /** Recomputes every level once the history is in. */
  tierJob?: Pick<TierJob, 'wake'>;
  now?: () => number;
  /** How long a claim lasts; every page extends it. */
  claimMs?: number;
}

/** What the owner sees of a seeding. */
export interface SeedProgress {
  status: TierSeedStatus | 'none';
  /** Documents read and the list's size (once the first page told it). */
  read: number;
  size?: number;
  /** Purchases counted: a known customer, a positive sum, not a sale we recorded ourselves. */
  kept: number;
  keptKopecks: number;
  fromMs?: number;
  untilMs?: number;
  finishedAt?: number;
  error?: string;
}

export type SeedRequestOutcome = 'started' | 'running' | 'tiers-off' | 'no-access';

class Stopped extends Error {}

/**
 * Seeds tier totals from МойСклад's own history on go-live: pages through the account's applied retail
 * sales over the tier window (1000 a time, the JSON API's limits and 429 pauses kept by MoyskladClient)
 * and keeps each one's counterparty, moment and sum. Only sales before the first one the till sent us are
 * read (after it our own sales count), and a document we recorded ourselves is skipped, so nothing counts
 * twice. Claim, do, record: progress is stored after every page, so a seeding stopped by a reload is
 * resumed where it stopped by whichever process finds it abandoned (maintenance.ts). Once done, the
 * tier job recomputes every level (reason 'seed').
 */
export class TierSeed {
  private readonly now: () => number;
  private readonly claimMs: number;
  private readonly runs = new Set<Promise<unknown>>();
  private stopping = false;

  constructor(private readonly deps: TierSeedDeps) {
    this.now = deps.now ?? Date.now;
    this.claimMs = deps.claimMs ?? 5 * 60_000;
  }

  /** The owner asked: records the request and starts reading in the background. */
  request(accountId: string): SeedRequestOutcome {
    const tenant = tenants.find(this.deps.db, accountId);
    const tiers = tenant ? tierRulesOf(tenant) : undefined;
    if (!tenant || !tiersOn(tiers)) return 'tiers-off';
    if (!tenant.accessTokenEnc) return 'no-access';
    const now = this.now();
    const recorded = immediate(this.deps.db, (tx) => {
      repo.ensureJobState(tx, accountId, now);
      const state = repo.jobState(tx, accountId)!;
      if (state.seedClaimedUntil !== null && state.seedClaimedUntil > now) return false;
      repo.updateJob(tx, accountId, {
        seedStatus: 'requested',
        seedFrom: now - tiers.windowDays * DAY_MS,
        seedUntil: Math.min(now, repo.firstSaleAt(tx, accountId) ?? now),
        seedOffset: 0,
        seedSize: null,
        seedKept: 0,
        seedError: null,
        seedRequestedAt: now,
        seedFinishedAt: null,
        updatedAt: now,
      });
      return true;
    });
    if (!recorded) return 'running';
    this.inBackground(accountId);
    return 'started';
  }

  progress(accountId: string): SeedProgress {
    const state = repo.jobState(this.deps.db, accountId);
    if (!state?.seedStatus) return { status: 'none', read: 0, kept: 0, keptKopecks: 0 };
    return {
      status: state.seedStatus,
      read: state.seedOffset,
      size: state.seedSize ?? undefined,
      kept: state.seedKept,
      keptKopecks: state.seedFrom === null ? 0 : repo.seededTotal(this.deps.db, accountId, state.seedFrom),
      fromMs: state.seedFrom ?? undefined,
      untilMs: state.seedUntil ?? undefined,
      finishedAt: state.seedFinishedAt ?? undefined,
      error: state.seedError ?? undefined,
    };
  }

  /** Seedings asked for or under way whose process went away: resumed here, one after another. */
  async resumeAbandoned(): Promise<number> {
    let resumed = 0;
    for (const accountId of repo.abandonedSeeds(this.deps.db, this.now())) {
      if (this.stopping) break;
      if ((await this.run(accountId)) !== 'busy') resumed++;
    }
    return resumed;
  }

  /** A page under way finishes; the rest waits for the next process (the claim is released). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.runs]);
  }

  /** Claim, do, record: the whole seeding, from the stored offset. */
  async run(accountId: string): Promise<'done' | 'busy' | 'failed' | 'stopped'> {
    const startedAt = this.now();
    const state = immediate(this.deps.db, (tx) => {
      const current = repo.jobState(tx, accountId);
      if (current?.seedStatus !== 'requested' && current?.seedStatus !== 'running') return undefined;
      if (!repo.claimSeed(tx, accountId, startedAt, startedAt + this.claimMs)) return undefined;
      repo.updateJob(tx, accountId, { seedStatus: 'running', updatedAt: startedAt });
      return current;
    });
    if (!state || state.seedFrom === null || state.seedUntil === null) return 'busy';
    const tenant = tenants.find(this.deps.db, accountId);
    const accessToken = tenant ? openAccessToken(this.deps.box, tenant) : undefined;
    if (!accessToken) {
      this.fail(accountId, 'Нет доступа к данным МоегоСклада: переустановите приложение или дайте ему доступ заново.');
      return 'failed';
    }
    const range = { fromMs: state.seedFrom, untilMs: state.seedUntil };
    return runWithRequestContext({ requestId: `tier-seed-${randomUUID()}`, accountId }, async () => {
      let offset = state.seedOffset;
      let kept = state.seedKept;
      try {
        for (;;) {
          if (this.stopping) throw new Stopped();
          const page = await this.deps.moysklad.listRetailDemands(accessToken, range, offset);
          const purchases = page.rows.flatMap((row) => purchaseOf(row) ?? []);
          immediate(this.deps.db, (tx) => {
            const ours = repo.recordedSaleIds(
              tx,
              accountId,
              purchases.map((p) => p.documentId),
            );
            const counted = purchases.filter((p) => !ours.has(p.documentId));
            repo.upsertSeedPurchases(tx, accountId, counted);
            offset += page.rows.length;
            kept += counted.length;
            repo.updateJob(tx, accountId, {
              seedOffset: offset,
              seedSize: page.size,
              seedKept: kept,
              seedClaimedUntil: this.now() + this.claimMs,
              updatedAt: this.now(),
            });
          });
          if (page.rows.length === 0 || offset >= page.size) break;
        }
        const finishedAt = this.now();
        immediate(this.deps.db, (tx) =>
          repo.updateJob(tx, accountId, {
            seedStatus: 'done',
            seedFinishedAt: finishedAt,
            seedClaimedUntil: null,
            updatedAt: finishedAt,
          }),
        );
        this.deps.logger.info('tier seeding done', { accountId, read: offset, kept, ms: finishedAt - startedAt });
        this.deps.tierJob?.wake();
        return 'done';
      } catch (error) {
        if (error instanceof Stopped) {
          immediate(this.deps.db, (tx) => repo.updateJob(tx, accountId, { seedClaimedUntil: null }));
          return 'stopped';
        }
        const message = error instanceof MoyskladError ? error.message : 'Внутренняя ошибка при чтении истории.';
        this.fail(accountId, message);
        this.deps.logger.warn('tier seeding failed', { accountId, read: offset, error: (error as Error).message });
        if (!(error instanceof MoyskladError)) this.deps.logger.error('tier seeding failed', { accountId, error });
        return 'failed';
      }
    });
  }

  private fail(accountId: string, message: string): void {
    immediate(this.deps.db, (tx) =>
      repo.updateJob(tx, accountId, {
        seedStatus: 'failed',
        seedError: message,
        seedClaimedUntil: null,
        updatedAt: this.now(),
      }),
    );
  }

  private inBackground(accountId: string): void {
    const run = this.run(accountId)
      .catch((error: unknown) => this.deps.logger.error('tier seeding failed', { accountId, error }))
      .finally(() => this.runs.delete(run));
    this.runs.add(run);
  }
}

/** A retail sale as a purchase: a counterparty, a moment and a positive sum (kopecks), else nothing to count. */
function purchaseOf(row: JsonApiRow): SeedPurchase | undefined {
  const agent = (row.agent as { meta?: { href?: unknown } } | undefined)?.meta?.href;
  const counterpartyId = typeof agent === 'string' ? /\/counterparty\/([\w-]+)$/.exec(agent)?.[1] : undefined;
  const momentMs = epochOfMoyskladMoment(row.moment);
  const kopecks = typeof row.sum === 'number' && Number.isFinite(row.sum) ? Math.round(row.sum) : 0;
  if (typeof row.id !== 'string' || !counterpartyId || momentMs === undefined || kopecks <= 0) return undefined;
  return { documentId: row.id, counterpartyId, momentMs, kopecks };
}

/** The seeding as the owner reads it in the settings iframe; numbers never break across lines. */
export function seedProgressText(progress: SeedProgress, windowDays: number): string {
  return progressWords(progress, windowDays).replace(/(\d) (?=\d|₽)/g, '$1\u00a0');
}

function progressWords(progress: SeedProgress, windowDays: number): string {
  const sales = (n: number) => countText(n, SALE_FORMS);
  switch (progress.status) {
    case 'none':
      return `История ещё не загружалась. Загрузите её, чтобы покупатели сразу получили уровни по покупкам за последние ${countText(windowDays, DAY_FORMS)} в МоёмСкладе.`;
    case 'requested':
      return 'Загрузка истории покупок начнётся через несколько секунд…';
    case 'running': {
      const of = progress.size === undefined ? '' : ` из ${groupDigits(progress.size)}`;
      const share = progress.size ? ` (${Math.min(100, Math.floor((progress.read * 100) / progress.size))} %)` : '';
      return `Загружаем историю покупок из МоегоСклада: прочитано ${groupDigits(progress.read)}${of} продаж${share}.`;
    }
    case 'done':
      return `История загружена ${dateText(progress.finishedAt)}: ${sales(progress.read)} с ${dateText(progress.fromMs)} по ${dateText(progress.untilMs)}, из них с покупателем — ${groupDigits(progress.kept)} на ${formatWholeRoublesUp(progress.keptKopecks)}. Уровни пересчитываются сами.`;
    case 'failed':
      return `Не удалось загрузить историю: ${progress.error ?? 'неизвестная ошибка'} Нажмите «Загрузить историю» ещё раз.`;
  }
}

function dateText(ms: number | undefined): string {
  return ms === undefined ? '—' : new Date(ms).toLocaleDateString('ru-RU', { timeZone: 'Europe/Moscow' });
}
