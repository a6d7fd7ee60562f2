/**
 * Small server-side SVG charts: no script and no charting library in the page, so the admin CSP can
 * forbid inline code. Colours come from admin.css classes; every bar and point carries a <title> with
 * its exact value for hover.
 */

export interface ChartPoint {
  /** The hover title's name of the point. */
  label: string;
  /** Text under the x axis, for the points that get one. */
  tick?: string;
  values: Array<number | null>;
}

export interface ChartSeries {
  name: string;
  /** CSS class, e.g. `chart__bar--calls`. */
  className: string;
  kind: 'bar' | 'line';
  /** Right axis: a second scale (e.g. an error rate next to call counts). */
  right?: boolean;
  format: (value: number) => string;
}

export interface ChartSpec {
  title: string;
  points: ChartPoint[];
  series: ChartSeries[];
  /** A minimum for the top of each axis, so a flat zero series still has a scale. */
  minLeftMax?: number;
  minRightMax?: number;
}

const WIDTH = 1080;
const HEIGHT = 240;
const MARGIN = { top: 12, right: 56, bottom: 28, left: 56 };
const STEPS = 5;
/** A line with at most this many values shows each as a marker. */
const FEW_POINTS = 48;
const MARKER_R = 3.5;

const escapeXml = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
const round = (n: number) => Math.round(n * 10) / 10;

/** 1, 2 or 5 times a power of ten at or above `value`: axis tops people read at a glance. */
export function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * power).find((m) => m >= value) ?? 10 * power;
}

export function renderChart(spec: ChartSpec): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const count = Math.max(spec.points.length, 1);
  const slot = plotW / count;
  const maxOf = (right: boolean, floor = 0) =>
    niceMax(
      Math.max(
        floor,
        ...spec.series.flatMap((s, i) =>
          (s.right ?? false) === right ? spec.points.map((p) => p.values[i] ?? 0) : [],
        ),
      ),
    );
  const leftMax = maxOf(false, spec.minLeftMax);
  const rightMax = maxOf(true, spec.minRightMax);
  const y = (value: number, right = false) => MARGIN.top + plotH - (value / (right ? rightMax : leftMax)) * plotH;
  const x = (index: number) => MARGIN.left + index * slot;
  const out: string[] = [];

  // Grid and axes: five steps on each scale, so a 1-2-5 top gives round numbers at every line.
  const leftSeries = spec.series.find((s) => !s.right);
  const rightSeries = spec.series.find((s) => s.right);
  for (let step = 0; step <= STEPS; step++) {
    const value = (leftMax * step) / STEPS;
    const lineY = round(y(value));
    out.push(
      `<line class="chart__grid" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${lineY}" y2="${lineY}"/>`,
    );
    if (leftSeries)
      out.push(
        `<text class="chart__axis" x="${MARGIN.left - 6}" y="${lineY + 4}" text-anchor="end">${escapeXml(leftSeries.format(value))}</text>`,
      );
    if (rightSeries) {
      out.push(
        `<text class="chart__axis" x="${WIDTH - MARGIN.right + 6}" y="${lineY + 4}">${escapeXml(rightSeries.format((rightMax * step) / STEPS))}</text>`,
      );
    }
  }
  spec.points.forEach((point, index) => {
    if (point.tick === undefined) return;
    out.push(
      `<text class="chart__axis" x="${round(x(index) + slot / 2)}" y="${HEIGHT - 8}" text-anchor="middle">${escapeXml(point.tick)}</text>`,
    );
  });

  // Bars share each slot side by side; lines join the slot centres and break where a value is missing.
  const bars = spec.series.map((s, i) => ({ s, i })).filter(({ s }) => s.kind === 'bar');
  const barW = Math.max((slot * 0.8) / Math.max(bars.length, 1), 0.5);
  bars.forEach(({ s, i }, barIndex) => {
    spec.points.forEach((point, index) => {
      const value = point.values[i];
      if (value === null || value === undefined || value <= 0) return;
      const top = y(value, s.right);
      const left = x(index) + slot * 0.1 + barIndex * barW;
      out.push(
        `<rect class="${s.className}" x="${round(left)}" y="${round(top)}" width="${round(barW)}" height="${round(MARGIN.top + plotH - top)}">` +
          `<title>${escapeXml(`${point.label} — ${s.name}: ${s.format(value)}`)}</title></rect>`,
      );
    });
  });
  spec.series.forEach((s, i) => {
    if (s.kind !== 'line') return;
    let path = '';
    let pen = false;
    spec.points.forEach((point, index) => {
      const value = point.values[i];
      if (value === null || value === undefined) {
        pen = false;
        return;
      }
      path += `${pen ? 'L' : 'M'}${round(x(index) + slot / 2)} ${round(y(value, s.right))}`;
      pen = true;
    });
    if (path) out.push(`<path class="${s.className}" d="${path}"/>`);
    // Hover targets for the line's points, titled. A point is also drawn as a marker where the line alone
    // would not show it: a value with no neighbour (a path of one point draws nothing), or every value of a
    // line that has only a few (one hour of data in a week is otherwise a 6 px dash).
    const has = (index: number) => {
      const value = spec.points[index]?.values[i];
      return value !== null && value !== undefined;
    };
    const few = spec.points.filter((_, index) => has(index)).length <= FEW_POINTS;
    spec.points.forEach((point, index) => {
      const value = point.values[i];
      if (value === null || value === undefined) return;
      const marked = few || (!has(index - 1) && !has(index + 1));
      const r = marked ? MARKER_R : Math.max(Math.min(slot / 2, 4), 1.5);
      out.push(
        `<circle class="chart__dot${marked ? ` chart__marker ${s.className}` : ''}" cx="${round(x(index) + slot / 2)}" cy="${round(y(value, s.right))}" r="${r}">` +
          `<title>${escapeXml(`${point.label} — ${s.name}: ${s.format(value)}`)}</title></circle>`,
      );
    });
  });

  const legend = spec.series
    .map(
      (s) =>
        `<span class="chart-legend__item"><span class="chart-legend__swatch ${s.className}-swatch"></span>${escapeXml(s.name)}</span>`,
    )
    .join('');
  return (
    `<figure class="chart"><figcaption class="chart__title">${escapeXml(spec.title)}<span class="chart-legend">${legend}</span></figcaption>` +
    `<svg class="chart__svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeXml(spec.title)}" xmlns="http://www.w3.org/2000/svg">` +
    `${out.join('')}</svg></figure>`
  );
}
