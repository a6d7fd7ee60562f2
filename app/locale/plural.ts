/** The Russian form for a count: plural(1, ['балл', 'балла', 'баллов']) → 'балл', 3 → 'балла', 11 → 'баллов'. */
export function plural(count: number, forms: readonly [one: string, few: string, many: string]): string {
  const n = Math.abs(Math.trunc(count));
  const lastTwo = n % 100;
  const last = n % 10;
  if (lastTwo >= 11 && lastTwo <= 14) return forms[2];
  if (last === 1) return forms[0];
  if (last >= 2 && last <= 4) return forms[1];
  return forms[2];
}

/** 12345 → "12 345": thousands apart, as Russian pages write counts. */
export function groupDigits(count: number): string {
  return Math.trunc(count)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

/** `1 балл`, `3 балла`, `120 баллов`. */
export function pointsText(count: number): string {
  return `${count} ${plural(count, ['балл', 'балла', 'баллов'])}`;
}

/** `1 день`, `2 дня`, `7 дней`. */
export function daysText(count: number): string {
  return `${count} ${plural(count, ['день', 'дня', 'дней'])}`;
}
