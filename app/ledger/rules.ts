import Joi from 'joi';
import type { Tenant } from '../../db/schema/index.js';

/**
 * A tenant's built-in ledger rules: the same fields and meaning as МойСклад's `bonusprogram`, plus
 * what the till needs from us (receipt text, spending codes). The SMS gateway for codes is sealed with
 * the tenant's secrets (tenant-settings.ts: smsWebhookUrlOf), since its URL often carries a key.
 */
export interface LedgerRules {
  active: boolean;
  /** Roubles per 1 earned point (7 → 1 point per 7 ₽ paid). */
  earnRateRoublesToPoint: number;
  /** Points per 1 rouble of discount (4 → 4 points = 1 ₽). */
  spendRatePointsToRouble: number;
  /** At most this % of the receipt may be paid with points. */
  maxPaidRatePercents: number;
  /** Earn on the money part of a receipt that also spends points. */
  earnWhileRedeeming: boolean;
  welcomeBonusesEnabled: boolean;
  welcomeBonusesValue: number;
  welcomeBonusesMode: 'REGISTRATION' | 'FIRST_PURCHASE';
  /** Earned points become spendable this many days after the sale. */
  postponedBonusesDelayDays: number;
  /** Printed on the receipt; placeholders {balance}, {earned}, {spent}, {balanceAfter}. */
  receiptTemplate: string;
  /** The till must ask for a code sent to the customer before spending. */
  requireSpendingCode: boolean;
  /**
   * A new customer confirms registration with a code first: an UNCHECKED creation gets LoyaltyAPI's 412
   * (28001), and welcome points on REGISTRATION go only to confirmed (CHECKED) customers.
   */
  confirmRegistrationByCode: boolean;
  /** The program applies to every customer; false: only to those with one of `agentTags` (bonusprogram's audience). */
  allAgents: boolean;
  /** МойСклад counterparty tags («группы») of the customers the program applies to, when allAgents is false. */
  agentTags: string[];
  /**
   * Days earned points (also given-back spent ones and support's additions) can be spent once they are
   * available; 0: they never expire. Not in МойСклад's bonusprogram: an import leaves it as it was.
   */
  pointsLifetimeDays: number;
  /** Days welcome (and birthday) points live; 0: as long as earned points. */
  welcomeLifetimeDays: number;
  /** An SMS this many days before points expire; 0: none. */
  expiryReminderDays: number;
  /** The reminder's text; placeholders {days}, {points}, {date}, {shop} (expiry-reminders.ts). */
  expiryReminderTemplate: string;
  /** Birthdays (birthdays.ts): a gift of points once a year and, optionally, more points for purchases, in a window. */
  birthdayEnabled: boolean;
  /** Points given once a year within the window; 0: none (the multiplier may still apply). */
  birthdayPoints: number;
  /** The window opens this many Moscow calendar days before the birthday … */
  birthdayDaysBefore: number;
  /** … and closes after this many days after it (the birthday itself always counts). */
  birthdayDaysAfter: number;
  /** Purchases inside the window earn this many times the points; 1: as usual. */
  birthdayEarnMultiplier: number;
  /**
   * The gift (not the multiplier) only to customers registered with us at least this many Moscow calendar
   * days before the birthday itself; 0: to everyone, as before the rule existed.
   */
  birthdayMinMemberDays: number;
  /** Sales the till made while it could not reach us earn once we find them in МойСклад (app/catch-up). */
  catchUpOfflineSales: boolean;
}

export const DEFAULT_LEDGER_RULES: LedgerRules = {
  active: true,
  earnRateRoublesToPoint: 10,
  spendRatePointsToRouble: 1,
  maxPaidRatePercents: 30,
  earnWhileRedeeming: false,
  welcomeBonusesEnabled: false,
  welcomeBonusesValue: 0,
  welcomeBonusesMode: 'REGISTRATION',
  postponedBonusesDelayDays: 0,
  receiptTemplate: 'Баллов было: {balance}. Начислено: {earned}. Списано: {spent}. Стало: {balanceAfter}.',
  requireSpendingCode: false,
  confirmRegistrationByCode: false,
  allAgents: true,
  agentTags: [],
  pointsLifetimeDays: 0,
  welcomeLifetimeDays: 0,
  expiryReminderDays: 0,
  expiryReminderTemplate: 'Через {days} сгорит {points}. Ждём вас в «{shop}»!',
  birthdayEnabled: false,
  birthdayPoints: 0,
  birthdayDaysBefore: 3,
  birthdayDaysAfter: 7,
  birthdayEarnMultiplier: 1,
  birthdayMinMemberDays: 0,
  catchUpOfflineSales: false,
};

export const MAX_LIFETIME_DAYS = 3650;
export const MAX_REMINDER_DAYS = 90;
/** About three SMS parts in Cyrillic, placeholders filled in. */
export const MAX_REMINDER_TEMPLATE = 160;
/** A window of at most a month each side: the windows of one customer's two birthdays never touch. */
export const MAX_BIRTHDAY_WINDOW_DAYS = 30;
/** Earned points × at most this: with MAX_RECEIPT_KOPECKS and a rate of 1 ₽ it stays far below MAX_POINTS. */
export const MAX_BIRTHDAY_MULTIPLIER = 10;
export const MAX_BIRTHDAY_POINTS = 1_000_000;
/** «In the program at least a year» is the longest wait an owner asks for. */
export const MAX_BIRTHDAY_MEMBER_DAYS = 365;

export const ledgerRulesSchema = Joi.object<LedgerRules>({
  active: Joi.boolean(),
  earnRateRoublesToPoint: Joi.number().integer().min(1).max(1_000_000),
  spendRatePointsToRouble: Joi.number().integer().min(1).max(1_000_000),
  maxPaidRatePercents: Joi.number().integer().min(0).max(100),
  earnWhileRedeeming: Joi.boolean(),
  welcomeBonusesEnabled: Joi.boolean(),
  welcomeBonusesValue: Joi.number().integer().min(0).max(1_000_000),
  welcomeBonusesMode: Joi.string().valid('REGISTRATION', 'FIRST_PURCHASE'),
  postponedBonusesDelayDays: Joi.number().integer().min(0).max(365),
  receiptTemplate: Joi.string().allow('').max(1000),
  requireSpendingCode: Joi.boolean(),
  confirmRegistrationByCode: Joi.boolean(),
  allAgents: Joi.boolean(),
  agentTags: Joi.array().items(Joi.string().trim().min(1).max(255)).max(100),
  pointsLifetimeDays: Joi.number().integer().min(0).max(MAX_LIFETIME_DAYS),
  welcomeLifetimeDays: Joi.number().integer().min(0).max(MAX_LIFETIME_DAYS),
  expiryReminderDays: Joi.number().integer().min(0).max(MAX_REMINDER_DAYS),
  expiryReminderTemplate: Joi.string().trim().min(1).max(MAX_REMINDER_TEMPLATE),
  birthdayEnabled: Joi.boolean(),
  birthdayPoints: Joi.number().integer().min(0).max(MAX_BIRTHDAY_POINTS),
  birthdayDaysBefore: Joi.number().integer().min(0).max(MAX_BIRTHDAY_WINDOW_DAYS),
  birthdayDaysAfter: Joi.number().integer().min(0).max(MAX_BIRTHDAY_WINDOW_DAYS),
  birthdayEarnMultiplier: Joi.number().integer().min(1).max(MAX_BIRTHDAY_MULTIPLIER),
  birthdayMinMemberDays: Joi.number().integer().min(0).max(MAX_BIRTHDAY_MEMBER_DAYS),
  catchUpOfflineSales: Joi.boolean(),
});

/** Whether a customer with these МойСклад tags is in the program's audience; unknown tags are outside. */
export function inAudience(rules: Pick<LedgerRules, 'allAgents' | 'agentTags'>, tags: readonly string[] | undefined) {
  if (rules.allAgents) return true;
  if (!tags) return false;
  const wanted = new Set(rules.agentTags.map((tag) => tag.trim().toLowerCase()));
  return tags.some((tag) => wanted.has(tag.trim().toLowerCase()));
}

/** Stored rules are read on every recalc and sale: options set once, not passed (and merged) per call. */
const storedRulesSchema = ledgerRulesSchema.prefs({ stripUnknown: true });

/** The tenant's rules (tenant.settings.ledger) over the defaults; bad stored values fall back to defaults. */
export function ledgerRulesOf(tenant: Pick<Tenant, 'settings'>): LedgerRules {
  const stored = (tenant.settings as { ledger?: unknown }).ledger;
  const { value, error } = storedRulesSchema.validate(stored ?? {});
  return { ...DEFAULT_LEDGER_RULES, ...(error ? {} : value) };
}
