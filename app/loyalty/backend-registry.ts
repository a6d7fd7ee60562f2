import type { Tenant } from '../../db/schema/index.js';
import { BusinessRuleError } from '../errors.js';
import type { LoyaltyBackend } from './backend.js';

/**
 * Chooses the tenant's loyalty system. The router knows only LoyaltyBackend; adding a provider
 * means adding an entry here.
 */
export class BackendRegistry {
  constructor(private readonly backends: Partial<Record<Tenant['backend'], LoyaltyBackend>>) {}

  for(tenant: Tenant): LoyaltyBackend {
    const backend = this.backends[tenant.backend];
    if (!backend) {
      throw new BusinessRuleError('Выбранная система лояльности пока не поддерживается. Выберите другую в настройках приложения.');
    }
    return backend;
  }
}
