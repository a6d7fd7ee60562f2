/**
 * `npm run bench`: the till's LoyaltyAPI calls on the built-in ledger, each figure a ratio against a
 * baseline measured in the same run (a bare Express JSON echo; the same call alone; a smaller ledger).
 * A measurement, not a test: exits 0 whether or not the targets hold, and 1 only when the bench itself is
 * broken (a non-2xx answer, a connection error, a balance that is not the sum of its entries).
 *
 * Every figure is taken with the program of issue 14 on (PROGRAM). In order: recalc at 1,000 customers;
 * echo, recalc and sale as fast as they go and at a fixed 500 req/s, with the transaction log's bytes per
 * call, at BENCH_CUSTOMERS; recalc with the program switched off and on; recalc beside a 401 flood; the
 * provider bridge's overhead; recalc again at BENCH_SCALE_CUSTOMERS, and one request at a time alternating
 * with a 1,000-customer ledger.
 *
 *   BENCH_SECONDS           seconds per measured run (default 10)
 *   BENCH_CUSTOMERS         customers for the main runs (default 100000)
 *   BENCH_SCALE_CUSTOMERS   customers for the last recalc (default 1000000)
 *   BENCH_BRIDGE_ITERATIONS requests per variant for the provider bridge overhead (default 3000)
 */
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createTestTenant, type TestTenant } from '../helpers/tenants.js';
import { tenantRepository } from '../../app/tenants/tenant-repository.js';
import type { TenantSettings } from '../../app/tenants/tenant-settings.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { msIdOf, recalcBody, saleBody } from './bodies.js';
import { startEchoServer } from './echo-server.js';
import { measure, type Load, type Measurement } from './measure.js';
import { balanceMismatches, openingBalanceOf, seedCustomers } from './seed.js';
import { bridgeOverhead, reportOverhead, TARGET_ADDED_P99_MS } from './bridge-overhead.js';
import { recalcUnderAuthFlood, reportFlood } from './auth-flood.js';
import { bytesPerRow, logFootprint } from './log-bytes.js';
import { measureAtRate } from './paced-load.js';
import { PROGRAM } from './program.js';
import { interleavedRecalc, type Latencies, type RecalcTarget } from './interleaved.js';
import { table } from './table.js';

const SECONDS = positiveInt('BENCH_SECONDS', 10);
const SMALL_CUSTOMERS = 1000;
const CUSTOMERS = positiveInt('BENCH_CUSTOMERS', 100_000);
const SCALE_CUSTOMERS = positiveInt('BENCH_SCALE_CUSTOMERS', 1_000_000);
const BRIDGE_ITERATIONS = positiveInt('BENCH_BRIDGE_ITERATIONS', 3000);
const CONNECTIONS = 32;
const FIXED_RATE = 500;
const WARMUP_SECONDS = 1;
const SCALING_ROUNDS = 6;
const SCALING_PER_ROUND = 300;
/** Recalc with PROGRAM on is at most this much slower (p50, alternating rounds) than with it off. */
const PROGRAM_COST = 0.1;

/** Issue 13's targets. */
const TARGETS = {
  recalcShare: 0.3,
  saleShare: 0.2,
  recalcP99AtRateMs: 10,
  saleP99AtRateMs: 15,
  logBytesPerRow: 1536,
  scalingDrift: 0.2,
};

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
const kb = (bytes: number) => `${(bytes / 1024).toFixed(2)} KB`;

/** What a run printed against its target, gathered so the verdicts come last, all together. */
const verdicts: string[] = [];
function target(text: string, measured: string, holds: boolean): void {
  verdicts.push(`  ${text}: ${measured} — ${holds ? 'HOLDS' : 'MISSED'}`);
}

let brokenRequests = 0;
/** A warm-up, then the measured run; every failed request, warm-ups included, breaks the bench. */
async function run(load: Load): Promise<Measurement> {
  const warmup = await measure({ ...load, seconds: WARMUP_SECONDS });
  const result = await measure(load);
  brokenRequests += warmup.non2xx + warmup.errors + result.non2xx + result.errors;
  if (brokenRequests > 0) fail(`${brokenRequests} requests failed (non-2xx, errors or timeouts, warm-ups included)`);
  return result;
}

/** The same at FIXED_RATE, evenly spaced (paced-load.ts), after a warm-up at that rate. */
async function runAtRate(load: Load): Promise<Measurement> {
  const result = await measureAtRate(load, FIXED_RATE, Number(process.env.BENCH_CUSTOMERS), WARMUP_SECONDS * 2);
  brokenRequests += result.non2xx;
  if (brokenRequests > 0) fail(`${brokenRequests} requests failed at a fixed rate:`, result.failureSamples);
  return result;
}

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Seeds up to `customers` and tells autocannon's worker (through its inherited environment) how many there are. */
function growLedger(bench: TestApp, tenantId: string, from: number, customers: number): void {
  const start = performance.now();
  seedCustomers(bench.storage.sqlite, tenantId, from, customers);
  // Seeding leaves ~100 MB of garbage per 100k customers: collected now, not inside a measured run.
  collectGarbage();
  process.env.BENCH_CUSTOMERS = String(customers);
  console.log(`\nledger: ${customers} customers (seeded in ${((performance.now() - start) / 1000).toFixed(1)} s)`);
}

interface ScalePoint {
  customers: number;
  echo: Measurement;
  recalc: Measurement;
}

function reportScaling(points: ScalePoint[], alternating: Latencies[]): void {
  console.log('\nrecalc by ledger size, as fast as it goes (share of the echo measured beside it):');
  const base = points[0]!;
  const share = (p: ScalePoint) => p.recalc.reqPerSec / p.echo.reqPerSec;
  table(
    ['customers', 'recalc req/s', 'echo req/s', 'vs echo', 'p99 ms', `share vs ${base.customers}`],
    points.map((p) => [
      String(p.customers),
      p.recalc.reqPerSec.toFixed(0),
      p.echo.reqPerSec.toFixed(0),
      pct(share(p)),
      ms(p.recalc.p99Ms),
      (share(p) / share(base)).toFixed(2),
    ]),
  );
  console.log(
    `\nrecalc one at a time, ${SCALING_ROUNDS} alternating rounds of ${SCALING_PER_ROUND} per ledger (interleaved.ts):`,
  );
  table(
    ['ledger', 'p50 ms', 'p99 ms'],
    alternating.map((l) => [l.name, l.p50Ms.toFixed(2), l.p99Ms.toFixed(2)]),
  );
  const [small, large] = alternating as [Latencies, Latencies];
  const drift = large.p50Ms / small.p50Ms - 1;
  target(
    `recalc p50 from ${small.name} to ${large.name} within ${pct(TARGETS.scalingDrift)}`,
    `${drift >= 0 ? '+' : '−'}${pct(Math.abs(drift))}`,
    drift <= TARGETS.scalingDrift,
  );
}

/** Recalc one at a time on the same tenant and customers, its program switched off and on between rounds. */
async function programOnAndOff(bench: TestApp, tenant: TestTenant): Promise<Latencies[]> {
  const switchTo = (settings: TenantSettings) => () =>
    tenantRepository.update(bench.storage.db, tenant.accountId, { settings: { ...settings }, updatedAt: new Date() });
  const shared = { url: bench.baseUrl, token: tenant.token, customers: CUSTOMERS };
  return interleavedRecalc(
    [
      { ...shared, name: 'program off', before: switchTo({ ledger: {} }) },
      { ...shared, name: 'expiry, tiers, birthdays', before: switchTo(PROGRAM) },
    ],
    SCALING_ROUNDS,
    SCALING_PER_ROUND,
  );
}

function reportProgramCost([off, on]: Latencies[]): void {
  console.log(`\nrecalc one at a time, the program switched between ${SCALING_ROUNDS} alternating rounds:`);
  table(
    ['program', 'p50 ms', 'p99 ms'],
    [off!, on!].map((l) => [l.name, l.p50Ms.toFixed(2), l.p99Ms.toFixed(2)]),
  );
  const cost = on!.p50Ms / off!.p50Ms - 1;
  target(
    `recalc p50 with the program on within ${pct(PROGRAM_COST)} of off`,
    `${cost >= 0 ? '+' : '−'}${pct(Math.abs(cost))}`,
    cost <= PROGRAM_COST,
  );
}

/** A second app whose ledger holds SMALL_CUSTOMERS, to alternate with the grown one. */
async function smallLedger(): Promise<{ app: TestApp; target: RecalcTarget }> {
  const app = await startTestApp({ quietLogs: true, walCheckpointTimer: true });
  const tenant = createTestTenant(app);
  seedCustomers(app.storage.sqlite, tenant.accountId, 0, SMALL_CUSTOMERS);
  collectGarbage();
  const name = `${SMALL_CUSTOMERS} customers`;
  return { app, target: { name, url: app.baseUrl, token: tenant.token, customers: SMALL_CUSTOMERS } };
}

async function main(): Promise<void> {
  console.log(
    `bench: ${CONNECTIONS} connections, ${SECONDS} s per run (+${WARMUP_SECONDS} s warm-up), ${cpus().length} CPUs shared by server and autocannon`,
  );
  // The provider fakes of the bridge overhead listen on loopback, which the outbound guard refuses unless named.
  const bench = await startTestApp({
    quietLogs: true,
    env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1' },
    // As production runs: WAL checkpoints on their own thread, not inside a sale's commit.
    walCheckpointTimer: true,
  });
  const echoServer = await startEchoServer();
  try {
    const tenant = createTestTenant(bench, PROGRAM.ledger, { tiers: PROGRAM.tiers });
    const auth = { 'Lognex-Discount-API-Auth-Token': tenant.token };
    const echo: Load = {
      name: 'echo',
      url: echoServer.url,
      path: '/echo',
      body: recalcBody(msIdOf(0)),
      seconds: SECONDS,
      connections: CONNECTIONS,
    };
    const recalc: Load = {
      name: 'recalc',
      url: bench.baseUrl,
      path: '/loyalty-api/retaildemand/recalc',
      headers: auth,
      seconds: SECONDS,
      connections: CONNECTIONS,
    };
    const sale: Load = { ...recalc, name: 'sale', path: '/loyalty-api/retaildemand' };
    console.log(
      `bodies: echo and recalc ${Buffer.byteLength(echo.body!)} B, sale ${Buffer.byteLength(saleBody(msIdOf(0), randomUUID()))} B`,
    );

    growLedger(bench, tenant.accountId, 0, SMALL_CUSTOMERS);
    await smokeCheck(tenant.api);
    const scaling: ScalePoint[] = [{ customers: SMALL_CUSTOMERS, echo: await run(echo), recalc: await run(recalc) }];

    growLedger(bench, tenant.accountId, SMALL_CUSTOMERS, CUSTOMERS);
    const echoed = await run(echo);
    const beforeRecalc = logFootprint(bench);
    const recalcs = await run(recalc);
    const beforeSale = logFootprint(bench);
    const sales = await run(sale);
    const afterSale = logFootprint(bench);
    // The same paced client against the echo: what the machine and the generator alone give at that rate.
    const echoAtRate = await runAtRate(echo);
    const recalcAtRate = await runAtRate(recalc);
    const saleAtRate = await runAtRate(sale);
    scaling.push({ customers: CUSTOMERS, echo: echoed, recalc: recalcs });

    console.log('');
    table(
      ['', 'req/s', 'p50 ms', 'p99 ms', 'vs echo'],
      [echoed, recalcs, sales, echoAtRate, recalcAtRate, saleAtRate].map((r) => [
        r.name,
        r.reqPerSec.toFixed(0),
        ms(r.p50Ms),
        ms(r.p99Ms),
        pct(r.reqPerSec / echoed.reqPerSec),
      ]),
    );
    const recalcShare = recalcs.reqPerSec / echoed.reqPerSec;
    const saleShare = sales.reqPerSec / echoed.reqPerSec;
    target(`recalc ≥ ${pct(TARGETS.recalcShare)} of echo req/s`, pct(recalcShare), recalcShare >= TARGETS.recalcShare);
    target(`sale ≥ ${pct(TARGETS.saleShare)} of echo req/s`, pct(saleShare), saleShare >= TARGETS.saleShare);
    target(
      `recalc p99 at ${FIXED_RATE} req/s ≤ ${TARGETS.recalcP99AtRateMs} ms`,
      `${ms(recalcAtRate.p99Ms)} ms (echo ${ms(echoAtRate.p99Ms)} ms)`,
      recalcAtRate.p99Ms <= TARGETS.recalcP99AtRateMs,
    );
    target(
      `sale p99 at ${FIXED_RATE} req/s ≤ ${TARGETS.saleP99AtRateMs} ms`,
      `${ms(saleAtRate.p99Ms)} ms (echo ${ms(echoAtRate.p99Ms)} ms)`,
      saleAtRate.p99Ms <= TARGETS.saleP99AtRateMs,
    );

    const recalcBytes = bytesPerRow(beforeRecalc, beforeSale);
    const saleBytes = bytesPerRow(beforeSale, afterSale);
    const pair = (k: keyof typeof recalcBytes) => (recalcBytes[k] + saleBytes[k]) / 2;
    console.log('\ntransaction log, stored bytes per row (table and indexes):');
    table(
      ['', 'recalc', 'sale', 'per row of a pair'],
      [
        ['first LOG_READ_BODIES_DAYS', kb(recalcBytes.fresh), kb(saleBytes.fresh), kb(pair('fresh'))],
        ['after (facts only for reads)', kb(recalcBytes.kept), kb(saleBytes.kept), kb(pair('kept'))],
      ],
    );
    target(
      `log ≤ ${kb(TARGETS.logBytesPerRow)} per row over a recalc+sale pair, kept`,
      kb(pair('kept')),
      pair('kept') <= TARGETS.logBytesPerRow,
    );

    const mismatches = balanceMismatches(bench.storage.sqlite, tenant.accountId);
    console.log(`ledger after the runs: ${mismatches} customers with balance ≠ Σ entries`);
    if (mismatches > 0) fail(`${mismatches} balances do not match their entries`);

    reportProgramCost(await programOnAndOff(bench, tenant));

    reportFlood(await recalcUnderAuthFlood(bench, recalc, fail));
    const overhead = await bridgeOverhead(bench, BRIDGE_ITERATIONS, fail);
    reportOverhead(overhead);
    for (const r of overhead) {
      const added = r.bridge.p99Ms - r.direct.p99Ms;
      target(
        `${r.name}: added p99 ≤ ${TARGET_ADDED_P99_MS} ms`,
        `${added.toFixed(2)} ms`,
        added <= TARGET_ADDED_P99_MS,
      );
    }

    if (SCALE_CUSTOMERS > CUSTOMERS) {
      growLedger(bench, tenant.accountId, CUSTOMERS, SCALE_CUSTOMERS);
      scaling.push({ customers: SCALE_CUSTOMERS, echo: await run(echo), recalc: await run(recalc) });
    }
    const small = await smallLedger();
    try {
      const largeCustomers = Math.max(SCALE_CUSTOMERS, CUSTOMERS);
      const large = { name: `${largeCustomers} customers`, url: bench.baseUrl, token: tenant.token };
      const alternating = await interleavedRecalc(
        [small.target, { ...large, customers: largeCustomers }],
        SCALING_ROUNDS,
        SCALING_PER_ROUND,
      );
      reportScaling(scaling, alternating);
    } finally {
      await small.app.close();
    }

    console.log('\ntargets (issues 13 and 14):');
    for (const line of verdicts) console.log(line);
  } finally {
    await echoServer.close();
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
