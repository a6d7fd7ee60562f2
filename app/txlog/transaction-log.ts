import { transactionLog, type LogKind, type NewLogRow } from '../../db/schema/index.js';
import { currentRequestContext, type Logger } from '../logging/logger.js';
import { blankSecrets, redact, redactText } from '../logging/redact.js';
import { immediate, type Db, type DbOrTx } from '../storage/database.js';

export interface LogEntry {
  tenantId?: string | null;
  kind: LogKind;
  endpoint: string;
  httpStatus?: number | null;
  ok: boolean;
  durationMs?: number | null;
  documentName?: string | null;
  saleKey?: string | null;
  customerId?: string | null;
  phone?: string | null;
  cardNumber?: string | null;
  pointsSpent?: number | null;
  pointsEarned?: number | null;
  errorMessage?: string | null;
  request?: unknown;
  response?: unknown;
  /** The call's secret values (a key, a password, a one-time code): blanked wherever they appear in this row. */
  secrets?: readonly (string | undefined | null)[];
}

/**
 * What one row may keep, so a row costs at most about 34 KB whatever a caller sends: each body 16 KB
 * (a receipt of 30 or so positions whole; a larger one keeps its first positions, enough for support),
 * the error text 2 KB, the endpoint 200 characters (before authentication the path is the caller's
 * own), other texts 255. A cut value ends with a mark that says so and how long it was.
 */
const MAX_BODY_CHARS = 16 * 1024;
const MAX_ERROR_CHARS = 2048;
const MAX_ENDPOINT_CHARS = 200;
const MAX_TEXT_CHARS = 255;
/** Ends a value cut to fit its row. */
const cutMark = (length: number) => `…[обрезано, было ${length} символов]`;

const FLUSH_DELAY_MS = 50;
const MAX_QUEUED = 500;
/** After a failed write the rows wait this long; at most this many wait, the oldest give way. */
const RETRY_DELAY_MS = 1000;
const MAX_KEPT = 20 * MAX_QUEUED;

/**
 * Writes the transaction log. Bodies are redacted here, once, so nothing downstream has to.
 * Rows without a transaction are queued and written together every 50 ms: one fsync for many
 * calls keeps the till's path off the disk. A crash loses at most that window of log rows, never
 * a sale (sales commit in their own transaction); rows that must commit with other writes pass tx.
 */
export class TransactionLog {
  private queued: NewLogRow[] = [];
  private timer?: NodeJS.Timeout;
  private dropped = 0;

  constructor(
    private readonly db: Db,
    private readonly logger?: Logger,
  ) {}

  record(entry: LogEntry, tx?: DbOrTx): void {
    const row = toRow(entry);
    if (tx) {
      tx.insert(transactionLog).values(row).run();
      return;
    }
    this.queued.push(row);
    if (this.queued.length >= MAX_QUEUED) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_DELAY_MS).unref();
  }

  /** Rows waiting to be written (for /metrics). */
  get queueLength(): number {
    return this.queued.length;
  }

  /**
   * Writes every queued row now; called on a timer, on shutdown, and by tests before reading. Never
   * throws: when the write fails (the file locked past busy_timeout by another process, e.g. the other
   * side of a pm2 reload, or a full disk) the rows stay queued and are tried again a second later.
   */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    // After shutdown closed the database there is nowhere to write; main flushes before closing.
    if (this.queued.length === 0 || !this.db.$client.open) return;
    const rows = this.queued;
    this.queued = [];
    try {
      immediate(this.db, (tx) => {
        for (const row of rows) tx.insert(transactionLog).values(row).run();
      });
    } catch (error) {
      this.queued = rows.concat(this.queued);
      if (this.queued.length > MAX_KEPT) {
        this.dropped += this.queued.length - MAX_KEPT;
        this.queued = this.queued.slice(-MAX_KEPT);
      }
      this.logger?.error('transaction log write failed; rows kept for the next try', {
        error,
        queued: this.queued.length,
        droppedSoFar: this.dropped,
      });
      this.timer = setTimeout(() => this.flush(), RETRY_DELAY_MS).unref();
    }
  }
}

function toRow(entry: LogEntry): NewLogRow {
  const secrets = entry.secrets ?? [];
  const phoneDigits = entry.phone?.replace(/\D/g, '') ?? '';
  return {
    at: Date.now(),
    tenantId: entry.tenantId ?? null,
    kind: entry.kind,
    endpoint: cut(secrets.length > 0 ? blankSecrets(entry.endpoint, secrets) : entry.endpoint, MAX_ENDPOINT_CHARS),
    httpStatus: entry.httpStatus ?? null,
    ok: entry.ok,
    durationMs: entry.durationMs ?? null,
    requestId: currentRequestContext()?.requestId ?? null,
    documentName: cutOrNull(entry.documentName, MAX_TEXT_CHARS),
    saleKey: cutOrNull(entry.saleKey, MAX_TEXT_CHARS),
    customerId: cutOrNull(entry.customerId, MAX_TEXT_CHARS),
    phoneLast4: phoneDigits.length >= 4 ? phoneDigits.slice(-4) : null,
    cardNumber: cutOrNull(entry.cardNumber, MAX_TEXT_CHARS),
    pointsSpent: entry.pointsSpent ?? null,
    pointsEarned: entry.pointsEarned ?? null,
    errorMessage: entry.errorMessage ? cut(redactText(entry.errorMessage, secrets), MAX_ERROR_CHARS) : null,
    requestBody: serialize(entry.request, secrets),
    responseBody: serialize(entry.response, secrets),
  };
}

function serialize(body: unknown, secrets: LogEntry['secrets'] = []): string | null {
  if (body === undefined || body === null || body === '') return null;
  return cut(JSON.stringify(redact(body, secrets)), MAX_BODY_CHARS);
}

/** The first `max` characters and the mark (a cut body is no longer JSON, so the admin page shows it as text). */
function cut(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max) + cutMark(text.length);
}

function cutOrNull(text: string | null | undefined, max: number): string | null {
  return text ? cut(text, max) : null;
}
