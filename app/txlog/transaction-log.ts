import type Database from 'better-sqlite3';
import { getTableColumns, getTableName } from 'drizzle-orm';
import { transactionLog, type LogKind, type NewLogRow } from '../../db/schema/index.js';
import { currentRequestContext, type Logger } from '../logging/logger.js';
import { blankSecrets, redact, redactText } from '../logging/redact.js';
import type { Db, DbOrTx } from '../storage/database.js';

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
  /**
   * A read the till makes on every receipt (recalc, balance, search). When it succeeds without a notice,
   * its facts below stay as long as the row and its bodies only LOG_READ_BODIES_DAYS; a failed one keeps
   * its bodies like any other row.
   */
  read?: boolean;
  receiptLines?: number | null;
  receiptKopecks?: number | null;
  discountKopecks?: number | null;
  balanceBefore?: number | null;
  balanceAfter?: number | null;
  /** What the till printed on the receipt. */
  receiptText?: string | null;
  foundCount?: number | null;
}

export interface TransactionLogOptions {
  /** Whether successful reads store their bodies at all (LOG_READ_BODIES_DAYS above 0). */
  keepReadBodies?: boolean;
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

/** The receipt text is the till's own and may run to several lines; longer is cut like any text. */
const MAX_RECEIPT_TEXT_CHARS = 1024;

const FLUSH_DELAY_MS = 50;
/** One write commits at most this many rows, so it holds the write lock (and the event loop) briefly. */
export const BATCH_ROWS = 100;
/** After a failed write the rows wait this long; at most this many wait, the oldest give way. */
const RETRY_DELAY_MS = 1000;
const MAX_KEPT = 10_000;

/** A row as the prepared INSERT binds it: every column named, booleans as 0/1. */
type StoredRow = Required<Omit<NewLogRow, 'id' | 'ok'>> & { ok: 0 | 1 };

const { id: _id, ...storedColumns } = getTableColumns(transactionLog);
/** One INSERT for every row, its columns taken from the schema and bound by name. */
const INSERT_SQL = `insert into "${getTableName(transactionLog)}" (${Object.values(storedColumns)
  .map((column) => `"${column.name}"`)
  .join(', ')}) values (${Object.keys(storedColumns)
  .map((key) => `@${key}`)
  .join(', ')})`;

interface Statements {
  insert: Database.Statement<[StoredRow]>;
  /** The batch in one BEGIN IMMEDIATE transaction (`.immediate`). */
  writeBatch: Database.Transaction<(rows: StoredRow[]) => void>;
}

/**
 * Writes the transaction log. Bodies are redacted here, once, so nothing downstream has to.
 * Rows without a transaction are queued and written together after 50 ms, at most BATCH_ROWS per
 * transaction with the event loop free between two: one fsync for many calls keeps the till's path
 * off the disk, and no request waits behind a long write. A crash loses at most that window of log
 * rows, never a sale (sales commit in their own transaction); rows that must commit with other
 * writes pass tx. Every row goes through one INSERT prepared once per connection.
 */
export class TransactionLog {
  private queued: StoredRow[] = [];
  private timer?: NodeJS.Timeout;
  private soon?: NodeJS.Immediate;
  /** A write failed: until the retry timer fires, new rows only queue. */
  private backingOff = false;
  private dropped = 0;
  private prepared?: Statements;
  private readonly keepReadBodies: boolean;

  constructor(
    private readonly db: Db,
    private readonly logger?: Logger,
    options: TransactionLogOptions = {},
  ) {
    this.keepReadBodies = options.keepReadBodies ?? true;
  }

  /**
   * Queues the row, or with tx writes it at once inside that transaction (tx must be a transaction on
   * this log's connection, as every repository's is: the prepared INSERT runs on that connection).
   */
  record(entry: LogEntry, tx?: DbOrTx): void {
    const row = this.toRow(entry);
    if (tx) {
      this.statements().insert.run(row);
      return;
    }
    this.queued.push(row);
    if (this.backingOff) this.keepAtMost(MAX_KEPT);
    else if (this.queued.length >= BATCH_ROWS) this.soon ??= setImmediate(() => this.writeStep());
    else this.timer ??= setTimeout(() => this.writeStep(), FLUSH_DELAY_MS).unref();
  }

  /** Rows waiting to be written (for /metrics). */
  get queueLength(): number {
    return this.queued.length;
  }

  /**
   * Writes every queued row now, batch after batch; called on shutdown and by tests before reading.
   * Never throws: when a write fails (the file locked past busy_timeout by another process, e.g. the
   * other side of a pm2 reload, or a full disk) the rows stay queued and are tried again a second later.
   */
  flush(): void {
    this.cancelScheduled();
    while (this.queued.length > 0 && this.writeBatch()) {
      // next batch
    }
  }

  /** The timer's turn: one batch, and the next turn at once only if a full batch is waiting. */
  writeStep(): void {
    this.cancelScheduled();
    if (!this.writeBatch()) return;
    if (this.queued.length >= BATCH_ROWS) this.soon = setImmediate(() => this.writeStep());
    else if (this.queued.length > 0) this.timer = setTimeout(() => this.writeStep(), FLUSH_DELAY_MS).unref();
  }

  /** Writes the oldest BATCH_ROWS rows in one transaction; false when they could not be written. */
  private writeBatch(): boolean {
    const sqlite = this.db.$client;
    // After shutdown closed the database there is nowhere to write; main flushes before closing.
    if (this.queued.length === 0 || !sqlite.open) return false;
    // Never inside someone else's transaction: its rollback would take our rows with it.
    if (sqlite.inTransaction) {
      this.timer = setTimeout(() => this.writeStep(), FLUSH_DELAY_MS).unref();
      return false;
    }
    const batch = this.queued.splice(0, BATCH_ROWS);
    try {
      this.statements().writeBatch.immediate(batch);
      this.backingOff = false;
      return true;
    } catch (error) {
      this.queued = batch.concat(this.queued);
      this.keepAtMost(MAX_KEPT);
      this.logger?.error('transaction log write failed; rows kept for the next try', {
        error,
        queued: this.queued.length,
        droppedSoFar: this.dropped,
      });
      this.backingOff = true;
      this.timer = setTimeout(() => this.writeStep(), RETRY_DELAY_MS).unref();
      return false;
    }
  }

  private keepAtMost(max: number): void {
    if (this.queued.length <= max) return;
    this.dropped += this.queued.length - max;
    this.queued = this.queued.slice(-max);
  }

  private cancelScheduled(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.soon) clearImmediate(this.soon);
    this.soon = undefined;
  }

  private statements(): Statements {
    if (!this.prepared) {
      const sqlite = this.db.$client;
      const insert = sqlite.prepare<[StoredRow]>(INSERT_SQL);
      this.prepared = {
        insert,
        writeBatch: sqlite.transaction((rows: StoredRow[]) => {
          for (const row of rows) insert.run(row);
        }),
      };
    }
    return this.prepared;
  }

  private toRow(entry: LogEntry): StoredRow {
    const secrets = entry.secrets ?? [];
    const phoneDigits = entry.phone?.replace(/\D/g, '') ?? '';
    // A successful read keeps its facts; its bodies are short-lived (read_bodies = 1) or not stored (0).
    const shortLived = entry.read === true && entry.ok && !entry.errorMessage;
    const withBodies = !shortLived || this.keepReadBodies;
    return {
      at: Date.now(),
      tenantId: entry.tenantId ?? null,
      kind: entry.kind,
      endpoint: cut(secrets.length > 0 ? blankSecrets(entry.endpoint, secrets) : entry.endpoint, MAX_ENDPOINT_CHARS),
      httpStatus: entry.httpStatus ?? null,
      ok: entry.ok ? 1 : 0,
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
      requestBody: withBodies ? serialize(entry.request, secrets) : null,
      responseBody: withBodies ? serialize(entry.response, secrets) : null,
      readBodies: shortLived ? (withBodies ? 1 : 0) : null,
      receiptLines: entry.receiptLines ?? null,
      receiptKopecks: entry.receiptKopecks ?? null,
      discountKopecks: entry.discountKopecks ?? null,
      balanceBefore: entry.balanceBefore ?? null,
      balanceAfter: entry.balanceAfter ?? null,
      receiptText: entry.receiptText ? cut(redactText(entry.receiptText, secrets), MAX_RECEIPT_TEXT_CHARS) : null,
      foundCount: entry.foundCount ?? null,
    };
  }
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
