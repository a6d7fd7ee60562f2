import Joi from 'joi';
import type { Tenant } from '../../db/schema/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { LedgerRules } from '../ledger/rules.js';
import type { TierRules } from '../ledger/tier-rules.js';
import { immediate, type Db } from '../storage/database.js';
import { tenantRepository as tenants } from './tenant-repository.js';
import { storedGeneralSchema, type GeneralSettings } from '../providers/general/general-settings.js';
import { storedIBonusSchema, type IBonusSettings } from '../providers/ibonus/ibonus-settings.js';
import { DEFAULT_RESTRICTION_SETTINGS, type RestrictionSettings } from '../receipt/restrictions.js';

export const PROVIDER_SECRETS_FIELD = 'providerSecrets';

/**
 * Non-secret settings of a tenant, stored as JSON in tenants.settings. The chosen back-end is
 * tenants.backend and the search mode tenants.externalSearch; secrets are sealed separately.
 */
export interface TenantSettings {
  ledger?: Partial<LedgerRules>;
  /** The built-in ledger's tiers (уровни); validated where they are read (tierRulesOf). */
  tiers?: TierRules;
  general?: GeneralSettings;
  ibonus?: IBonusSettings;
  /** МойСклад retail store id → the provider's point id, for providers that need one. */
  storePoints?: Record<string, string>;
  /** What recalc answers while the provider is down: a clear error, or the receipt without discount. */
  whenProviderDown?: 'refuse' | 'no-discount';
  /** Goods spent points never discount, beyond the law's; for every loyalty system. */
  restrictions?: RestrictionSettings;
}

/** Credentials of the systems a tenant connects, sealed as one JSON value per tenant (tenants.provider_secrets_enc). */
export interface ProviderSecrets {
  general?: { apiKey: string };
  ibonus?: { login: string; password: string };
  /** The store's SMS gateway for one-time codes: we POST {phone, code, message} here. Its URL often holds a key. */
  smsGateway?: { webhookUrl: string };
}

const storedSchema = Joi.object<TenantSettings>({
  ledger: Joi.object().unknown(true),
  tiers: Joi.object().unknown(true),
  general: storedGeneralSchema,
  ibonus: storedIBonusSchema,
  storePoints: Joi.object().pattern(Joi.string(), Joi.string()),
  whenProviderDown: Joi.string().valid('refuse', 'no-discount'),
  restrictions: Joi.object({
    excludedTrackingTypes: Joi.array().items(Joi.string().max(64)).max(100).required(),
    excludedFolderIds: Joi.array().items(Joi.string().max(64)).max(5000).required(),
    earnOnLawRestricted: Joi.boolean().required(),
    earnOnOtherRestricted: Joi.boolean().required(),
  }),
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

/** The owner's restricted-goods choices, or the defaults (law only; restricted lines other than tobacco earn). */
export function restrictionSettingsOf(tenant: Pick<Tenant, 'settings'>): RestrictionSettings {
  return settingsOf(tenant).restrictions ?? DEFAULT_RESTRICTION_SETTINGS;
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

/**
 * The SMS gateway's URL: sealed with the secrets. One written before it was sealed (settings.ledger.
 * codeWebhookUrl) is still read, e.g. while an older process overlaps a reload; the start seals it.
 */
export function smsWebhookUrlOf(
  box: SecretBox,
  tenant: Pick<Tenant, 'accountId' | 'providerSecretsEnc' | 'settings'>,
): string | undefined {
  return providerSecretsOf(box, tenant).smsGateway?.webhookUrl ?? plainSmsWebhookUrl(tenant);
}

function plainSmsWebhookUrl(tenant: Pick<Tenant, 'settings'>): string | undefined {
  const plain = (tenant.settings as { ledger?: { codeWebhookUrl?: unknown } } | null)?.ledger?.codeWebhookUrl;
  return typeof plain === 'string' && plain !== '' ? plain : undefined;
}

/**
 * Data migration, run on start: moves every SMS gateway URL still stored in plain settings into the sealed
 * secrets. Idempotent; a URL already sealed wins over a plain one. Returns how many tenants it changed.
 */
export function sealPlainSmsWebhookUrls(db: Db, box: SecretBox): number {
  return immediate(db, (tx) => {
    let moved = 0;
    for (const tenant of tenants.withPlainSmsWebhook(tx)) {
      let secrets: ProviderSecrets;
      try {
        secrets = providerSecretsOf(box, tenant);
      } catch {
        // Secrets sealed with another ENCRYPTION_KEY: left as they are, the admin page says so.
        continue;
      }
      const plain = plainSmsWebhookUrl(tenant);
      if (plain && !secrets.smsGateway) secrets.smsGateway = { webhookUrl: plain };
      const { codeWebhookUrl: _moved, ...ledger } = (tenant.settings as { ledger: Record<string, unknown> }).ledger;
      tenants.update(tx, tenant.accountId, {
        settings: { ...tenant.settings, ledger },
        providerSecretsEnc: sealProviderSecrets(box, tenant.accountId, secrets),
      });
      moved++;
    }
    return moved;
  });
}
