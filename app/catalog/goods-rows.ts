import type { CatalogKind, NewCatalogGood } from '../../db/schema/index.js';
import type { JsonApiRow } from '../moysklad/moysklad-client.js';
import type { NewCatalogFolder } from './catalog-repository.js';

/** МойСклад ids are UUIDs; anything with other characters never reaches a URL or a query. */
const ID = /^[\w-]{1,64}$/;

export function isEntityId(value: unknown): value is string {
  return typeof value === 'string' && ID.test(value);
}

/** The id at the end of a JSON API href: `…/entity/product/<id>` (a query string dropped). */
export function idFromHref(href: unknown): string | undefined {
  if (typeof href !== 'string') return undefined;
  const last = href.split('?')[0]?.split('/').filter(Boolean).pop();
  return isEntityId(last) ? last : undefined;
}

/** The entity type a href names: `…/entity/<type>/…`. */
export function typeFromHref(href: unknown): string | undefined {
  if (typeof href !== 'string') return undefined;
  return /\/entity\/([a-z]+)\//.exec(href)?.[1];
}

function metaHref(value: unknown): unknown {
  return (value as { meta?: { href?: unknown } } | null | undefined)?.meta?.href;
}

export type GoodRow = Omit<NewCatalogGood, 'tenantId'>;

/**
 * What the cache keeps of a product, variant, service or bundle. A variant keeps its product's id
 * (its flags are the product's); an expanded variant (`expand=product`) yields its product too.
 */
export function goodRows(row: JsonApiRow, kind: CatalogKind, seenAt: number): GoodRow[] {
  if (!isEntityId(row.id)) return [];
  const base: GoodRow = {
    id: row.id,
    kind,
    syncId: isEntityId(row.syncId) ? row.syncId : null,
    trackingType: typeof row.trackingType === 'string' ? row.trackingType : null,
    discountProhibited: row.discountProhibited === true,
    folderId: idFromHref(metaHref(row.productFolder)) ?? null,
    productId: null,
    seenAt,
  };
  if (kind !== 'variant') return [base];
  const product = row.product as JsonApiRow | undefined;
  const variant: GoodRow = {
    ...base,
    trackingType: null,
    discountProhibited: false,
    folderId: null,
    productId: idFromHref(metaHref(product)) ?? null,
  };
  // An expanded product carries its own fields; a bare meta does not.
  const expanded = product && isEntityId(product.id) && 'discountProhibited' in product;
  return expanded ? [variant, ...goodRows(product, 'product', seenAt)] : [variant];
}

export function folderRow(row: JsonApiRow, seenAt: number): NewCatalogFolder | undefined {
  if (!isEntityId(row.id)) return undefined;
  return {
    id: row.id,
    parentId: idFromHref(metaHref(row.productFolder)) ?? null,
    name: typeof row.name === 'string' && row.name ? row.name : 'Без названия',
    pathName: typeof row.pathName === 'string' ? row.pathName : '',
    seenAt,
  };
}
