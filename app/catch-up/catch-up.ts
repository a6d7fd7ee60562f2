import { randomUUID } from 'node:crypto';
import type { Tenant } from '../../db/schema/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { AppError } from '../errors.js';
import { customerRepository } from '../ledger/customer-repository.js';
import type { LedgerBackend } from '../ledger/ledger-backend.js';
import { ledgerRulesOf } from '../ledger/rules.js';
import { groupDigits } from '../locale/plural.js';
import { runWithRequestContext, type Logger } from '../logging/logger.js';
import type { GoodsClassifier } from '../loyalty/backend.js';
import type { MoyskladClient } from '../moysklad/moysklad-client.js';
import { immediate, type Db } from '../storage/database.js';
import { openAccessToken } from '../tenants/loyalty-token.js';
import { tenantRepository } from '../tenants/tenant-repository.js';
import { callAround, callGaps, newestRowAt } from '../txlog/loyalty-calls.js';
import type { TransactionLog } from '../txlog/transaction-log.js';
import { catchUpRepository as repo } from './catch-up-repository.js';
import { readSale, type ReadSale } from './retail-sale.js';

const MINUTE_MS = 60_000;
/** Process starts deleted per transaction by `purgeStarts`. */
const PURGE_BATCH = 500;
/** Windows longer than this are not read (CatchUpOptions.maxWindowMs). */
export const MAX_WINDOW_DAYS = 3;

export interface CatchUpOptions {
  /** Two LoyaltyAPI calls further apart than this are a window worth checking in МойСклад. */
  gapMs?: number;
  /** A window is checked once its closing call is this old: offline tills upload their sales meanwhile. */
  settleMs?: number;
  /** A tenant seen for the first time is checked this far back. */
  firstLookbackMs?: number;
  /** How long a tenant's claim lasts; every window extends it. */
  claimMs?: number;
  /** A longer window is a pause (the shop closed, loyalty turned off in МойСклад), not an outage: only reported. */
  maxWindowMs?: number;
  /** How often a pass runs once started. */
  everyMs?: number;
}

export interface CatchUpDeps extends CatchUpOptions {
  db: Db;
  box: SecretBox;
  moysklad: Pick<MoyskladClient, 'listRetailDemandsWithPositions'>;
  ledger: Pick<LedgerBackend, 'catchUpSale'>;
  goods: GoodsClassifier;
  txlog: TransactionLog;
  logger: Logger;
  now?: () => number;
}

/** A stretch without LoyaltyAPI calls: from one call to the next, or around a restart of ours. */
export interface CallWindow {
  fromMs: number;
  toMs: number;
  reason: 'gap' | 'restart';
}

export interface CatchUpReport {
  tenants: number;
  /** Tenants another process was checking. */
  busy: number;
  windows: number;
  /** Sales with a customer that never reached us. */
  missed: number;
  credited: number;
}

export const CATCH_UP_SALE = 'Продажа без связи с сервисом';
export const CATCH_UP_WINDOW = 'Перерыв в запросах кассы';

class Stopped extends Error {}

/**
 * Catch-up after an outage, for the built-in ledger. The till sells without loyalty while it cannot
 * reach us; МойСклад keeps those sales. A pass finds, per tenant, the windows in which no LoyaltyAPI
 * call reached us: two calls in a row more than `gapMs` apart, or any two around a start of ours (a
 * crash and restart shorter than that). It reads the account's applied retail sales of each window
 * from the JSON API and keeps those of a customer of ours that are not recorded (by МойСклад's sale id,
 * or number and moment for a sale the till sent without its id); a counterparty we do not know is
 * skipped, since МойСклад names its default retail customer on every sale without one. With the owner's setting on, each one
 * earns through the ledger's own sale path under the same sale key as the till's `POST /retaildemand`,
 * so a late copy or a second pass changes nothing; with it off, the window is only reported.
 * Claim, do, record: a tenant is claimed in SQLite, progress is stored after each window.
 */
export class CatchUp {
  private readonly now: () => number;
  private readonly gapMs: number;
  private readonly settleMs: number;
  private readonly firstLookbackMs: number;
  private readonly claimMs: number;
  private readonly maxWindowMs: number;
  private readonly everyMs: number;
  private running?: Promise<CatchUpReport>;
  private timer?: NodeJS.Timeout;
  private stopping = false;

  constructor(private readonly deps: CatchUpDeps) {
    this.now = deps.now ?? Date.now;
    this.gapMs = deps.gapMs ?? 15 * MINUTE_MS;
    this.settleMs = deps.settleMs ?? 10 * MINUTE_MS;
    this.firstLookbackMs = deps.firstLookbackMs ?? 24 * 60 * MINUTE_MS;
    this.claimMs = deps.claimMs ?? 5 * MINUTE_MS;
    this.maxWindowMs = deps.maxWindowMs ?? MAX_WINDOW_DAYS * 24 * 60 * MINUTE_MS;
    this.everyMs = deps.everyMs ?? 5 * MINUTE_MS;
  }

  /**
   * Records this process's start beside the newest log row (the process before us was alive until about
   * then), and runs a pass every `everyMs`.
   */
  start(): void {
    this.recordStart();
    this.timer = setInterval(() => void this.runOnce().catch(() => undefined), this.everyMs).unref();
  }

  recordStart(): void {
    const startedAt = this.now();
    immediate(this.deps.db, (tx) => repo.recordStart(tx, startedAt, newestRowAt(tx)));
  }

  /**
   * Deletes the process starts no pass will read again, in short transactions with a pause between: a pass
   * reads starts from `firstLookbackMs` before a tenant's `checkedUntil` (a tenant seen for the first time
   * starts `firstLookbackMs` back), and a start older than the log kept (`logKeptFrom`, epoch ms) has no
   * call before it left to make a window with. Returns how many went; stops between steps on `signal`.
   */
  async purgeStarts(options: { logKeptFrom?: number; signal?: AbortSignal } = {}): Promise<number> {
    const db = this.deps.db;
    const checkedFrom = Math.min(this.now() - this.firstLookbackMs, repo.oldestCheckedUntil(db) ?? Infinity);
    const before = Math.max(checkedFrom - this.firstLookbackMs, options.logKeptFrom ?? -Infinity);
    let purged = 0;
    for (;;) {
      const step = immediate(db, (tx) => repo.deleteStartsBefore(tx, before, PURGE_BATCH));
      purged += step;
      if (step < PURGE_BATCH || options.signal?.aborted) return purged;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** The window under way finishes; the rest waits for the next pass (the claim is released). */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass over every ledger tenant; a call while one runs gets that one. */
  runOnce(): Promise<CatchUpReport> {
    this.running ??= this.pass()
      .catch((error: unknown) => {
        this.deps.logger.error('catch-up failed', { error });
        throw error;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<CatchUpReport> {
    const report: CatchUpReport = { tenants: 0, busy: 0, windows: 0, missed: 0, credited: 0 };
    for (const tenantId of repo.ledgerTenantIds(this.deps.db)) {
      if (this.stopping) break;
      report.tenants++;
      const outcome = await this.checkTenant(tenantId);
      if (!outcome) report.busy++;
      else {
        report.windows += outcome.windows;
        report.missed += outcome.missed;
        report.credited += outcome.credited;
      }
    }
    if (report.windows > 0) this.deps.logger.info('catch-up done', { ...report });
    return report;
  }

  /** Claim, do, record for one tenant; undefined when another process holds it. */
  private async checkTenant(tenantId: string) {
    const startedAt = this.now();
    const horizon = startedAt - this.settleMs;
    const state = immediate(this.deps.db, (tx) => {
      repo.ensureState(tx, tenantId, startedAt - this.firstLookbackMs, startedAt);
      return repo.claim(tx, tenantId, startedAt, startedAt + this.claimMs) ? repo.state(tx, tenantId) : undefined;
    });
    if (!state) return undefined;
    const outcome = { windows: 0, missed: 0, credited: 0 };
    let checkedUntil = state.checkedUntil;
    let reading: CallWindow | undefined;
    try {
      const tenant = tenantRepository.find(this.deps.db, tenantId);
      const accessToken = tenant ? openAccessToken(this.deps.box, tenant) : undefined;
      if (!tenant || !accessToken || checkedUntil >= horizon) return outcome;
      for (const window of this.windowsOf(tenantId, checkedUntil, horizon)) {
        if (this.stopping) throw new Stopped();
        reading = window;
        const found = await runWithRequestContext({ requestId: `catch-up-${randomUUID()}`, accountId: tenantId }, () =>
          this.catchUpWindow(tenant, accessToken, window),
        );
        outcome.windows++;
        outcome.missed += found.missed;
        outcome.credited += found.credited;
        checkedUntil = window.toMs + 1;
        immediate(this.deps.db, (tx) =>
          repo.advance(tx, tenantId, checkedUntil, this.now() + this.claimMs, this.now()),
        );
      }
      checkedUntil = horizon;
    } catch (error) {
      // The window is read again next pass: МойСклад may be back, and a sale credited stays credited once.
      if (!(error instanceof Stopped)) {
        this.deps.logger.warn('catch-up: a window could not be checked; it is tried again next pass', {
          tenantId,
          error: (error as Error).message,
        });
        if (!(error instanceof AppError)) this.deps.logger.error('catch-up failed', { tenantId, error });
        // Support sees it in the log: a refusal that lasts (rights, tariff) would otherwise hold the job back unseen.
        else if (reading) this.recordUnread(tenantId, reading, error);
      }
    } finally {
      immediate(this.deps.db, (tx) => repo.advance(tx, tenantId, checkedUntil, null, this.now()));
    }
    return outcome;
  }

  /**
   * The windows whose closing call came in [fromMs, untilMs), oldest first: the gaps longer than gapMs
   * (the range's first call paired with the one before it too), and the pairs around a start of ours.
   */
  private windowsOf(tenantId: string, fromMs: number, untilMs: number): CallWindow[] {
    const db = this.deps.db;
    const windows = new Map<string, CallWindow>();
    const add = (window: CallWindow) => {
      const key = `${window.fromMs}:${window.toMs}`;
      if (!windows.has(key) || window.reason === 'restart') windows.set(key, window);
    };
    for (const gap of callGaps(db, tenantId, fromMs, untilMs, this.gapMs)) add({ ...gap, reason: 'gap' });
    const first = callAround(db, tenantId, fromMs, untilMs);
    if (first.before !== undefined && first.after !== undefined && first.after - first.before > this.gapMs) {
      add({ fromMs: first.before, toMs: first.after, reason: 'gap' });
    }
    for (const start of repo.startsBetween(db, fromMs - this.firstLookbackMs, untilMs)) {
      const around = callAround(db, tenantId, start.startedAt, untilMs);
      if (around.before !== undefined && around.after !== undefined && around.after >= fromMs) {
        add({ fromMs: around.before, toMs: around.after, reason: 'restart' });
      }
    }
    return [...windows.values()].sort((a, b) => a.toMs - b.toMs || a.fromMs - b.fromMs);
  }

  /** Reads the window's sales (100 a page, positions expanded) and credits or reports those we missed. */
  private async catchUpWindow(tenant: Tenant, accessToken: string, window: CallWindow) {
    const tenantId = tenant.accountId;
    if (window.toMs - window.fromMs > this.maxWindowMs) {
      this.deps.txlog.record({
        tenantId,
        kind: 'catch-up',
        endpoint: CATCH_UP_WINDOW,
        ok: true,
        errorMessage: `${windowText(window)} Перерыв дольше ${MAX_WINDOW_DAYS} суток похож не на сбой, а на паузу (магазин закрыт, программа выключалась): продажи за него не проверялись.`,
        request: { window: windowFacts(window) },
      });
      return { missed: 0, credited: 0 };
    }
    const missed: ReadSale[] = [];
    let strangers = 0;
    let offset = 0;
    for (;;) {
      const page = await this.deps.moysklad.listRetailDemandsWithPositions(
        accessToken,
        { fromMs: window.fromMs, untilMs: window.toMs },
        offset,
      );
      const read = page.rows.flatMap((row) => readSale(row) ?? []).filter((sale) => sale.counterpartyId);
      const recorded = repo.recordedSaleIds(
        this.deps.db,
        tenantId,
        read.map((sale) => sale.id),
      );
      for (const sale of read) {
        if (recorded.has(sale.id)) continue;
        if (sale.name && repo.hasSaleWithoutId(this.deps.db, tenantId, sale.name, sale.moment)) continue;
        // Only our customers: an unknown counterparty is most often the store's default «Розничный покупатель»
        // that МойСклад puts on every sale without one; registering it would credit every anonymous sale.
        if (customerRepository.resolve(this.deps.db, tenantId, { id: sale.counterpartyId })) missed.push(sale);
        else strangers++;
      }
      offset += page.rows.length;
      if (page.rows.length === 0 || offset >= page.size) break;
    }
    if (missed.length === 0) return { missed: 0, credited: 0 };
    const skipped =
      strangers > 0 ? ` Продаж на покупателей не из программы (пропущены): ${groupDigits(strangers)}.` : '';

    // The setting is read as the window is handled: turned on later, it credits windows from then on.
    const on = ledgerRulesOf(tenantRepository.find(this.deps.db, tenantId) ?? tenant).catchUpOfflineSales;
    let credited = 0;
    if (on) {
      for (const sale of missed) {
        if (this.stopping) break;
        if (await this.credit(tenant, window, sale)) credited++;
      }
    }
    this.deps.txlog.record({
      tenantId,
      kind: 'catch-up',
      endpoint: CATCH_UP_WINDOW,
      ok: true,
      errorMessage: on
        ? `${windowText(window)} Продаж покупателям программы, не дошедших до сервиса: ${groupDigits(missed.length)}; баллы начислены за ${groupDigits(credited)}.${skipped}`
        : `${windowText(window)} Продаж покупателям программы, не дошедших до сервиса: ${groupDigits(missed.length)}. Баллы не начислены: в настройках выключено «Начислять баллы за чеки, пробитые без связи с сервисом».${skipped}`,
      request: {
        window: windowFacts(window),
        sales: missed.map((sale) => ({ id: sale.id, name: sale.name, moment: sale.moment })),
      },
    });
    return { missed: missed.length, credited };
  }

  /** A window МойСклад did not give the sales of: a failed row, read again on the next pass. */
  private recordUnread(tenantId: string, window: CallWindow, error: AppError): void {
    this.deps.txlog.record({
      tenantId,
      kind: 'catch-up',
      endpoint: CATCH_UP_WINDOW,
      ok: false,
      errorMessage: `${windowText(window)} МойСклад не отдал продажи за это время: ${error.message.replace(/[.\s]*$/, '.')} Проверим снова через час; если ошибка повторяется, поддержке: проверьте права приложения на розничные продажи.`,
      request: { window: windowFacts(window) },
    });
  }

  /**
   * One missed sale of a customer of ours through the ledger's sale path. False when it was recorded meanwhile
   * (the till's late copy won) or could not be applied (a failed log row says why).
   */
  private async credit(tenant: Tenant, window: CallWindow, sale: ReadSale): Promise<boolean> {
    const tenantId = tenant.accountId;
    const facts = {
      tenantId,
      kind: 'catch-up' as const,
      endpoint: CATCH_UP_SALE,
      saleKey: sale.id,
      documentName: sale.name,
      customerId: sale.counterpartyId,
      request: { window: windowFacts(window), sale: { id: sale.id, name: sale.name, moment: sale.moment } },
    };
    if (!sale.request) {
      this.deps.txlog.record({
        ...facts,
        ok: false,
        errorMessage: `${windowText(window)} Продажу нельзя прочитать как чек (нет позиций или сумма вне пределов): баллы не начислены. Поддержке: проверьте продажу в МоёмСкладе и начислите баллы вручную.`,
      });
      return false;
    }
    try {
      const agent = { id: sale.counterpartyId };
      const positions = await this.deps.goods.classify(tenant, sale.request.positions);
      const started = this.now();
      return await this.deps.ledger.catchUpSale(tenant, { ...sale.request, agent, positions }, (tx, recorded) =>
        this.deps.txlog.record(
          {
            ...facts,
            ok: true,
            durationMs: this.now() - started,
            pointsEarned: recorded.pointsEarned,
            errorMessage: `Догружена из МоегоСклада. ${windowText(window)}`,
          },
          tx,
        ),
      );
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      this.deps.txlog.record({
        ...facts,
        ok: false,
        errorMessage: `${windowText(window)} Баллы не начислены: ${error.message}`,
      });
      return false;
    }
  }
}

const MSK: Intl.DateTimeFormatOptions = {
  timeZone: 'Europe/Moscow',
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
};

function mskText(ms: number): string {
  return new Date(ms).toLocaleString('ru-RU', MSK);
}

/** The window as support reads it, in Moscow time like МойСклад's moments. */
export function windowText(window: CallWindow): string {
  const why = window.reason === 'restart' ? 'сервис перезапускался' : 'касса не обращалась к сервису';
  return `Чек пробит без связи с сервисом: с ${mskText(window.fromMs)} по ${mskText(window.toMs)} (МСК) ${why}.`;
}

function windowFacts(window: CallWindow) {
  return {
    from: new Date(window.fromMs).toISOString(),
    to: new Date(window.toMs).toISOString(),
    reason: window.reason,
  };
}
