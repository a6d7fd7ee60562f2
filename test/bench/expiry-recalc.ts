/**
 * `tsx test/bench/expiry-recalc.ts`: the built-in ledger's recalc for a customer with two years of
 * history, on a program whose points live 365 days against the same program without expiry. The two
 * alternate call by call in one process, so the machine's noise hits both alike; what counts is the
 * ratio. A measurement, not a test.
 *
 *   BENCH_SALES        sales in the customer's history (default 2190)
 *   BENCH_EVERY_HOURS  hours between two sales (default 8: with 2190 sales, two years of three a day)
 *   BENCH_ITERATIONS   recalcs of each kind, after 500 warm-ups (default 5000)
 *   BENCH_ONLY_OFF     measure the program without expiry only, against itself (to run on older code)
 */
import { randomUUID } from 'node:crypto';
import type { Tenant } from '../../db/schema/index.js';
import type { RecalcRequest } from '../../app/loyalty/backend.js';
import { item, openLedgerFixture, sale, type LedgerFixture } from '../integration/ledger/ledger-fixture.js';

const SALES = Number(process.env.BENCH_SALES ?? 2190);
const EVERY_HOURS = Number(process.env.BENCH_EVERY_HOURS ?? 8);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 5000);
const HOUR = 3_600_000;

/** One sale every EVERY_HOURS earning 10 points; every tenth also spends 50. */
async function history(f: LedgerFixture, tenant: Tenant, start: number): Promise<string> {
  const { id } = await f.ledger.createCustomer(tenant, { msId: randomUUID(), name: 'Покупатель' });
  for (let i = 0; i < SALES; i++) {
    f.clock.now = new Date(start + i * EVERY_HOURS * HOUR);
    const spends = i % 10 === 9;
    const goods = spends ? { ...item(6_000), discountedPriceKopecks: 1_000, discountPercent: 83 } : item(1_000);
    await f.ledger.createSale(tenant, sale({ id }, [goods], { pointsToSpend: spends ? 50 : 0 }));
  }
  return id;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function main() {
  const f = openLedgerFixture();
  try {
    f.storage.sqlite.pragma('synchronous = OFF'); // seeding only
    const rules = { maxPaidRatePercents: 100, earnWhileRedeeming: true, earnRateRoublesToPoint: 1 };
    const off = f.tenant({ ...rules, pointsLifetimeDays: 0 });
    const on = process.env.BENCH_ONLY_OFF ? off : f.tenant({ ...rules, pointsLifetimeDays: 365 });
    const start = Date.parse('2024-11-23T07:00:00Z');
    const customers = { off: await history(f, off, start), on: await history(f, on, start) };
    f.storage.sqlite.pragma('synchronous = FULL');
    f.storage.sqlite.pragma('optimize');
    f.clock.now = new Date(start + SALES * EVERY_HOURS * HOUR);

    const request = (id: string): RecalcRequest => ({
      agent: { id },
      positions: [item(100_000)],
      transactionType: 'SPENDING',
      preferredPointsToSpend: 100,
    });
    const times = { off: [] as number[], on: [] as number[] };
    const once = async (kind: 'off' | 'on', record: boolean) => {
      const started = process.hrtime.bigint();
      const result = await f.ledger.recalc(kind === 'on' ? on : off, request(customers[kind]));
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (record) times[kind].push(ms);
      return result;
    };
    for (let i = 0; i < 500; i++) await once(i % 2 ? 'on' : 'off', false);
    for (let i = 0; i < ITERATIONS; i++) {
      // Alternating, and which goes first alternates too.
      const first = i % 2 ? 'on' : 'off';
      await once(first, true);
      await once(first === 'on' ? 'off' : 'on', true);
    }
    const sample = await once('on', false);
    const lots = process.env.BENCH_ONLY_OFF
      ? { n: 0 }
      : (f.storage.sqlite
          .prepare('select count(*) as n from ledger_lots where customer_id = ? and remaining > 0')
          .get(customers.on) as { n: number });
    const entries = f.storage.sqlite
      .prepare('select count(*) as n from ledger_entries where customer_id = ?')
      .get(customers.on) as { n: number };
    console.log(
      `customer: ${entries.n} entries, ${lots.n} live lots; receipt: ${JSON.stringify(sample.receiptExtraInfo)}`,
    );
    const stats = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return {
        p50: quantile(sorted, 0.5),
        p99: quantile(sorted, 0.99),
        mean: xs.reduce((s, x) => s + x, 0) / xs.length,
      };
    };
    const a = stats(times.off);
    const b = stats(times.on);
    const fmt = (x: number) => x.toFixed(3);
    console.log('recalc (ms)      p50     p99    mean');
    console.log(`expiry off   ${fmt(a.p50)}   ${fmt(a.p99)}   ${fmt(a.mean)}`);
    console.log(`expiry on    ${fmt(b.p50)}   ${fmt(b.p99)}   ${fmt(b.mean)}`);
    console.log(
      `on / off     ${(b.p50 / a.p50).toFixed(2)}    ${(b.p99 / a.p99).toFixed(2)}    ${(b.mean / a.mean).toFixed(2)}`,
    );
  } finally {
    f.close();
  }
}

await main();
