import { createHmac, randomUUID } from 'node:crypto';
import type { CatalogKind } from '../../db/schema/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { runWithRequestContext, type Logger } from '../logging/logger.js';
import { MoyskladError } from '../moysklad/moysklad-errors.js';
import type { JsonApiRow, ListedEntity, MoyskladClient } from '../moysklad/moysklad-client.js';
import { immediate, type Db } from '../storage/database.js';
import { openAccessToken } from '../tenants/loyalty-token.js';
import { tenantRepository as tenants } from '../tenants/tenant-repository.js';
import { catalogRepository as catalog } from './catalog-repository.js';
import { lookUpGood } from './goods-lookup.js';
import { folderRow, goodRows, idFromHref } from './goods-rows.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export interface CatalogSyncTimings {
  /** A full refresh when МойСклад sends us product changes: a safety net for lost webhooks. */
  refreshWithWebhooksMs: number;
  /** A full refresh when it cannot (free tariff, no webhook permission): the cache's only way to follow. */
  refreshWithoutWebhooksMs: number;
  /** The pause after a failed fill. */
  retryAfterFailureMs: number;
  /** How long a claim lasts; a fill extends it with every page. */
  claimMs: number;
  /** How often the worker looks for due fills. */
  tickMs: number;
}

const DEFAULT_TIMINGS: CatalogSyncTimings = {
  refreshWithWebhooksMs: 24 * HOUR,
  refreshWithoutWebhooksMs: HOUR,
  retryAfterFailureMs: 10 * MINUTE,
  claimMs: 10 * MINUTE,
  tickMs: MINUTE,
};

/** Product changes we subscribe to: goods and folders the restricted-goods rule reads. */
const WEBHOOKS: ReadonlyArray<{ entityType: string; action: 'CREATE' | 'UPDATE' | 'DELETE' }> = [
  { entityType: 'product', action: 'CREATE' },
  { entityType: 'product', action: 'UPDATE' },
  { entityType: 'product', action: 'DELETE' },
  { entityType: 'variant', action: 'CREATE' },
  { entityType: 'variant', action: 'DELETE' },
  { entityType: 'productfolder', action: 'CREATE' },
  { entityType: 'productfolder', action: 'UPDATE' },
  { entityType: 'productfolder', action: 'DELETE' },
];

export type FillOutcome = 'filled' | 'busy' | 'no-access' | 'failed';

/** One JSON API webhook event (entity/webhook page): what changed, and how. */
export interface WebhookEvent {
  meta: { type: string; href: string };
  action: string;
}

export interface CatalogSyncDeps {
  db: Db;
  box: SecretBox;
  moysklad: Pick<MoyskladClient, 'listPage' | 'getEntity' | 'findProductBySyncId' | 'listWebhooks' | 'createWebhook'>;
  logger: Logger;
  /** PUBLIC_BASE_URL: where МойСклад sends product changes. */
  publicBaseUrl: string;
  /** Keys the webhook address per tenant, so nobody else can post changes to it. */
  webhookSecret: Buffer;
  now?: () => number;
  timings?: Partial<CatalogSyncTimings>;
}

/**
 * Keeps each live tenant's goods cache current: fills it on go-live by paging through product
 * folders, products and variants (1000 at a time), subscribes to product changes with JSON API
 * webhooks where the account allows it, and refreshes in full daily (with webhooks) or hourly
 * (without). Each run is "claim, do, record" with the claim in SQLite, so two processes during a
 * reload never fill the same tenant at once; a failed fill keeps what it had and is retried later.
 */
export class CatalogSync {
  private readonly now: () => number;
  private readonly timings: CatalogSyncTimings;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private started = false;
  private stopping = false;

  constructor(private readonly deps: CatalogSyncDeps) {
    this.now = deps.now ?? Date.now;
    this.timings = { ...DEFAULT_TIMINGS, ...deps.timings };
  }

  /** Where МойСклад posts this tenant's product changes. */
  webhookUrl(accountId: string): string {
    return `${this.deps.publicBaseUrl}/moysklad-webhooks/${accountId}/${this.webhookKey(accountId)}`;
  }

  webhookKey(accountId: string): string {
    return createHmac('sha256', this.deps.webhookSecret).update(`catalog-webhook:${accountId}`).digest('base64url');
  }

  /** Asks for a full fill now; the worker runs it in the background. */
  requestFill(accountId: string): void {
    immediate(this.deps.db, (tx) => catalog.requestRun(tx, accountId, this.now()));
    this.wake();
  }

  /** On go-live: a cache never filled (or whose first fill failed) is filled now, in the background. */
  ensureFilled(accountId: string): void {
    if (catalog.syncState(this.deps.db, accountId)?.filledAt) return;
    this.requestFill(accountId);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    this.wake();
  }

  /** Stops looking for work; a page under way finishes, the rest of that fill waits for the next start. */
  async stop(): Promise<void> {
    this.started = false;
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Looks for due fills now, unless a pass is under way (it looks again when done). */
  private wake(): void {
    if (!this.started) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.pass(), 0);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    if (this.running) return;
    this.running = this.runDue()
      .catch((error: unknown) => {
        this.deps.logger.error('catalog pass failed', { error });
      })
      .finally(() => {
        this.running = undefined;
        if (!this.started) return;
        this.timer = setTimeout(() => void this.pass(), this.timings.tickMs);
        this.timer.unref();
      });
    await this.running;
  }

  /** Fills every due tenant, one after another: the JSON API's limits are per account, gentleness is ours. */
  async runDue(): Promise<void> {
    while (!this.stopping) {
      const [tenantId] = catalog.dueTenants(this.deps.db, this.now(), 1);
      if (!tenantId) return;
      // Another process has it and will record its run: stop here rather than spin on it.
      if ((await this.fill(tenantId)) === 'busy') return;
    }
  }

  /** Claim, do, record: one full fill of the tenant's cache. */
  async fill(accountId: string): Promise<FillOutcome> {
    const startedAt = this.now();
    const claimed = immediate(this.deps.db, (tx) =>
      catalog.claim(tx, accountId, startedAt, startedAt + this.timings.claimMs),
    );
    if (!claimed) return 'busy';
    const tenant = tenants.find(this.deps.db, accountId);
    const accessToken = tenant ? openAccessToken(this.deps.box, tenant) : undefined;
    if (!tenant || !accessToken || tenant.status === 'Uninstalled' || tenant.status === 'Suspended') {
      this.record(accountId, { filled: false, nextRunAt: startedAt + this.timings.refreshWithoutWebhooksMs });
      return 'no-access';
    }
    return runWithRequestContext({ requestId: `catalog-fill-${randomUUID()}`, accountId }, async () => {
      try {
        const webhooks = await this.subscribe(accountId, accessToken);
        const seen = { folders: 0, product: 0, variant: 0 };
        seen.folders = await this.pageThrough(accessToken, accountId, 'productfolder', startedAt);
        seen.product = await this.pageThrough(accessToken, accountId, 'product', startedAt);
        seen.variant = await this.pageThrough(accessToken, accountId, 'variant', startedAt);
        const removed = immediate(this.deps.db, (tx) => {
          catalog.deleteUnseenFolders(tx, accountId, startedAt);
          return (
            catalog.deleteUnseen(tx, accountId, 'product', startedAt) +
            catalog.deleteUnseen(tx, accountId, 'variant', startedAt)
          );
        });
        const every = webhooks ? this.timings.refreshWithWebhooksMs : this.timings.refreshWithoutWebhooksMs;
        this.record(accountId, { filled: true, nextRunAt: this.now() + every });
        this.deps.logger.info('catalog filled', { accountId, ...seen, removed, webhooks, ms: this.now() - startedAt });
        return 'filled';
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.record(accountId, {
          filled: false,
          nextRunAt: this.now() + this.timings.retryAfterFailureMs,
          error: message,
        });
        this.deps.logger.warn('catalog fill failed', { accountId, error: message });
        if (!(error instanceof MoyskladError)) throw error;
        return 'failed';
      }
    });
  }

  /**
   * Product changes МойСклад posted (the webhook route answered at once). Each changed product or
   * variant is read again, a deleted one dropped; a folder change re-reads the folders. A failure is
   * only logged: the next full refresh covers it.
   */
  async applyEvents(accountId: string, events: WebhookEvent[]): Promise<void> {
    const tenant = tenants.find(this.deps.db, accountId);
    const accessToken = tenant ? openAccessToken(this.deps.box, tenant) : undefined;
    if (!accessToken) return;
    await runWithRequestContext({ requestId: `catalog-webhook-${randomUUID()}`, accountId }, async () => {
      let folders = false;
      const goods = new Map<string, { kind: CatalogKind; deleted: boolean }>();
      for (const event of events) {
        if (event.meta.type === 'productfolder') folders = true;
        const id = idFromHref(event.meta.href);
        if ((event.meta.type === 'product' || event.meta.type === 'variant') && id) {
          goods.set(id, { kind: event.meta.type, deleted: event.action === 'DELETE' });
        }
      }
      for (const [id, { kind, deleted }] of goods) {
        try {
          if (deleted) immediate(this.deps.db, (tx) => catalog.deleteGood(tx, accountId, id));
          else await lookUpGood({ ...this.deps, now: this.now }, accountId, accessToken, { id, kind, sync: false });
        } catch (error) {
          this.deps.logger.warn('catalog webhook: goods not read', { accountId, id, error: (error as Error).message });
        }
      }
      if (folders) {
        const startedAt = this.now();
        await this.pageThrough(accessToken, accountId, 'productfolder', startedAt).then(
          () => immediate(this.deps.db, (tx) => catalog.deleteUnseenFolders(tx, accountId, startedAt)),
          (error: unknown) =>
            this.deps.logger.warn('catalog webhook: folders not read', { accountId, error: (error as Error).message }),
        );
      }
    });
  }

  /** Pages of 1000 from offset 0 until the list's size; each page is stored in one transaction. */
  private async pageThrough(accessToken: string, accountId: string, entity: ListedEntity, seenAt: number) {
    // Archived products are still sold from a till's offline cache, so they are listed too.
    const filter = entity === 'product' ? 'archived=true;archived=false' : undefined;
    let stored = 0;
    for (let offset = 0; ;) {
      if (this.stopping) throw new Error('stopped before the list was read to its end');
      const { rows, size } = await this.deps.moysklad.listPage(accessToken, entity, offset, filter);
      immediate(this.deps.db, (tx) => {
        if (entity === 'productfolder') {
          catalog.upsertFolders(
            tx,
            accountId,
            rows.flatMap((row) => folderRow(row, seenAt) ?? []),
          );
        } else {
          catalog.upsertGoods(
            tx,
            accountId,
            rows.flatMap((row: JsonApiRow) => goodRows(row, entity, seenAt)),
          );
        }
        catalog.extendClaim(tx, accountId, this.now() + this.timings.claimMs);
      });
      stored += rows.length;
      offset += rows.length;
      if (rows.length === 0 || offset >= size) return stored;
    }
  }

  /**
   * Subscribes to product changes, once per webhook (ours are found by their address). МойСклад
   * refuses on a free tariff or without the descriptor's webhook permission: then the cache is
   * refreshed hourly instead, and support sees why.
   */
  private async subscribe(accountId: string, accessToken: string): Promise<boolean> {
    const url = this.webhookUrl(accountId);
    try {
      const existing = await this.deps.moysklad.listWebhooks(accessToken);
      const have = new Set(
        existing.filter((w) => w.url === url && w.enabled !== false).map((w) => `${w.entityType}:${w.action}`),
      );
      for (const webhook of WEBHOOKS) {
        if (!have.has(`${webhook.entityType}:${webhook.action}`))
          await this.deps.moysklad.createWebhook(accessToken, { url, ...webhook });
      }
      immediate(this.deps.db, (tx) => catalog.recordWebhooks(tx, accountId, 'registered', null));
      return true;
    } catch (error) {
      if (!(error instanceof MoyskladError) || error.failure === 'unavailable') throw error;
      immediate(this.deps.db, (tx) => catalog.recordWebhooks(tx, accountId, 'unavailable', error.message));
      return false;
    }
  }

  private record(accountId: string, outcome: { filled: boolean; nextRunAt: number; error?: string }): void {
    immediate(this.deps.db, (tx) => catalog.recordRun(tx, accountId, { now: this.now(), ...outcome }));
  }
}
