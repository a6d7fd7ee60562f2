/**
 * Part of `npm run bench`: what one recalc and one sale allocate, by where the allocating code lives.
 * Garbage is what sets the p99 at a fixed rate (each young-generation collection stops the event loop
 * for a few ms), so this is the profile behind that figure. V8's sampling heap profiler, counting
 * objects already collected, while the paced client sends ALLOC_RATE req/s for ALLOC_SECONDS.
 * Bytes are attributed to the function that allocated them, after V8's inlining. The program is on
 * (program.ts), as in run.ts.
 */
import { Session } from 'node:inspector/promises';
import { startTestApp } from '../helpers/test-app.js';
import { createTestTenant } from '../helpers/tenants.js';
import { measureAtRate } from './paced-load.js';
import { PROGRAM } from './program.js';
import { seedCustomers } from './seed.js';
import { table } from './table.js';

const RATE = Number(process.env.ALLOC_RATE ?? 200);
const SECONDS = Number(process.env.ALLOC_SECONDS ?? 10);
const CUSTOMERS = 10_000;

/** Where allocating code lives, first match wins: [label, test on the script's URL]. */
const PLACES: Array<[string, RegExp]> = [
  ['joi (validation)', /node_modules\/joi\//],
  [
    'express, router, body parser',
    /node_modules\/(express|router|body-parser|raw-body|finalhandler|send|iconv-lite)\//,
  ],
  ['other packages', /node_modules\//],
  ['transaction log and redaction', /app\/(txlog|logging)\//],
  ['our HTTP layer', /app\/(http|loyalty-api)\//],
  ['ledger, receipt, catalog', /app\/(ledger|receipt|catalog|loyalty)\//],
  ['storage', /app\/storage\//],
  ['other app code', /app\//],
  ['node (http, streams, timers)', /^node:|^$/],
];

interface ProfileNode {
  callFrame: { url: string };
  selfSize: number;
  children: ProfileNode[];
}

function bytesByPlace(root: ProfileNode): Map<string, number> {
  const bytes = new Map<string, number>();
  const walk = (node: ProfileNode) => {
    const place = PLACES.find(([, test]) => test.test(node.callFrame.url))?.[0] ?? 'node (http, streams, timers)';
    bytes.set(place, (bytes.get(place) ?? 0) + node.selfSize);
    node.children.forEach(walk);
  };
  walk(root);
  return bytes;
}

const app = await startTestApp({ quietLogs: true, walCheckpointTimer: true });
const session = new Session();
session.connect();
try {
  const tenant = createTestTenant(app, PROGRAM.ledger, { tiers: PROGRAM.tiers });
  seedCustomers(app.storage.sqlite, tenant.accountId, 0, CUSTOMERS);
  const columns: Map<string, number>[] = [];
  for (const path of ['/loyalty-api/retaildemand/recalc', '/loyalty-api/retaildemand']) {
    const load = {
      name: path,
      url: app.baseUrl,
      path,
      headers: { 'Lognex-Discount-API-Auth-Token': tenant.token },
      seconds: SECONDS,
      connections: 1,
    };
    await measureAtRate({ ...load, seconds: 2 }, RATE, CUSTOMERS, 1); // JIT warm
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 1024,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    const measured = await measureAtRate(load, RATE, CUSTOMERS, 0.01);
    const { profile } = await session.post('HeapProfiler.stopSampling');
    const perRequest = new Map<string, number>();
    for (const [place, bytes] of bytesByPlace(profile.head as ProfileNode))
      perRequest.set(place, bytes / measured.requests);
    columns.push(perRequest);
  }
  const [recalc, sale] = columns as [Map<string, number>, Map<string, number>];
  const kb = (b = 0) => `${(b / 1024).toFixed(1)} KB`;
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  console.log(`allocated per request at ${RATE} req/s (V8 sampling heap profile, collected objects included):`);
  table(
    ['', 'recalc', 'sale'],
    [
      ...PLACES.map(([place]) => [place, kb(recalc.get(place)), kb(sale.get(place))]),
      ['total', kb(total(recalc)), kb(total(sale))],
    ],
  );
} finally {
  session.disconnect();
  await app.close();
}
process.exit(0);
