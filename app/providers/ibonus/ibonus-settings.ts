import Joi from 'joi';

/** i-bonus.me (providers spec C). Login and password live in the tenant's sealed provider secrets. */
export interface IBonusSettings {
  baseUrl: string;
  /** i-bonus has no recalc call: at most this % of a receipt may be paid with points. */
  maxPaidRatePercents: number;
  /** Points per 1 rouble of discount. */
  spendRatePointsToRouble: number;
}

/** The personal-cabinet address i-bonus gives most shops: the form offers it until the owner saves another. */
export const IBONUS_USUAL_URL = 'https://lk.i-bonus.me';

export const IBONUS_DEFAULTS: Omit<IBonusSettings, 'baseUrl'> = { maxPaidRatePercents: 50, spendRatePointsToRouble: 1 };

export const storedIBonusSchema = Joi.object<IBonusSettings>({
  baseUrl: Joi.string().required(),
  maxPaidRatePercents: Joi.number().integer().min(0).max(100).default(IBONUS_DEFAULTS.maxPaidRatePercents),
  spendRatePointsToRouble: Joi.number().integer().min(1).default(IBONUS_DEFAULTS.spendRatePointsToRouble),
}).unknown(true);
