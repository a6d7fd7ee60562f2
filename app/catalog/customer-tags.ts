import type { Tenant } from '../../db/schema/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { currentRequestContext, runWithRequestContext, type Logger } from '../logging/logger.js';
import type { MoyskladClient } from '../moysklad/moysklad-client.js';
import type { Db } from '../storage/database.js';
import { openAccessToken } from '../tenants/loyalty-token.js';
import { catalogRepository as catalog } from './catalog-repository.js';
import { isEntityId } from './goods-rows.js';

/** Tags this old are still served, and read again in the background. */
const FRESH_MS = 15 * 60_000;
/** At most this much of the till's patience goes to asking МойСклад about a customer. */
const LOOKUP_BUDGET_MS = 1500;

/**
 * МойСклад's tags («группы») of a counterparty, for a bonus program that applies only to some
 * customers (the ledger's CustomerTagSource). Cached per tenant like goods: a known customer never
 * waits on МойСклад; an unknown one is asked within part of the till's patience; old tags are served
 * and refreshed behind the till's back. Undefined when МойСклад could not be asked or did not answer.
 */
export class CustomerTags {
  private readonly now: () => number;
  private readonly refreshing = new Set<string>();

  constructor(
    private readonly deps: {
      db: Db;
      box: SecretBox;
      moysklad: Pick<MoyskladClient, 'getEntity'>;
      logger: Logger;
      now?: () => number;
    },
  ) {
    this.now = deps.now ?? Date.now;
  }

  async tagsOf(tenant: Tenant, counterpartyId: string): Promise<string[] | undefined> {
    if (!tenant.accessTokenEnc || !isEntityId(counterpartyId)) return undefined;
    const cached = catalog.tagsOf(this.deps.db, tenant.accountId, counterpartyId);
    // The token is opened only when МойСклад must be asked: a customer the cache knows decrypts nothing.
    const accessToken = () => openAccessToken(this.deps.box, tenant)!;
    if (cached) {
      if (this.now() - cached.fetchedAt > FRESH_MS) this.refresh(tenant.accountId, accessToken(), counterpartyId);
      return cached.tags;
    }
    const deadlineAt = currentRequestContext()?.deadlineAt;
    const budgetMs =
      deadlineAt === undefined
        ? LOOKUP_BUDGET_MS
        : Math.max(1, Math.floor(Math.min(LOOKUP_BUDGET_MS, (deadlineAt - this.now()) / 2)));
    try {
      return await this.fetch(tenant.accountId, accessToken(), counterpartyId, budgetMs);
    } catch (error) {
      this.deps.logger.warn('customer tags: МойСклад did not answer in time', {
        tenantId: tenant.accountId,
        counterpartyId,
        error: (error as Error).message,
      });
      return undefined;
    }
  }

  /** Reads and stores the tags; a counterparty МойСклад does not have has none. */
  private async fetch(tenantId: string, accessToken: string, counterpartyId: string, budgetMs?: number) {
    const row = await this.deps.moysklad.getEntity(accessToken, 'counterparty', counterpartyId, { budgetMs });
    const tags = Array.isArray(row?.tags) ? row.tags.filter((tag): tag is string => typeof tag === 'string') : [];
    catalog.saveTags(this.deps.db, tenantId, counterpartyId, tags, this.now());
    return tags;
  }

  private refresh(tenantId: string, accessToken: string, counterpartyId: string): void {
    const key = `${tenantId}:${counterpartyId}`;
    if (this.refreshing.has(key)) return;
    this.refreshing.add(key);
    // A context of its own: the till's deadline does not bound a background read.
    void runWithRequestContext({ requestId: `tags-refresh-${counterpartyId}`, accountId: tenantId }, () =>
      this.fetch(tenantId, accessToken, counterpartyId),
    )
      .catch((error: unknown) => this.deps.logger.warn('customer tags: background refresh failed', { error }))
      .finally(() => this.refreshing.delete(key));
  }
}
