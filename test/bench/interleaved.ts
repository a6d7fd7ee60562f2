import { Agent, request } from 'node:http';
import { bodyTemplates, msIdOf } from './bodies.js';

/** An app under test: where it listens, its tenant's token, how many customers its ledger holds. */
export interface RecalcTarget {
  name: string;
  url: string;
  token: string;
  customers: number;
  /** Runs before each of this target's rounds: e.g. switches the tenant's settings. */
  before?: () => void;
}

export interface Latencies {
  name: string;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Recalc one request at a time against each target in turn, round after round, so a slow moment of the
 * machine lands on every target alike. Whole runs one after the other (the throughput table) drift with
 * the VM by up to ×1.9; alternating rounds compare the ledgers, not the minutes they were measured in.
 */
export async function interleavedRecalc(
  targets: RecalcTarget[],
  rounds: number,
  perRound: number,
): Promise<Latencies[]> {
  const templates = bodyTemplates();
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const samples = targets.map(() => [] as number[]);
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [i, target] of targets.entries()) {
        target.before?.();
        for (let n = 0; n < perRound; n++) {
          const body = templates.recalc(msIdOf(Math.floor(Math.random() * target.customers)));
          const start = performance.now();
          await post(agent, target, body);
          samples[i]!.push(performance.now() - start);
        }
      }
    }
  } finally {
    agent.destroy();
  }
  return targets.map((target, i) => {
    const sorted = samples[i]!.sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
    return { name: target.name, p50Ms: at(0.5), p99Ms: at(0.99) };
  });
}

function post(agent: Agent, target: RecalcTarget, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL('/loyalty-api/retaildemand/recalc', target.url),
      {
        method: 'POST',
        agent,
        headers: {
          'Lognex-Discount-API-Auth-Token': target.token,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`${target.name}: recalc answered ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
