import Joi from 'joi';
import { checkFields } from '../http/validate.js';
import type { LedgerRules } from '../ledger/rules.js';
import { ledgerFormField, ledgerFormValues, type SettingsFormValues } from './settings-input.js';

/** A МойСклад bonus program as the owner picks it from a list. */
export interface BonusProgramChoice {
  id: string;
  name: string;
  active: boolean;
  rules: Partial<LedgerRules>;
  /** Who it applies to, in the owner's words (audienceText). */
  audience: string;
}

/** Who a program applies to, in the owner's words: «всем покупателям» or «покупателям с тегами: vip». */
export function audienceText(rules: Pick<Partial<LedgerRules>, 'allAgents' | 'agentTags'>): string {
  if (rules.allAgents !== false) return 'всем покупателям';
  const tags = rules.agentTags ?? [];
  return tags.length > 0 ? `покупателям с тегами: ${tags.join(', ')}` : 'никому: теги покупателей не заданы';
}

/**
 * The `bonusprogram` fields the built-in ledger shares with МойСклад (seeds/003). Optional ones are
 * absent when the account's tariff lacks them (postponed points) or the program never set them.
 */
type BonusProgramRow = Partial<LedgerRules> & { id: string; name: string; active: boolean };

const bonusProgramSchema = Joi.object<BonusProgramRow>({
  id: Joi.string().required(),
  name: Joi.string().allow('').default(''),
  active: Joi.boolean().default(true),
  earnRateRoublesToPoint: Joi.number().integer().min(1),
  spendRatePointsToRouble: Joi.number().integer().min(1),
  maxPaidRatePercents: Joi.number().integer().min(0).max(100),
  earnWhileRedeeming: Joi.boolean(),
  welcomeBonusesEnabled: Joi.boolean(),
  welcomeBonusesValue: Joi.number().integer().min(0),
  welcomeBonusesMode: Joi.string().valid('REGISTRATION', 'FIRST_PURCHASE'),
  postponedBonusesDelayDays: Joi.number().integer().min(0).max(365),
  // The audience: all customers, or only those with one of these counterparty tags.
  allAgents: Joi.boolean(),
  agentTags: Joi.array().items(Joi.string().trim().min(1).max(255)).max(100).default([]),
}).unknown(true);

const RULE_FIELDS = [
  'active',
  'earnRateRoublesToPoint',
  'spendRatePointsToRouble',
  'maxPaidRatePercents',
  'earnWhileRedeeming',
  'welcomeBonusesEnabled',
  'welcomeBonusesValue',
  'welcomeBonusesMode',
  'postponedBonusesDelayDays',
  'allAgents',
  'agentTags',
] as const;

/**
 * The account's programs that can become ledger rules one to one. A program with a field we cannot
 * take over (e.g. a fractional rate) is left out rather than imported half-right.
 */
export function bonusProgramChoices(rows: Array<Record<string, unknown>>): BonusProgramChoice[] {
  const choices: BonusProgramChoice[] = [];
  for (const row of rows) {
    const { value, problems } = checkFields<BonusProgramRow>(bonusProgramSchema, row);
    if (problems.length > 0) continue;
    const rules: Partial<LedgerRules> = {};
    for (const field of RULE_FIELDS) {
      if (value[field] !== undefined) Object.assign(rules, { [field]: value[field] });
    }
    // A program without delayed points gives them at once; the field is absent then.
    rules.postponedBonusesDelayDays ??= 0;
    if (rules.welcomeBonusesEnabled === false) rules.welcomeBonusesValue ??= 0;
    // Tags matter only to a program for some customers; one for all carries an empty list.
    if (rules.allAgents !== false) rules.agentTags = [];
    choices.push({
      id: value.id,
      name: value.name || 'Без названия',
      active: value.active,
      rules,
      audience: audienceText(rules),
    });
  }
  return choices;
}

/**
 * The form with a program's rules in place of the ledger rules it had. The program's booleans
 * replace the posted checkboxes; fields МойСклад has no counterpart for (receipt text, codes) stay.
 */
export function withImportedRules(values: SettingsFormValues, choice: BonusProgramChoice): SettingsFormValues {
  const imported = new Set<string>(RULE_FIELDS.map(ledgerFormField));
  const kept = Object.entries(values).filter(([name]) => !imported.has(name));
  return { ...Object.fromEntries(kept), backend: 'ledger', ...ledgerFormValues(choice.rules) };
}
