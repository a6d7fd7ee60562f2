const RUSSIAN = new Intl.PluralRules('ru-RU');

/**
 * The Russian form for a count, by `Intl.PluralRules`: plural(1, ['балл', 'балла', 'баллов']) → 'балл',
 * 3 → 'балла', 11 → 'баллов'. A fraction takes the second form (1,5 балла), as Russian writes it.
 * The one place plural forms are chosen: never write «балл(ов)».
 */
export function plural(count: number, forms: readonly [one: string, few: string, many: string]): string {
  switch (RUSSIAN.select(Math.abs(count))) {
    case 'one':
      return forms[0];
    case 'few':
    case 'other':
      return forms[1];
    default:
      return forms[2];
  }
}

/**
 * 12345 → "12 345": thousands apart, as Russian writes numbers. The one place digits are grouped. Pages pass
 * a no-break space so a number never wraps; texts for the till's receipt keep a plain one.
 */
export function groupDigits(count: number, separator = ' '): string {
  return Math.trunc(count)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, separator);
}

/** `1 200 баллов`, `3 дня`: a count grouped by thousands, with its Russian form, as pages write it. */
export function countText(count: number, forms: readonly [one: string, few: string, many: string]): string {
  return `${groupDigits(count)} ${plural(count, forms)}`;
}

export const POINT_FORMS = ['балл', 'балла', 'баллов'] as const;
export const DAY_FORMS = ['день', 'дня', 'дней'] as const;
export const SALE_FORMS = ['продажа', 'продажи', 'продаж'] as const;

/** `1 балл`, `3 балла`, `120 баллов`. */
export function pointsText(count: number): string {
  return `${count} ${plural(count, POINT_FORMS)}`;
}

/** `1 день`, `2 дня`, `7 дней`. */
export function daysText(count: number): string {
  return `${count} ${plural(count, DAY_FORMS)}`;
}

/** After «от», «не меньше»: `1 дня`, `2 дней`, `21 дня`. */
export function daysGenitive(count: number): string {
  return `${count} ${plural(count, ['дня', 'дней', 'дней'])}`;
}
