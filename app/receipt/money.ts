/**
 * Money at the API edge: МойСклад speaks roubles and quantities as decimals, everything inside is
 * an integer (kopecks, thousandths), so conversions happen here and nowhere else.
 */
import { groupDigits } from '../locale/plural.js';

/** Roubles → kopecks, half away from zero. 0.1 + 0.2 → 30, 1.005 → 101 (as written, not as stored). */
export function kopecksFromRoubles(value: number): number {
  return toScaledInteger(value, 2, 'roubles');
}

export function roublesFromKopecks(kopecks: number): number {
  if (!Number.isSafeInteger(kopecks)) throw new RangeError(`kopecks must be an integer, got ${kopecks}`);
  return kopecks / 100;
}

/**
 * A JSON API amount already in kopecks (a document's `sum`, a position's `price`, sent as a Float) → an
 * integer, half away from zero.
 */
export function wholeKopecks(value: number): number {
  return toScaledInteger(value, 0, 'kopecks');
}

/** A МойСклад quantity (3 decimals) → integer thousandths, half away from zero. */
export function quantityMilliFrom(value: number): number {
  return toScaledInteger(value, 3, 'quantity');
}

function toScaledInteger(value: number, decimals: number, what: string): number {
  if (!Number.isFinite(value)) throw new RangeError(`${what} must be a finite number, got ${value}`);
  // 15 significant digits drop binary noise (1.005 × 100 = 100.49999999999999 → 100.5)
  // while keeping every digit a person could have typed.
  const scaled = Number((Math.abs(value) * 10 ** decimals).toPrecision(15));
  const rounded = Math.round(scaled);
  if (!Number.isSafeInteger(rounded)) throw new RangeError(`${what} is too large: ${value}`);
  return value < 0 && rounded !== 0 ? -rounded : rounded;
}

/** 15000 → "150,00 ₽", 123456789 → "1 234 567,89 ₽" (spaces between thousands). */
export function formatRoubles(kopecks: number): string {
  const roubles = groupDigits(Math.floor(kopecks / 100));
  return `${roubles},${String(kopecks % 100).padStart(2, '0')} ₽`;
}

/** 319950 → "3 200 ₽": whole roubles, rounded up, for amounts a customer has yet to reach. */
export function formatWholeRoublesUp(kopecks: number): string {
  const roubles = Math.ceil(Math.max(0, kopecks) / 100);
  return `${groupDigits(roubles)} ₽`;
}

/** -150050 → "-1500,50": a number a spreadsheet with Russian settings reads, no grouping, no sign for zero. */
export function decimalRoubles(kopecks: number): string {
  if (!Number.isSafeInteger(kopecks)) throw new RangeError(`kopecks must be an integer, got ${kopecks}`);
  const abs = Math.abs(kopecks);
  return `${kopecks < 0 ? '-' : ''}${Math.floor(abs / 100)},${String(abs % 100).padStart(2, '0')}`;
}

/** -150050 → "−1 500,50 ₽", 150050 → "+1 500,50 ₽": a movement of money, signed. */
export function formatSignedRoubles(kopecks: number): string {
  return `${kopecks < 0 ? '−' : kopecks > 0 ? '+' : ''}${formatRoubles(Math.abs(kopecks))}`;
}

/**
 * A unit price after a percentage discount, as the JSON API writes a document line (`price` in kopecks,
 * `discount` a percent with up to two decimals, negative for a markup): half up, never below 0.
 */
export function priceAfterPercentKopecks(priceKopecks: number, percent: number): number {
  const hundredths = toScaledInteger(percent, 2, 'percent');
  return Math.max(0, Math.floor((priceKopecks * (10_000 - hundredths) + 5_000) / 10_000));
}
