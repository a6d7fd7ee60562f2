import { transactionLog, type LogKind, type NewLogRow } from '../../db/schema/index.js';
import { currentRequestContext } from '../logging/logger.js';
import { redact } from '../logging/redact.js';
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
}

const MAX_BODY_CHARS = 64 * 1024;

/** Writes the transaction log. Bodies are redacted here, once, so nothing downstream has to. */
export class TransactionLog {
  constructor(private readonly db: Db) {}

  /** Records the entry; pass a transaction when the entry must commit together with other writes. */
  record(entry: LogEntry, tx: DbOrTx = this.db): number {
    const row = toRow(entry);
    const inserted = tx.insert(transactionLog).values(row).returning({ id: transactionLog.id }).get();
    return inserted.id;
  }
}

function toRow(entry: LogEntry): NewLogRow {
  const phoneDigits = entry.phone?.replace(/\D/g, '') ?? '';
  return {
    at: Date.now(),
    tenantId: entry.tenantId ?? null,
    kind: entry.kind,
    endpoint: entry.endpoint,
    httpStatus: entry.httpStatus ?? null,
    ok: entry.ok,
    durationMs: entry.durationMs ?? null,
    requestId: currentRequestContext()?.requestId ?? null,
    documentName: entry.documentName ?? null,
    saleKey: entry.saleKey ?? null,
    customerId: entry.customerId ?? null,
    phoneLast4: phoneDigits.length >= 4 ? phoneDigits.slice(-4) : null,
    cardNumber: entry.cardNumber ?? null,
    pointsSpent: entry.pointsSpent ?? null,
    pointsEarned: entry.pointsEarned ?? null,
    errorMessage: entry.errorMessage ?? null,
    requestBody: serialize(entry.request),
    responseBody: serialize(entry.response),
  };
}

function serialize(body: unknown): string | null {
  if (body === undefined || body === null || body === '') return null;
  const text = JSON.stringify(redact(body));
  return text.length > MAX_BODY_CHARS ? `${text.slice(0, MAX_BODY_CHARS)}…` : text;
}
