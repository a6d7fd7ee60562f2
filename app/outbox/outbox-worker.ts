import type { Logger } from '../logging/logger.js';
import type { Outbox } from './outbox.js';

/** The longest the worker sleeps: it also picks up entries another process (or the CLI) added. */
const MAX_SLEEP_MS = 5_000;
/** The shortest: a clock step or a busy database never turns the worker into a spin loop. */
const MIN_SLEEP_MS = 20;

/**
 * Delivers the outbox in this process: it runs a pass whenever an entry falls due or someone wakes
 * it (a new sale, a retry), and sleeps until the next due time otherwise. Entries live in SQLite, so
 * a restart simply carries on; stop() lets the pass under way finish, so no attempt is cut off.
 */
export class OutboxWorker {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
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

  /** Runs a pass soon; if one is under way, another follows it. */
  wake(): void {
    if (!this.started) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.pass(), 0);
  }

  /** Stops scheduling and waits for the pass under way (its calls have their own time-outs). */
  async stop(): Promise<void> {
    this.started = false;
    clearTimeout(this.timer);
    await this.running;
  }

  private pass(): void {
    this.running = (async () => {
      try {
        do {
          this.again = false;
          // A full batch means more may be due right away.
          while (this.started && (await this.outbox.deliverDue(50, () => this.started)) >= 50);
        } while (this.started && this.again);
      } catch (error) {
        this.logger.error('outbox pass failed', { error });
      }
    })().finally(() => {
      this.running = undefined;
      this.scheduleNext();
    });
  }

  private scheduleNext(): void {
    if (!this.started) return;
    let delay = MAX_SLEEP_MS;
    try {
      const next = this.outbox.nextDueAt();
      if (next !== undefined) delay = Math.min(MAX_SLEEP_MS, Math.max(MIN_SLEEP_MS, next - this.now()));
    } catch (error) {
      this.logger.error('outbox schedule failed', { error });
    }
    this.timer = setTimeout(() => this.pass(), delay);
    this.timer.unref();
  }
}
