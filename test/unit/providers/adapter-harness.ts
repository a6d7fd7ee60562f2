import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc } from 'drizzle-orm';
import { outbox as outboxTable, type BackendKind, type OutboxRow, type Tenant } from '../../../db/schema/index.js';
import { createLogger } from '../../../app/logging/logger.js';
import { Outbox } from '../../../app/outbox/outbox.js';
import type { ProviderBackend, ProviderBackendDeps } from '../../../app/providers/provider-backend.js';
import { ProviderResilience, type ResilienceOptions } from '../../../app/providers/resilience.js';
import { openStorage, type Storage } from '../../../app/storage/database.js';
import { insertTenantRow } from '../../helpers/tenants.js';
import { tenantRepository } from '../../../app/tenants/tenant-repository.js';
import type { TenantSettings } from '../../../app/tenants/tenant-settings.js';
import { TransactionLog } from '../../../app/txlog/transaction-log.js';
import type { ReceiptPosition } from '../../../app/receipt/positions.js';

export const logger = createLogger({ level: 'error', silent: true });
export const STORE_ID = '4c9c1b4c-0000-11e9-0000-000000000001';

/**
 * One provider adapter on a real temp SQLite file (mapping, holds, outbox), its HTTP faked by nock.
 * Retries are off unless asked for, so each failure case meets exactly one interceptor.
 */
export interface AdapterHarness<B extends ProviderBackend> {
  storage: Storage;
  tenant: Tenant;
  backend: B;
  outbox: Outbox;
  /** The outbox rows the adapter wrote, oldest first. */
  rows: () => OutboxRow[];
  close: () => void;
}

export function adapterHarness<B extends ProviderBackend>(
  kind: Exclude<BackendKind, 'ledger'>,
  settings: TenantSettings,
  build: (deps: ProviderBackendDeps) => B,
  resilience: ResilienceOptions = {},
): AdapterHarness<B> {
  const dir = mkdtempSync(join(tmpdir(), 'adapter-'));
  const storage = openStorage(join(dir, 'adapter.sqlite'));
  const accountId = insertTenantRow(storage.db, { backend: kind, settings });
  const tenant = tenantRepository.find(storage.db, accountId)!;
  let backend: B | undefined;
  const outbox = new Outbox(
    storage.db,
    { txlog: new TransactionLog(storage.db), logger, deliveryFor: () => backend! },
    {
      retryBaseMs: 1000,
      retryMaxMs: 1000,
      giveUpAfterMs: 3_600_000,
      claimMs: 60_000,
    },
  );
  backend = build({
    db: storage.db,
    tenantId: accountId,
    settings,
    outbox,
    resilience: new ProviderResilience({ retryAttempts: 0, maxBackoffMs: 1, ...resilience }),
    logger,
  });
  return {
    storage,
    tenant,
    backend,
    outbox,
    rows: () => storage.db.select().from(outboxTable).orderBy(asc(outboxTable.id)).all(),
    close: () => {
      storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A receipt line as the LoyaltyAPI edge hands it to a back-end. */
export function line(priceKopecks: number, quantity = 1, id: string = randomUUID()): ReceiptPosition {
  return { quantityMilli: quantity * 1000, priceKopecks, echo: { assortment: { meta: { id, href: '' } } } };
}
