import { randomUUID } from 'node:crypto';
import type { AxiosInstance } from 'axios';
import axios from 'axios';
import type { BackendKind } from '../../db/schema/index.js';
import type { LedgerRules } from '../../app/ledger/rules.js';
import type { TierRules } from '../../app/ledger/tier-rules.js';
import { AUTH_HEADER } from '../../app/loyalty-api/loyalty-handlers.js';
import { issueLoyaltyToken } from '../../app/tenants/loyalty-token.js';
import { tenantRepository } from '../../app/tenants/tenant-repository.js';
import { sealProviderSecrets, type ProviderSecrets, type TenantSettings } from '../../app/tenants/tenant-settings.js';
import type { DbOrTx } from '../../app/storage/database.js';
import type { TestApp } from './test-app.js';

export interface TestTenant {
  accountId: string;
  token: string;
  /** LoyaltyAPI client with this tenant's token, never throwing on status. */
  api: AxiosInstance;
}

/** A configured tenant on the built-in ledger, with its own LoyaltyAPI token (and SMS gateway, sealed). */
export function createTestTenant(
  t: TestApp,
  ledger: Partial<LedgerRules> = {},
  options: { smsWebhookUrl?: string; tiers?: TierRules } = {},
): TestTenant {
  const secrets = options.smsWebhookUrl ? { smsGateway: { webhookUrl: options.smsWebhookUrl } } : undefined;
  return insertTenant(t, 'ledger', options.tiers ? { ledger, tiers: options.tiers } : { ledger }, secrets);
}

/** A configured tenant on an external provider, its secrets sealed as the settings iframe stores them. */
export function createProviderTenant(
  t: TestApp,
  backend: Exclude<BackendKind, 'ledger'>,
  settings: TenantSettings,
  secrets: ProviderSecrets,
): TestTenant {
  return insertTenant(t, backend, settings, secrets);
}

function insertTenant(
  t: TestApp,
  backend: BackendKind,
  settings: TenantSettings,
  secrets?: ProviderSecrets,
): TestTenant {
  const accountId = randomUUID();
  const issued = issueLoyaltyToken(t.services.box, accountId);
  const now = new Date();
  tenantRepository.insert(t.storage.db, {
    accountId,
    appId: t.config.moysklad.appId,
    accountName: `shop-${accountId.slice(0, 8)}`,
    status: 'Activated',
    lastCause: 'Install',
    loyaltyTokenHash: issued.hash,
    loyaltyTokenEnc: issued.sealed,
    backend,
    settings: settings as Record<string, unknown>,
    providerSecretsEnc: secrets ? sealProviderSecrets(t.services.box, accountId, secrets) : null,
    configuredAt: now,
    createdAt: now,
    updatedAt: now,
  });
  const api = axios.create({
    baseURL: `${t.baseUrl}/loyalty-api`,
    validateStatus: () => true,
    headers: { [AUTH_HEADER]: issued.token },
  });
  return { accountId, token: issued.token, api };
}

export const retailStore = {
  meta: {
    href: 'https://api.moysklad.ru/api/remap/1.2/entity/retailstore/4c9c1b4c-0000-11e9-0000-000000000001',
    id: '4c9c1b4c-0000-11e9-0000-000000000001',
  },
  name: 'Магазин на Ленина',
};

export function position(price: number, quantity = 1, extra: Record<string, unknown> = {}) {
  const id = randomUUID();
  return {
    assortment: { meta: { href: `https://api.moysklad.ru/api/remap/1.2/entity/product/${id}`, id } },
    quantity,
    price,
    ...extra,
  };
}

export function counterpartyMeta(id: string = randomUUID()) {
  return { href: `https://api.moysklad.ru/api/remap/1.2/entity/counterparty/${id}`, id };
}

/** A bare activated tenant row straight in the database, for tests below the HTTP layer; returns its account id. */
export function insertTenantRow(
  db: DbOrTx,
  fields: { backend?: BackendKind; settings?: TenantSettings; accountId?: string } = {},
): string {
  const accountId = fields.accountId ?? randomUUID();
  const now = new Date();
  tenantRepository.insert(db, {
    accountId,
    appId: randomUUID(),
    accountName: 'shop',
    status: 'Activated',
    lastCause: 'Install',
    backend: fields.backend ?? 'ledger',
    settings: (fields.settings ?? {}) as Record<string, unknown>,
    createdAt: now,
    updatedAt: now,
  });
  return accountId;
}
