import type { CatalogGood, Tenant } from '../../db/schema/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { currentRequestContext, runWithRequestContext, type Logger } from '../logging/logger.js';
import type { MoyskladClient } from '../moysklad/moysklad-client.js';
import type { ReceiptPosition } from '../receipt/positions.js';
import { lineRuleFor, type ProductFlags, type RestrictionSettings } from '../receipt/restrictions.js';
import type { Db } from '../storage/database.js';
import { openAccessToken } from '../tenants/loyalty-token.js';
import { restrictionSettingsOf } from '../tenants/tenant-settings.js';
import { catalogRepository as catalog } from './catalog-repository.js';
import { assortmentRefOf, lookUpGood, type AssortmentRef } from './goods-lookup.js';

/** At most this much of the till's patience goes to asking МойСклад about unknown goods. */
const LOOKUP_BUDGET_MS = 1500;
/** Goods read one by one (services, bundles) are read again in the background once this old. */
const ON_DEMAND_FRESH_MS = 24 * 3_600_000;

export interface RestrictedGoodsDeps {
  db: Db;
  box: SecretBox;
  moysklad: Pick<MoyskladClient, 'getEntity' | 'findProductBySyncId'>;
  logger: Logger;
  now?: () => number;
}

/**
 * Tells each receipt line what the restricted-goods rule allows on it (its `LineRule`), from the
 * tenant's goods cache. A line the cache knows never waits on МойСклад. One it does not know is
 * looked up within part of the till's patience; if that fails, the line is treated as restricted and
 * the receipt says so. A tenant without an access token (the local demo) has no flags at all: its
 * lines are left as they are, every one allowed.
 */
export class RestrictedGoods {
  private readonly now: () => number;
  private readonly refreshing = new Set<string>();

  constructor(private readonly deps: RestrictedGoodsDeps) {
    this.now = deps.now ?? Date.now;
  }

  async classify<P extends ReceiptPosition>(tenant: Tenant, positions: P[]): Promise<P[]> {
    // The token is opened only when МойСклад must be asked: a receipt the cache knows decrypts nothing.
    if (!tenant.accessTokenEnc || positions.length === 0) return positions;
    const accessToken = () => openAccessToken(this.deps.box, tenant)!;
    const tenantId = tenant.accountId;
    const settings = restrictionSettingsOf(tenant);
    const refs = positions.map((position) => assortmentRefOf(position.echo));
    let known = this.cached(tenantId, refs);
    const missing = uniqueRefs(refs.filter((ref): ref is AssortmentRef => !!ref && !known.has(keyOf(ref))));
    if (missing.length > 0) {
      await this.lookUp(tenantId, accessToken(), missing);
      known = this.cached(tenantId, refs);
    }
    this.refreshStale(tenantId, accessToken, [...known.values()]);
    const ancestors = this.folderAncestors(tenantId, settings, [...known.values()]);
    return positions.map((position, index) => {
      const ref = refs[index];
      const good = ref ? known.get(keyOf(ref)) : undefined;
      return { ...position, rule: lineRuleFor(good && flagsOf(good, ancestors), settings) };
    });
  }

  /** The cached flags per line: a variant's are its product's; a sale's syncId is tried after its id. */
  private cached(tenantId: string, refs: Array<AssortmentRef | undefined>): Map<string, CatalogGood> {
    const present = refs.filter((ref): ref is AssortmentRef => !!ref);
    const byId = new Map(
      catalog
        .goodsByIds(
          this.deps.db,
          tenantId,
          present.filter((r) => !r.sync).map((r) => r.id),
        )
        .map((good) => [good.id, good]),
    );
    const bySync = new Map(
      catalog
        .goodsBySyncIds(
          this.deps.db,
          tenantId,
          present.flatMap((r) => (r.sync ? [r.id] : r.syncId ? [r.syncId] : [])),
        )
        .map((good) => [good.syncId!, good]),
    );
    const variantProducts = [...byId.values(), ...bySync.values()].flatMap((g) => (g.productId ? [g.productId] : []));
    const products = new Map(
      catalog.goodsByIds(this.deps.db, tenantId, variantProducts).map((good) => [good.id, good]),
    );
    const result = new Map<string, CatalogGood>();
    for (const ref of present) {
      const good = ref.sync
        ? bySync.get(ref.id)
        : (byId.get(ref.id) ?? (ref.syncId ? bySync.get(ref.syncId) : undefined));
      if (!good) continue;
      const flagsFrom = good.kind === 'variant' ? (good.productId ? products.get(good.productId) : undefined) : good;
      if (flagsFrom) result.set(keyOf(ref), flagsFrom);
    }
    return result;
  }

  /** Unknown goods, asked for in parallel (the client's limits apply) within part of the till's patience. */
  private async lookUp(tenantId: string, accessToken: string, refs: AssortmentRef[]): Promise<void> {
    const deadlineAt = currentRequestContext()?.deadlineAt;
    const budgetMs =
      deadlineAt === undefined
        ? LOOKUP_BUDGET_MS
        : Math.max(1, Math.floor(Math.min(LOOKUP_BUDGET_MS, (deadlineAt - this.now()) / 2)));
    const outcomes = await Promise.allSettled(
      refs.map((ref) => lookUpGood({ ...this.deps, now: this.now }, tenantId, accessToken, ref, budgetMs)),
    );
    const failed = refs.filter((_ref, i) => outcomes[i]!.status === 'rejected' || outcomes[i]!.value === false);
    if (failed.length > 0) {
      this.deps.logger.warn('restricted goods: goods unknown to the cache and not found in time', {
        tenantId,
        goods: failed.map((ref) => `${ref.kind}${ref.sync ? ' sync' : ''} ${ref.id}`),
        errors: outcomes.flatMap((o) =>
          o.status === 'rejected' ? [String((o.reason as Error)?.message ?? o.reason)] : [],
        ),
      });
    }
  }

  /** Services and bundles are not listed by fills: an old row is served and read again in the background. */
  private refreshStale(tenantId: string, accessToken: () => string, goods: CatalogGood[]): void {
    const stale = goods.filter(
      (g) => (g.kind === 'service' || g.kind === 'bundle') && this.now() - g.seenAt > ON_DEMAND_FRESH_MS,
    );
    for (const good of stale) {
      const key = `${tenantId}:${good.id}`;
      if (this.refreshing.has(key)) continue;
      this.refreshing.add(key);
      // A context of its own: the till's deadline does not bound a background read.
      void runWithRequestContext({ requestId: `catalog-refresh-${good.id}`, accountId: tenantId }, () =>
        lookUpGood({ ...this.deps, now: this.now }, tenantId, accessToken(), {
          id: good.id,
          kind: good.kind,
          sync: false,
        }),
      )
        .catch((error: unknown) => this.deps.logger.warn('restricted goods: background refresh failed', { error }))
        .finally(() => this.refreshing.delete(key));
    }
  }

  /** Each folder the goods sit in, with every folder above it; read only when the owner excluded folders. */
  private folderAncestors(
    tenantId: string,
    settings: RestrictionSettings,
    goods: CatalogGood[],
  ): Map<string, string[]> {
    const chains = new Map<string, string[]>();
    if (settings.excludedFolderIds.length === 0) return chains;
    const parents = new Map<string, string | null>();
    let wanted = [...new Set(goods.flatMap((g) => (g.folderId ? [g.folderId] : [])))];
    // Folder trees are shallow; the bound only guards against a cycle in bad data.
    for (let depth = 0; depth < 32 && wanted.length > 0; depth += 1) {
      const found = catalog.foldersByIds(this.deps.db, tenantId, wanted);
      for (const id of wanted) parents.set(id, null);
      for (const folder of found) parents.set(folder.id, folder.parentId);
      wanted = found.flatMap((f) => (f.parentId && !parents.has(f.parentId) ? [f.parentId] : []));
    }
    for (const start of new Set(goods.flatMap((g) => (g.folderId ? [g.folderId] : [])))) {
      const chain: string[] = [];
      for (let id: string | null | undefined = start; id && !chain.includes(id); id = parents.get(id)) chain.push(id);
      chains.set(start, chain);
    }
    return chains;
  }
}

function keyOf(ref: AssortmentRef): string {
  return `${ref.sync ? 'sync' : 'id'}:${ref.kind}:${ref.id}`;
}

function uniqueRefs(refs: AssortmentRef[]): AssortmentRef[] {
  return [...new Map(refs.map((ref) => [keyOf(ref), ref])).values()];
}

function flagsOf(good: CatalogGood, ancestors: Map<string, string[]>): ProductFlags {
  return {
    trackingType: good.trackingType,
    discountProhibited: good.discountProhibited,
    folderIds: good.folderId ? (ancestors.get(good.folderId) ?? [good.folderId]) : [],
  };
}
