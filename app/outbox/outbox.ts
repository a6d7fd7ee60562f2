import type { OutboxRow, OutboxStatus, ProviderKind } from '../../db/schema/index.js';
import { ForbiddenError, NotFoundError, ValidationError, isAppError } from '../errors.js';
import { runWithRequestContext, type Logger } from '../logging/logger.js';
import { redact } from '../logging/redact.js';
import { failureKind, failureText } from './failure-kind.js';
import { immediate, type Db, type DbOrTx } from '../storage/database.js';
import type { TransactionLog } from '../txlog/transaction-log.js';
import type { DeliveryResult, OutboxDelivery, OutboxEntry } from './outbox-delivery.js';
import { WAITING_STATUSES, outboxRepository as items } from './outbox-repository.js';

export interface OutboxOptions {
  /** First pause after a failed attempt; it doubles each time (with jitter) up to retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** An entry still undelivered this long after it was added goes to support. */
  giveUpAfterMs: number;
  /** How long one attempt may take before it is presumed dead: the delivery time-out plus a margin. */
  claimMs: number;
  now?: () => number;
  random?: () => number;
}

export type DeliveryFor = (tenantId: string, provider: ProviderKind) => OutboxDelivery;

/** One outbox entry as the admin UI shows it; the payload is redacted. */
export interface OutboxItemView {
  id: number;
  tenantId: string;
  provider: ProviderKind;
  kind: OutboxRow['kind'];
  documentName: string | null;
  saleKey: string | null;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  supportReason: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
  payload: unknown;
  result: unknown;
  /** Its last attempt may or may not have reached the provider: sending it again may apply it twice. */
  unknownOutcome: boolean;
}

export const UNKNOWN_OUTCOME_REASON =
  'Исход неизвестен: система лояльности не ответила, а повтор мог бы провести операцию дважды. Проверьте операцию в системе лояльности, затем повторите отправку или отмените её.';

export const UNKNOWN_OUTCOME_RESEND_REFUSED =
  'Исход этой отправки неизвестен: повтор может провести операцию дважды (двойное списание или начисление баллов). Отправить её снова может только администратор, подтвердив этот риск.';

/** The reason the outbox writes for an attempt of unknown outcome is what marks such an entry. */
function isUnknownOutcome(row: Pick<OutboxRow, 'status' | 'supportReason'>): boolean {
  return row.status === 'needs_support' && row.supportReason === UNKNOWN_OUTCOME_REASON;
}

/**
 * Sales and returns owed to external loyalty systems. Entries are added inside the caller's
 * transaction (together with the LoyaltyAPI call's log row); deliverDue() sends what is due, one
 * attempt at a time per entry, and records every attempt in the transaction log (kind 'outbox').
 * The methods below deliverDue are the admin UI's API: no Express in them.
 */
export class Outbox {
  private readonly now: () => number;
  private readonly random: () => number;
  /** Called after an entry becomes due now (a new sale, a retry): the worker wakes up. */
  onDue: () => void = () => {};

  constructor(
    private readonly db: Db,
    private readonly deps: { txlog: TransactionLog; logger: Logger; deliveryFor: DeliveryFor },
    private readonly options: OutboxOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** Inside the caller's transaction; a repeat of the same document returns the stored entry. */
  enqueue(tx: DbOrTx, tenantId: string, entry: OutboxEntry): OutboxRow {
    const now = this.now();
    return items.insertOnce(tx, {
      tenantId,
      provider: entry.provider,
      kind: entry.kind,
      operationKey: entry.operationKey,
      saleKey: entry.saleKey ?? null,
      documentName: entry.documentName ?? null,
      customerKey: entry.customerKey,
      payload: entry.payload,
      status: entry.needsSupport ? 'needs_support' : 'pending',
      supportReason: entry.needsSupport ?? null,
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
    });
  }

  /** The sale's entry, so a return can follow it (same customer line, its result). */
  saleEntry(tenantId: string, saleKey: string, tx: DbOrTx = this.db): OutboxRow | undefined {
    return items.findSale(tx, tenantId, saleKey);
  }

  /** The sale's return entries so far, so a new return counts what earlier ones took back. */
  returnEntries(tenantId: string, saleKey: string, tx: DbOrTx = this.db): OutboxRow[] {
    return items.returnsOfSale(tx, tenantId, saleKey);
  }

  /**
   * Entries due now and first in line for their customer, skipping tenants whose lane is busy.
   * Attempts that outlived their claim are settled first.
   */
  due(limit: number, skipTenants: string[] = []): OutboxRow[] {
    this.recoverStaleClaims();
    return items.due(this.db, this.now(), limit, skipTenants);
  }

  /** When the next entry falls due (busy tenants aside), if any. */
  nextDueAt(skipTenants: string[] = []): number | undefined {
    return items.nextDueAt(this.db, skipTenants);
  }

  /** Sends everything due now and waits for it: tenants in parallel, each tenant's entries in order. Returns how many were due. */
  async deliverDue(limit = 50): Promise<number> {
    const due = this.due(limit);
    await Promise.all(
      [...byTenant(due).values()].map(async (rows) => {
        for (const row of rows) await this.attempt(row);
      }),
    );
    return due.length;
  }

  // --- the admin UI's API -------------------------------------------------------------------

  /** Waiting (pending, sending) and failed (needs_support) entries of a tenant, newest first. */
  listItems(
    tenantId: string,
    options: { statuses?: OutboxStatus[]; limit?: number; beforeId?: number } = {},
  ): OutboxItemView[] {
    const statuses = options.statuses ?? [...WAITING_STATUSES, 'needs_support'];
    const limit = Math.min(Math.max(1, options.limit ?? 50), 500);
    return items.list(this.db, tenantId, statuses, limit, options.beforeId).map(toView);
  }

  /** tenantId → entries still owed to its provider (pending or being sent). */
  countWaitingByTenant(): Map<string, number> {
    return new Map(items.countByTenant(this.db, WAITING_STATUSES).map((row) => [row.tenantId, row.count]));
  }

  /** Entries still owed (pending, sending) and those waiting for support (needs_support), by status. */
  countOwedByStatus(): Map<OutboxStatus, number> {
    const statuses: OutboxStatus[] = [...WAITING_STATUSES, 'needs_support'];
    const counted = new Map(items.countByStatus(this.db, statuses).map((row) => [row.status, row.count]));
    return new Map(statuses.map((status) => [status, counted.get(status) ?? 0]));
  }

  /**
   * Sends a waiting or failed entry again now. `actor` (the support person) goes to the transaction log.
   * An entry of unknown outcome is sent again only when `acceptDoubleSpendRisk` says someone accepted
   * that the provider may apply it twice (the admin UI asks an admin to confirm exactly that).
   */
  retryNow(
    tenantId: string,
    id: number,
    actor: string,
    options: { acceptDoubleSpendRisk?: boolean } = {},
  ): OutboxItemView {
    return this.changeByHand(
      tenantId,
      id,
      actor,
      'retry',
      ['pending', 'needs_support'],
      (now) => ({ status: 'pending', nextAttemptAt: now, supportReason: null }),
      undefined,
      (found) => {
        if (isUnknownOutcome(found) && !options.acceptDoubleSpendRisk)
          throw new ForbiddenError(UNKNOWN_OUTCOME_RESEND_REFUSED);
        return isUnknownOutcome(found) ? { acceptedDoubleSpendRisk: true } : undefined;
      },
    );
  }

  /** Gives up on an entry for good; the reason is kept on it and in the transaction log. */
  abandon(tenantId: string, id: number, reason: string, actor: string): OutboxItemView {
    const why = reason.trim();
    if (why === '') throw new ValidationError('Укажите причину отмены.', { parameter: 'reason' });
    return this.changeByHand(
      tenantId,
      id,
      actor,
      'abandon',
      ['pending', 'needs_support'],
      () => ({
        status: 'abandoned',
        supportReason: why,
      }),
      why,
    );
  }

  // --- one attempt ----------------------------------------------------------------------------

  /** One attempt at one entry; never throws, the outcome is written to the entry and the transaction log. */
  async attempt(listed: OutboxRow): Promise<void> {
    const startedAt = this.now();
    const row = immediate(this.db, (tx) => items.claim(tx, listed.id, startedAt, startedAt + this.options.claimMs));
    if (!row) return;
    const attempt = row.attempts;
    const context = {
      requestId: `outbox-${row.id}-${attempt}`,
      accountId: row.tenantId,
      saleKey: row.saleKey ?? undefined,
      documentName: row.documentName ?? undefined,
    };
    let delivery: OutboxDelivery | undefined;
    try {
      delivery = this.deps.deliveryFor(row.tenantId, row.provider);
      const result = await runWithRequestContext(context, () => delivery!.deliver(row));
      runWithRequestContext(context, () => this.delivered(row, attempt, startedAt, result, delivery!));
    } catch (error) {
      runWithRequestContext(context, () =>
        this.failed(row, attempt, startedAt, error, delivery?.resendIsSafe ?? false),
      );
    }
  }

  private delivered(
    row: OutboxRow,
    attempt: number,
    startedAt: number,
    result: DeliveryResult,
    delivery: OutboxDelivery,
  ): void {
    const now = this.now();
    immediate(this.db, (tx) => {
      const changes = {
        status: 'delivered' as const,
        deliveredAt: now,
        updatedAt: now,
        claimedUntil: null,
        lastError: null,
        result: result.answer ?? {},
      };
      items.update(tx, row.id, changes);
      this.log(tx, row, {
        endpoint: `deliver ${row.kind}`,
        ok: true,
        durationMs: now - startedAt,
        attempt,
        pointsSpent: result.pointsSpent,
        pointsEarned: result.pointsEarned,
        response: result.answer,
      });
      if (row.kind === 'sale') this.renoteReturns(tx, { ...row, ...changes }, delivery, now);
    });
  }

  /**
   * Returns made while their sale still waited here were noted "sale not delivered yet"; now that it is,
   * the adapter may say what to correct by hand. Same transaction as the delivery.
   */
  private renoteReturns(tx: DbOrTx, sale: OutboxRow, delivery: OutboxDelivery, now: number): void {
    if (!delivery.supportNoteAfterSale) return;
    for (const entry of items.returnsNeedingSupport(tx, sale.tenantId, sale.operationKey)) {
      const note = delivery.supportNoteAfterSale(entry, sale);
      if (note === undefined || note === entry.supportReason) continue;
      items.update(tx, entry.id, { supportReason: note, updatedAt: now }, ['needs_support']);
      this.log(tx, entry, {
        endpoint: `renote ${entry.kind}`,
        ok: true,
        attempt: entry.attempts,
        request: { saleDelivered: sale.id },
        response: { supportReason: note },
      });
    }
  }

  private failed(row: OutboxRow, attempt: number, startedAt: number, error: unknown, resendIsSafe: boolean): void {
    const now = this.now();
    const kind = failureKind(error);
    const lastError = failureText(error);
    const retry = kind === 'not-applied' || (resendIsSafe && (kind === 'timed-out' || kind === 'unknown'));
    const tooOld = now - row.createdAt >= this.options.giveUpAfterMs;
    const supportReason =
      kind === 'refused'
        ? `Не доставлено: ${isAppError(error) ? error.message : lastError}`
        : !retry
          ? UNKNOWN_OUTCOME_REASON
          : tooOld
            ? `Не доставлено за ${Math.round(this.options.giveUpAfterMs / 3_600_000)} ч: система лояльности недоступна. Повторите отправку, когда она заработает.`
            : null;
    const changes = supportReason
      ? { status: 'needs_support' as const, supportReason }
      : { status: 'pending' as const, nextAttemptAt: now + this.backoffMs(attempt) };
    immediate(this.db, (tx) => {
      items.update(tx, row.id, { ...changes, lastError, claimedUntil: null, updatedAt: now });
      this.log(tx, row, {
        endpoint: `deliver ${row.kind}`,
        ok: false,
        durationMs: now - startedAt,
        attempt,
        errorMessage: `${kind}: ${lastError}`,
        response: changes,
      });
    });
    this.deps.logger.warn('outbox delivery failed', {
      outboxId: row.id,
      attempt,
      failure: kind,
      status: changes.status,
      error: lastError,
    });
  }

  /** Attempts that outlived their claim: the process stopped mid-call, so the outcome is unknown. */
  private recoverStaleClaims(): void {
    const now = this.now();
    for (const row of items.staleClaims(this.db, now)) {
      let resendIsSafe = false;
      try {
        resendIsSafe = this.deps.deliveryFor(row.tenantId, row.provider).resendIsSafe;
      } catch {
        // Unconfigured now: a person must look either way.
      }
      immediate(this.db, (tx) => {
        const changes = resendIsSafe
          ? { status: 'pending' as const, nextAttemptAt: now }
          : { status: 'needs_support' as const, supportReason: UNKNOWN_OUTCOME_REASON };
        const settled = items.settleStaleClaim(tx, row.id, now, {
          ...changes,
          claimedUntil: null,
          lastError: 'attempt interrupted',
          updatedAt: now,
        });
        if (!settled) return;
        this.log(tx, row, {
          endpoint: `recover ${row.kind}`,
          ok: false,
          attempt: row.attempts,
          errorMessage: 'attempt interrupted (process stopped mid-call)',
          response: changes,
        });
      });
    }
  }

  private changeByHand(
    tenantId: string,
    id: number,
    actor: string,
    action: 'retry' | 'abandon',
    from: OutboxStatus[],
    changes: (now: number) => Partial<OutboxRow>,
    reason?: string,
    /** Refuses the change (throws) or adds what was confirmed to the log row. */
    check?: (found: OutboxRow) => Record<string, unknown> | undefined,
  ): OutboxItemView {
    const now = this.now();
    const row = immediate(this.db, (tx) => {
      const found = items.find(tx, id);
      if (!found || found.tenantId !== tenantId) throw new NotFoundError('Такой записи в очереди нет.');
      if (!from.includes(found.status)) {
        throw new ValidationError(
          found.status === 'sending'
            ? 'Запись сейчас отправляется. Обновите страницу через минуту.'
            : 'Запись уже обработана.',
        );
      }
      const confirmed = check?.(found);
      items.update(tx, id, { ...changes(now), updatedAt: now }, from);
      this.log(tx, found, {
        endpoint: `${action} ${found.kind}`,
        ok: true,
        attempt: found.attempts,
        request: { actor, reason, ...confirmed },
      });
      return items.find(tx, id)!;
    });
    if (action === 'retry') this.onDue();
    return toView(row);
  }

  private log(
    tx: DbOrTx,
    row: OutboxRow,
    entry: {
      endpoint: string;
      ok: boolean;
      attempt: number;
      durationMs?: number;
      pointsSpent?: number;
      pointsEarned?: number;
      errorMessage?: string;
      request?: unknown;
      response?: unknown;
    },
  ): void {
    const { attempt, request, ...rest } = entry;
    this.deps.txlog.record(
      {
        ...rest,
        tenantId: row.tenantId,
        kind: 'outbox',
        endpoint: `${entry.endpoint} ${row.provider}`,
        saleKey: row.saleKey,
        documentName: row.documentName,
        request: { outboxId: row.id, attempt, ...(request ? { action: request } : { payload: row.payload }) },
      },
      tx,
    );
  }

  /** base × 2^(attempt−1), capped, then scaled by a random 50–100 % so retries of many entries spread out. */
  private backoffMs(attempt: number): number {
    const exponential = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** Math.min(attempt - 1, 30));
    return Math.round(exponential * (0.5 + this.random() / 2));
  }
}

export function byTenant(rows: OutboxRow[]): Map<string, OutboxRow[]> {
  const grouped = new Map<string, OutboxRow[]>();
  for (const row of rows) grouped.set(row.tenantId, [...(grouped.get(row.tenantId) ?? []), row]);
  return grouped;
}

function toView(row: OutboxRow): OutboxItemView {
  return {
    id: row.id,
    tenantId: row.tenantId,
    provider: row.provider,
    kind: row.kind,
    documentName: row.documentName,
    saleKey: row.saleKey,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: new Date(row.nextAttemptAt),
    lastError: row.lastError,
    supportReason: row.supportReason,
    createdAt: new Date(row.createdAt),
    deliveredAt: row.deliveredAt === null ? null : new Date(row.deliveredAt),
    payload: redact(row.payload),
    result: row.result === null ? null : redact(row.result),
    unknownOutcome: isUnknownOutcome(row),
  };
}
