/**
 * Recalc with tiers on against tiers off, on the same tenant and customers, alternating so that drift on
 * a shared machine falls on both alike. A measurement, not a test: prints ratios (on / off) and exits 0.
 *
 *   tsx test/bench/tiers-recalc.ts
 *
 *   BENCH_CUSTOMERS   customers (default 100000)
 *   BENCH_ROUNDS      alternations (default 10 in-process, half of it over HTTP)
 *   BENCH_CALLS       in-process recalcs per variant and round (default 5000)
 *   BENCH_SECONDS     seconds per HTTP run (default 3)
 */
import { getTableName } from 'drizzle-orm';
import { customers } from '../../db/schema/index.js';
import type { RecalcRequest } from '../../app/loyalty/backend.js';
import type { TierRules } from '../../app/ledger/tier-rules.js';
import { tenantRepository } from '../../app/tenants/tenant-repository.js';
import { DEFAULT_LEDGER_RULES } from '../../app/ledger/rules.js';
import { tierRulesOf } from '../../app/ledger/tier-rules.js';
import { rulesAtLevel, standingOf, tierReceiptLine } from '../../app/ledger/tiers.js';
import { AUTH_HEADER } from '../../app/loyalty-api/loyalty-handlers.js';
import { createTestTenant } from '../helpers/tenants.js';
import { startTestApp } from '../helpers/test-app.js';
import { msIdOf } from './bodies.js';
import { measure } from './measure.js';
import { seedCustomers } from './seed.js';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const CALLS = Number(process.env.BENCH_CALLS ?? 5000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

const TIERS: TierRules = {
  enabled: true,
  windowDays: 365,
  levels: [
    { name: 'Бронза', thresholdKopecks: 0, earnRateRoublesToPoint: 10 },
    // No level changes the cap: every receipt then spends and splits the same, and only the tiers' own work differs.
    { name: 'Серебро', thresholdKopecks: 1_000_000, earnRateRoublesToPoint: 5 },
    { name: 'Золото', thresholdKopecks: 3_000_000, earnRateRoublesToPoint: 2 },
  ],
};

/** The 3-line receipt of bodies.ts, in kopecks and thousandths, spending as much as allowed. */
const request = (i: number): RecalcRequest => ({
  agent: { id: msIdOf(i) },
  transactionType: 'SPENDING',
  positions: [
    { priceKopecks: 34_990, quantityMilli: 2000, echo: {} },
    { priceKopecks: 12_950, quantityMilli: 1000, echo: {} },
    { priceKopecks: 8_999, quantityMilli: 3000, echo: {} },
  ],
});

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  // autocannon's worker picks random customers among this many (worker-requests.cts).
  process.env.BENCH_CUSTOMERS = String(CUSTOMERS);
  const t = await startTestApp({ quietLogs: true });
  try {
    const shop = createTestTenant(t);
    seedCustomers(t.storage.sqlite, shop.accountId, 0, CUSTOMERS);
    // A third at each level, with totals that fit it: what the row holds once the job has run.
    t.storage.sqlite
      .prepare(
        `update "${getTableName(customers)}" set tier_level = rowid % 3,
           tier_total_kopecks = (rowid % 3) * 1500000 + 100000 where tenant_id = ?`,
      )
      .run(shop.accountId);
    t.storage.sqlite.pragma('optimize');
    const base = tenantRepository.find(t.storage.db, shop.accountId)!;
    const variants = {
      off: { ...base, settings: { ledger: {} } },
      on: { ...base, settings: { ledger: {}, tiers: TIERS } },
    };
    const ledger = t.services.backends.for(base);

    /**
     * One round: CALLS recalcs of each, alternating call by call (and which goes first), each timed alone in
     * CPU time (user + system), which another process's load on the shared cores does not inflate as much
     * as wall time.
     */
    const inProcessRound = async () => {
      const took = { off: 0, on: 0 };
      for (let n = 0; n < CALLS; n++) {
        const body = request(Math.floor(Math.random() * CUSTOMERS));
        for (const name of n % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
          const started = process.cpuUsage();
          await ledger.recalc(variants[name], body);
          const used = process.cpuUsage(started);
          took[name] += used.user + used.system;
        }
      }
      return { off: took.off / CALLS, on: took.on / CALLS };
    };
    const text = (await ledger.recalc(variants.on, request(1))).receiptExtraInfo;
    console.log(`tiers on, a receipt says: ${JSON.stringify(text)}`);
    await inProcessRound();
    const us = { off: [] as number[], on: [] as number[] };
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const took = await inProcessRound();
      us.off.push(took.off);
      us.on.push(took.on);
      ratios.push(took.on / took.off);
    }
    console.log(
      `in-process LedgerBackend.recalc, CPU µs per call, ${CUSTOMERS} customers, ${ROUNDS} rounds × ${CALLS} calls each, alternating: ` +
        `off median ${median(us.off).toFixed(1)} µs, on median ${median(us.on).toFixed(1)} µs, ` +
        `on/off median ${median(ratios).toFixed(3)} (rounds: ${ratios.map((r) => r.toFixed(3)).join(' ')})`,
    );

    // What tiers add to a recalc besides the row it reads anyway: the rules (validated once, then found by
    // their JSON), the level's rules, the standing and the receipt line, timed alone over many calls.
    const loops = 200_000;
    const tierWork = (n: number) => {
      const tiers = tierRulesOf(variants.on);
      const stored = { tierLevel: n % 3, tierTotalKopecks: (n % 3) * 1_500_000 + 100_000 };
      rulesAtLevel(DEFAULT_LEDGER_RULES, tiers, stored);
      return tierReceiptLine(standingOf(tiers, stored));
    };
    for (let n = 0; n < loops; n++) tierWork(n);
    const started = process.cpuUsage();
    for (let n = 0; n < loops; n++) tierWork(n);
    const used = process.cpuUsage(started);
    console.log(
      `tier work alone (rules, level rules, standing, receipt line): ${((used.user + used.system) / loops).toFixed(2)} CPU µs per recalc`,
    );

    const httpRuns = { off: [] as number[], on: [] as number[] };
    const httpRatios: number[] = [];
    const setTiers = (name: 'off' | 'on') =>
      tenantRepository.update(t.storage.db, shop.accountId, { settings: variants[name].settings });
    for (let round = 0; round < Math.max(2, Math.floor(ROUNDS / 2)); round++) {
      const order = round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const);
      const rate = { off: 0, on: 0 };
      for (const name of order) {
        setTiers(name);
        const m = await measure({
          name,
          url: t.baseUrl,
          path: '/loyalty-api/retaildemand/recalc',
          seconds: SECONDS,
          connections: 32,
          headers: { [AUTH_HEADER]: shop.token },
        });
        if (m.non2xx > 0 || m.errors > 0) throw new Error(`recalc failed: ${JSON.stringify(m)}`);
        rate[name] = m.reqPerSec;
      }
      httpRuns.off.push(rate.off);
      httpRuns.on.push(rate.on);
      httpRatios.push(rate.on / rate.off);
    }
    console.log(
      `HTTP POST /retaildemand/recalc, 32 connections, ${SECONDS} s runs: off median ${median(httpRuns.off).toFixed(0)} req/s, ` +
        `on median ${median(httpRuns.on).toFixed(0)} req/s, on/off median ${median(httpRatios).toFixed(3)} ` +
        `(rounds: ${httpRatios.map((r) => r.toFixed(2)).join(' ')})`,
    );
  } finally {
    await t.close();
  }
}

await main();
