import { pointsByHour } from '../../ledger/ledger-queries.js';
import type { Db } from '../../storage/database.js';
import { HOUR_MS, loyaltyHourlySeries, type HourStats } from '../../txlog/loyalty-api-stats.js';
import type { TimeZone } from '../time-zone.js';

export const DASHBOARD_PERIODS = [7, 30] as const;
export type DashboardPeriod = (typeof DASHBOARD_PERIODS)[number];

export interface DayPoints {
  day: string;
  earned: number;
  spent: number;
}

export interface Dashboard {
  days: DashboardPeriod;
  hours: HourStats[];
  pointsPerDay: DayPoints[];
  totals: {
    calls: number;
    failures: number;
    notFound: number;
    worstP95Ms: number | null;
    earned: number;
    spent: number;
  };
}

/** The last `days` days up to now: LoyaltyAPI per hour (from the roll-up) and points per day in the admin zone. */
export function dashboard(db: Db, days: DashboardPeriod, now: Date, tz: TimeZone): Dashboard {
  const fromHour = Math.floor(now.getTime() / HOUR_MS) - days * 24 + 1;
  const hours = loyaltyHourlySeries(db, fromHour, now);

  const perDay = new Map<string, DayPoints>();
  // Every day of the period, also those without points, so the chart's x axis is even.
  for (let hour = fromHour; hour * HOUR_MS <= now.getTime(); hour += 1) {
    const day = tz.day(hour * HOUR_MS);
    if (!perDay.has(day)) perDay.set(day, { day, earned: 0, spent: 0 });
  }
  for (const row of pointsByHour(db, fromHour * HOUR_MS, now.getTime() + 1)) {
    const entry = perDay.get(tz.day(row.hour * HOUR_MS));
    if (!entry) continue;
    entry.earned += row.earned;
    entry.spent += row.spent;
  }
  const pointsPerDay = [...perDay.values()];

  const p95s = hours.map((h) => h.p95Ms).filter((v): v is number => v !== null);
  return {
    days,
    hours,
    pointsPerDay,
    totals: {
      calls: hours.reduce((s, h) => s + h.calls, 0),
      failures: hours.reduce((s, h) => s + h.failures, 0),
      notFound: hours.reduce((s, h) => s + h.notFound, 0),
      worstP95Ms: p95s.length ? Math.max(...p95s) : null,
      earned: pointsPerDay.reduce((s, d) => s + d.earned, 0),
      spent: pointsPerDay.reduce((s, d) => s + d.spent, 0),
    },
  };
}
