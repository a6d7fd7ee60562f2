import Joi from 'joi';
import { ValidationError } from '../errors.js';

/** Russian texts for the joi rules we use: the first failing rule is what a cashier or owner reads. */
const MESSAGES: Joi.LanguageMessages = {
  'any.required': 'Не указано обязательное поле «{{#label}}».',
  'any.invalid': 'Недопустимое значение поля «{{#label}}».',
  'any.only': 'Поле «{{#label}}» должно быть одним из: {{#valids}}.',
  'any.unknown': 'Поле «{{#label}}» не поддерживается.',
  'string.base': 'Поле «{{#label}}» должно быть строкой.',
  'string.empty': 'Поле «{{#label}}» не должно быть пустым.',
  'string.max': 'Поле «{{#label}}» длиннее {{#limit}} символов.',
  'string.min': 'Поле «{{#label}}» короче {{#limit}} символов.',
  'string.guid': 'Поле «{{#label}}» должно быть UUID.',
  'string.uri': 'Поле «{{#label}}» должно быть адресом http(s)://…',
  'string.uriCustomScheme': 'Поле «{{#label}}» должно быть адресом http(s)://…',
  'string.email': 'Поле «{{#label}}» должно быть адресом электронной почты.',
  'string.pattern.base': 'Неверный формат поля «{{#label}}».',
  'string.pattern.name': 'Неверный формат поля «{{#label}}».',
  'number.base': 'Поле «{{#label}}» должно быть числом.',
  'number.integer': 'Поле «{{#label}}» должно быть целым числом.',
  'number.min': 'Поле «{{#label}}» должно быть не меньше {{#limit}}.',
  'number.max': 'Поле «{{#label}}» должно быть не больше {{#limit}}.',
  'number.greater': 'Поле «{{#label}}» должно быть больше {{#limit}}.',
  'number.less': 'Поле «{{#label}}» должно быть меньше {{#limit}}.',
  'number.positive': 'Поле «{{#label}}» должно быть больше нуля.',
  'string.trim': 'Поле «{{#label}}» не должно начинаться или заканчиваться пробелами.',
  'string.base64': 'Поле «{{#label}}» должно быть в base64.',
  'array.includesRequiredUnknowns': 'В списке «{{#label}}» не хватает обязательных элементов.',
  'number.precision': 'В поле «{{#label}}» не больше {{#limit}} знаков после запятой.',
  'number.unsafe': 'Поле «{{#label}}» слишком большое.',
  'number.infinity': 'Поле «{{#label}}» должно быть конечным числом.',
  'boolean.base': 'Поле «{{#label}}» должно быть true или false.',
  'array.base': 'Поле «{{#label}}» должно быть списком.',
  'array.min': 'В списке «{{#label}}» должно быть не меньше {{#limit}} элементов.',
  'array.max': 'В списке «{{#label}}» должно быть не больше {{#limit}} элементов.',
  'object.base': 'Поле «{{#label}}» должно быть объектом.',
  'object.missing': 'Укажите хотя бы одно из полей: {{#peers}}.',
  'object.and': 'Поля {{#present}} требуют также {{#missing}}.',
  'date.base': 'Поле «{{#label}}» должно быть датой.',
  'alternatives.match': 'Неверный формат поля «{{#label}}».',
  'alternatives.types': 'Неверный тип поля «{{#label}}».',
};

const firstProblem = new WeakMap<Joi.Schema, Joi.Schema>();
const everyProblem = new WeakMap<Joi.Schema, Joi.Schema>();

/**
 * The schema with our messages and abortEarly set once. joi merges options given to validate() with
 * the schema's own preferences on every call, compiling every message template again; a schema
 * whose preferences are all its own validates with a merge joi made once and keeps.
 */
function withRussianMessages<T>(schema: Joi.Schema<T>, abortEarly: boolean): Joi.Schema<T> {
  const cache = abortEarly ? firstProblem : everyProblem;
  let ready = cache.get(schema);
  if (!ready) {
    ready = schema.prefs({ messages: MESSAGES, errors: { wrap: { label: false } }, abortEarly });
    cache.set(schema, ready);
  }
  return ready as Joi.Schema<T>;
}

export interface FieldProblem {
  field: string;
  message: string;
}

/** Validates without throwing: for forms that show every problem next to its field. */
export function checkFields<T>(schema: Joi.Schema<T>, input: unknown): { value: T; problems: FieldProblem[] } {
  const { value, error } = withRussianMessages(schema, false).validate(input);
  const problems = (error?.details ?? []).map((d) => ({ field: d.path.join('.'), message: d.message }));
  return { value: value as T, problems };
}

/**
 * The one validation helper: returns the converted value or throws a ValidationError naming the
 * first bad field. Unknown keys are allowed by the schemas that need it (МойСклад adds fields).
 */
export function validate<T>(schema: Joi.Schema<T>, input: unknown): T {
  const { value, error } = withRussianMessages(schema, true).validate(input);
  if (error) {
    const detail = error.details[0];
    const parameter = detail?.path.join('.') || undefined;
    throw new ValidationError(detail?.message ?? 'Неверные данные запроса.', { parameter });
  }
  return value as T;
}
