import { expect } from 'chai';
import { hashPassword, verifyPassword } from '../../../app/admin/auth/passwords.js';
import { safeNext } from '../../../app/admin/auth/access.js';
import { parseRoubles } from '../../../app/admin/customers/money-input.js';
import { niceMax, renderChart } from '../../../app/admin/dashboard/svg-chart.js';
import { TimeZone } from '../../../app/admin/time-zone.js';
import { csvHeader, csvLine } from '../../../app/txlog/log-csv.js';
import type { LogListRow } from '../../../app/txlog/log-query.js';

describe('Admin time zone', () => {
  const moscow = new TimeZone('Europe/Moscow');

  it('when an instant is shown, then it is the wall-clock time in the zone', () => {
    expect(moscow.dateTime(Date.UTC(2025, 0, 31, 21, 5, 9))).to.equal('2025-02-01 00:05:09');
    expect(moscow.inputValue(Date.UTC(2025, 0, 31, 21, 5, 9))).to.equal('2025-02-01T00:05');
  });

  it('when a datetime-local value is read, then it is that wall-clock time in the zone, DST included', () => {
    expect(moscow.parseInput('2025-02-01T00:05')?.toISOString()).to.equal('2025-01-31T21:05:00.000Z');
    const berlin = new TimeZone('Europe/Berlin');
    expect(berlin.parseInput('2025-07-01T12:00')?.toISOString(), 'summer time').to.equal('2025-07-01T10:00:00.000Z');
    expect(berlin.parseInput('2025-01-01T12:00:30')?.toISOString(), 'winter time').to.equal('2025-01-01T11:00:30.000Z');
  });

  it('when the value is not a datetime, then it is undefined', () => {
    expect(moscow.parseInput('yesterday')).to.equal(undefined);
    expect(moscow.parseInput('2025-02-01')).to.equal(undefined);
  });
});

describe('Admin passwords', () => {
  it('when a password is hashed, then only that password verifies, and two hashes of it differ', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash)
      .to.match(/^scrypt\$32768\$8\$1\$/)
      .and.not.contain('correct');
    expect(await verifyPassword('correct horse battery', hash)).to.equal(true);
    expect(await verifyPassword('correct horse batterY', hash)).to.equal(false);
    expect(await hashPassword('correct horse battery')).to.not.equal(hash);
  });

  it('when the stored value is not a scrypt hash, then nothing verifies against it', async () => {
    expect(await verifyPassword('x', 'plain-text')).to.equal(false);
    expect(await verifyPassword('x', '')).to.equal(false);
  });
});

describe('Admin small parsers', () => {
  it('when roubles are typed with a comma or a dot, then kopecks are exact', () => {
    expect(parseRoubles('1500')).to.equal(150_000);
    expect(parseRoubles('1500,5')).to.equal(150_050);
    expect(parseRoubles('0.07')).to.equal(7);
    expect(parseRoubles('19.99')).to.equal(1999);
  });

  it('when the place to return to after sign-in is not an /admin path, then it is the dashboard', () => {
    expect(safeNext('/admin/log?status=error')).to.equal('/admin/log?status=error');
    for (const bad of [
      '//evil.example',
      'https://evil.example/admin',
      '/admin\\@evil',
      '/administrator',
      '/admin/ x',
      undefined,
      42,
    ]) {
      expect(safeNext(bad), String(bad)).to.equal('/admin/dashboard');
    }
  });
});

describe('Transaction log CSV', () => {
  const row = (overrides: Partial<LogListRow>): LogListRow => ({
    id: 1,
    at: Date.UTC(2025, 0, 1),
    tenantId: 't1',
    kind: 'loyalty-api',
    endpoint: 'POST /retaildemand',
    httpStatus: 201,
    ok: true,
    durationMs: 12,
    requestId: null,
    documentName: null,
    saleKey: null,
    customerId: null,
    phoneLast4: null,
    cardNumber: null,
    pointsSpent: null,
    pointsEarned: null,
    errorMessage: null,
    readBodies: null,
    receiptLines: null,
    receiptKopecks: null,
    discountKopecks: null,
    balanceBefore: null,
    balanceAfter: null,
    receiptText: null,
    foundCount: null,
    ...overrides,
  });
  const time = () => '2025-01-01 03:00:00';

  it('when a cell holds a separator, a quote or a line break, then it is quoted', () => {
    const line = csvLine(row({ errorMessage: 'Недостаточно; "баллов"\nдоступно 5' }), time);
    expect(line).to.contain('"Недостаточно; ""баллов""\nдоступно 5"');
    expect(line.endsWith('\r\n')).to.equal(true);
    expect(csvHeader().split(';')).to.have.length(csvLine(row({}), time).split(';').length);
  });

  it('when a cell starts like a formula, then it is made text (no CSV injection)', () => {
    for (const payload of ['=HYPERLINK("x")', '+1', '-2+3', '@SUM(A1)']) {
      expect(csvLine(row({ documentName: payload }), time)).to.contain(`'${payload.replace(/"/g, '""')}`);
    }
  });

  it('when a phone is known, then only its last four digits are written', () => {
    expect(csvLine(row({ phoneLast4: '6789' }), time)).to.contain(';***6789;');
  });
});

describe('SVG charts', () => {
  it('when an axis top is chosen, then it is 1, 2 or 5 times a power of ten at or above the maximum', () => {
    expect([0, 3, 10, 11, 140, 4999, 5001].map(niceMax)).to.deep.equal([1, 5, 10, 20, 200, 5000, 10000]);
  });

  it('when labels carry markup, then the SVG escapes them', () => {
    const svg = renderChart({
      title: '<script>',
      points: [{ label: '"a"&<b>', tick: '<i>', values: [3] }],
      series: [{ name: 'x', className: 'c', kind: 'bar', format: String }],
    });
    expect(svg).to.not.contain('<script>').and.not.contain('<b>').and.not.contain('<i>');
    expect(svg).to.contain('&#60;script&#62;');
  });

  const week = (valued: (index: number) => boolean) =>
    renderChart({
      title: 'p95',
      points: Array.from({ length: 168 }, (_, i) => ({ label: String(i), values: [valued(i) ? 10 + i : null] })),
      series: [{ name: 'p95', className: 'line', kind: 'line', format: String }],
    });
  const markers = (svg: string) => svg.match(/<circle class="chart__dot chart__marker line"/g)?.length ?? 0;

  it('when a line has one value or a few in a week, then each is drawn as a visible marker', () => {
    // One hour of data: a path of one point draws nothing, so the marker is all there is to see.
    expect(markers(week((i) => i === 167))).to.equal(1);
    expect(markers(week((i) => i >= 165))).to.equal(3);
    // A value standing alone between gaps is marked even on a busy line.
    expect(markers(week((i) => i !== 10 && i !== 12))).to.equal(1);
  });

  it('when a line has a value in most hours, then it is a plain line with hover targets, not a row of beads', () => {
    const svg = week(() => true);
    expect(markers(svg)).to.equal(0);
    expect(svg.match(/<circle class="chart__dot"/g)).to.have.length(168);
  });

  it('when a line has gaps, then it restarts after each gap instead of bridging it', () => {
    const svg = renderChart({
      title: 'p95',
      points: [1, null, 3, 4].map((v, i) => ({ label: String(i), values: [v] })),
      series: [{ name: 'p95', className: 'line', kind: 'line', format: String }],
    });
    const path = /<path class="line" d="([^"]+)"/.exec(svg)![1]!;
    expect(path.match(/M/g)).to.have.length(2);
    expect(path.match(/L/g)).to.have.length(1);
  });
});
