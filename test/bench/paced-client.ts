/**
 * The fixed-rate load generator, run as its own process by paced-load.ts: requests leave at evenly
 * spaced moments (an open loop, as tills arrive), not in autocannon's bursts at the top of each second.
 * Latency is counted from the moment a request was due, so a server that falls behind pays for the
 * requests it kept waiting (no coordinated omission).
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { bodyTemplates, msIdOf } from './bodies.js';

export interface PacedJob {
  url: string;
  path: string;
  headers: Record<string, string>;
  rate: number;
  seconds: number;
  customers: number;
  /** Seconds at the same rate before the measured ones, in this process, so its own JIT is warm too. */
  warmupSeconds: number;
}

export interface PacedResult {
  latenciesMs: number[];
  failures: number;
  /** The first few failures as `HTTP 503` or an error code, so a broken run says why. */
  failureSamples: string[];
}

const SAMPLE = 65_536;

function run(job: PacedJob, seconds: number): Promise<PacedResult> {
  const sample = Array.from({ length: Math.min(job.customers, SAMPLE) }, (_, i) =>
    msIdOf(job.customers <= SAMPLE ? i : Math.floor(Math.random() * job.customers)),
  );
  const templates = bodyTemplates();
  const customer = () => sample[Math.floor(Math.random() * sample.length)]!;
  const body = job.path.endsWith('/recalc')
    ? () => templates.recalc(customer())
    : () => templates.sale(customer(), randomUUID());
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const target = new URL(job.path, job.url);
  const total = Math.round(job.rate * seconds);
  const intervalMs = 1000 / job.rate;
  const latenciesMs: number[] = [];
  let failures = 0;
  const failureSamples: string[] = [];
  const failed = (why: string) => {
    failures++;
    if (failureSamples.length < 5) failureSamples.push(why);
  };
  let sent = 0;
  let done = 0;
  const start = performance.now();

  return new Promise((resolve) => {
    const send = (dueAt: number) => {
      const payload = body();
      const req = request(
        target,
        {
          method: 'POST',
          agent,
          headers: { ...job.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode! >= 300) failed(`HTTP ${res.statusCode}`);
            latenciesMs.push(performance.now() - dueAt);
            if (++done === total) {
              agent.destroy();
              resolve({ latenciesMs, failures, failureSamples });
            }
          });
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        failed(error.code ?? error.message);
        if (++done === total) resolve({ latenciesMs, failures, failureSamples });
      });
      req.end(payload);
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * intervalMs <= now) send(start + sent++ * intervalMs);
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * intervalMs - performance.now()));
    };
    tick();
  });
}

process.once('message', (job: PacedJob) => {
  void run(job, job.warmupSeconds)
    .then(() => run(job, job.seconds))
    .then((result) => process.send!(result, () => process.exit(0)));
});
