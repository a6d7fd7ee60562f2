/**
 * Calendar days in Moscow time, which has had no daylight saving since 2014: a fixed UTC+3. Points
 * expire at a Moscow midnight, so all of a day's lots expire together and a customer is reminded once
 * per day; shops in other zones see the same instant in their own time.
 */
export const DAY_MS = 86_400_000;
const MOSCOW_OFFSET_MS = 3 * 3_600_000;

/** The Moscow midnight that starts the day after the one `ms` falls on. */
export function nextMoscowMidnight(ms: number): number {
  return (Math.floor((ms + MOSCOW_OFFSET_MS) / DAY_MS) + 1) * DAY_MS - MOSCOW_OFFSET_MS;
}

/** `01.03`: the Moscow day `ms` falls on. */
export function moscowDayMonth(ms: number): string {
  const date = new Date(ms + MOSCOW_OFFSET_MS);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getUTCDate())}.${two(date.getUTCMonth() + 1)}`;
}

/** 0–23: the hour on a Moscow clock. */
export function moscowHour(ms: number): number {
  return new Date(ms + MOSCOW_OFFSET_MS).getUTCHours();
}

/** A Moscow calendar date: month 1–12. */
export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

/** The Moscow calendar date `ms` falls on. */
export function moscowDate(ms: number): CalendarDate {
  const date = new Date(ms + MOSCOW_OFFSET_MS);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

/** The Moscow midnight that starts `date`. */
export function moscowMidnightOf(date: CalendarDate): number {
  return Date.UTC(date.year, date.month - 1, date.day) - MOSCOW_OFFSET_MS;
}
