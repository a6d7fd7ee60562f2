import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BreakerState } from '../providers/resilience.js';

/** Where the gauges read from, at scrape time only. */
export interface MetricSources {
  /** Outbox entries owed or waiting for support, by status. */
  outboxByStatus: () => Map<string, number>;
  /** Provider breakers (key `tenant:provider:lane`, see breakerKey) and their states. */
  breakers: () => Array<{ key: string; state: BreakerState }>;
  /** Transaction-log rows queued in memory, not yet written. */
  txlogQueue: () => number;
}

type CallTimer = ReturnType<Histogram<'endpoint' | 'status'>['labels']>;

const BREAKER_STATES: BreakerState[] = ['closed', 'half-open', 'open'];
/** LoyaltyAPI latency buckets, in seconds: ledger calls take a few ms, provider calls up to the till's 3 s. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The Prometheus metrics of one app, in its own registry. The request path costs one histogram
 * observation (its label set is looked up, not built); everything else is read when /metrics is scraped.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly loyaltyCalls: Histogram<'endpoint' | 'status'>;
  /** path → method → status → the histogram's child, so an observation builds no label objects. */
  private readonly timers = new Map<string, Map<string, Map<number, CallTimer>>>();
  private readonly otherTimers = new Map<number, CallTimer>();
  private readonly known = new Map<string, Set<string>>();
  private processMetrics = false;

  constructor(sources: MetricSources) {
    this.loyaltyCalls = new Histogram({
      name: 'loyalty_api_request_duration_seconds',
      help: 'LoyaltyAPI calls by endpoint and HTTP status, and how long they took (the _count is the number of calls)',
      labelNames: ['endpoint', 'status'],
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    });
    new Gauge({
      name: 'loyalty_outbox_items',
      help: 'Outbox entries owed to a provider (pending, sending) or waiting for support (needs_support)',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [state, count] of sources.outboxByStatus()) this.set({ state }, count);
      },
    });
    new Gauge({
      name: 'loyalty_provider_breaker_state',
      help: "Each provider circuit breaker (per tenant, provider and lane: the till's calls or the outbox's deliveries): 1 for its current state, 0 for the others",
      labelNames: ['tenant', 'provider', 'lane', 'state'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const { key, state: current } of sources.breakers()) {
          const [tenant = '', provider = '', lane = ''] = key.split(':');
          for (const state of BREAKER_STATES) this.set({ tenant, provider, lane, state }, state === current ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: 'loyalty_txlog_queue_length',
      help: 'Transaction-log rows queued in memory, not yet written to the database',
      registers: [this.registry],
      collect() {
        this.set(sources.txlogQueue());
      },
    });
  }

  /** The LoyaltyAPI's endpoints (method and path under /loyalty-api): other paths count as "other". */
  knowLoyaltyEndpoints(endpoints: Array<{ method: string; path: string }>): void {
    for (const { method, path } of endpoints) {
      const methods = this.known.get(path) ?? new Set();
      methods.add(method.toUpperCase());
      this.known.set(path, methods);
    }
  }

  /** One LoyaltyAPI call: method and path under /loyalty-api, the answer's status, its duration. */
  observeLoyaltyCall(method: string, path: string, status: number, seconds: number): void {
    let byStatus = this.timers.get(path)?.get(method);
    if (!byStatus) byStatus = this.known.get(path)?.has(method) ? this.addEndpoint(method, path) : this.otherTimers;
    let timer = byStatus.get(status);
    if (!timer) {
      const endpoint = byStatus === this.otherTimers ? 'other' : `${method} ${path}`;
      byStatus.set(status, (timer = this.loyaltyCalls.labels(endpoint, String(status))));
    }
    timer.observe(seconds);
  }

  /** Node's own process metrics (memory, event-loop lag, GC): once per process, so main.ts turns them on. */
  collectProcessMetrics(): void {
    if (this.processMetrics) return;
    this.processMetrics = true;
    collectDefaultMetrics({ register: this.registry });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private addEndpoint(method: string, path: string): Map<number, CallTimer> {
    const byMethod = this.timers.get(path) ?? new Map<string, Map<number, CallTimer>>();
    this.timers.set(path, byMethod);
    const byStatus = new Map<number, CallTimer>();
    byMethod.set(method, byStatus);
    return byStatus;
  }
}
