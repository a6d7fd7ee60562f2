import Joi from 'joi';
import type { Tenant } from '../../db/schema/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { LedgerRules } from '../ledger/rules.js';
import { storedGeneralSchema, type GeneralSettings } from '../providers/general/general-settings.js';
import { storedIBonusSchema, type IBonusSettings } from '../providers/ibonus/ibonus-settings.js';

export const PROVIDER_SECRETS_FIELD = 'providerSecrets';

/**
 * Non-secret settings of a tenant, stored as JSON in tenants.settings. The chosen back-end is
 * tenants.backend and the search mode tenants.externalSearch; secrets are sealed separately.
 */
export interface TenantSettings {
  ledger?: Partial<LedgerRules>;
  general?: GeneralSettings;
  ibonus?: IBonusSettings;
  /** МойСклад retail store id → the provider's point id, for providers that need one. */
  storePoints?: Record<string, string>;
  /** What recalc answers while the provider is down: a clear error, or the receipt without discount. */
  whenProviderDown?: 'refuse' | 'no-discount';
}

/** Provider credentials, sealed as one JSON value per tenant (tenants.provider_secrets_enc). */
export interface ProviderSecrets {
  general?: { apiKey: string };
  ibonus?: { login: string; password: string };
}

const storedSchema = Joi.object<TenantSettings>({
  ledger: Joi.object().unknown(true),
  general: storedGeneralSchema,
  ibonus: storedIBonusSchema,
  storePoints: Joi.object().pattern(Joi.string(), Joi.string()),
  whenProviderDown: Joi.string().valid('refuse', 'no-discount'),
}).unknown(true);

/** The tenant's stored settings; a section that no longer validates is dropped rather than trusted. */
export function settingsOf(tenant: Pick<Tenant, 'settings'>): TenantSettings {
  const stored = (tenant.settings ?? {}) as Record<string, unknown>;
  const settings: TenantSettings = {};
  for (const key of Object.keys(stored) as Array<keyof TenantSettings>) {
    const { value, error } = storedSchema.validate({ [key]: stored[key] });
    if (!error) Object.assign(settings, value);
  }
  return settings;
}

export function providerSecretsOf(
  box: SecretBox,
  tenant: Pick<Tenant, 'accountId' | 'providerSecretsEnc'>,
): ProviderSecrets {
  if (!tenant.providerSecretsEnc) return {};
  return box.openJson<ProviderSecrets>(tenant.providerSecretsEnc, tenant.accountId, PROVIDER_SECRETS_FIELD);
}

export function sealProviderSecrets(box: SecretBox, accountId: string, secrets: ProviderSecrets): string {
  return box.sealJson(secrets, accountId, PROVIDER_SECRETS_FIELD);
}
