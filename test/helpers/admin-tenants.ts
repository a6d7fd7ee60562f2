import { randomUUID } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import type { SettingsChange } from '../../app/go-live/settings-input.js';
import { DEFAULT_LEDGER_RULES } from '../../app/ledger/rules.js';
import type { OutboxEntry } from '../../app/outbox/outbox-delivery.js';
import { outbox, transactionLog, type OutboxStatus } from '../../db/schema/index.js';
import type { TestApp } from './test-app.js';

/** What the owner saves in the settings iframe for the built-in ledger (the default rules). */
export const LEDGER_SETTINGS: SettingsChange = {
  backend: 'ledger',
  externalSearch: false,
  settings: { ledger: DEFAULT_LEDGER_RULES },
  secrets: {},
};

/** The go-live section of a tenant page. */
export function goLiveSection(html: string): string {
  return /<section class="panel" id="go-live">[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
}

/** The outbox section of a tenant page. */
export function outboxSection(html: string): string {
  return /<section class="panel" id="outbox">[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
}

/** One outbox item's row in the outbox section. */
export function outboxRow(html: string, id: number): string {
  return new RegExp(`<tr[^>]*data-outbox-item="${id}">[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '';
}

/** Each go-live step's state as the page marks it: { settings: 'done', loyalty: 'failed', … }. */
export function stepStates(html: string): Record<string, string> {
  return Object.fromEntries([...html.matchAll(/data-step="([\w-]+)" data-state="(\w+)"/g)].map((m) => [m[1]!, m[2]!]));
}

/** The tenant's audit rows (kind 'admin'), oldest first, with the request parsed. */
export function adminRows(t: TestApp, tenantId: string, endpoint?: string) {
  t.flushLog();
  const where = and(
    eq(transactionLog.tenantId, tenantId),
    eq(transactionLog.kind, 'admin'),
    endpoint ? eq(transactionLog.endpoint, endpoint) : undefined,
  );
  return t.storage.db
    .select()
    .from(transactionLog)
    .where(where)
    .orderBy(asc(transactionLog.id))
    .all()
    .map((row) => ({
      ...row,
      request: JSON.parse(row.requestBody ?? '{}') as Record<string, unknown>,
      response: JSON.parse(row.responseBody ?? 'null') as unknown,
    }));
}

/**
 * An outbox item added as a provider adapter adds it (through Outbox.enqueue), then moved to the
 * status a case needs, as delivery attempts would have left it.
 */
export function outboxItem(
  t: TestApp,
  tenantId: string,
  options: {
    status?: OutboxStatus;
    kind?: 'sale' | 'return';
    provider?: 'ibonus' | 'general';
    documentName?: string;
    payload?: Record<string, unknown>;
    lastError?: string;
    supportReason?: string;
    attempts?: number;
    nextAttemptAt?: number;
  } = {},
): { id: number; saleKey: string } {
  const saleKey = randomUUID();
  const entry: OutboxEntry = {
    provider: options.provider ?? 'ibonus',
    kind: options.kind ?? 'sale',
    operationKey: options.kind === 'return' ? randomUUID() : saleKey,
    saleKey,
    documentName: options.documentName ?? '0042',
    customerKey: `customer-${saleKey}`,
    payload: options.payload ?? { customer: { phone: '+79123456789' }, order: { externalId: saleKey }, amount: 10 },
  };
  const row = t.services.outbox.enqueue(t.storage.db, tenantId, entry);
  const { status = 'pending', lastError, supportReason, attempts, nextAttemptAt } = options;
  t.storage.db
    .update(outbox)
    .set({
      status,
      lastError,
      supportReason,
      attempts,
      nextAttemptAt,
      claimedUntil: status === 'sending' ? Date.now() + 60_000 : null,
    })
    .where(eq(outbox.id, row.id))
    .run();
  return { id: row.id, saleKey };
}
