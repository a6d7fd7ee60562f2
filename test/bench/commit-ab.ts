/**
 * `npx tsx test/bench/commit-ab.ts`: the sale with and without group commit, and with SQLite's automatic
 * WAL checkpoints against the maintenance timer's, measured in turns in one run (the machine's other
 * load then falls on every variant alike). Each variant is its own app and database in this process.
 * Not part of `npm run bench`; a measurement, exits 1 only when a request fails.
 *
 *   BENCH_SECONDS   seconds per measured run (default 5)
 *   BENCH_ROUNDS    turns through every variant (default 3)
 *   BENCH_CUSTOMERS seeded customers per database (default 20000)
 *   BENCH_RATE      requests per second of the fixed-rate runs (default 500)
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { GROUP_COMMIT_DEFAULTS, type GroupCommitOptions } from '../../app/storage/group-commit.js';
import { createTestTenant } from '../helpers/tenants.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { measure, type Measurement } from './measure.js';
import { balanceMismatches, seedCustomers } from './seed.js';

const env = (name: string, fallback: number) => Number(process.env[name] || fallback);
const SECONDS = env('BENCH_SECONDS', 5);
const ROUNDS = env('BENCH_ROUNDS', 3);
const CUSTOMERS = env('BENCH_CUSTOMERS', 20_000);
const RATE = env('BENCH_RATE', 500);
const CONNECTIONS = 32;

interface Variant {
  name: string;
  groupCommit: GroupCommitOptions;
  timer: boolean;
}

/** maxJobs 1 writes every sale in its own BEGIN IMMEDIATE … COMMIT, as before group commit. */
const ALONE = { windowMs: 0, maxJobs: 1 };
const ALL_VARIANTS: Variant[] = [
  { name: 'group commit, checkpoint timer', groupCommit: GROUP_COMMIT_DEFAULTS, timer: true },
  { name: 'group commit, auto checkpoint', groupCommit: GROUP_COMMIT_DEFAULTS, timer: false },
  { name: 'one commit each, checkpoint timer', groupCommit: ALONE, timer: true },
  { name: 'one commit each, auto checkpoint', groupCommit: ALONE, timer: false },
  { name: 'group commit 1 ms window, timer', groupCommit: { windowMs: 1, maxJobs: 64 }, timer: true },
  { name: 'group commit 2 ms window, timer', groupCommit: { windowMs: 2, maxJobs: 64 }, timer: true },
];
/** BENCH_VARIANTS=0,2: only these (indexes into ALL_VARIANTS); by default the first four. */
const VARIANTS = (process.env.BENCH_VARIANTS || '0,1,2,3').split(',').map((i) => ALL_VARIANTS[Number(i)]!);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  process.env.BENCH_CUSTOMERS = String(CUSTOMERS);
  const apps: { variant: Variant; app: TestApp; token: string; tenantId: string }[] = [];
  try {
    for (const variant of VARIANTS) {
      const app = await startTestApp({
        quietLogs: true,
        groupCommit: variant.groupCommit,
        walCheckpointTimer: variant.timer,
      });
      const tenant = createTestTenant(app);
      seedCustomers(app.storage.sqlite, tenant.accountId, 0, CUSTOMERS);
      apps.push({ variant, app, token: tenant.token, tenantId: tenant.accountId });
    }
    const runs = new Map<string, { max: Measurement[]; fixed: Measurement[] }>();
    let failed = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of ['max', 'fixed'] as const) {
        for (const { variant, app, token } of apps) {
          const load = {
            name: variant.name,
            url: app.baseUrl,
            path: '/loyalty-api/retaildemand',
            headers: { 'Lognex-Discount-API-Auth-Token': token },
            connections: CONNECTIONS,
            ...(kind === 'fixed' ? { overallRate: RATE } : {}),
          };
          const warmup = await measure({ ...load, seconds: 1 });
          // How long the server's event loop was held up (a checkpoint on this thread shows here).
          const loop = monitorEventLoopDelay({ resolution: 1 });
          loop.enable();
          const result = await measure({ ...load, seconds: SECONDS });
          loop.disable();
          failed += warmup.non2xx + warmup.errors + result.non2xx + result.errors;
          const entry = runs.get(variant.name) ?? { max: [], fixed: [] };
          entry[kind].push(result);
          runs.set(variant.name, entry);
          console.log(
            `round ${round + 1} ${kind.padEnd(5)} ${variant.name.padEnd(34)} ${result.reqPerSec.toFixed(0).padStart(5)} req/s  p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms  loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)} max ${(loop.max / 1e6).toFixed(1)} ms`,
          );
        }
      }
    }
    console.log(`\nmedians over ${ROUNDS} rounds (${CONNECTIONS} connections; fixed rate ${RATE} req/s):`);
    console.log('variant                             max req/s  max p99  fixed p50  fixed p99');
    for (const [name, { max, fixed }] of runs) {
      console.log(
        `${name.padEnd(34)} ${median(max.map((m) => m.reqPerSec))
          .toFixed(0)
          .padStart(10)} ${String(median(max.map((m) => m.p99Ms))).padStart(8)} ${String(
          median(fixed.map((m) => m.p50Ms)),
        ).padStart(10)} ${String(median(fixed.map((m) => m.p99Ms))).padStart(10)}`,
      );
    }
    for (const { variant, app, tenantId } of apps) {
      const mismatches = balanceMismatches(app.storage.sqlite, tenantId);
      const wal = app.storage.sqlite.pragma('wal_checkpoint(PASSIVE)');
      console.log(`${variant.name}: ${mismatches} balances ≠ Σ entries; WAL now ${JSON.stringify(wal)}`);
      failed += mismatches;
    }
    if (failed > 0) throw new Error(`${failed} failed requests or mismatched balances`);
  } finally {
    for (const { app } of apps) await app.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
