import Joi from 'joi';
import type { Tenant } from '../../db/schema/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { LedgerRules } from '../ledger/rules.js';

export const PROVIDER_SECRETS_FIELD = 'providerSecrets';

/** The "general" REST loyalty API (providers spec B). The API key lives in ProviderSecrets. */
export interface GeneralSettings {
  baseUrl: string;
  /** The provider point used when МойСклад names no store (customer search has no retailStore). */
  defaultPoint?: string;
}

/** i-bonus.me (providers spec C). Login and password live in ProviderSecrets. */
export interface IBonusSettings {
  baseUrl: string;
  /** i-bonus has no recalc call: at most this % of a receipt may be paid with points. */
  maxPaidRatePercents: number;
  /** Points per 1 rouble of discount. */
  spendRatePointsToRouble: number;
}

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

/**
 * The general API's point for a МойСклад store: its mapping, else the default point. A call that names no
 * store (customer search, the connection check) uses the default point, else any mapped one.
 */
export function generalPointFor(settings: TenantSettings, retailStoreId?: string): string | undefined {
  const points = settings.storePoints ?? {};
  const mapped = retailStoreId ? points[retailStoreId] : undefined;
  return mapped || settings.general?.defaultPoint || (retailStoreId ? undefined : Object.values(points).find(Boolean)) || undefined;
}

/** Provider credentials, sealed as one JSON value per tenant (tenants.provider_secrets_enc). */
export interface ProviderSecrets {
  general?: { apiKey: string };
  ibonus?: { login: string; password: string };
}

export const IBONUS_DEFAULTS: Omit<IBonusSettings, 'baseUrl'> = { maxPaidRatePercents: 50, spendRatePointsToRouble: 1 };

const storedSchema = Joi.object<TenantSettings>({
  ledger: Joi.object().unknown(true),
  general: Joi.object({ baseUrl: Joi.string().required(), defaultPoint: Joi.string().allow('') }).unknown(true),
  ibonus: Joi.object({
    baseUrl: Joi.string().required(),
    maxPaidRatePercents: Joi.number().integer().min(0).max(100).default(IBONUS_DEFAULTS.maxPaidRatePercents),
    spendRatePointsToRouble: Joi.number().integer().min(1).default(IBONUS_DEFAULTS.spendRatePointsToRouble),
  }).unknown(true),
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

export function providerSecretsOf(box: SecretBox, tenant: Pick<Tenant, 'accountId' | 'providerSecretsEnc'>): ProviderSecrets {
  if (!tenant.providerSecretsEnc) return {};
  return box.openJson<ProviderSecrets>(tenant.providerSecretsEnc, tenant.accountId, PROVIDER_SECRETS_FIELD);
}

export function sealProviderSecrets(box: SecretBox, accountId: string, secrets: ProviderSecrets): string {
  return box.sealJson(secrets, accountId, PROVIDER_SECRETS_FIELD);
}
