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

/** A Moscow calendar month, `2026-11`. */
export type MoscowMonth = `${number}-${number}`;

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** Whether `text` is a month as `<input type="month">` sends it (`2026-11`), years 2000–2099. */
export function isMoscowMonth(text: unknown): text is MoscowMonth {
  return typeof text === 'string' && MONTH.test(text) && text >= '2000-01' && text <= '2099-12';
}

/** The month `ms` falls in on a Moscow calendar. */
export function moscowMonthOf(ms: number): MoscowMonth {
  const date = new Date(ms + MOSCOW_OFFSET_MS);
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}` as MoscowMonth;
}

/** [start, end): the Moscow midnights that start the month and the one after it. */
export function moscowMonthBounds(month: MoscowMonth): { start: number; end: number } {
  const [year, number] = month.split('-').map(Number) as [number, number];
  return {
    start: Date.UTC(year, number - 1, 1) - MOSCOW_OFFSET_MS,
    end: Date.UTC(year, number, 1) - MOSCOW_OFFSET_MS,
  };
}

/** The month before or after: `shiftMonth('2026-01', -1)` is `2025-12`. */
export function shiftMonth(month: MoscowMonth, by: number): MoscowMonth {
  const [year, number] = month.split('-').map(Number) as [number, number];
  const date = new Date(Date.UTC(year, number - 1 + by, 1));
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}` as MoscowMonth;
}

const MONTH_NAMES = [
  'январь',
  'февраль',
  'март',
  'апрель',
  'май',
  'июнь',
  'июль',
  'август',
  'сентябрь',
  'октябрь',
  'ноябрь',
  'декабрь',
];

/** `ноябрь 2026`. */
export function monthTitle(month: MoscowMonth): string {
  return `${MONTH_NAMES[Number(month.slice(5)) - 1]} ${month.slice(0, 4)}`;
}

/** `30.11.2026`: the Moscow date `ms` falls on. */
export function moscowDateText(ms: number): string {
  const date = new Date(ms + MOSCOW_OFFSET_MS);
  return `${moscowDayMonth(ms)}.${date.getUTCFullYear()}`;
}
