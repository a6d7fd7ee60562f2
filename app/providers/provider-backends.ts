import type { ProviderKind, Tenant } from '../../db/schema/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { BusinessRuleError } from '../errors.js';
import type { OutboundGuard } from '../http/outbound-guard.js';
import type { Logger } from '../logging/logger.js';
import type { Outbox } from '../outbox/outbox.js';
import type { Db } from '../storage/database.js';
import { providerSecretsOf, settingsOf, type TenantSettings } from '../tenants/tenant-settings.js';
import type { TransactionLog } from '../txlog/transaction-log.js';
import { GeneralApiClient } from './general/general-api-client.js';
import { GeneralBackend } from './general/general-backend.js';
import { IBonusBackend } from './ibonus/ibonus-backend.js';
import { IBonusClient } from './ibonus/ibonus-client.js';
import type { ProviderBackend } from './provider-backend.js';
import type { ProviderResilience } from './resilience.js';

export interface ProviderWiring {
  db: Db;
  box: SecretBox;
  logger: Logger;
  txlog: TransactionLog;
  outbox: Outbox;
  resilience: ProviderResilience;
  /** The till's calls and the outbox's deliveries get their own clients with their own time-outs. */
  timeouts: { tillTimeoutMs: number; deliveryTimeoutMs: number };
  /** Provider addresses are typed by tenants: every call passes this. */
  guard: OutboundGuard;
  /** The operator's word that i-bonus ignores a repeated externalId (config IBONUS_DEDUPLICATES_EXTERNAL_ID). */
  ibonusDeduplicatesExternalId?: boolean;
}

export const NOT_CONFIGURED_MESSAGE =
  'Система лояльности не настроена: укажите адрес и данные доступа в настройках приложения.';

/** Builds a tenant's provider back-end from its settings and decrypted secrets. */
export function providerBackendFactories(
  wiring: ProviderWiring,
): Record<ProviderKind, (tenant: Tenant) => ProviderBackend> {
  const { db, box, logger, txlog, outbox, resilience, timeouts, guard } = wiring;
  const deps = (tenant: Tenant, settings: TenantSettings) => ({
    db,
    tenantId: tenant.accountId,
    settings,
    outbox,
    resilience,
    logger,
  });
  const twice = <C>(make: (timeoutMs: number) => C) => ({
    till: make(timeouts.tillTimeoutMs),
    delivery: make(timeouts.deliveryTimeoutMs),
  });

  return {
    general: (tenant) => {
      const settings = settingsOf(tenant);
      const baseURL = settings.general?.baseUrl;
      const apiKey = providerSecretsOf(box, tenant).general?.apiKey;
      if (!baseURL || !apiKey) throw new BusinessRuleError(NOT_CONFIGURED_MESSAGE);
      const api = twice((timeoutMs) => new GeneralApiClient({ baseURL, apiKey, logger, txlog, timeoutMs, guard }));
      return new GeneralBackend(deps(tenant, settings), api);
    },
    ibonus: (tenant) => {
      const settings = settingsOf(tenant);
      const ibonus = settings.ibonus;
      const secrets = providerSecretsOf(box, tenant).ibonus;
      if (!ibonus?.baseUrl || !secrets?.login) throw new BusinessRuleError(NOT_CONFIGURED_MESSAGE);
      const api = twice(
        (timeoutMs) =>
          new IBonusClient({
            baseURL: ibonus.baseUrl,
            login: secrets.login,
            password: secrets.password,
            logger,
            txlog,
            timeoutMs,
            guard,
          }),
      );
      return new IBonusBackend(deps(tenant, settings), api, ibonus, {
        deduplicatesExternalId: wiring.ibonusDeduplicatesExternalId ?? false,
      });
    },
  };
}
