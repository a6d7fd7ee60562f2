/**
 * A/B of the till's hot path: recalc and sale of this checkout against another one (e.g. a worktree of
 * main), in alternating rounds. Each app runs in a child process of its own, so besides req/s the
 * server's own CPU time per request is read from /proc: on a machine shared with other work that is
 * the steadier figure. Not part of `npm run bench`.
 *
 *   npx tsx test/bench/till-path-ab.ts /work/wt-base [rounds=3]
 *
 *   AB_SECONDS   seconds per measured run (default 8)
 *   AB_CUSTOMERS seeded customers (default 20000)
 *   AB_GOODS     1: the tenant's goods cache is in play, as for a real shop (see withGoodsCache)
 *   AB_THIS      measure this checkout instead of the one the script is in
 *
 * A server alone (e.g. for a CPU profile): `AB_SERVER=1 node --cpu-prof --import tsx test/bench/till-path-ab.ts <root>`;
 * it prints its address and token as one JSON line and runs until its stdin closes.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, TILL_CALLS, withAbServer } from './ab-server.js';
import { measure } from './measure.js';

type TestAppModule = typeof import('../helpers/test-app.js');
type TenantsModule = typeof import('../helpers/tenants.js');
type SeedModule = typeof import('./seed.js');
type BodiesModule = typeof import('./bodies.js');

const SECONDS = Number(process.env.AB_SECONDS ?? 8);
const CUSTOMERS = Number(process.env.AB_CUSTOMERS ?? 20_000);
/** The checkout measured against the other: this one, or AB_THIS (e.g. a worktree at an earlier commit). */
const here = resolve(process.env.AB_THIS ?? resolve(import.meta.dirname, '../..'));

/** The app of `root`, seeded with CUSTOMERS; prints {url, token} and runs until stdin closes. */
async function server(root: string): Promise<void> {
  const load = <T>(path: string) => import(pathToFileURL(resolve(root, path)).href) as Promise<T>;
  const { startTestApp } = await load<TestAppModule>('test/helpers/test-app.ts');
  const { createTestTenant } = await load<TenantsModule>('test/helpers/tenants.ts');
  const { seedCustomers } = await load<SeedModule>('test/bench/seed.ts');
  const { msIdOf, saleBody } = await load<BodiesModule>('test/bench/bodies.ts');
  const app = await startTestApp({ quietLogs: true });
  const tenant = createTestTenant(app);
  seedCustomers(app.storage.sqlite, tenant.accountId, 0, CUSTOMERS);
  if (process.env.AB_GOODS) withGoodsCache(app, tenant.accountId);
  const smoke = await tenant.api.post('/retaildemand', saleBody(msIdOf(1), randomUUID()), {
    headers: { 'content-type': 'application/json' },
  });
  if (smoke.status !== 201) throw new Error(`sale answered ${smoke.status} ${JSON.stringify(smoke.data)}`);
  console.log(JSON.stringify({ url: app.baseUrl, token: tenant.token }));
  process.stdin.resume();
  await new Promise((done) => process.stdin.on('end', done));
  await app.close();
}

/**
 * AB_GOODS=1: the tenant has a МойСклад token and its goods cache knows the bench receipt's goods, as a
 * real shop's does, so every recalc and sale classifies its lines from the cache.
 */
function withGoodsCache(app: Awaited<ReturnType<TestAppModule['startTestApp']>>, accountId: string): void {
  const sealed = app.services.box.seal('bench-access-token', accountId, 'accessToken');
  app.storage.sqlite.prepare('update tenants set access_token_enc = ? where account_id = ?').run(sealed, accountId);
  const insert = app.storage.sqlite.prepare(
    "insert into catalog_goods (tenant_id, id, kind, discount_prohibited, seen_at) values (?, ?, 'product', 0, ?)",
  );
  for (const id of RECEIPT_GOODS) insert.run(accountId, id, Date.now());
}

/** The product ids of test/bench/bodies.ts's receipt. */
const RECEIPT_GOODS = [1, 2, 3].map((n) => `0b5a2a6e-5d1f-11e9-9ff4-31500000000${n}`);

/** User + system CPU seconds the process has used (Linux /proc, clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function runOnce(root: string): Promise<Record<string, number>> {
  process.env.BENCH_CUSTOMERS = String(CUSTOMERS);
  return withAbServer(process.execArgv, root, {}, async ({ url, token, pid }) => {
    const result: Record<string, number> = {};
    for (const [name, path] of TILL_CALLS) {
      const load = { name, url, path, headers: { 'Lognex-Discount-API-Auth-Token': token }, connections: 32 };
      await measure({ ...load, seconds: 1 });
      const cpuBefore = cpuSeconds(pid);
      const m = await measure({ ...load, seconds: SECONDS });
      const cpu = cpuSeconds(pid) - cpuBefore;
      if (m.non2xx + m.errors > 0) throw new Error(`${name}: ${m.non2xx} non-2xx, ${m.errors} errors`);
      result[name] = Math.round(m.reqPerSec);
      result[`${name}CpuUs`] = Math.round((cpu * 1e6) / m.requests);
    }
    return result;
  });
}

async function main(): Promise<void> {
  const other = resolve(process.argv[2] ?? '');
  if (process.env.AB_SERVER) return server(other);
  const rounds = Number(process.argv[3] ?? 3);
  const keys = ['recalc', 'recalcCpuUs', 'sale', 'saleCpuUs'];
  const ratios: Record<string, number[]> = Object.fromEntries(keys.map((key) => [key, []]));
  for (let round = 1; round <= rounds; round++) {
    // Alternate which goes first, so a drift in the machine's load favours neither.
    const order = round % 2 === 1 ? [other, here] : [here, other];
    const results = new Map<string, Record<string, number>>();
    for (const root of order) results.set(root, await runOnce(root));
    const [a, b] = [results.get(other)!, results.get(here)!];
    for (const key of keys) ratios[key]!.push(b[key]! / a[key]!);
    console.log(`round ${round}: base ${JSON.stringify(a)}  this ${JSON.stringify(b)}`);
  }
  for (const key of keys) {
    const values = ratios[key]!;
    console.log(`${key}: this/base ×${median(values).toFixed(2)} (${values.map((v) => v.toFixed(2)).join(', ')})`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
