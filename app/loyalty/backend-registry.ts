import type { BackendKind, Tenant } from '../../db/schema/index.js';
import { BusinessRuleError } from '../errors.js';
import type { LoyaltyBackend } from './backend.js';

/** Builds a tenant's back-end of one kind (from its settings and secrets, for providers). */
export type BackendFactory = (tenant: Tenant) => LoyaltyBackend;

/**
 * Chooses the tenant's loyalty system. The router knows only LoyaltyBackend; adding a provider
 * means adding a factory here. Built back-ends are kept per tenant and kind until the tenant row
 * changes (updatedAt moves with every settings or secrets change), so the till's path never
 * decrypts secrets or builds HTTP clients.
 */
export class BackendRegistry {
  private readonly built = new Map<string, { version: number; backend: LoyaltyBackend }>();

  constructor(private readonly factories: Partial<Record<BackendKind, BackendFactory>>) {}

  for(tenant: Tenant): LoyaltyBackend {
    return this.of(tenant, tenant.backend);
  }

  /** The tenant's back-end of this kind, also when it is no longer the chosen one (outbox deliveries). */
  of(tenant: Tenant, kind: BackendKind): LoyaltyBackend {
    const factory = this.factories[kind];
    if (!factory) {
      throw new BusinessRuleError(
        'Выбранная система лояльности пока не поддерживается. Выберите другую в настройках приложения.',
      );
    }
    const key = `${tenant.accountId}:${kind}`;
    const version = tenant.updatedAt.getTime();
    const cached = this.built.get(key);
    if (cached?.version === version) return cached.backend;
    const backend = factory(tenant);
    this.built.set(key, { version, backend });
    return backend;
  }
}
