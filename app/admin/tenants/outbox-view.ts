import type { OutboxStatus } from '../../../db/schema/index.js';
import { redactText } from '../../logging/redact.js';
import type { OutboxItemView } from '../../outbox/outbox.js';

export const OUTBOX_STATUS_LABELS: Record<OutboxStatus, string> = {
  pending: 'ждёт отправки',
  sending: 'отправляется',
  delivered: 'доставлено',
  needs_support: 'требует внимания',
  abandoned: 'отменено',
};

/** How many outbox items one tenant page shows at a time; older ones are a "Старее" link away. */
export const OUTBOX_PAGE = 50;

/** One outbox item as the tenant page shows it: texts redacted, the payload (redacted by the outbox) pretty-printed. */
export interface OutboxLine {
  id: number;
  kind: 'Продажа' | 'Возврат';
  documentName: string | null;
  saleKey: string | null;
  status: OutboxStatus;
  statusLabel: string;
  attempts: number;
  /** Only while the item waits for its next attempt. */
  nextAttemptAt?: Date;
  createdAt: Date;
  /** Why a person must look, or the last attempt's error while it still retries by itself. */
  reason: string | null;
  payload: string;
  /** Retry and abandon apply to waiting and failed items; one being sent right now is left alone. */
  actionable: boolean;
  /** Sending it again may apply it twice: only an admin may, after confirming that risk. */
  unknownOutcome: boolean;
  /** Sending again can succeed; false where it can only fail again (the general API takes no returns). */
  canRetry: boolean;
}

export function outboxLine(item: OutboxItemView): OutboxLine {
  // Provider texts and reasons typed by support may carry a phone or a key: redacted like every body.
  const reason = item.supportReason ?? item.lastError;
  return {
    id: item.id,
    kind: item.kind === 'sale' ? 'Продажа' : 'Возврат',
    documentName: item.documentName,
    saleKey: item.saleKey,
    status: item.status,
    statusLabel: OUTBOX_STATUS_LABELS[item.status] ?? item.status,
    attempts: item.attempts,
    nextAttemptAt: item.status === 'pending' ? item.nextAttemptAt : undefined,
    createdAt: item.createdAt,
    reason: reason === null ? null : redactText(reason),
    // Outbox.listItems redacted it already.
    payload: JSON.stringify(item.payload, null, 2),
    actionable: item.status === 'pending' || item.status === 'needs_support',
    unknownOutcome: item.unknownOutcome,
    // general-return-reason.ts: such a return is settled by hand at the provider, then cancelled here.
    canRetry: !(item.provider === 'general' && item.kind === 'return'),
  };
}

/** "Продажа 0042" or "Продажа без номера", for messages about one item. */
export function describeItem(item: Pick<OutboxItemView, 'kind' | 'documentName'>): string {
  return `${item.kind === 'sale' ? 'Продажа' : 'Возврат'} ${item.documentName || 'без номера'}`;
}
