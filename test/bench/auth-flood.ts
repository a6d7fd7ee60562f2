import { databaseBytes, type TestApp } from '../helpers/test-app.js';
import { measure, type Load, type Measurement } from './measure.js';

/**
 * A valid recalc while callers without a token flood LoyaltyAPI with large bodies (issue 11: one such
 * client grew the database by ~17 MB/s and took the till's recalc p50 from 1.8 ms to 225 ms). The same
 * recalc load runs alone, then with the flood beside it, back to back in one run; the figures are the
 * ratios between the two. Both loads come from 127.0.0.1, so the flood's address is the till's too.
 */
export interface FloodResult {
  alone: Measurement;
  flooded: Measurement;
  flood: Measurement;
  floodBodyBytes: number;
  /** Growth of the file while the recalc ran alone, and while it ran beside the flood (its own log rows included). */
  growthAloneBytes: number;
  growthFloodedBytes: number;
  /** Log rows of calls that never authenticated, and the characters they keep. */
  refusedRows: number;
  refusedRowChars: number;
}

/** As large as the bodies in the report; a wrong token, so every one of them is refused. */
const FLOOD_BODY_BYTES = 1_800_000;
const FLOOD_CONNECTIONS = 16;
/**
 * A fixed rate (36 MB/s), not as fast as answers come: a server that refuses faster would otherwise get
 * more of the flood, and the load generator sharing the cores would cost the recalc more.
 */
const FLOOD_RATE = 20;

export async function recalcUnderAuthFlood(
  bench: TestApp,
  recalc: Load,
  fail: (message: string, detail?: unknown) => never,
): Promise<FloodResult> {
  const floodBody = JSON.stringify({ padding: 'x'.repeat(FLOOD_BODY_BYTES - 15) });
  const flood: Load = {
    name: '401 flood',
    url: recalc.url,
    path: recalc.path,
    headers: { 'Lognex-Discount-API-Auth-Token': 'not-a-token' },
    body: floodBody,
    seconds: recalc.seconds,
    connections: FLOOD_CONNECTIONS,
    overallRate: FLOOD_RATE,
  };

  const start = databaseBytes(bench);
  const alone = await measure({ ...recalc, name: 'recalc alone' });
  const middle = databaseBytes(bench);
  const lastId = lastLogId(bench);
  const [flooded, flooding] = await Promise.all([measure({ ...recalc, name: 'recalc in flood' }), measure(flood)]);
  const end = databaseBytes(bench);
  const refused = bench.storage.sqlite
    .prepare(
      `select count(*) as rows, coalesce(sum(length(endpoint) + coalesce(length(request_body), 0)
         + coalesce(length(response_body), 0) + coalesce(length(error_message), 0)), 0) as chars
       from transaction_log where id > ? and tenant_id is null`,
    )
    .get(lastId) as { rows: number; chars: number };

  const broken = alone.non2xx + alone.errors + flooded.non2xx + flooded.errors;
  if (broken > 0) fail(`${broken} valid recalcs failed beside the 401 flood`);
  if (flooding.requests === 0) fail('the flood sent nothing');
  return {
    alone,
    flooded,
    flood: flooding,
    floodBodyBytes: Buffer.byteLength(floodBody),
    growthAloneBytes: middle - start,
    growthFloodedBytes: end - middle,
    refusedRows: refused.rows,
    refusedRowChars: refused.chars,
  };
}

function lastLogId(bench: TestApp): number {
  bench.flushLog();
  return (
    bench.storage.sqlite.prepare('select coalesce(max(id), 0) as id from transaction_log').get() as { id: number }
  ).id;
}

export function reportFlood(result: FloodResult): void {
  const { alone, flooded, flood } = result;
  const mb = (bytes: number) => (bytes / 1_000_000).toFixed(bytes < 1_000_000 ? 3 : 1);
  console.log(
    `\nrecalc beside a 401 flood (${FLOOD_RATE} req/s on ${FLOOD_CONNECTIONS} connections, ${mb(result.floodBodyBytes)} MB bodies, wrong token):`,
  );
  console.log(`  recalc alone:     ${alone.reqPerSec.toFixed(0)} req/s, p50 ${alone.p50Ms} ms, p99 ${alone.p99Ms} ms`);
  console.log(
    `  recalc in flood:  ${flooded.reqPerSec.toFixed(0)} req/s, p50 ${flooded.p50Ms} ms, p99 ${flooded.p99Ms} ms`,
  );
  console.log(
    `  flood:            ${flood.reqPerSec.toFixed(0)} req/s refused (${mb(flood.reqPerSec * result.floodBodyBytes)} MB/s sent), ${result.refusedRows} log rows of ${result.refusedRowChars} characters`,
  );
  console.log(
    `  database growth:  ${mb(result.growthAloneBytes)} MB with recalc alone, ${mb(result.growthFloodedBytes)} MB beside the flood (recalc's own log rows included)`,
  );
  console.log(
    `  ratio flood/alone: throughput ${(flooded.reqPerSec / alone.reqPerSec).toFixed(2)}, p99 ${(flooded.p99Ms / Math.max(alone.p99Ms, 1)).toFixed(2)}`,
  );
}
