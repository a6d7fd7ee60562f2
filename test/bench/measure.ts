import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

/** autocannon's setupRequest for the LoyaltyAPI routes: a random seeded customer, a fresh sale id. */
export const LOYALTY_REQUESTS = fileURLToPath(new URL('./worker-requests.cts', import.meta.url));

export interface Load {
  name: string;
  url: string;
  path: string;
  seconds: number;
  connections: number;
  headers?: Record<string, string>;
  /** A fixed body; otherwise the body comes from LOYALTY_REQUESTS per request. */
  body?: string;
  /** Requests per second over all connections; as fast as answers come when unset. */
  overallRate?: number;
}

export interface Measurement {
  name: string;
  requests: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  /** Connection errors and timeouts: like non-2xx, a sign the bench itself is broken. */
  errors: number;
  /** What the first failures were, when the generator knows. */
  failureSamples?: string[];
}

/**
 * POSTs to load.path for load.seconds on load.connections keep-alive connections. autocannon runs
 * in one worker thread so the load generator does not share the server's event loop (it still
 * shares the machine's cores).
 */
export async function measure(load: Load): Promise<Measurement> {
  const result = await autocannon({
    url: load.url,
    connections: load.connections,
    duration: load.seconds,
    workers: 1,
    ...(load.overallRate ? { overallRate: load.overallRate } : {}),
    headers: { 'content-type': 'application/json', ...load.headers },
    requests: [
      load.body !== undefined
        ? { method: 'POST', path: load.path, body: load.body }
        : { method: 'POST', path: load.path, setupRequest: LOYALTY_REQUESTS },
    ],
  });
  return {
    name: load.name,
    requests: result.requests.total,
    reqPerSec: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
