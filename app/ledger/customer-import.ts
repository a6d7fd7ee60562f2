import { randomUUID } from 'node:crypto';
import type { CustomerImport as ImportRun, CustomerImportStatus, Tenant } from '../../db/schema/index.js';
import { PayloadTooLargeError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { immediate, type Db, type DbOrTx } from '../storage/database.js';
import { tenantRepository } from '../tenants/tenant-repository.js';
import { recordAdminAction } from '../txlog/admin-audit.js';
import type { TransactionLog } from '../txlog/transaction-log.js';
import { MAX_IMPORT_BYTES } from './customer-file.js';
import {
  countRow,
  ImportSession,
  MAX_NAME,
  nextTurn,
  packedChunks,
  READ_CHUNK_ROWS,
  unpackChunk,
  type Decision,
  type ImportCounts,
  type ImportReport,
  type ImportRequest,
  type ParsedRow,
} from './customer-import-rows.js';
import { customerImportRepository as imports } from './customer-import-repository.js';
import { customerRepository as customers, storedFields } from './customer-repository.js';
import { lotRepository } from './lot-repository.js';
import { lotExpiresAt, postEntry, settleExpiry } from './point-lots.js';
import { ledgerRulesOf, type LedgerRules } from './rules.js';

/** A run as the page shows it while it goes and once it ended. */
export interface ImportProgress {
  id: number;
  status: CustomerImportStatus | 'stopped';
  /** Running, but its process went away: another one continues it within a minute or two. */
  waiting: boolean;
  fileHash: string;
  fileName: string | null;
  by: string;
  rows: number;
  doneRows: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  points: number;
  error: string | null;
  startedAt: number;
  finishedAt: number | null;
}

/** A running import writes its progress at least this often; one whose row stands still longer was stopped. */
const STALE_MS = 2 * 60_000;
/** A stopped import is resumed within this long of its start; after it, its stored rows are dropped. */
export const RESUME_WITHIN_MS = 24 * 60 * 60_000;
/** How often a serving process looks for stopped imports (`watch`). */
const WATCH_EVERY_MS = 60_000;

export const TOO_MANY_ROWS = 'Файл слишком велик для одного переноса. Разделите его на части и загрузите по очереди.';
const FAILED =
  'Перенос остановлен из-за ошибки на сервере. Загрузите тот же файл ещё раз: перенесённые строки не повторятся.';
const GAVE_UP =
  'Перенос прервался и не продолжился в течение суток. Загрузите тот же файл ещё раз: перенесённые строки не повторятся.';

/** The run being imported by this process: `claim` is its token in customer_imports. */
interface RunContext {
  id: number;
  claim: string;
  tenant: Tenant;
  fileHash: string;
  fileName: string | null;
  by: string;
  rows: number;
}

/** Another process took the run over (ours looked stopped): this one leaves it. */
class ClaimLost extends Error {}

/**
 * Brings a shop's customers and their points from a file into the built-in ledger. The dry run and the
 * import read every row through the same steps (parse, find the customer, decide), so the dry run's
 * counts are the import's as long as nothing else changes the customers in between. The file's balance is
 * the target: a customer's first import of this file writes an 'import' entry of the difference, keyed by
 * (file hash, customer), so the same file twice changes nothing. Imported points live as long as earned
 * ones, counted from the import.
 *
 * The import runs in the background, claim, do, record: the parsed rows are stored in chunks
 * (customer_import_chunks) beside the run, and each chunk is imported, counted in the run and deleted in
 * one transaction that commits only while the run's claim is still this process's. A run whose process
 * went away (a reload lets it go, a crash leaves it stale) is taken over by a compare-and-set on its claim
 * (`resumeStopped`) and continues from its first chunk left, so no row is imported twice.
 */
export class CustomerImport {
  private readonly runs = new Set<Promise<void>>();
  private readonly now: () => Date;
  private readonly pause: () => Promise<unknown>;
  private readonly maxStoredBytes: number;
  private stopping = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly db: Db,
    private readonly txlog: TransactionLog,
    private readonly logger?: Logger,
    options: {
      now?: () => Date;
      /** Before each chunk: a turn of the event loop, so the till's calls pass. */
      pause?: () => Promise<unknown>;
      /** The stored rows of one run, deflated, at most (the upload's own cap by default). */
      maxStoredBytes?: number;
    } = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.pause = options.pause ?? nextTurn;
    this.maxStoredBytes = options.maxStoredBytes ?? MAX_IMPORT_BYTES;
  }

  /** What the import would do, without writing anything; reads in chunks, yielding between them. */
  async dryRun(request: ImportRequest): Promise<ImportReport> {
    const now = this.now();
    const session = await ImportSession.open(request, now);
    const key = { tenantId: request.tenant.accountId, fileHash: request.file.hash };
    for (let start = 0; start < session.rows.length; start += READ_CHUNK_ROWS) {
      if (start > 0) await nextTurn();
      for (const row of session.rows.slice(start, start + READ_CHUNK_ROWS)) {
        const decision = this.decide(this.db, key, row);
        session.count(row, decision, expectedPoints(this.db, row, decision, now));
      }
    }
    return session.report();
  }

  /** Records the run with its rows and starts it in the background; its progress is `progress(tenant, id)`. */
  async start(request: ImportRequest): Promise<number> {
    const now = this.now();
    const session = await ImportSession.open(request, now);
    const chunks = await packedChunks(session.rows);
    if (chunks.reduce((bytes, chunk) => bytes + chunk.length, 0) > this.maxStoredBytes) {
      throw new PayloadTooLargeError(TOO_MANY_ROWS);
    }
    const claim = randomUUID();
    const fileName = request.fileName?.slice(0, MAX_NAME) || null;
    const counts = session.counts();
    const rows = request.file.rows.length;
    const id = immediate(this.db, (tx) => {
      const id = imports.insertRun(tx, {
        tenantId: request.tenant.accountId,
        fileHash: request.file.hash,
        fileName,
        byWhom: request.by,
        status: 'running',
        rows,
        // Rows refused while parsing are through already.
        ...progressOf(counts, rows - session.rows.length),
        claim,
        counts: { ...counts },
        createdAt: now,
        updatedAt: now,
      });
      imports.insertChunks(tx, id, chunks);
      return id;
    });
    const { tenant, by } = request;
    this.inBackground({ id, claim, tenant, fileHash: request.file.hash, fileName, by, rows });
    return id;
  }

  /**
   * Takes over every import whose process went away and continues it in the background; gives up on
   * those older than RESUME_WITHIN_MS. Two processes doing this at once (a reload) take each run once.
   */
  async resumeStopped(): Promise<number> {
    let resumed = 0;
    const now = this.now();
    const staleBefore = new Date(now.getTime() - STALE_MS);
    for (const stopped of imports.stoppedRuns(this.db, staleBefore)) {
      if (this.stopping) break;
      await nextTurn();
      const claim = randomUUID();
      const tooOld = stopped.createdAt.getTime() < now.getTime() - RESUME_WITHIN_MS;
      const run = immediate(this.db, (tx) => {
        if (!imports.claimStopped(tx, stopped.id, claim, now, staleBefore)) return undefined;
        const run = imports.ownedRun(tx, stopped.id, claim);
        const tenant = tenantRepository.find(tx, stopped.tenantId);
        if (run && tenant && !tooOld) return { run, tenant };
        this.end(tx, stopped.id, claim, GAVE_UP);
        return undefined;
      });
      if (!run) continue;
      const { run: row, tenant } = run;
      this.logger?.info('customer import resumed', {
        importId: row.id,
        tenantId: row.tenantId,
        doneRows: row.doneRows,
      });
      this.inBackground({
        id: row.id,
        claim,
        tenant,
        fileHash: row.fileHash,
        fileName: row.fileName,
        by: row.byWhom,
        rows: row.rows,
      });
      resumed++;
    }
    return resumed;
  }

  /** Looks for stopped imports now and every minute, until `stop`: what a serving process runs. */
  watch(): void {
    const sweep = () =>
      void this.resumeStopped().catch((error: unknown) =>
        this.logger?.error('customer import resume failed', { error }),
      );
    this.timer = setInterval(sweep, WATCH_EVERY_MS).unref();
    sweep();
  }

  /** The chunk under way commits; the run is let go for the next process (which may already be serving). */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.settled();
  }

  /** Imports and dry runs both done and ended: resolves once every import started here has ended. */
  async settled(): Promise<void> {
    while (this.runs.size > 0) await Promise.allSettled([...this.runs]);
  }

  progress(tenantId: string, id: number): ImportProgress | undefined {
    const row = imports.run(this.db, tenantId, id);
    if (!row) return undefined;
    const now = this.now().getTime();
    const stale = row.status === 'running' && now - row.updatedAt.getTime() > STALE_MS;
    const waiting =
      row.status === 'running' &&
      row.counts !== null &&
      (row.claim === null || stale) &&
      now - row.createdAt.getTime() <= RESUME_WITHIN_MS;
    return {
      id: row.id,
      status: stale && !waiting ? 'stopped' : row.status,
      waiting,
      fileHash: row.fileHash,
      fileName: row.fileName,
      by: row.byWhom,
      rows: row.rows,
      doneRows: row.doneRows,
      created: row.created,
      updated: row.updated,
      unchanged: row.unchanged,
      skipped: row.skipped,
      points: row.points,
      error: row.error,
      startedAt: row.createdAt.getTime(),
      finishedAt: row.finishedAt?.getTime() ?? null,
    };
  }

  private inBackground(run: RunContext): void {
    const running = this.execute(run).finally(() => this.runs.delete(running));
    this.runs.add(running);
  }

  private async execute(run: RunContext): Promise<void> {
    const { tenant } = run;
    try {
      const rules = ledgerRulesOf(tenant);
      for (;;) {
        if (this.stopping) {
          immediate(this.db, (tx) => this.letGo(tx, run));
          return;
        }
        await this.pause();
        const more = immediate(this.db, (tx) => this.importChunk(tx, run, rules));
        if (!more) break;
      }
      immediate(this.db, (tx) => this.finish(tx, run));
    } catch (error) {
      if (error instanceof ClaimLost) {
        this.logger?.warn('customer import taken over by another process', {
          importId: run.id,
          tenantId: tenant.accountId,
        });
        return;
      }
      this.logger?.error('customer import failed', { importId: run.id, tenantId: tenant.accountId, error });
      try {
        immediate(this.db, (tx) => this.end(tx, run.id, run.claim, FAILED));
      } catch {
        // The database is gone (shutdown): the run stays claimed, goes stale, and another process resumes it.
      }
    }
  }

  /** Imports the run's next chunk, counts it and deletes it; false when none is left. */
  private importChunk(tx: DbOrTx, run: RunContext, rules: LedgerRules): boolean {
    const current = imports.ownedRun(tx, run.id, run.claim);
    if (!current) throw new ClaimLost();
    const chunk = imports.nextChunk(tx, run.id);
    if (!chunk) return false;
    const now = this.now();
    const expiresAt = lotExpiresAt(rules, 'earned', now.getTime());
    const counts = countsOf(current);
    const key = { tenantId: run.tenant.accountId, fileHash: run.fileHash };
    const rows = unpackChunk(chunk.rows);
    for (const row of rows) {
      const decision = this.decide(tx, key, row);
      countRow(counts, row, decision, this.apply(tx, run.tenant, key.fileHash, row, decision, expiresAt, now));
    }
    imports.updateRun(tx, run.id, {
      ...progressOf(counts, current.doneRows + rows.length),
      counts: { ...counts },
      updatedAt: now,
    });
    imports.deleteChunk(tx, run.id, chunk.seq);
    return true;
  }

  /** Every chunk is in: the run is done and says so in the log, once. */
  private finish(tx: DbOrTx, run: RunContext): void {
    const current = imports.ownedRun(tx, run.id, run.claim);
    if (!current) throw new ClaimLost();
    const counts = countsOf(current);
    const now = this.now();
    imports.updateRun(tx, run.id, {
      ...progressOf(counts, run.rows),
      status: 'done',
      claim: null,
      updatedAt: now,
      finishedAt: now,
    });
    imports.deleteChunks(tx, run.id);
    recordAdminAction(
      this.txlog,
      run.by,
      'ledger.import',
      {
        tenantId: run.tenant.accountId,
        pointsEarned: counts.pointsPosted > 0 ? counts.pointsPosted : null,
        pointsSpent: counts.pointsPosted < 0 ? -counts.pointsPosted : null,
        request: { importId: run.id, fileHash: run.fileHash, fileName: run.fileName, rows: run.rows },
        response: {
          created: counts.created,
          updated: counts.updated,
          unchanged: counts.unchanged,
          skipped: counts.skipped,
          duplicatesInFile: counts.duplicatesInFile,
          // Named without "phone": the log masks every value under such a key.
          badNumbers: counts.badPhones,
          pointsInFile: counts.pointsInFile,
          pointsPosted: counts.pointsPosted,
        },
      },
      tx,
    );
  }

  /** A process stopping gives its run up at once: the next one takes it without waiting for it to go stale. */
  private letGo(tx: DbOrTx, run: RunContext): void {
    if (imports.ownedRun(tx, run.id, run.claim)) imports.updateRun(tx, run.id, { claim: null });
  }

  /** Ends a run this process holds without finishing it: the reason for the owner, its stored rows dropped. */
  private end(tx: DbOrTx, id: number, claim: string, error: string): void {
    const now = this.now();
    if (!imports.ownedRun(tx, id, claim)) return;
    imports.updateRun(tx, id, { status: 'failed', error, claim: null, updatedAt: now, finishedAt: now });
    imports.deleteChunks(tx, id);
  }

  /** Finds the row's customer by phone, then card; the same file already applied to them is 'unchanged'. */
  private decide(tx: DbOrTx, key: { tenantId: string; fileHash: string }, row: ParsedRow): Decision {
    const byPhone = row.phone ? customers.findByPhone(tx, key.tenantId, row.phone) : undefined;
    const byCard = row.card ? customers.findByCard(tx, key.tenantId, row.card) : undefined;
    if (byPhone && byCard && byPhone.id !== byCard.id) {
      return { kind: 'conflict', message: 'телефон и карта принадлежат разным покупателям, строка пропущена' };
    }
    const customer = byPhone ?? byCard;
    if (!customer) return { kind: 'create' };
    const by = byPhone ? 'phone' : 'card';
    const kind = imports.imported(tx, key.tenantId, key.fileHash, customer.id) ? 'unchanged' : 'update';
    return { kind, customer, by };
  }

  /** Writes one decided row; returns the points posted. */
  private apply(
    tx: DbOrTx,
    tenant: Tenant,
    fileHash: string,
    row: ParsedRow,
    decision: Decision,
    expiresAt: number | null,
    now: Date,
  ): number {
    if (decision.kind === 'conflict' || decision.kind === 'unchanged') return 0;
    const tenantId = tenant.accountId;
    let customerId: string;
    let points: number;
    if (decision.kind === 'create') {
      customerId = randomUUID();
      customers.insert(tx, {
        id: customerId,
        tenantId,
        ...storedFields({
          phone: row.phone ?? undefined,
          discountCardNumber: row.card ?? undefined,
          name: row.name ?? undefined,
          email: row.email ?? undefined,
          birthDate: row.birthDate ?? undefined,
        }),
        // A customer brought from another program is not new to the shop: no welcome points.
        welcomeGranted: true,
        tierLevel: row.tierLevel ?? 0,
        // Registered with us since they joined the old program: the birthday gift's wait counts from then.
        createdAt: row.joinedAt === null ? now : new Date(row.joinedAt),
        updatedAt: now,
      });
      points = row.balance;
    } else {
      const { customer } = decision;
      customerId = customer.id;
      const balance = customer.balance - settleExpiry(tx, customer.id, now);
      points = row.balance - balance;
      imports.fillBlanks(
        tx,
        customer.id,
        {
          phone: row.phone,
          cardNumber: row.card,
          email: row.email,
          birthDate: row.birthDate,
          tierLevel: row.tierLevel,
          joinedAt: row.joinedAt,
        },
        now.getTime(),
      );
    }
    const entryId =
      postEntry(tx, { tenantId, customerId, points, kind: 'import' }, now, {
        expiresAt: points > 0 ? expiresAt : null,
      }) ?? null;
    imports.recordEntry(tx, { tenantId, fileHash, customerId, entryId, rowNumber: row.line }, now.getTime());
    return points;
  }
}

/** The points the import would post for a decided row: against the balance once points past their date go. */
function expectedPoints(tx: DbOrTx, row: ParsedRow, decision: Decision, now: Date): number {
  if (decision.kind === 'create') return row.balance;
  if (decision.kind !== 'update') return 0;
  const { customer } = decision;
  return row.balance - Math.max(0, customer.balance - lotRepository.dueRemaining(tx, customer.id, now.getTime()));
}

/** The counts as customer_imports keeps them beside the JSON, for the page and the admin list. */
function progressOf(counts: ImportCounts, doneRows: number) {
  const { created, updated, unchanged, skipped, pointsPosted } = counts;
  return { doneRows, created, updated, unchanged, skipped, points: pointsPosted };
}

function countsOf(run: ImportRun): ImportCounts {
  return { ...(run.counts as unknown as ImportCounts) };
}
