import { HOUR_MS } from '../../txlog/loyalty-api-stats.js';
import type { TimeZone } from '../time-zone.js';
import type { Dashboard } from './dashboard-data.js';
import { renderChart, type ChartPoint } from './svg-chart.js';

const count = (n: number) => Math.round(n).toLocaleString('ru-RU');
const percent = (n: number) => `${(Math.round(n * 10) / 10).toLocaleString('ru-RU')} %`;
const ms = (n: number) => `${Math.round(n)} мс`;
/** `2025-03-01` → `01.03` */
const dayMonth = (isoDay: string) => `${isoDay.slice(8, 10)}.${isoDay.slice(5, 7)}`;

/** The dashboard's three charts as SVG markup. */
export function dashboardCharts(data: Dashboard, tz: TimeZone): { calls: string; latency: string; points: string } {
  // Ticks at local midnight: every day for a week, every fifth day for a month.
  const tickEveryDays = data.days === 7 ? 1 : 5;
  let midnights = 0;
  const hourLabels = data.hours.map((h) => {
    const time = tz.dateTime(h.hour * HOUR_MS);
    const midnight = time.slice(11, 13) === '00';
    return {
      label: `${dayMonth(time)} ${time.slice(11, 16)}`,
      tick: midnight && midnights++ % tickEveryDays === 0 ? dayMonth(time) : undefined,
    };
  });
  const hourPoints = (values: (h: Dashboard['hours'][number]) => Array<number | null>): ChartPoint[] =>
    data.hours.map((h, index) => ({ ...hourLabels[index]!, values: values(h) }));

  // «Клиент не найден» is the till's normal answer for a customer not in the program: a line of its own, so
  // the failure line shows only what needs looking into.
  const share = (part: number, h: Dashboard['hours'][number]) => (h.calls ? (part * 100) / h.calls : null);
  const calls = renderChart({
    title: 'Вызовы LoyaltyAPI в час, доля сбоев и ответов «клиент не найден»',
    points: hourPoints((h) => [h.calls, share(h.failures, h), share(h.notFound, h)]),
    series: [
      { name: 'вызовы', className: 'chart__bar--calls', kind: 'bar', format: count },
      { name: 'сбои, %', className: 'chart__line--errors', kind: 'line', right: true, format: percent },
      { name: 'клиент не найден, %', className: 'chart__line--not-found', kind: 'line', right: true, format: percent },
    ],
    minLeftMax: 10,
    minRightMax: 5,
  });
  const latency = renderChart({
    title: 'Время ответа LoyaltyAPI, 95-й процентиль за час',
    points: hourPoints((h) => [h.p95Ms]),
    series: [{ name: '95 % ответов быстрее, мс', className: 'chart__line--latency', kind: 'line', format: ms }],
    minLeftMax: 50,
  });
  const points = renderChart({
    title: 'Баллы за день: начислено и списано',
    points: data.pointsPerDay.map((d, index) => ({
      label: dayMonth(d.day),
      tick: index % tickEveryDays === 0 ? dayMonth(d.day) : undefined,
      values: [d.earned, d.spent],
    })),
    series: [
      { name: 'начислено', className: 'chart__bar--earned', kind: 'bar', format: count },
      { name: 'списано', className: 'chart__bar--spent', kind: 'bar', format: count },
    ],
    minLeftMax: 10,
  });
  return { calls, latency, points };
}
