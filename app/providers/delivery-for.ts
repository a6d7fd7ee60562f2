import type { ProviderKind } from '../../db/schema/index.js';
import { NotFoundError } from '../errors.js';
import type { BackendRegistry } from '../loyalty/backend-registry.js';
import type { OutboxDelivery } from '../outbox/outbox-delivery.js';
import type { Db } from '../storage/database.js';
import { tenantRepository } from '../tenants/tenant-repository.js';
import { ProviderBackend } from './provider-backend.js';

/**
 * The adapter that delivers a tenant's outbox entry: built from the tenant's current settings, for
 * the provider the entry was written for, even if the tenant has since chosen another system.
 */
export function deliveryFor(
  db: Db,
  backends: BackendRegistry,
  tenantId: string,
  provider: ProviderKind,
): OutboxDelivery {
  const tenant = tenantRepository.find(db, tenantId);
  if (!tenant) throw new NotFoundError('Аккаунт этой записи больше не существует.');
  const backend = backends.of(tenant, provider);
  if (!(backend instanceof ProviderBackend))
    throw new NotFoundError('Эта система лояльности не принимает отложенные операции.');
  return backend;
}
