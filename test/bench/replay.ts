/**
 * `tsx test/bench/replay.ts`: the what-if's replay (app/ledger/replay.ts) over 100,000 generated receipts in
 * memory, no HTTP: receipts per second for plain rules, for the program every bench figure uses (program.ts:
 * expiry, tiers, a birthday multiplier), and for the two side by side as a run does, plus turning JSON API
 * rows into receipts (the goods classifier stubbed). The baseline, measured in the same run, is one pass
 * that only adds up the receipts' totals. A measurement, not a test.
 *
 *   BENCH_REPLAY_RECEIPTS  receipts (default 100000)
 */
import { randomUUID } from 'node:crypto';
import type { Tenant } from '../../db/schema/index.js';
import { LedgerReplay, type ReplayReceipt, type ReplayRules } from '../../app/ledger/replay.js';
import { DEFAULT_LEDGER_RULES } from '../../app/ledger/rules.js';
import { receiptTotalKopecks, type ReceiptPosition } from '../../app/receipt/positions.js';
import { receiptsOfPage } from '../../app/what-if/sales-history.js';
import { moyskladMoment } from '../../app/moysklad/json-api-moment.js';
import { PROGRAM } from './program.js';
import { table } from './table.js';

const RECEIPTS = Number(process.env.BENCH_REPLAY_RECEIPTS || 100_000);
const CUSTOMERS = 20_000;
const DAY_MS = 86_400_000;
const RUNS = 3;

const PLAIN: ReplayRules = { ledger: { ...DEFAULT_LEDGER_RULES } };
/** The program every bench figure is measured with (program.ts): expiry, three levels, birthdays ×2. */
const FULL: ReplayRules = { ledger: { ...DEFAULT_LEDGER_RULES, ...PROGRAM.ledger }, tiers: PROGRAM.tiers };

/** A deterministic generator, so every run replays the same history. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

function generate(): ReplayReceipt[] {
  const next = random(42);
  const customers = Array.from({ length: CUSTOMERS }, () => ({
    id: randomUUID(),
    birthDate: `1990-${String(1 + Math.floor(next() * 12)).padStart(2, '0')}-${String(1 + Math.floor(next() * 28)).padStart(2, '0')}`,
  }));
  const start = Date.now() - 90 * DAY_MS;
  const step = (90 * DAY_MS) / RECEIPTS;
  return Array.from({ length: RECEIPTS }, (_, i) => {
    const lines = 1 + Math.floor(next() * 5);
    const positions: ReceiptPosition[] = Array.from({ length: lines }, () => {
      const restricted = next() < 0.1;
      return {
        quantityMilli: 1000 * (1 + Math.floor(next() * 3)),
        priceKopecks: 5_000 + Math.floor(next() * 200_000),
        echo: {},
        rule: restricted ? { discount: false, earn: false, reason: 'law' as const } : { discount: true, earn: true },
      };
    });
    const anonymous = next() < 0.3;
    return {
      momentMs: Math.floor(start + i * step),
      ...(anonymous ? {} : customerOf(customers[Math.floor(next() * CUSTOMERS)]!)),
      positions,
    };
  });
}

function customerOf(customer: { id: string; birthDate: string }): Pick<ReplayReceipt, 'customerId' | 'birthDate'> {
  return { customerId: customer.id, birthDate: customer.birthDate };
}

/** The same history as the JSON API pages it (`expand=positions,agent`). */
function rowsOf(receipts: ReplayReceipt[]): Array<Record<string, unknown>> {
  return receipts.map((receipt) => ({
    id: randomUUID(),
    moment: `${moyskladMoment(receipt.momentMs)}.000`,
    ...(receipt.customerId ? { agent: { id: receipt.customerId, name: 'Покупатель', tags: [] } } : {}),
    positions: {
      meta: { size: receipt.positions.length },
      rows: receipt.positions.map((p) => ({
        quantity: p.quantityMilli / 1000,
        price: p.priceKopecks,
        assortment: { meta: { href: `https://api.moysklad.ru/api/remap/1.2/entity/product/${randomUUID()}` } },
      })),
    },
  }));
}

function median(samples: number[]): number {
  return [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
}

async function timed(fn: () => unknown | Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

async function main(): Promise<void> {
  const receipts = generate();
  const rows = rowsOf(receipts);
  console.log(
    `\nWhat-if replay: ${RECEIPTS.toLocaleString('en')} receipts, ${CUSTOMERS.toLocaleString('en')} customers, 90 days (median of ${RUNS})`,
  );
  const baseline = await timed(() => receipts.reduce((sum, r) => sum + receiptTotalKopecks(r.positions), 0));
  const replay = (rules: ReplayRules) => () => {
    const run = new LedgerReplay(rules);
    for (const receipt of receipts) run.sale(receipt);
    return run.finish(Date.now());
  };
  const tenant = { accountId: 'bench', settings: {} } as unknown as Tenant;
  const goods = { classify: async <P extends ReceiptPosition>(_t: Tenant, p: P[]) => p };
  const results: Array<[string, number]> = [
    ['baseline: add up receipt totals', baseline],
    ['replay, plain rules', await timed(replay(PLAIN))],
    ['replay, the bench program (expiry, tiers, birthdays)', await timed(replay(FULL))],
    [
      'a run: proposed and current side by side',
      await timed(() => {
        replay(FULL)();
        replay(PLAIN)();
      }),
    ],
    [
      'JSON API rows → receipts (100 a page)',
      await timed(async () => {
        for (let i = 0; i < rows.length; i += 100) {
          await receiptsOfPage(
            { moysklad: { listRetailSalePositions: async () => ({ rows: [], size: 0 }) }, goods },
            tenant,
            '',
            rows.slice(i, i + 100),
          );
        }
      }),
    ],
  ];
  table(
    ['', 'ms', 'receipts/s', '× baseline'],
    results.map(([name, ms]) => [
      name,
      ms.toFixed(0),
      Math.round((RECEIPTS * 1000) / ms).toLocaleString('en'),
      (ms / baseline).toFixed(1),
    ]),
  );
}

await main();
