import type { Outbox } from '../../outbox/outbox.js';
import type { Db } from '../../storage/database.js';
import { loyaltyActivity, type LoyaltyActivity } from '../../txlog/tenant-activity.js';
import { tenantDirectory, type TenantSummary } from './tenant-directory-queries.js';

/** One row of the tenant list. A column is one field here and one cell in views/admin/tenants/list.ejs. */
export interface TenantListRow extends TenantSummary {
  activity: LoyaltyActivity;
  outbox: {
    /** Sales and returns still owed to the provider (pending or being sent). */
    waiting: number;
    /** At least one item failed for good and waits for a person. */
    needsSupport: boolean;
  };
}

export interface TenantListPage {
  rows: TenantListRow[];
  /** How many tenants match the search. */
  matching: number;
  /** Pass as `after` for the next page. */
  next?: string;
}

export const TENANTS_PER_PAGE = 50;

/**
 * Tenants matching a search (a fragment of the account name in any case, or of the account id), by name.
 * There are hundreds to a few thousand tenants, so the search runs over their summaries in memory, where
 * Cyrillic case folding is right (SQLite's lower() folds ASCII only); activity is read for one page only.
 * Waiting outbox items are one grouped read over waiting rows only (the outbox's status index: delivered
 * history is never touched); "needs support" is one index seek per row of the page.
 */
export function tenantListPage(
  db: Db,
  outbox: Pick<Outbox, 'countWaitingByTenant' | 'listItems'>,
  search: string,
  after: string | undefined,
  now: Date,
): TenantListPage {
  const needle = search.trim().toLowerCase();
  const matching = tenantDirectory
    .summaries(db)
    .filter((t) => !needle || t.accountName.toLowerCase().includes(needle) || t.accountId.includes(needle))
    .sort((a, b) => a.accountName.localeCompare(b.accountName, 'ru') || a.accountId.localeCompare(b.accountId));
  const start = after === undefined ? 0 : matching.findIndex((t) => t.accountId === after) + 1;
  const page = matching.slice(start, start + TENANTS_PER_PAGE);
  const activity = loyaltyActivity(
    db,
    page.map((t) => t.accountId),
    now,
  );
  const waiting = outbox.countWaitingByTenant();
  return {
    rows: page.map((t) => ({
      ...t,
      activity: activity.get(t.accountId)!,
      outbox: {
        waiting: waiting.get(t.accountId) ?? 0,
        needsSupport: outbox.listItems(t.accountId, { statuses: ['needs_support'], limit: 1 }).length > 0,
      },
    })),
    matching: matching.length,
    next: start + TENANTS_PER_PAGE < matching.length ? page.at(-1)?.accountId : undefined,
  };
}
