import { and, desc, eq, lt } from 'drizzle-orm';
import { whatIfRuns, type NewWhatIfRun, type WhatIfRun } from '../../db/schema/index.js';
import type { DbOrTx } from '../storage/database.js';

/** The what-if runs of each tenant; every read names the tenant, so no account sees another's runs. */
export const whatIfRepository = {
  insert(tx: DbOrTx, run: NewWhatIfRun): void {
    tx.insert(whatIfRuns).values(run).run();
  },

  find(tx: DbOrTx, tenantId: string, id: string): WhatIfRun | undefined {
    return tx
      .select()
      .from(whatIfRuns)
      .where(and(eq(whatIfRuns.tenantId, tenantId), eq(whatIfRuns.id, id)))
      .get();
  },

  /** The tenant's runs, newest first. */
  list(tx: DbOrTx, tenantId: string, limit: number): WhatIfRun[] {
    return tx
      .select()
      .from(whatIfRuns)
      .where(eq(whatIfRuns.tenantId, tenantId))
      .orderBy(desc(whatIfRuns.createdAt), desc(whatIfRuns.id))
      .limit(limit)
      .all();
  },

  /** The tenant's run under way whose heartbeat is newer than `aliveSince`, if any. */
  running(tx: DbOrTx, tenantId: string, aliveSince: number): WhatIfRun | undefined {
    return tx
      .select()
      .from(whatIfRuns)
      .where(and(eq(whatIfRuns.tenantId, tenantId), eq(whatIfRuns.status, 'running')))
      .all()
      .find((run) => run.heartbeatAt >= aliveSince);
  },

  update(tx: DbOrTx, id: string, changes: Partial<Omit<WhatIfRun, 'id' | 'tenantId'>>): void {
    tx.update(whatIfRuns).set(changes).where(eq(whatIfRuns.id, id)).run();
  },

  /** Runs of the tenant still marked running whose process stopped beating before `aliveSince`: failed. */
  failAbandoned(tx: DbOrTx, tenantId: string, aliveSince: number, error: string, nowMs: number): number {
    return tx
      .update(whatIfRuns)
      .set({ status: 'failed', error, finishedAt: nowMs })
      .where(
        and(
          eq(whatIfRuns.tenantId, tenantId),
          eq(whatIfRuns.status, 'running'),
          lt(whatIfRuns.heartbeatAt, aliveSince),
        ),
      )
      .run().changes;
  },

  /** Keeps the tenant's newest `keep` runs. */
  prune(tx: DbOrTx, tenantId: string, keep: number): void {
    const old = this.list(tx, tenantId, 10_000).slice(keep);
    for (const run of old) tx.delete(whatIfRuns).where(eq(whatIfRuns.id, run.id)).run();
  },
};
