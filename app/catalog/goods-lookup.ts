import type { CatalogKind } from '../../db/schema/index.js';
import type { MoyskladClient } from '../moysklad/moysklad-client.js';
import { immediate, type Db } from '../storage/database.js';
import { catalogRepository as catalog } from './catalog-repository.js';
import { goodRows, idFromHref, isEntityId, typeFromHref } from './goods-rows.js';

const KINDS: readonly CatalogKind[] = ['product', 'variant', 'service', 'bundle'];

/** How a receipt line names its goods (LoyaltyAPI `assortment.meta`): МойСклад's id or the till's syncId. */
export interface AssortmentRef {
  id: string;
  /** `idType: sync`: the id is the till's syncId of goods it created offline. */
  sync: boolean;
  kind: CatalogKind;
  /** A sale's `assortment.syncId`, tried when the native id is unknown. */
  syncId?: string;
}

/**
 * The goods a position names. `meta.type` is required by the page but absent from its examples, so
 * the href's `/entity/<type>/` is the fallback, and a product the last resort.
 */
export function assortmentRefOf(echo: Record<string, unknown>): AssortmentRef | undefined {
  const assortment = echo.assortment as { meta?: Record<string, unknown>; syncId?: unknown } | undefined;
  const meta = assortment?.meta ?? {};
  const id = isEntityId(meta.id) ? meta.id : idFromHref(meta.href);
  if (!id) return undefined;
  const named = [meta.type, typeFromHref(meta.href)].find((type) => KINDS.includes(type as CatalogKind));
  const sync = meta.idType === 'sync' || (typeof meta.href === 'string' && meta.href.includes('/syncid/'));
  return {
    id,
    sync,
    kind: (named as CatalogKind | undefined) ?? 'product',
    ...(isEntityId(assortment?.syncId) && !sync ? { syncId: assortment.syncId } : {}),
  };
}

/**
 * Asks the JSON API about one receipt line's goods and stores what it says. A variant is read with
 * its product (`expand=product`); a syncId is resolved with the filter the entity's own page
 * documents, which only the product page does: a variant, service or bundle known to МойСклад only
 * by a syncId stays unknown until a fill lists it. Returns whether anything was found.
 */
export async function lookUpGood(
  deps: { db: Db; moysklad: Pick<MoyskladClient, 'getEntity' | 'findProductBySyncId'>; now: () => number },
  tenantId: string,
  accessToken: string,
  ref: AssortmentRef,
  budgetMs?: number,
): Promise<boolean> {
  const { moysklad } = deps;
  let row;
  if (ref.sync) {
    if (ref.kind !== 'product') return false;
    row = await moysklad.findProductBySyncId(accessToken, ref.id, { budgetMs });
  } else {
    row = await moysklad.getEntity(accessToken, ref.kind, ref.id, {
      budgetMs,
      ...(ref.kind === 'variant' ? { expand: 'product' } : {}),
    });
  }
  if (!row) return false;
  const rows = goodRows(row, ref.kind, deps.now());
  immediate(deps.db, (tx) => catalog.upsertGoods(tx, tenantId, rows));
  return rows.length > 0;
}
