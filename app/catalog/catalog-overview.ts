import type { CatalogFolder, WebhookState } from '../../db/schema/index.js';
import { LAW_RESTRICTED_TRACKING_TYPES, type RestrictionSettings } from '../receipt/restrictions.js';
import type { DbOrTx } from '../storage/database.js';
import { catalogRepository as catalog } from './catalog-repository.js';

/** A product folder as the settings form lists it: in tree order, with its depth for indenting. */
export interface FolderLine {
  id: string;
  name: string;
  depth: number;
}

/** What the settings form and the support UI show of a tenant's goods cache. */
export interface CatalogOverview {
  /** Epoch ms the last full fill finished; undefined until the first one has. */
  filledAt?: number;
  /** A fill failed last time, and why. */
  lastError?: string;
  webhooks?: WebhookState;
  webhooksNote?: string;
  /** Products, services and bundles cached (variants follow their product). */
  goods: number;
  variants: number;
  /** Of `goods`, how many no discount may reach under the tenant's current choices. */
  restricted: number;
  folders: FolderLine[];
}

export function catalogOverview(tx: DbOrTx, tenantId: string, restrictions: RestrictionSettings): CatalogOverview {
  const state = catalog.syncState(tx, tenantId);
  const sizes = catalog.sizes(tx, tenantId);
  const folders = catalog.folders(tx, tenantId);
  const restricted = catalog.restrictedCount(tx, tenantId, {
    trackingTypes: [...LAW_RESTRICTED_TRACKING_TYPES, ...restrictions.excludedTrackingTypes],
    folderIds: withSubfolders(folders, restrictions.excludedFolderIds),
  });
  return {
    filledAt: state?.filledAt ?? undefined,
    lastError: state?.lastError ?? undefined,
    webhooks: state?.webhooks ?? undefined,
    webhooksNote: state?.webhooksNote ?? undefined,
    goods: (sizes.product ?? 0) + (sizes.service ?? 0) + (sizes.bundle ?? 0),
    variants: sizes.variant ?? 0,
    restricted,
    folders: folderTree(folders),
  };
}

/** The folders and everything below them. */
export function withSubfolders(folders: readonly CatalogFolder[], ids: readonly string[]): string[] {
  const children = childrenOf(folders);
  const result = new Set<string>();
  const visit = (id: string) => {
    if (result.has(id)) return;
    result.add(id);
    for (const child of children.get(id) ?? []) visit(child.id);
  };
  ids.forEach(visit);
  return [...result];
}

/** Depth-first, siblings by name: how a person reads a folder tree. */
function folderTree(folders: readonly CatalogFolder[]): FolderLine[] {
  const children = childrenOf(folders);
  const known = new Set(folders.map((f) => f.id));
  const lines: FolderLine[] = [];
  const seen = new Set<string>();
  const visit = (folder: CatalogFolder, depth: number) => {
    if (seen.has(folder.id)) return;
    seen.add(folder.id);
    lines.push({ id: folder.id, name: folder.name, depth });
    for (const child of children.get(folder.id) ?? []) visit(child, depth + 1);
  };
  const roots = folders.filter((f) => !f.parentId || !known.has(f.parentId));
  for (const root of byName(roots)) visit(root, 0);
  return lines;
}

function childrenOf(folders: readonly CatalogFolder[]): Map<string, CatalogFolder[]> {
  const children = new Map<string, CatalogFolder[]>();
  for (const folder of folders) {
    if (folder.parentId) children.set(folder.parentId, [...(children.get(folder.parentId) ?? []), folder]);
  }
  for (const [id, list] of children) children.set(id, byName(list));
  return children;
}

function byName(folders: CatalogFolder[]): CatalogFolder[] {
  return [...folders].sort((a, b) => a.name.localeCompare(b.name, 'ru'));
}
