/**
 * The JSON API's date-times: "ГГГГ-ММ-ДД ЧЧ:мм:сс[.ммм]" in Moscow time (`_general.md`, «Формат даты и
 * времени»). Moscow keeps UTC+3 all year since 2014, so the offset is fixed.
 */
const MSK_OFFSET_MS = 3 * 3_600_000;

/** Epoch ms → "2026-11-23 13:00:00", as filters take it. */
export function moyskladMoment(ms: number): string {
  return new Date(ms + MSK_OFFSET_MS).toISOString().replace('T', ' ').slice(0, 19);
}

/** "2016-04-18 15:06:00" or with ".000" → epoch ms; undefined for anything else. */
export function epochOfMoyskladMoment(text: unknown): number | undefined {
  if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(text)) return undefined;
  const ms = Date.parse(`${text.replace(' ', 'T')}+03:00`);
  return Number.isFinite(ms) ? ms : undefined;
}
