/**
 * `tsx test/bench/admin-log.ts`: the admin transaction log at 1M rows. Times the page query (as the
 * admin page runs it: logPage, drizzle included) for the newest page, a deep page and typical support
 * filters, and the whole HTML page over HTTP, each against a baseline measured in the same run: a
 * primary-key lookup of one row for the queries, GET /healthz for the pages. A measurement, not a test.
 *
 *   BENCH_LOG_ROWS  seeded log rows (default 1000000)
 */
import { signedInAdmin } from '../helpers/admin.js';
import { seedTenantId, seedTransactionLog } from '../helpers/log-seed.js';
import { startTestApp } from '../helpers/test-app.js';
import { table } from './table.js';
import { logPage, type LogCursor, type LogFilter } from '../../app/txlog/log-query.js';

const ROWS = Number(process.env.BENCH_LOG_ROWS || 1_000_000);
const QUERY_RUNS = 300;
const PAGE_RUNS = 40;
const DAY_MS = 86_400_000;

interface Timing {
  name: string;
  medianMs: number;
  p95Ms: number;
}

async function time(name: string, runs: number, fn: () => unknown | Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < Math.min(20, runs); i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return { name, medianMs: samples[Math.floor(runs / 2)]!, p95Ms: samples[Math.floor(runs * 0.95)]! };
}

function report(title: string, baseline: Timing, rows: Timing[]): void {
  const fmt = (ms: number) => (ms < 1 ? ms.toFixed(3) : ms.toFixed(1));
  console.log(`\n${title}`);
  const header = ['', 'median ms', 'p95 ms', '× baseline'];
  const lines = [baseline, ...rows].map((r) => [
    r.name,
    fmt(r.medianMs),
    fmt(r.p95Ms),
    (r.medianMs / baseline.medianMs).toFixed(1),
  ]);
  table(header, lines);
}

async function main(): Promise<void> {
  const app = await startTestApp({ quietLogs: true });
  try {
    const now = Date.now();
    const seedStart = performance.now();
    seedTransactionLog(app.storage.sqlite, ROWS, now);
    // What the hourly maintenance job's PRAGMA optimize gives the planner on a real database.
    app.storage.sqlite.exec('ANALYZE');
    console.log(`seeded ${ROWS} log rows over 90 days in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

    const db = app.storage.db;
    const byId = app.storage.sqlite.prepare('select * from transaction_log where id = ?');
    let probe = 0;
    const baseline = await time('baseline: one row by primary key', QUERY_RUNS, () =>
      byId.get(1 + ((probe += 7919) % ROWS)),
    );
    const page = (filter: LogFilter, cursor?: LogCursor) => () => {
      if (logPage(db, filter, cursor).rows.length === 0) throw new Error(`empty page for ${JSON.stringify(filter)}`);
    };
    const month = { from: new Date(now - 31 * DAY_MS), to: new Date(now - 30 * DAY_MS) };
    const queries = [
      await time('first page', QUERY_RUNS, page({})),
      await time('deep page (the oldest 50 rows)', QUERY_RUNS, page({}, { before: 51 })),
      await time("first page, one tenant's errors", QUERY_RUNS, page({ tenantId: seedTenantId(7), status: 'error' })),
      await time(
        "deep page, one tenant's errors",
        QUERY_RUNS,
        page({ tenantId: seedTenantId(7), status: 'error' }, { before: 20_000 }),
      ),
      await time('first page, phone last digits', QUERY_RUNS, page({ phoneLast4: '0042' })),
      await time('first page, one day a month ago', QUERY_RUNS, page(month)),
      await time('first page, sale number', QUERY_RUNS, page({ documentName: 'S-424246' })),
    ];
    report(`page queries at ${ROWS} rows (logPage, ${QUERY_RUNS} runs each)`, baseline, queries);

    const admin = await signedInAdmin(app, 'bench');
    const get = (path: string) => async () => {
      const response = await admin.get(path);
      if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
    };
    const health = await time('baseline: GET /healthz', PAGE_RUNS, async () => app.http.get('/healthz'));
    const pages = [
      await time('GET /admin/log (first page)', PAGE_RUNS, get('/admin/log')),
      await time('GET /admin/log?before=51 (deep page)', PAGE_RUNS, get('/admin/log?before=51')),
      await time(
        "GET /admin/log one tenant's errors",
        PAGE_RUNS,
        get(`/admin/log?tenant=${seedTenantId(7)}&status=error`),
      ),
    ];
    report(`admin pages over HTTP (${PAGE_RUNS} runs each)`, health, pages);
  } finally {
    await app.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
