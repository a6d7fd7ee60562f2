/**
 * A/B of the server's node flags at the till's pace: the same checkout in two processes, one started with
 * the default flags and one with FLAGS, each loaded at a fixed rate by the paced client (paced-load.ts), in
 * alternating rounds so a drift in the machine's load favours neither. Reports p50 and p99 of recalc and
 * sale, and this/base ratios of their medians. Not part of `npm run bench`.
 *
 *   FLAGS='--max-semi-space-size=64' npx tsx test/bench/flags-ab.ts [rounds=5]
 *
 *   AB_RATE      requests per second (default 500)
 *   AB_SECONDS   seconds per measured run (default 10)
 *   AB_CUSTOMERS seeded customers (default 20000)
 */
import { resolve } from 'node:path';
import { median, TILL_CALLS, withAbServer } from './ab-server.js';
import { measureAtRate } from './paced-load.js';

const FLAGS = (process.env.FLAGS ?? '').split(' ').filter(Boolean);
const RATE = Number(process.env.AB_RATE ?? 500);
const SECONDS = Number(process.env.AB_SECONDS ?? 10);
const CUSTOMERS = Number(process.env.AB_CUSTOMERS ?? 20_000);
const ROOT = resolve(import.meta.dirname, '../..');

async function runOnce(flags: string[]): Promise<Record<string, number>> {
  return withAbServer(
    [...flags, '--import', 'tsx'],
    ROOT,
    { AB_CUSTOMERS: String(CUSTOMERS) },
    async ({ url, token }) => {
      const result: Record<string, number> = {};
      for (const [name, path] of TILL_CALLS) {
        const load = { name, url, path, headers: { 'Lognex-Discount-API-Auth-Token': token }, connections: 1 };
        const m = await measureAtRate({ ...load, seconds: SECONDS }, RATE, CUSTOMERS, 2);
        if (m.non2xx > 0) throw new Error(`${name}: ${m.non2xx} failed: ${JSON.stringify(m.failureSamples)}`);
        result[`${name}P50`] = m.p50Ms;
        result[`${name}P99`] = m.p99Ms;
      }
      return result;
    },
  );
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 5);
  const keys = ['recalcP50', 'recalcP99', 'saleP50', 'saleP99'];
  const seen = { base: new Map<string, number[]>(), flags: new Map<string, number[]>() };
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? (['base', 'flags'] as const) : (['flags', 'base'] as const);
    const line: string[] = [];
    for (const side of order) {
      const result = await runOnce(side === 'base' ? [] : FLAGS);
      for (const key of keys) seen[side].set(key, [...(seen[side].get(key) ?? []), result[key]!]);
      line.push(`${side} ${JSON.stringify(result)}`);
    }
    console.log(`round ${round}: ${line.join('  ')}`);
  }
  console.log(`${FLAGS.join(' ') || '(no flags)'} against the default, ${RATE} req/s, medians of ${rounds} rounds:`);
  for (const key of keys) {
    const [base, flags] = [median(seen.base.get(key)!), median(seen.flags.get(key)!)];
    console.log(`${key}: base ${base.toFixed(1)} ms, flags ${flags.toFixed(1)} ms, ×${(flags / base).toFixed(2)}`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
