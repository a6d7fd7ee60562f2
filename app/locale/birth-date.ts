/**
 * МойСклад sends a customer's birth date as `YYYY-MM-DD HH:MM:SS`, sometimes with `.SSS` (LoyaltyAPI
 * counterparty pages); the time is always midnight and means nothing. We keep the date alone.
 */
const BIRTH_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?)?$/;

/** Years a birth date may fall in: anything else is a typo or a placeholder, not a birthday. */
export const BIRTH_YEARS = { from: 1900, to: 2100 } as const;

/** `1992-08-01 00:00:00` → `1992-08-01`; null when it is not a real calendar date in BIRTH_YEARS. */
export function parseBirthDate(text: string): string | null {
  const match = BIRTH_DATE.exec(text.trim());
  if (!match) return null;
  const [year, month, day] = match.slice(1, 4).map(Number) as [number, number, number];
  if (year < BIRTH_YEARS.from || year > BIRTH_YEARS.to) return null;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return `${match[1]}-${match[2]}-${match[3]}`;
}
