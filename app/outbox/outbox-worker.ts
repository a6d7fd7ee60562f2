import type { Logger } from '../logging/logger.js';
import { byTenant, type Outbox } from './outbox.js';

/** The longest the worker sleeps: it also picks up entries another process (or the CLI) added. */
const MAX_SLEEP_MS = 5_000;
/** The shortest: a clock step or a busy database never turns the worker into a spin loop. */
const MIN_SLEEP_MS = 20;
const BATCH = 50;

/**
 * Delivers the outbox in this process. Each tenant has one lane: its due entries go out one after
 * another, while other tenants' lanes run alongside, so one slow provider never holds back another
 * shop's sales. The worker looks for work when an entry falls due, when it is woken (a new sale, a
 * retry, a lane finishing) and every few seconds. Entries live in SQLite, so a restart simply
 * carries on; stop() waits for the attempts under way, so none is cut off.
 */
export class OutboxWorker {
  private timer?: NodeJS.Timeout;
  private readonly lanes = new Map<string, Promise<void>>();
  private started = false;

  constructor(
    private readonly outbox: Outbox,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    outbox.onDue = () => this.wake();
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.wake();
  }

  /** Looks for work now. */
  wake(): void {
    if (!this.started) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.pass(), 0);
  }

  /** Stops looking for work and waits for the lanes under way (their calls have time-outs). */
  async stop(): Promise<void> {
    this.started = false;
    clearTimeout(this.timer);
    await Promise.all(this.lanes.values());
  }

  private pass(): void {
    if (!this.started) return;
    try {
      for (const [tenantId, rows] of byTenant(this.outbox.due(BATCH, [...this.lanes.keys()])))
        this.runLane(tenantId, rows);
    } catch (error) {
      this.logger.error('outbox pass failed', { error });
    }
    this.scheduleNext();
  }

  private runLane(tenantId: string, rows: Parameters<Outbox['attempt']>[0][]): void {
    const lane = (async () => {
      for (const row of rows) if (this.started) await this.outbox.attempt(row);
    })()
      .catch((error: unknown) => {
        this.logger.error('outbox lane failed', { error, tenantId });
      })
      .finally(() => {
        this.lanes.delete(tenantId);
        // More of this tenant's entries may be due now that its lane is free.
        this.wake();
      });
    this.lanes.set(tenantId, lane);
  }

  private scheduleNext(): void {
    let delay = MAX_SLEEP_MS;
    try {
      const next = this.outbox.nextDueAt([...this.lanes.keys()]);
      if (next !== undefined) delay = Math.min(MAX_SLEEP_MS, Math.max(MIN_SLEEP_MS, next - this.now()));
    } catch (error) {
      this.logger.error('outbox schedule failed', { error });
    }
    this.timer = setTimeout(() => this.pass(), delay);
    this.timer.unref();
  }
}
