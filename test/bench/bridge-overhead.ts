import axios, { type AxiosInstance } from 'axios';
import { FAKE_POINT, startGeneralApiFake } from '../fakes/general-api-fake.js';
import { startIBonusFake } from '../fakes/ibonus-fake.js';
import { createProviderTenant, retailStore } from '../helpers/tenants.js';
import type { TestApp } from '../helpers/test-app.js';
import { recalcBody } from './bodies.js';
import { table } from './table.js';

/**
 * What the bridge adds on the till's path when a provider answers instantly: the same SPENDING
 * recalc through LoyaltyAPI, and the provider calls the adapter makes for it sent straight to the
 * fake. One request at a time, the two alternating, so both meet the same machine at the same moment.
 */
export interface Overhead {
  name: string;
  bridge: Latency;
  direct: Latency;
}

export interface Latency {
  p50Ms: number;
  p99Ms: number;
}

interface Variant {
  name: string;
  bridge: () => Promise<void>;
  direct: () => Promise<void>;
}

const RECEIPT_TOTAL_ROUBLES = 1099.27;
const WARMUP = 300;

export async function bridgeOverhead(
  bench: TestApp,
  iterations: number,
  fail: (message: string, detail?: unknown) => never,
): Promise<Overhead[]> {
  const general = await startGeneralApiFake({ apiKey: 'bench-key' });
  const ibonus = await startIBonusFake({ login: 'bench', password: 'bench-password' });
  try {
    const variants = [await generalVariant(bench, general, fail), await ibonusVariant(bench, ibonus, fail)];
    const results: Overhead[] = [];
    for (const variant of variants) {
      for (let i = 0; i < WARMUP; i++) {
        await variant.bridge();
        await variant.direct();
      }
      const bridge: number[] = [];
      const direct: number[] = [];
      for (let i = 0; i < iterations; i++) {
        bridge.push(await timed(variant.bridge));
        direct.push(await timed(variant.direct));
      }
      results.push({ name: variant.name, bridge: percentiles(bridge), direct: percentiles(direct) });
    }
    return results;
  } finally {
    await general.close();
    await ibonus.close();
  }
}

/** A known customer with a hold from the previous recalc: the adapter asks `client` and `recalc` at once. */
async function generalVariant(
  bench: TestApp,
  fake: Awaited<ReturnType<typeof startGeneralApiFake>>,
  fail: (message: string, detail?: unknown) => never,
): Promise<Variant> {
  const shop = createProviderTenant(
    bench,
    'general',
    { general: { baseUrl: fake.url }, storePoints: { [retailStore.meta.id]: FAKE_POINT } },
    { general: { apiKey: 'bench-key' } },
  );
  const found = await shop.api.get('/counterparty', { params: { search: '+79201234567' } });
  const customerId = found.data?.rows?.[0]?.id as string | undefined;
  if (!customerId) fail('general: search found nobody', found.data);
  const body = recalcBody(customerId);
  const bridge = recalcCall(shop.api, body, fail);
  await bridge();
  const holdId = [...fake.state.holds.keys()][0];
  if (!holdId) fail('general: the recalc made no hold');
  const provider = axios.create({ baseURL: fake.url, headers: { apikey: 'bench-key' } });
  return {
    name: 'general recalc',
    bridge,
    direct: async () => {
      await Promise.all([
        provider.post('/integration/general/client', { search: '79201234567', point: FAKE_POINT, hold: [holdId] }),
        provider.post('/integration/general/recalc', {
          client: 'client-cashback',
          point: FAKE_POINT,
          amount: RECEIPT_TOTAL_ROUBLES,
          hold: [holdId],
        }),
      ]);
    },
  };
}

/** A known customer: the adapter asks the balance and the coupons at once and computes the rest itself. */
async function ibonusVariant(
  bench: TestApp,
  fake: Awaited<ReturnType<typeof startIBonusFake>>,
  fail: (message: string, detail?: unknown) => never,
): Promise<Variant> {
  fake.state.clients.push({
    id: 42,
    name: 'Мария',
    phone: '79123456789',
    email: 'maria@example.ru',
    points: 5000,
    coupons: [{ id: 1, header: 'Кофе' }],
  });
  const shop = createProviderTenant(
    bench,
    'ibonus',
    { ibonus: { baseUrl: fake.url, maxPaidRatePercents: 50, spendRatePointsToRouble: 1 } },
    { ibonus: { login: 'bench', password: 'bench-password' } },
  );
  const found = await shop.api.get('/counterparty', { params: { search: '+79123456789' } });
  const customerId = found.data?.rows?.[0]?.id as string | undefined;
  if (!customerId) fail('i-bonus: search found nobody', found.data);
  const provider = axios.create({ baseURL: fake.url, auth: { username: 'bench', password: 'bench-password' } });
  return {
    name: 'i-bonus recalc',
    bridge: recalcCall(shop.api, recalcBody(customerId), fail),
    direct: async () => {
      await Promise.all([
        provider.get('/ext/api/v1/clients/42/balance/'),
        provider.get('/ext/api/v1/clients/42/coupons/'),
      ]);
    },
  };
}

function recalcCall(api: AxiosInstance, body: string, fail: (message: string, detail?: unknown) => never) {
  return async () => {
    const res = await api.post('/retaildemand/recalc', body, { headers: { 'content-type': 'application/json' } });
    if (res.status !== 200 || !(res.data?.bonusProgram?.bonusValueToSpend > 0))
      fail(`recalc answered ${res.status}`, res.data);
  };
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

function percentiles(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  return { p50Ms: at(0.5), p99Ms: at(0.99) };
}

/** Issue 13: what the bridge may add to the provider's own p99. */
export const TARGET_ADDED_P99_MS = 3;

export function reportOverhead(results: Overhead[]): void {
  const ms = (value: number) => value.toFixed(2);
  const header = ['', 'bridge p50', 'direct p50', 'added p50', 'bridge p99', 'direct p99', 'added p99'];
  const rows = results.map((r) => [
    r.name,
    ms(r.bridge.p50Ms),
    ms(r.direct.p50Ms),
    ms(r.bridge.p50Ms - r.direct.p50Ms),
    ms(r.bridge.p99Ms),
    ms(r.direct.p99Ms),
    ms(r.bridge.p99Ms - r.direct.p99Ms),
  ]);
  console.log('\nbridge overhead, ms (one request at a time; instantly answering fake providers):');
  table(header, rows);
}
