import { randomUUID } from 'node:crypto';
import type { Tenant, WhatIfRun } from '../../db/schema/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { LedgerReplay, type ReplayRules, type ReplayTotals } from '../ledger/replay.js';
import { ledgerRulesOf } from '../ledger/rules.js';
import { tierRulesOf } from '../ledger/tier-rules.js';
import { runWithRequestContext, type Logger } from '../logging/logger.js';
import type { MoyskladClient } from '../moysklad/moysklad-client.js';
import { MoyskladError } from '../moysklad/moysklad-errors.js';
import { immediate, type Db } from '../storage/database.js';
import { openAccessToken } from '../tenants/loyalty-token.js';
import { tenantRepository as tenants } from '../tenants/tenant-repository.js';
import { receiptsOfPage, type SalesHistoryDeps } from './sales-history.js';
import { whatIfRepository as repo } from './what-if-repository.js';

const DAY_MS = 86_400_000;
export const WHAT_IF_DAYS = [30, 60, 90] as const;
export const WHAT_IF_SHARES = [100, 75, 50, 25] as const;
/** Runs kept per account; older ones are deleted when a new one starts. */
const KEPT_RUNS = 20;

export const RESTARTED =
  'Проверка прервалась: сервер приложения перезапускался. Нажмите «Проверить на моих продажах» ещё раз.';
const NO_ACCESS = 'Нет доступа к данным МоегоСклада: переустановите приложение или дайте ему доступ заново.';

export interface WhatIfDeps extends SalesHistoryDeps {
  db: Db;
  box: SecretBox;
  moysklad: Pick<MoyskladClient, 'listRetailDemandsWithPositions' | 'listRetailSalePositions'>;
  logger: Logger;
  now?: () => number;
  /** A run whose heartbeat (every page) is older than this lost its process. */
  staleMs?: number;
}

export interface WhatIfRequest {
  /** The rules being edited in the settings form, not saved. */
  proposed: ReplayRules;
  days: number;
  spendSharePercent: number;
  startedBy?: string;
}

export type WhatIfStart = { outcome: 'started' | 'running'; runId: string } | { outcome: 'no-access' };

class Stopped extends Error {}

/**
 * «Проверить на моих продажах»: reads the account's retail sales of the last 30, 60 or 90 days from the
 * JSON API (100 a page with positions and customer, within the token's limits and 429 pauses kept by
 * MoyskladClient) and replays them as they come, in time order, through the proposed rules and the
 * rules saved now (LedgerReplay), writing nothing to the ledger. Progress is stored after every page;
 * the totals of both replays at the end. The replay lives in this process's memory: a run whose process
 * went away (a restart, a crash) is marked failed and can be started again. One run per account at a time.
 */
export class WhatIf {
  private readonly now: () => number;
  private readonly staleMs: number;
  private readonly runs = new Map<string, Promise<unknown>>();
  private stopping = false;

  constructor(private readonly deps: WhatIfDeps) {
    this.now = deps.now ?? Date.now;
    this.staleMs = deps.staleMs ?? 5 * 60_000;
  }

  start(tenant: Tenant, request: WhatIfRequest): WhatIfStart {
    if (!tenant.accessTokenEnc) return { outcome: 'no-access' };
    const now = this.now();
    const days = WHAT_IF_DAYS.find((d) => d === request.days) ?? 30;
    const share = Math.max(0, Math.min(100, Math.floor(request.spendSharePercent)));
    const current: ReplayRules = { ledger: ledgerRulesOf(tenant), tiers: tierRulesOf(tenant) };
    const outcome = immediate(this.deps.db, (tx) => {
      repo.failAbandoned(tx, tenant.accountId, now - this.staleMs, RESTARTED, now);
      const running = repo.running(tx, tenant.accountId, now - this.staleMs);
      if (running) return { outcome: 'running' as const, runId: running.id };
      const runId = randomUUID();
      repo.insert(tx, {
        id: runId,
        tenantId: tenant.accountId,
        status: 'running',
        days,
        fromMs: now - days * DAY_MS,
        untilMs: now,
        spendSharePercent: share,
        proposedRules: { ...request.proposed } as unknown as Record<string, unknown>,
        currentRules: { ...current } as unknown as Record<string, unknown>,
        startedBy: request.startedBy ?? null,
        createdAt: now,
        heartbeatAt: now,
      });
      repo.prune(tx, tenant.accountId, KEPT_RUNS);
      return { outcome: 'started' as const, runId };
    });
    if (outcome.outcome === 'started') this.inBackground(tenant.accountId, outcome.runId);
    return outcome;
  }

  /** A run of this account (never another's); one whose process went away reads as failed. */
  find(accountId: string, runId: string): WhatIfRun | undefined {
    this.failAbandoned(accountId);
    return repo.find(this.deps.db, accountId, runId);
  }

  list(accountId: string, limit = KEPT_RUNS): WhatIfRun[] {
    this.failAbandoned(accountId);
    return repo.list(this.deps.db, accountId, limit);
  }

  /** Runs under way stop after their current page and are marked failed, to be started again. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.runs.values()]);
  }

  /** The whole run: page by page, both replays fed in time order, totals recorded at the end. */
  async run(accountId: string, runId: string): Promise<'done' | 'failed' | 'stopped'> {
    const tenant = tenants.find(this.deps.db, accountId);
    const run = repo.find(this.deps.db, accountId, runId);
    const accessToken = tenant ? openAccessToken(this.deps.box, tenant) : undefined;
    if (!tenant || !run || !accessToken) {
      this.record(runId, { status: 'failed', error: NO_ACCESS, finishedAt: this.now() });
      return 'failed';
    }
    const share = { spendSharePercent: run.spendSharePercent };
    const proposed = new LedgerReplay(run.proposedRules as unknown as ReplayRules, share);
    const current = new LedgerReplay(run.currentRules as unknown as ReplayRules, share);
    const range = { fromMs: run.fromMs, untilMs: run.untilMs };
    return runWithRequestContext({ requestId: `what-if-${runId}`, accountId }, async () => {
      let offset = 0;
      try {
        for (;;) {
          if (this.stopping) throw new Stopped();
          const page = await this.deps.moysklad.listRetailDemandsWithPositions(accessToken, range, offset, {
            agent: true,
          });
          const receipts = await receiptsOfPage(this.deps, tenant, accessToken, page.rows);
          for (const receipt of receipts) {
            proposed.sale(receipt);
            current.sale(receipt);
          }
          offset += page.rows.length;
          this.record(runId, { read: offset, size: page.size, heartbeatAt: this.now() });
          if (page.rows.length === 0 || offset >= page.size) break;
        }
        const finishedAt = this.now();
        this.record(runId, {
          status: 'done',
          proposedTotals: totalsJson(proposed.finish(run.untilMs)),
          currentTotals: totalsJson(current.finish(run.untilMs)),
          finishedAt,
          heartbeatAt: finishedAt,
        });
        this.deps.logger.info('what-if done', { accountId, runId, read: offset, ms: finishedAt - run.createdAt });
        return 'done';
      } catch (error) {
        if (error instanceof Stopped) {
          this.record(runId, { status: 'failed', error: RESTARTED, finishedAt: this.now() });
          return 'stopped';
        }
        const message =
          error instanceof MoyskladError ? error.message : 'Внутренняя ошибка при проверке. Попробуйте ещё раз.';
        this.record(runId, { status: 'failed', error: message, finishedAt: this.now() });
        this.deps.logger.warn('what-if failed', { accountId, runId, read: offset, error: (error as Error).message });
        if (!(error instanceof MoyskladError)) this.deps.logger.error('what-if failed', { accountId, runId, error });
        return 'failed';
      }
    });
  }

  private failAbandoned(accountId: string): void {
    const now = this.now();
    immediate(this.deps.db, (tx) => repo.failAbandoned(tx, accountId, now - this.staleMs, RESTARTED, now));
  }

  private record(runId: string, changes: Parameters<typeof repo.update>[2]): void {
    immediate(this.deps.db, (tx) => repo.update(tx, runId, changes));
  }

  private inBackground(accountId: string, runId: string): void {
    const run = this.run(accountId, runId)
      .catch((error: unknown) => this.deps.logger.error('what-if failed', { accountId, runId, error }))
      .finally(() => this.runs.delete(runId));
    this.runs.set(runId, run);
  }
}

function totalsJson(totals: ReplayTotals): Record<string, unknown> {
  return { ...totals };
}
