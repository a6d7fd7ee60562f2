import type { TierChangeReason } from '../../db/schema/index.js';
import type { Logger } from '../logging/logger.js';
import { immediate, type Db } from '../storage/database.js';
import { customerRepository } from './customer-repository.js';
import { tierRulesOf, tiersOn, type TierRules } from './tier-rules.js';
import { tierRepository as repo } from './tier-repository.js';
import { refreshStanding, type TierScope } from './tiers.js';

export interface TierJobOptions {
  /** Customers per transaction: short enough that the till's writes keep their turn. */
  batch?: number;
  /** How long a tenant's claim lasts; every batch extends it. */
  claimMs?: number;
}

export interface TierJobReport {
  tenants: number;
  recomputed: number;
  changed: number;
  /** Tenants another process was working on. */
  busy: number;
}

/**
 * What every level depends on: the window, the thresholds and the last seeding's end (renaming a level or
 * changing its rate needs no recompute). A pass records the key it applied; any other key means a full pass.
 */
export function tierKey(tiers: TierRules, seedFinishedAt: number | null): string {
  return JSON.stringify({
    windowDays: tiers.windowDays,
    thresholds: tiers.levels.map((l) => l.thresholdKopecks),
    seed: seedFinishedAt,
  });
}

/** A full pass that applies a seeding not yet applied is the seeding's: its level changes say so. */
function passReason(appliedKey: string | null, seedFinishedAt: number | null): TierChangeReason {
  if (seedFinishedAt === null) return 'job';
  const applied = appliedKey ? (JSON.parse(appliedKey) as { seed?: number | null }) : undefined;
  return applied?.seed === seedFinishedAt ? 'job' : 'seed';
}

/**
 * The tier job: for every tenant with tiers on, recomputes every customer when the window or the
 * thresholds changed since the last full pass (or seeding asked for it), then the customers whose oldest
 * counted purchase has left the window: that is where downgrades happen. Claim, do, record: a tenant is
 * claimed in SQLite, so two processes overlapping in a reload do not both work on it; each customer is
 * recomputed in a short transaction from the sales themselves, so a pass repeated or overlapping (a claim
 * that ran out) changes nothing twice. maintenance.ts runs it hourly; `wake()` runs it now.
 */
export class TierJob {
  private readonly now: () => Date;
  private readonly batch: number;
  private readonly claimMs: number;
  private running?: Promise<TierJobReport>;
  private again = false;
  private stopping = new AbortController();

  constructor(private readonly deps: { db: Db; logger: Logger; now?: () => Date } & TierJobOptions) {
    this.now = deps.now ?? (() => new Date());
    this.batch = deps.batch ?? 200;
    this.claimMs = deps.claimMs ?? 5 * 60_000;
  }

  /** One pass over every tenant; a call while one runs waits for it and then runs once more. */
  runOnce(signal?: AbortSignal): Promise<TierJobReport> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = async (): Promise<TierJobReport> => {
      let report = await this.pass(signal);
      while (this.again && !this.aborted(signal)) {
        this.again = false;
        report = sum(report, await this.pass(signal));
      }
      return report;
    };
    this.running = run().finally(() => (this.running = undefined));
    return this.running;
  }

  /** A pass now, in the background: after the owner saved tiers, or seeding finished. */
  wake(): void {
    void this.runOnce().catch((error: unknown) => this.deps.logger.error('tier job failed', { error }));
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running?.catch(() => undefined);
  }

  private aborted(signal?: AbortSignal): boolean {
    return this.stopping.signal.aborted || signal?.aborted === true;
  }

  private async pass(signal?: AbortSignal): Promise<TierJobReport> {
    const report: TierJobReport = { tenants: 0, recomputed: 0, changed: 0, busy: 0 };
    for (const tenant of repo.ledgerTenants(this.deps.db)) {
      if (this.aborted(signal)) break;
      const tiers = tierRulesOf(tenant);
      if (!tiersOn(tiers)) {
        this.forget(tenant.accountId);
        continue;
      }
      report.tenants++;
      const done = await this.tenantPass(tenant.accountId, tiers, signal);
      if (done === 'busy') report.busy++;
      else {
        report.recomputed += done.recomputed;
        report.changed += done.changed;
      }
    }
    return report;
  }

  /** Tiers off: when they come back, every total is stale (sales did not keep them), so a full pass is due. */
  private forget(tenantId: string): void {
    if (repo.jobState(this.deps.db, tenantId)?.appliedKey == null) return;
    immediate(this.deps.db, (tx) => repo.updateJob(tx, tenantId, { appliedKey: null }));
  }

  private async tenantPass(
    tenantId: string,
    tiers: TierRules,
    signal?: AbortSignal,
  ): Promise<{ recomputed: number; changed: number } | 'busy'> {
    const claimedAt = this.now().getTime();
    const claimed = immediate(this.deps.db, (tx) => repo.claimJob(tx, tenantId, claimedAt, claimedAt + this.claimMs));
    if (!claimed) return 'busy';
    const counts = { recomputed: 0, changed: 0 };
    try {
      await this.fullPass(tenantId, tiers, counts, signal);
      if (!this.aborted(signal)) await this.rolls(tenantId, tiers, counts, signal);
    } finally {
      immediate(this.deps.db, (tx) => repo.updateJob(tx, tenantId, { claimedUntil: null }));
    }
    return counts;
  }

  /** Every customer, in id order, when the rules a level depends on are not the ones last applied. */
  private async fullPass(
    tenantId: string,
    tiers: TierRules,
    counts: { recomputed: number; changed: number },
    signal?: AbortSignal,
  ): Promise<void> {
    const state = repo.jobState(this.deps.db, tenantId);
    if (!state) return;
    const key = tierKey(tiers, state.seedFinishedAt);
    if (state.appliedKey === key) return;
    // A pass under another key (the owner saved again, a seeding ended) starts over; one under this key
    // resumes where it stopped. A pass under an old key that ends later records its own key: not this one.
    let cursor = state.passKey === key ? state.passCursor : null;
    const reason = passReason(state.appliedKey, state.seedFinishedAt);
    for (;;) {
      if (this.aborted(signal)) return;
      const now = this.now();
      const scope: TierScope = { tenantId, tiers, now };
      const size = immediate(this.deps.db, (tx) => {
        const page = repo.customersAfter(tx, tenantId, cursor, this.batch);
        for (const customer of page) {
          const after = refreshStanding(tx, scope, customer, { reason, direction: 'any' });
          counts.recomputed++;
          if (after.tierLevel !== customer.tierLevel) counts.changed++;
        }
        cursor = page.at(-1)?.id ?? cursor;
        repo.updateJob(tx, tenantId, {
          passKey: key,
          passCursor: cursor,
          claimedUntil: now.getTime() + this.claimMs,
          updatedAt: now.getTime(),
        });
        return page.length;
      });
      if (size < this.batch) break;
      await pause();
    }
    immediate(this.deps.db, (tx) =>
      repo.updateJob(tx, tenantId, {
        appliedKey: key,
        passKey: null,
        passCursor: null,
        updatedAt: this.now().getTime(),
      }),
    );
  }

  /** Customers whose oldest counted purchase has left the window: recomputed, and moved down if so. */
  private async rolls(
    tenantId: string,
    tiers: TierRules,
    counts: { recomputed: number; changed: number },
    signal?: AbortSignal,
  ): Promise<void> {
    const now = this.now();
    const scope: TierScope = { tenantId, tiers, now };
    for (;;) {
      if (this.aborted(signal)) return;
      const size = immediate(this.deps.db, (tx) => {
        const due = repo.dueCustomers(tx, tenantId, now.getTime(), this.batch);
        for (const id of due) {
          // Read again inside the transaction: another process may have just done this customer.
          const customer = customerRepository.findById(tx, tenantId, id);
          if (!customer || customer.tierRollsAt === null || customer.tierRollsAt > now.getTime()) continue;
          const after = refreshStanding(tx, scope, customer, { reason: 'job', direction: 'any' });
          counts.recomputed++;
          if (after.tierLevel !== customer.tierLevel) counts.changed++;
        }
        repo.updateJob(tx, tenantId, { claimedUntil: this.now().getTime() + this.claimMs });
        return due.length;
      });
      if (size < this.batch) return;
      await pause();
    }
  }
}

function pause(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function sum(a: TierJobReport, b: TierJobReport): TierJobReport {
  return {
    tenants: a.tenants + b.tenants,
    recomputed: a.recomputed + b.recomputed,
    changed: a.changed + b.changed,
    busy: a.busy + b.busy,
  };
}
