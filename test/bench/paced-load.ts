import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Load, Measurement } from './measure.js';
import type { PacedJob, PacedResult } from './paced-client.js';

const CLIENT = fileURLToPath(new URL('./paced-client.ts', import.meta.url));

/**
 * load at a fixed rate, evenly spaced, from a separate process (paced-client.ts): the latency a till
 * sees when the server is not saturated. autocannon's overallRate sends each second's requests as fast
 * as it can and then waits, which measures a burst, not a rate.
 */
export async function measureAtRate(
  load: Load,
  rate: number,
  customers: number,
  warmupSeconds: number,
): Promise<Measurement> {
  const child = fork(CLIENT, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const job: PacedJob = {
    url: load.url,
    path: load.path,
    headers: load.headers ?? {},
    rate,
    seconds: load.seconds,
    customers,
    warmupSeconds,
  };
  const result = await new Promise<PacedResult>((resolve, reject) => {
    child.once('message', (message) => resolve(message as PacedResult));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`paced load generator exited with ${code}`)));
    child.send(job);
  });
  const sorted = result.latenciesMs.sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  return {
    name: `${load.name} at ${rate}/s`,
    requests: sorted.length,
    reqPerSec: sorted.length / load.seconds,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    non2xx: result.failures,
    failureSamples: result.failureSamples,
    errors: 0,
  };
}
