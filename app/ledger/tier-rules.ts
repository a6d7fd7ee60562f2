import Joi from 'joi';
import type { Tenant } from '../../db/schema/index.js';
import { MAX_RECEIPT_KOPECKS } from '../receipt/bounds.js';

/** One tier (уровень): from what purchase total over the window it starts, and how it earns and spends. */
export interface TierLevel {
  name: string;
  /** Purchases over the window (kopecks) from which a customer is at this level; the first level's is 0. */
  thresholdKopecks: number;
  /** Roubles per 1 earned point at this level (as LedgerRules.earnRateRoublesToPoint). */
  earnRateRoublesToPoint: number;
  /** At most this % of the receipt may be paid with points at this level; absent: the program's. */
  maxPaidRatePercents?: number;
}

/**
 * The owner's tiers, stored beside the ledger rules (tenant.settings.tiers). Off by default; when on,
 * each level's rates replace the program's earn rate (and, if set, its maximum share paid with points).
 */
export interface TierRules {
  enabled: boolean;
  /** The rolling window purchases are counted over, in days. */
  windowDays: number;
  /** Ascending thresholds, the first at 0. */
  levels: TierLevel[];
}

export const MAX_TIER_LEVELS = 5;
/** A threshold fits what exact arithmetic allows anywhere: a receipt's maximum, many times over is not needed. */
export const MAX_TIER_THRESHOLD_KOPECKS = MAX_RECEIPT_KOPECKS;
export const MAX_TIER_WINDOW_DAYS = 3650;

export const TIERS_OFF: TierRules = { enabled: false, windowDays: 365, levels: [] };

const levelSchema = Joi.object<TierLevel>({
  name: Joi.string().trim().min(1).max(40).required(),
  thresholdKopecks: Joi.number().integer().min(0).max(MAX_TIER_THRESHOLD_KOPECKS).required(),
  earnRateRoublesToPoint: Joi.number().integer().min(1).max(1_000_000).required(),
  maxPaidRatePercents: Joi.number().integer().min(0).max(100),
});

/** What may be stored: the form (app/go-live/tier-settings-input.ts) says the same in words for the owner. */
export const tierRulesSchema = Joi.object<TierRules>({
  enabled: Joi.boolean().required(),
  windowDays: Joi.number().integer().min(1).max(MAX_TIER_WINDOW_DAYS).required(),
  levels: Joi.array().items(levelSchema).max(MAX_TIER_LEVELS).required(),
}).custom((rules: TierRules, helpers) => {
  const ascending = rules.levels.every((level, i) =>
    i === 0 ? level.thresholdKopecks === 0 : level.thresholdKopecks > rules.levels[i - 1]!.thresholdKopecks,
  );
  return ascending ? rules : helpers.error('any.invalid');
});

/** Validated rules by their stored JSON: the same settings are validated once, whoever reads them. */
const validated = new Map<string, TierRules>();
const VALIDATED_MAX = 1000;

/**
 * The tenant's tiers, or TIERS_OFF. Read on every recalc: a tenant without tiers on costs a property read,
 * one with them a JSON.stringify and a map lookup once its settings were validated. Stored values that no
 * longer validate turn tiers off rather than being trusted.
 */
export function tierRulesOf(tenant: Pick<Tenant, 'settings'>): TierRules {
  const stored = (tenant.settings as { tiers?: { enabled?: unknown } } | null)?.tiers;
  // Off (never set, or switched off with its levels kept) costs no more than this.
  if (stored?.enabled !== true) return TIERS_OFF;
  const key = JSON.stringify(stored);
  const known = validated.get(key);
  if (known) return known;
  const { value, error } = tierRulesSchema.validate(stored, { stripUnknown: true });
  const rules = error ? TIERS_OFF : value;
  if (validated.size >= VALIDATED_MAX) validated.clear();
  validated.set(key, rules);
  return rules;
}

/** Whether tiers apply: switched on and with at least one level. */
export function tiersOn(tiers: TierRules | undefined): tiers is TierRules {
  return tiers !== undefined && tiers.enabled && tiers.levels.length > 0;
}
