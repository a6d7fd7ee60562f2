import Joi from 'joi';
import { parseBirthDate } from '../locale/birth-date.js';
import { MAX_POINTS, MAX_QUANTITY, MAX_RECEIPT_KOPECKS, MAX_RECEIPT_ROUBLES } from '../receipt/bounds.js';

/**
 * LoyaltyAPI request shapes. Unknown keys are allowed everywhere: МойСклад adds fields over time.
 * Money arrives in roubles (2 decimals) except gift-card sums, which are kopecks. Every number is
 * bounded (app/receipt/bounds.ts) so the integer arithmetic behind it stays exact; a line's and a
 * receipt's sums are checked when the positions are mapped (mapping.ts).
 */
const id = Joi.string().max(255).allow('');
const meta = Joi.object({ href: Joi.string().max(2000).allow(''), id }).unknown(true);
const money = Joi.number().min(0).max(MAX_RECEIPT_ROUBLES);
const points = Joi.number().integer().min(0).max(MAX_POINTS);

export const retailStore = Joi.object({ meta: meta.required(), name: Joi.string().max(255).allow('') }).unknown(true);

/**
 * `YYYY-MM-DD HH:MM:SS` (sometimes `.SSS`), as the pages show it; the date alone is kept. Anything else
 * is refused where the customer is looked at (creation, balance, recalc), so the cashier can fix the
 * card before the sale.
 */
const birthDate = Joi.string()
  .max(40)
  .allow('')
  .custom((value: string, helpers) =>
    value.trim() === '' || parseBirthDate(value) ? value : helpers.error('birthDate.invalid'),
  )
  .messages({
    'birthDate.invalid':
      'Дата рождения покупателя «{{#value}}» не похожа на дату (ждём ГГГГ-ММ-ДД). Исправьте её в карточке покупателя.',
  });

const customerFields = {
  name: Joi.string().max(255).allow(''),
  discountCardNumber: Joi.string().max(255).allow(''),
  phone: Joi.string().max(255).allow(''),
  email: Joi.string().max(255).allow(''),
  legalFirstName: Joi.string().max(255).allow(''),
  legalMiddleName: Joi.string().max(255).allow(''),
  legalLastName: Joi.string().max(255).allow(''),
  birthDate,
  sex: Joi.string().valid('MALE', 'FEMALE', ''),
};

/** A customer as МойСклад refers to one: meta plus informational fields. */
export const agent = Joi.object({ meta, ...customerFields }).unknown(true);
/**
 * A sale or return is never refused over a birth date (an offline sale may arrive long after the card
 * was fixed): one that is not a date is simply not stored (app/ledger/birthdays.ts, rememberBirthDate).
 */
const documentFields = { ...customerFields, birthDate: Joi.string().max(40).allow('') };
const saleAgent = Joi.object({ meta, ...documentFields }).unknown(true);
/** Returns may send the agent as { href, id } without the meta wrapper (changelog 2021-04-19). */
const returnAgent = Joi.object({ meta, href: Joi.string().max(2000).allow(''), id, ...documentFields }).unknown(true);

const position = Joi.object({
  assortment: Joi.object({ meta: meta.required() }).unknown(true).required(),
  quantity: Joi.number().greater(0).max(MAX_QUANTITY).required(),
  price: money.required(),
  discountPercent: Joi.number().min(0).max(100),
  discountedPrice: money,
  sn: Joi.array().items(Joi.object().unknown(true)).max(100_000),
  pack: Joi.object().unknown(true).allow(null),
}).unknown(true);

const positions = Joi.array().items(position).max(1000);

export const createCustomerBody = Joi.object({
  retailStore,
  meta: meta.required(),
  syncId: Joi.string().max(255).allow(''),
  statusCheck: Joi.string().valid('UNCHECKED', 'CHECKED', 'IGNORE'),
  ...customerFields,
})
  .unknown(true)
  .required()
  .label('тело запроса (JSON)');

/** `retailStoreId` is required by the page since 2024-06-28; a till that leaves it out is still served. */
export const searchQuery = Joi.object({
  search: Joi.string().trim().min(1).max(255).required(),
  retailStoreId: Joi.string().max(255).allow(''),
}).unknown(true);

export const balanceBody = Joi.object({ retailStore, meta: meta.required(), ...customerFields })
  .unknown(true)
  .required()
  .label('тело запроса (JSON)');

/** `retailStore` was added on 2024-06-28; older tills send the body without it. */
export const registrationCodeBody = Joi.object({ retailStore, meta, ...customerFields })
  .unknown(true)
  .required()
  .label('тело запроса (JSON)');

export const spendingCodeBody = Joi.object({
  retailStore,
  counterpartyId: Joi.string().max(255).required(),
  phone: Joi.string().max(255).allow(''),
})
  .unknown(true)
  .required()
  .label('тело запроса (JSON)');

export const recalcBody = Joi.object({
  retailStore,
  agent: agent.required(),
  positions: positions.min(1).required(),
  bonusProgram: Joi.object({ transactionType: Joi.string().valid('EARNING', 'SPENDING').default('EARNING') }).unknown(
    true,
  ),
  preferredBonusToSpend: points.allow(null),
})
  .unknown(true)
  .required()
  .label('тело запроса (JSON)');

export const saleBody = Joi.object({
  retailStore,
  name: Joi.string().max(255).allow(''),
  moment: Joi.string().max(40).allow(''),
  meta: meta.required(),
  agent: saleAgent.allow(null),
  positions: positions.required(),
  bonusProgram: Joi.object({
    bonusValueToSpend: points.default(0),
    bonusValueToEarn: points.default(0),
  }).unknown(true),
  cashSum: money.default(0),
  noCashSum: money.default(0),
  giftCards: Joi.array()
    .items(
      Joi.object({
        id,
        name: Joi.string().max(255).required(),
        paymentSum: Joi.number().integer().min(1).max(MAX_RECEIPT_KOPECKS).required(),
      }).unknown(true),
    )
    .max(50)
    .default([]),
})
  .unknown(true)
  .required()
  .label('тело запроса (JSON)');

export const returnBody = Joi.object({
  retailStore,
  name: Joi.string().max(255).allow(''),
  moment: Joi.string().max(40).allow(''),
  meta: meta.required(),
  demand: Joi.object({ meta }).unknown(true).allow(null),
  agent: returnAgent.allow(null),
  positions: positions.required(),
  cashSum: money.default(0),
  noCashSum: money.default(0),
})
  .unknown(true)
  .required()
  .label('тело запроса (JSON)');

export const giftCardQuery = Joi.object({
  name: Joi.string().trim().min(1).max(255).required(),
  retailStoreId: Joi.string().max(255).allow(''),
}).unknown(true);
