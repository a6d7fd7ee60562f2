import { and, count, eq, inArray, isNotNull, isNull, lt, lte, or, sql } from 'drizzle-orm';
import {
  catalogFolders,
  catalogGoods,
  catalogSync,
  counterpartyTags,
  tenants,
  type CatalogFolder,
  type CatalogGood,
  type CatalogSyncRow,
  type NewCatalogGood,
  type WebhookState,
} from '../../db/schema/index.js';
import type { DbOrTx } from '../storage/database.js';
import { columnsOf, rowsOf, statement } from '../storage/statements.js';

/** Rows per INSERT: 9 values each stays well under SQLite's limit on bound values. */
const INSERT_BATCH = 200;

// The till's lookups: a JSON array of ids, so one statement prepared once serves every receipt (app/storage/statements.ts).
const GOODS_BY_IDS = `select ${columnsOf(catalogGoods)} from catalog_goods where tenant_id = ? and id in (select value from json_each(?))`;
const GOODS_BY_SYNC_IDS = `select ${columnsOf(catalogGoods)} from catalog_goods where tenant_id = ? and sync_id in (select value from json_each(?))`;
const FOLDERS_BY_IDS = `select ${columnsOf(catalogFolders)} from catalog_folders where tenant_id = ? and id in (select value from json_each(?))`;

export type NewCatalogFolder = Omit<CatalogFolder, 'tenantId'>;

/** Plain reads and writes of the goods cache, its folders, its sync state and customer tags; callers decide the transaction. */
export const catalogRepository = {
  /** Many rows per statement: a fill writes thousands, and building one statement per row is what costs. */
  upsertGoods(tx: DbOrTx, tenantId: string, rows: readonly Omit<NewCatalogGood, 'tenantId'>[]): void {
    for (let i = 0; i < rows.length; i += INSERT_BATCH) {
      const values = rows.slice(i, i + INSERT_BATCH).map((row) => ({
        productId: null,
        syncId: null,
        trackingType: null,
        folderId: null,
        discountProhibited: false,
        ...row,
        tenantId,
      }));
      tx.insert(catalogGoods)
        .values(values)
        .onConflictDoUpdate({
          target: [catalogGoods.tenantId, catalogGoods.id],
          set: {
            kind: sql`excluded.kind`,
            productId: sql`excluded.product_id`,
            syncId: sql`excluded.sync_id`,
            trackingType: sql`excluded.tracking_type`,
            discountProhibited: sql`excluded.discount_prohibited`,
            folderId: sql`excluded.folder_id`,
            seenAt: sql`excluded.seen_at`,
          },
        })
        .run();
    }
  },

  deleteGood(tx: DbOrTx, tenantId: string, id: string): void {
    tx.delete(catalogGoods)
      .where(and(eq(catalogGoods.tenantId, tenantId), eq(catalogGoods.id, id)))
      .run();
  },

  /** After a full fill: the listed kinds it did not see are gone from МойСклад. */
  deleteUnseen(tx: DbOrTx, tenantId: string, kind: 'product' | 'variant', before: number): number {
    return tx
      .delete(catalogGoods)
      .where(and(eq(catalogGoods.tenantId, tenantId), eq(catalogGoods.kind, kind), lt(catalogGoods.seenAt, before)))
      .run().changes;
  },

  /** Every recalc and sale of a tenant with goods rules reads its lines here: one prepared statement, any count. */
  goodsByIds(tx: DbOrTx, tenantId: string, ids: readonly string[]): CatalogGood[] {
    if (ids.length === 0) return [];
    return rowsOf(catalogGoods, statement(tx, GOODS_BY_IDS).all(tenantId, JSON.stringify(ids)));
  },

  goodsBySyncIds(tx: DbOrTx, tenantId: string, syncIds: readonly string[]): CatalogGood[] {
    if (syncIds.length === 0) return [];
    return rowsOf(catalogGoods, statement(tx, GOODS_BY_SYNC_IDS).all(tenantId, JSON.stringify(syncIds)));
  },

  upsertFolders(tx: DbOrTx, tenantId: string, rows: readonly NewCatalogFolder[]): void {
    for (let i = 0; i < rows.length; i += INSERT_BATCH) {
      tx.insert(catalogFolders)
        .values(rows.slice(i, i + INSERT_BATCH).map((row) => ({ ...row, tenantId })))
        .onConflictDoUpdate({
          target: [catalogFolders.tenantId, catalogFolders.id],
          set: {
            parentId: sql`excluded.parent_id`,
            name: sql`excluded.name`,
            pathName: sql`excluded.path_name`,
            seenAt: sql`excluded.seen_at`,
          },
        })
        .run();
    }
  },

  deleteUnseenFolders(tx: DbOrTx, tenantId: string, before: number): void {
    tx.delete(catalogFolders)
      .where(and(eq(catalogFolders.tenantId, tenantId), lt(catalogFolders.seenAt, before)))
      .run();
  },

  folders(tx: DbOrTx, tenantId: string): CatalogFolder[] {
    return tx.select().from(catalogFolders).where(eq(catalogFolders.tenantId, tenantId)).all();
  },

  foldersByIds(tx: DbOrTx, tenantId: string, ids: readonly string[]): CatalogFolder[] {
    if (ids.length === 0) return [];
    return rowsOf(catalogFolders, statement(tx, FOLDERS_BY_IDS).all(tenantId, JSON.stringify(ids)));
  },

  /** How many products, variants, services and bundles are cached. */
  sizes(tx: DbOrTx, tenantId: string): Record<string, number> {
    const rows = tx
      .select({ kind: catalogGoods.kind, n: count() })
      .from(catalogGoods)
      .where(eq(catalogGoods.tenantId, tenantId))
      .groupBy(catalogGoods.kind)
      .all();
    return Object.fromEntries(rows.map((row) => [row.kind, row.n]));
  },

  /** Products (and services, bundles) no discount may reach under these tracking types and folders. */
  restrictedCount(
    tx: DbOrTx,
    tenantId: string,
    restricted: { trackingTypes: readonly string[]; folderIds: readonly string[] },
  ): number {
    const conditions = [eq(catalogGoods.discountProhibited, true)];
    if (restricted.trackingTypes.length > 0)
      conditions.push(inArray(catalogGoods.trackingType, [...restricted.trackingTypes]));
    if (restricted.folderIds.length > 0) conditions.push(inArray(catalogGoods.folderId, [...restricted.folderIds]));
    const row = tx
      .select({ n: count() })
      .from(catalogGoods)
      .where(and(eq(catalogGoods.tenantId, tenantId), sql`${catalogGoods.kind} != 'variant'`, or(...conditions)))
      .get();
    return row?.n ?? 0;
  },

  syncState(tx: DbOrTx, tenantId: string): CatalogSyncRow | undefined {
    return tx.select().from(catalogSync).where(eq(catalogSync.tenantId, tenantId)).get();
  },

  /**
   * Takes the tenant's fill until `until` unless another process holds it; true when taken. Call in
   * immediate() so the check and the write are one step.
   */
  claim(tx: DbOrTx, tenantId: string, now: number, until: number): boolean {
    tx.insert(catalogSync).values({ tenantId, nextRunAt: now, updatedAt: now }).onConflictDoNothing().run();
    return (
      tx
        .update(catalogSync)
        .set({ claimedUntil: until, updatedAt: now })
        .where(
          and(
            eq(catalogSync.tenantId, tenantId),
            or(isNull(catalogSync.claimedUntil), lte(catalogSync.claimedUntil, now)),
          ),
        )
        .run().changes === 1
    );
  },

  extendClaim(tx: DbOrTx, tenantId: string, until: number): void {
    tx.update(catalogSync).set({ claimedUntil: until }).where(eq(catalogSync.tenantId, tenantId)).run();
  },

  /** Records how a run ended and releases the claim. */
  recordRun(
    tx: DbOrTx,
    tenantId: string,
    outcome: { now: number; nextRunAt: number; filled: boolean; error?: string },
  ): void {
    tx.update(catalogSync)
      .set({
        claimedUntil: null,
        nextRunAt: outcome.nextRunAt,
        updatedAt: outcome.now,
        ...(outcome.filled ? { filledAt: outcome.now, lastError: null, lastErrorAt: null } : {}),
        ...(outcome.error ? { lastError: outcome.error, lastErrorAt: outcome.now } : {}),
      })
      .where(eq(catalogSync.tenantId, tenantId))
      .run();
  },

  recordWebhooks(tx: DbOrTx, tenantId: string, state: WebhookState, note: string | null): void {
    tx.update(catalogSync).set({ webhooks: state, webhooksNote: note }).where(eq(catalogSync.tenantId, tenantId)).run();
  },

  /** Asks for a fill as soon as the worker looks (go-live, a new access token). */
  requestRun(tx: DbOrTx, tenantId: string, now: number): void {
    tx.insert(catalogSync)
      .values({ tenantId, nextRunAt: now, updatedAt: now })
      .onConflictDoUpdate({ target: catalogSync.tenantId, set: { nextRunAt: now, updatedAt: now } })
      .run();
  },

  /**
   * Live tenants with an access token whose fill is due and not claimed: those never filled, those
   * whose refresh time came, those whose last attempt failed and waited its pause.
   */
  dueTenants(tx: DbOrTx, now: number, limit: number): string[] {
    return tx
      .select({ tenantId: tenants.accountId })
      .from(tenants)
      .leftJoin(catalogSync, eq(catalogSync.tenantId, tenants.accountId))
      .where(
        and(
          inArray(tenants.status, ['Activated', 'SettingsRequired']),
          isNotNull(tenants.accessTokenEnc),
          or(isNotNull(tenants.configuredAt), isNotNull(catalogSync.tenantId)),
          or(
            isNull(catalogSync.tenantId),
            and(
              lte(catalogSync.nextRunAt, now),
              or(isNull(catalogSync.claimedUntil), lte(catalogSync.claimedUntil, now)),
            ),
          ),
        ),
      )
      .orderBy(sql`coalesce(${catalogSync.nextRunAt}, 0)`)
      .limit(limit)
      .all()
      .map((row) => row.tenantId);
  },

  tagsOf(tx: DbOrTx, tenantId: string, counterpartyId: string): { tags: string[]; fetchedAt: number } | undefined {
    return tx
      .select({ tags: counterpartyTags.tags, fetchedAt: counterpartyTags.fetchedAt })
      .from(counterpartyTags)
      .where(and(eq(counterpartyTags.tenantId, tenantId), eq(counterpartyTags.counterpartyId, counterpartyId)))
      .get();
  },

  saveTags(tx: DbOrTx, tenantId: string, counterpartyId: string, tags: string[], fetchedAt: number): void {
    tx.insert(counterpartyTags)
      .values({ tenantId, counterpartyId, tags, fetchedAt })
      .onConflictDoUpdate({
        target: [counterpartyTags.tenantId, counterpartyTags.counterpartyId],
        set: { tags, fetchedAt },
      })
      .run();
  },
};
