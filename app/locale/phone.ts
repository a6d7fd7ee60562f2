/**
 * Russian phone numbers in the one form we store and search by: 11 digits starting with 7.
 */

/** What people put between digits: spaces (incl. no-break), dashes of all kinds, brackets, dots. */
const DECORATION = /[\s().\-\u2010-\u2015\u2212]/g;

/**
 * `+7 912 345-67-89`, `8 (912) 345 67 89`, `79123456789`, `9123456789` → `79123456789`.
 * Returns null for anything else: letters, a misplaced `+`, too few or too many digits.
 *
 * Ten digits are taken as a number without the country code only when they start with 3, 4 or 9
 * (geographic and mobile codes); `8…` of ten digits is far more often a trunk-prefixed number
 * missing a digit than a real 8xx code, so it is refused rather than guessed.
 */
export function normalizePhone(input: string): string | null {
  const match = /^(\+?)(\d+)$/.exec(input.replace(DECORATION, ''));
  if (!match) return null;
  const hasPlus = match[1] === '+';
  const digits = match[2] ?? '';

  if (digits.length === 11) {
    if (digits.startsWith('7')) return digits;
    // 8 is the domestic trunk prefix; "+8…" is some other country.
    if (digits.startsWith('8') && !hasPlus) return `7${digits.slice(1)}`;
    return null;
  }
  if (digits.length === 10 && !hasPlus && /^[349]/.test(digits)) return `7${digits}`;
  return null;
}

/** Whether a search string is a phone (search customers by phone) rather than a name or card. */
export function looksLikePhone(search: string): boolean {
  return normalizePhone(search) !== null;
}
