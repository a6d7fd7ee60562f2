/**
 * `npm run bench`: LoyaltyAPI recalc and sale throughput on a 100,000-customer ledger, against a bare
 * Express JSON echo as the baseline; the same recalc beside a flood of unauthenticated 1.8 MB requests,
 * against itself alone. A measurement, not a test: exits 0 whether or not the targets
 * hold, and 1 only when the bench itself is broken (a non-2xx answer, a connection error).
 *
 *   BENCH_SECONDS   seconds per measured run (default 10)
 *   BENCH_CUSTOMERS seeded customers (default 100000)
 *   BENCH_BRIDGE_ITERATIONS requests per variant for the provider bridge overhead (default 3000)
 */
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { createTestTenant } from '../helpers/tenants.js';
import { startTestApp } from '../helpers/test-app.js';
import { msIdOf, recalcBody, saleBody } from './bodies.js';
import { startEchoServer, type RunningServer } from './echo-server.js';
import { measure, type Load, type Measurement } from './measure.js';
import { balanceMismatches, openingBalanceOf, seedCustomers } from './seed.js';
import { bridgeOverhead, reportOverhead } from './bridge-overhead.js';
import { recalcUnderAuthFlood, reportFlood } from './auth-flood.js';

const SECONDS = positiveInt('BENCH_SECONDS', 10);
const CUSTOMERS = positiveInt('BENCH_CUSTOMERS', 100_000);
const BRIDGE_ITERATIONS = positiveInt('BENCH_BRIDGE_ITERATIONS', 3000);
const CONNECTIONS = 32;
const WARMUP_SECONDS = 1;
const TARGETS = { recalcShare: 0.5, recalcP99Ms: 10, saleShare: 0.3 };

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

/** The bench itself is broken (not the app merely slow): reported, cleaned up, exit 1. */
class BenchBroken extends Error {}

function fail(message: string, detail?: unknown): never {
  throw new BenchBroken(`bench broken: ${message}${detail === undefined ? '' : ` ${JSON.stringify(detail)}`}`);
}

/** One request of each kind through axios, so a broken route fails here with its body, not as 32 × 10 s of 4xx. */
async function smokeCheck(api: ReturnType<typeof createTestTenant>['api']): Promise<void> {
  const recalc = await api.post('/retaildemand/recalc', recalcBody(msIdOf(0)), {
    headers: { 'content-type': 'application/json' },
  });
  if (recalc.status !== 200) fail(`recalc answered ${recalc.status}`, recalc.data);
  const spent = recalc.data?.bonusProgram?.bonusValueToSpend;
  if (!(spent > 0)) fail('recalc spent no points', recalc.data?.bonusProgram);

  const sale = await api.post('/retaildemand', saleBody(msIdOf(1), randomUUID()), {
    headers: { 'content-type': 'application/json' },
  });
  if (sale.status !== 201) fail(`sale answered ${sale.status}`, sale.data);
  const detail = await api.post('/counterparty/detail', { meta: { id: msIdOf(1) } });
  const balance = detail.data?.bonusProgram?.agentBonusBalance;
  if (detail.status !== 200 || !(balance > openingBalanceOf(1))) fail('the sale earned no points', detail.data);
  console.log(
    `smoke check: recalc 200 (spends ${spent} points), sale 201 (balance ${openingBalanceOf(1)} → ${balance})`,
  );
}

const ms = (value: number) => value.toFixed(value < 10 ? 1 : 0);
const pct = (value: number) => `${Math.round(value * 100)}%`;

function report(results: Measurement[], echo: Measurement): void {
  const header = ['', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'vs echo'];
  const rows = results.map((r) => [
    r.name,
    r.reqPerSec.toFixed(0),
    ms(r.p50Ms),
    ms(r.p99Ms),
    String(r.non2xx + r.errors),
    pct(r.reqPerSec / echo.reqPerSec),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  for (const row of [header, ...rows])
    console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
}

function verdicts(recalc: Measurement, sale: Measurement, echo: Measurement): void {
  const mark = (ok: boolean) => (ok ? 'HOLDS' : 'MISSED');
  const recalcShare = recalc.reqPerSec / echo.reqPerSec;
  const saleShare = sale.reqPerSec / echo.reqPerSec;
  console.log('\nissue targets:');
  console.log(
    `  recalc ≥ ${pct(TARGETS.recalcShare)} of echo req/s: ${pct(recalcShare)} — ${mark(recalcShare >= TARGETS.recalcShare)}`,
  );
  console.log(
    `  recalc p99 ≤ ${TARGETS.recalcP99Ms} ms: ${ms(recalc.p99Ms)} ms — ${mark(recalc.p99Ms <= TARGETS.recalcP99Ms)}`,
  );
  console.log(
    `  sale ≥ ${pct(TARGETS.saleShare)} of echo req/s: ${pct(saleShare)} — ${mark(saleShare >= TARGETS.saleShare)}`,
  );
}

async function main(): Promise<void> {
  console.log(
    `bench: ${CONNECTIONS} connections, ${SECONDS} s per run (+${WARMUP_SECONDS} s warm-up), ${cpus().length} CPUs shared by server and autocannon`,
  );
  // The provider fakes of the bridge overhead listen on loopback, which the outbound guard refuses unless named.
  const bench = await startTestApp({ quietLogs: true, env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
  let echoServer: RunningServer | undefined;
  try {
    const tenant = createTestTenant(bench);
    const seedStart = performance.now();
    seedCustomers(bench.storage.sqlite, tenant.accountId, CUSTOMERS);
    console.log(`seeded ${CUSTOMERS} customers in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);
    await smokeCheck(tenant.api);

    // The worker thread running autocannon reads the customer count from its (inherited) environment.
    process.env.BENCH_CUSTOMERS = String(CUSTOMERS);
    echoServer = await startEchoServer();
    const echoBody = recalcBody(msIdOf(0));
    const auth = { 'Lognex-Discount-API-Auth-Token': tenant.token };
    const loads: Load[] = [
      { name: 'echo', url: echoServer.url, path: '/echo', body: echoBody, seconds: SECONDS, connections: CONNECTIONS },
      {
        name: 'recalc',
        url: bench.baseUrl,
        path: '/loyalty-api/retaildemand/recalc',
        headers: auth,
        seconds: SECONDS,
        connections: CONNECTIONS,
      },
      {
        name: 'sale',
        url: bench.baseUrl,
        path: '/loyalty-api/retaildemand',
        headers: auth,
        seconds: SECONDS,
        connections: CONNECTIONS,
      },
    ];
    console.log(
      `bodies: echo and recalc ${Buffer.byteLength(echoBody)} B, sale ${Buffer.byteLength(saleBody(msIdOf(0), randomUUID()))} B\n`,
    );

    const results: Measurement[] = [];
    let brokenRequests = 0;
    for (const load of loads) {
      const warmup = await measure({ ...load, seconds: WARMUP_SECONDS });
      const result = await measure(load);
      brokenRequests += warmup.non2xx + warmup.errors + result.non2xx + result.errors;
      results.push(result);
    }
    const [echo, recalc, sale] = results as [Measurement, Measurement, Measurement];
    report(results, echo);
    verdicts(recalc, sale, echo);

    const mismatches = balanceMismatches(bench.storage.sqlite, tenant.accountId);
    console.log(`\nledger after the run: ${mismatches} customers with balance ≠ Σ entries`);
    if (mismatches > 0) fail(`${mismatches} balances do not match their entries`);
    if (brokenRequests > 0) fail(`${brokenRequests} requests failed (non-2xx, errors or timeouts, warm-ups included)`);

    reportFlood(await recalcUnderAuthFlood(bench, loads[1]!, fail));
    reportOverhead(await bridgeOverhead(bench, BRIDGE_ITERATIONS, fail));
  } finally {
    await echoServer?.close();
    await bench.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof BenchBroken ? error.message : error);
    process.exit(1);
  },
);
