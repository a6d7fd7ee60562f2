import { randomUUID } from 'node:crypto';
import type { Customer, CustomerImportStatus, Tenant } from '../../db/schema/index.js';
import { ValidationError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { parseBirthDate } from '../locale/birth-date.js';
import { normalizePhone } from '../locale/phone.js';
import { MAX_POINTS } from '../receipt/bounds.js';
import { kopecksForPoints } from '../receipt/points.js';
import { immediate, type Db, type DbOrTx } from '../storage/database.js';
import { recordAdminAction } from '../txlog/admin-audit.js';
import type { TransactionLog } from '../txlog/transaction-log.js';
import { customerImportRepository as imports } from './customer-import-repository.js';
import { customerRepository as customers, storedFields } from './customer-repository.js';
import type { CustomerFile, FileRow } from './customer-file.js';
import { IMPORT_FIELDS, type ColumnMapping } from './import-presets.js';
import { lotRepository } from './lot-repository.js';
import { lotExpiresAt, postEntry, settleExpiry } from './point-lots.js';
import { ledgerRulesOf } from './rules.js';
import { tierRulesOf, tiersOn, type TierRules } from './tier-rules.js';

/**
 * Rows per SQLite transaction of the import: about 0.15 ms of CPU each (test/bench/customer-import.ts), so
 * a chunk holds the write lock and the event loop some 15 ms and the till's calls pass between chunks.
 */
export const IMPORT_CHUNK_ROWS = 100;
/** Rows the dry run and the parse go through between two turns of the event loop: reads only, cheaper. */
const READ_CHUNK_ROWS = 1000;
const MAX_NAME = 255;

/** A row the report names: skipped ones are not imported, the others are imported without the field named. */
export interface RowProblem {
  line: number;
  message: string;
  skipped: boolean;
}

export interface ImportCounts {
  /** Data rows in the file. */
  rows: number;
  /** New customers. */
  created: number;
  /** Existing customers whose balance this file sets (their first import of this file). */
  updated: number;
  /** Existing customers this file already set: nothing changes. */
  unchanged: number;
  /** Rows not imported: bad phone, duplicate, conflict, no phone and no card, bad balance. */
  skipped: number;
  matchedByPhone: number;
  matchedByCard: number;
  duplicatesInFile: number;
  badPhones: number;
  /** Σ balances of the rows imported: what the customers will hold. */
  pointsInFile: number;
  /** Σ import entries: how much the points liability moves. */
  pointsPosted: number;
}

export interface ImportReport extends ImportCounts {
  fileHash: string;
  /** pointsInFile at the tenant's spend rate, kopecks. */
  pointsInFileKopecks: number;
  pointsPostedKopecks: number;
  problems: RowProblem[];
}

interface ParsedRow {
  line: number;
  phone: string | null;
  card: string | null;
  name: string | null;
  email: string | null;
  birthDate: string | null;
  balance: number;
  tierLevel: number | null;
}

type Decision =
  | { kind: 'create' }
  | { kind: 'update' | 'unchanged'; customer: Customer; by: 'phone' | 'card' }
  | { kind: 'conflict'; message: string };

export interface ImportRequest {
  tenant: Tenant;
  file: CustomerFile;
  fileName?: string;
  mapping: ColumnMapping;
  /** Who runs it, for the log: an admin login or the МойСклад employee. */
  by: string;
}

/** A run as the page shows it while it goes and once it ended. */
export interface ImportProgress {
  id: number;
  status: CustomerImportStatus | 'stopped';
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

/**
 * Brings a shop's customers and their points from a file into the built-in ledger. The dry run and the
 * import read every row through the same steps (parse, find the customer, decide), so the dry run's
 * counts are the import's as long as nothing else changes the customers in between. The file's balance is
 * the target: a customer's first import of this file writes an 'import' entry of the difference, keyed by
 * (file hash, customer), so the same file twice changes nothing. Imported points live as long as earned
 * ones, counted from the import. The import runs in the background in chunks (progress in
 * customer_imports); one stopped by a restart is finished by importing the same file again.
 */
export class CustomerImport {
  private readonly runs = new Set<Promise<void>>();
  private readonly now: () => Date;

  constructor(
    private readonly db: Db,
    private readonly txlog: TransactionLog,
    private readonly logger?: Logger,
    options: { now?: () => Date } = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** What the import would do, without writing anything; reads in chunks, yielding between them. */
  async dryRun(request: ImportRequest): Promise<ImportReport> {
    const now = this.now();
    const session = await ImportSession.open(request);
    for (let start = 0; start < session.rows.length; start += READ_CHUNK_ROWS) {
      if (start > 0) await nextTurn();
      for (const row of session.rows.slice(start, start + READ_CHUNK_ROWS)) {
        const decision = this.decide(this.db, request, row);
        session.count(row, decision, expectedPoints(this.db, row, decision, now));
      }
    }
    return session.report();
  }

  /** Records the run and starts it in the background; its progress is `progress(tenant, id)`. */
  async start(request: ImportRequest): Promise<number> {
    const session = await ImportSession.open(request);
    const now = this.now();
    const id = immediate(this.db, (tx) =>
      imports.insertRun(tx, {
        tenantId: request.tenant.accountId,
        fileHash: request.file.hash,
        fileName: request.fileName?.slice(0, MAX_NAME) || null,
        byWhom: request.by,
        status: 'running',
        rows: request.file.rows.length,
        createdAt: now,
        updatedAt: now,
      }),
    );
    const run = this.execute(id, request, session).finally(() => this.runs.delete(run));
    this.runs.add(run);
    return id;
  }

  /** Imports and dry runs both done and ended: resolves once every import started here has ended. */
  async settled(): Promise<void> {
    while (this.runs.size > 0) await Promise.allSettled([...this.runs]);
  }

  progress(tenantId: string, id: number): ImportProgress | undefined {
    const row = imports.run(this.db, tenantId, id);
    if (!row) return undefined;
    const stale = row.status === 'running' && this.now().getTime() - row.updatedAt.getTime() > STALE_MS;
    return {
      id: row.id,
      status: stale ? 'stopped' : row.status,
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

  private async execute(id: number, request: ImportRequest, session: ImportSession): Promise<void> {
    const { tenant } = request;
    try {
      const rules = ledgerRulesOf(tenant);
      // Rows refused while parsing are through already.
      const through = request.file.rows.length - session.rows.length;
      for (let start = 0; start < session.rows.length; start += IMPORT_CHUNK_ROWS) {
        await nextTurn();
        const chunk = session.rows.slice(start, start + IMPORT_CHUNK_ROWS);
        immediate(this.db, (tx) => {
          const now = this.now();
          const expiresAt = lotExpiresAt(rules, 'earned', now.getTime());
          for (const row of chunk) {
            const decision = this.decide(tx, request, row);
            session.count(row, decision, this.apply(tx, request, row, decision, expiresAt, now));
          }
          imports.updateRun(tx, id, { ...session.progress(through + start + chunk.length), updatedAt: now });
        });
      }
      const report = session.report();
      immediate(this.db, (tx) => {
        const now = this.now();
        imports.updateRun(tx, id, {
          ...session.progress(report.rows),
          status: 'done',
          updatedAt: now,
          finishedAt: now,
        });
        recordAdminAction(
          this.txlog,
          request.by,
          'ledger.import',
          {
            tenantId: tenant.accountId,
            pointsEarned: report.pointsPosted > 0 ? report.pointsPosted : null,
            pointsSpent: report.pointsPosted < 0 ? -report.pointsPosted : null,
            request: { importId: id, fileHash: report.fileHash, fileName: request.fileName ?? null, rows: report.rows },
            response: {
              created: report.created,
              updated: report.updated,
              unchanged: report.unchanged,
              skipped: report.skipped,
              duplicatesInFile: report.duplicatesInFile,
              // Named without "phone": the log masks every value under such a key.
              badNumbers: report.badPhones,
              pointsInFile: report.pointsInFile,
              pointsPosted: report.pointsPosted,
            },
          },
          tx,
        );
      });
    } catch (error) {
      this.logger?.error('customer import failed', { importId: id, tenantId: tenant.accountId, error });
      try {
        const now = this.now();
        immediate(this.db, (tx) =>
          imports.updateRun(tx, id, {
            status: 'failed',
            error:
              'Перенос остановлен из-за ошибки на сервере. Загрузите тот же файл ещё раз: перенесённые строки не повторятся.',
            updatedAt: now,
            finishedAt: now,
          }),
        );
      } catch {
        // The database is gone (shutdown): the row stays 'running' and reads as stopped once it is stale.
      }
    }
  }

  /** Finds the row's customer by phone, then card; the same file already applied to them is 'unchanged'. */
  private decide(tx: DbOrTx, { tenant, file }: ImportRequest, row: ParsedRow): Decision {
    const byPhone = row.phone ? customers.findByPhone(tx, tenant.accountId, row.phone) : undefined;
    const byCard = row.card ? customers.findByCard(tx, tenant.accountId, row.card) : undefined;
    if (byPhone && byCard && byPhone.id !== byCard.id) {
      return { kind: 'conflict', message: 'телефон и карта принадлежат разным покупателям, строка пропущена' };
    }
    const customer = byPhone ?? byCard;
    if (!customer) return { kind: 'create' };
    const by = byPhone ? 'phone' : 'card';
    const kind = imports.imported(tx, tenant.accountId, file.hash, customer.id) ? 'unchanged' : 'update';
    return { kind, customer, by };
  }

  /** Writes one decided row; returns the points posted. */
  private apply(
    tx: DbOrTx,
    { tenant, file }: ImportRequest,
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
        createdAt: now,
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
        },
        now.getTime(),
      );
    }
    const entryId =
      postEntry(tx, { tenantId, customerId, points, kind: 'import' }, now, {
        expiresAt: points > 0 ? expiresAt : null,
      }) ?? null;
    imports.recordEntry(tx, { tenantId, fileHash: file.hash, customerId, entryId, rowNumber: row.line }, now.getTime());
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

/** One pass over a file: its rows parsed once, duplicates within it found once, the counts kept. */
class ImportSession {
  readonly rows: ParsedRow[] = [];
  private readonly problems: RowProblem[] = [];
  private readonly counts: ImportCounts;
  private readonly rules;

  /** Parses every row and finds duplicates within the file, yielding to the event loop every chunk. */
  static async open(request: ImportRequest): Promise<ImportSession> {
    const session = new ImportSession(request);
    const phones = new Map<string, number>();
    const cards = new Map<string, number>();
    const tiers = tierRulesOf(request.tenant);
    const { rows } = request.file;
    for (let start = 0; start < rows.length; start += READ_CHUNK_ROWS) {
      if (start > 0) await nextTurn();
      for (const fileRow of rows.slice(start, start + READ_CHUNK_ROWS)) session.add(fileRow, tiers, phones, cards);
    }
    return session;
  }

  private constructor(private readonly request: ImportRequest) {
    const { file, mapping, tenant } = request;
    checkMapping(mapping, file.header.length);
    this.rules = ledgerRulesOf(tenant);
    this.counts = {
      rows: file.rows.length,
      created: 0,
      updated: 0,
      unchanged: 0,
      skipped: 0,
      matchedByPhone: 0,
      matchedByCard: 0,
      duplicatesInFile: 0,
      badPhones: 0,
      pointsInFile: 0,
      pointsPosted: 0,
    };
  }

  private add(fileRow: FileRow, tiers: TierRules, phones: Map<string, number>, cards: Map<string, number>): void {
    const row = this.parse(fileRow, tiers);
    if (!row) return;
    const samePhone = row.phone ? phones.get(row.phone) : undefined;
    const sameCard = row.card ? cards.get(row.card) : undefined;
    if (samePhone !== undefined || sameCard !== undefined) {
      this.counts.duplicatesInFile += 1;
      this.skip(
        row.line,
        samePhone !== undefined
          ? `тот же телефон, что в строке ${samePhone}, строка пропущена`
          : `та же карта, что в строке ${sameCard}, строка пропущена`,
      );
      return;
    }
    if (row.phone) phones.set(row.phone, row.line);
    if (row.card) cards.set(row.card, row.line);
    this.rows.push(row);
  }

  /** The counts so far, as customer_imports keeps them; rows skipped while parsing count from the start. */
  progress(doneRows: number) {
    const { created, updated, unchanged, skipped, pointsPosted } = this.counts;
    return { doneRows, created, updated, unchanged, skipped, points: pointsPosted };
  }

  count(row: ParsedRow, decision: Decision, posted: number): void {
    const counts = this.counts;
    if (decision.kind === 'conflict') return this.skip(row.line, decision.message);
    counts.pointsInFile += row.balance;
    counts.pointsPosted += posted;
    if (decision.kind === 'create') {
      counts.created += 1;
      return;
    }
    if (decision.by === 'phone') counts.matchedByPhone += 1;
    else counts.matchedByCard += 1;
    if (decision.kind === 'unchanged') {
      counts.unchanged += 1;
      return;
    }
    counts.updated += 1;
  }

  report(): ImportReport {
    return {
      ...this.counts,
      fileHash: this.request.file.hash,
      pointsInFileKopecks: kopecksForPoints(this.counts.pointsInFile, this.rules),
      pointsPostedKopecks:
        Math.sign(this.counts.pointsPosted) * kopecksForPoints(Math.abs(this.counts.pointsPosted), this.rules),
      problems: this.problems.sort((a, b) => a.line - b.line),
    };
  }

  private skip(line: number, message: string): void {
    this.counts.skipped += 1;
    this.problems.push({ line, message, skipped: true });
  }

  private note(line: number, message: string): void {
    this.problems.push({ line, message, skipped: false });
  }

  /** A file row as the ledger stores it, or undefined (with its problem) when it cannot be imported. */
  private parse({ line, cells }: FileRow, tiers: TierRules): ParsedRow | undefined {
    const { mapping } = this.request;
    const cell = (field: keyof ColumnMapping) => {
      const index = mapping[field];
      return index === undefined ? '' : (cells[index] ?? '').trim();
    };
    const rawPhone = cell('phone');
    const phone = rawPhone ? normalizePhone(rawPhone) : null;
    if (rawPhone && !phone) {
      this.counts.badPhones += 1;
      this.skip(line, `телефон «${rawPhone.slice(0, 40)}» не похож на российский номер, строка пропущена`);
      return undefined;
    }
    const card = cell('card').slice(0, MAX_NAME) || null;
    if (!phone && !card) {
      this.skip(line, 'нет ни телефона, ни номера карты, строка пропущена');
      return undefined;
    }
    const balance = pointsOf(cell('balance'));
    if (balance === undefined) {
      this.skip(line, `баланс «${cell('balance').slice(0, 40)}» не число баллов от 0, строка пропущена`);
      return undefined;
    }
    if (balance.cut) this.note(line, `дробная часть баланса ${cell('balance')} отброшена`);

    const rawEmail = cell('email');
    const email = /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(rawEmail) ? rawEmail.slice(0, MAX_NAME) : null;
    if (rawEmail && !email) this.note(line, `e-mail «${rawEmail.slice(0, 40)}» не похож на адрес, не перенесён`);
    const rawBirthday = cell('birthday');
    const birthDate = rawBirthday ? birthDateOf(rawBirthday) : null;
    if (rawBirthday && !birthDate)
      this.note(line, `дата рождения «${rawBirthday.slice(0, 40)}» не распознана, не перенесена`);
    const rawLevel = cell('level');
    const tierLevel = rawLevel ? levelOf(rawLevel, tiers) : null;
    if (rawLevel && tierLevel === null) {
      this.note(
        line,
        tiersOn(tiers)
          ? `уровня «${rawLevel.slice(0, 40)}» нет в настройках, покупатель перенесён без уровня`
          : 'уровни выключены в настройках, уровень не перенесён',
      );
    }
    return {
      line,
      phone,
      card,
      name: cell('name').slice(0, MAX_NAME) || null,
      email,
      birthDate,
      balance: balance.points,
      tierLevel,
    };
  }
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

function checkMapping(mapping: ColumnMapping, columns: number): void {
  for (const field of IMPORT_FIELDS) {
    const index = mapping[field];
    if (index !== undefined && (!Number.isInteger(index) || index < 0 || index >= columns)) {
      throw new ValidationError('В сопоставлении столбцов указан столбец, которого нет в файле.');
    }
  }
  if (mapping.phone === undefined && mapping.card === undefined) {
    throw new ValidationError('Укажите, в каком столбце телефон или номер карты: по ним находятся покупатели.');
  }
}

/** "1 234", "1234,50", "" (0) → whole points, fractions dropped; undefined for anything else. */
function pointsOf(text: string): { points: number; cut: boolean } | undefined {
  const plain = text.replace(/[\s\u00a0\u202f]/g, '').replace(',', '.');
  if (plain === '') return { points: 0, cut: false };
  if (!/^\d+(\.\d+)?$/.test(plain)) return undefined;
  const value = Number(plain);
  const points = Math.floor(value);
  if (!Number.isSafeInteger(points) || points > MAX_POINTS) return undefined;
  return { points, cut: points !== value };
}

/** "31.12.1990", "31/12/1990", "1990-12-31" (time allowed) → "1990-12-31" as the ledger keeps it (app/locale/birth-date.ts). */
function birthDateOf(text: string): string | null {
  const russian = /^(\d{1,2})[./](\d{1,2})[./](\d{4})$/.exec(text);
  if (!russian) return parseBirthDate(text);
  const [, day, month, year] = russian as unknown as [string, string, string, string];
  return parseBirthDate(`${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`);
}

/** A level by its name in the settings (any case) or its number from 1; null when there is none such. */
function levelOf(text: string, tiers: TierRules): number | null {
  if (!tiersOn(tiers)) return null;
  const byName = tiers.levels.findIndex((level) => level.name.trim().toLowerCase() === text.toLowerCase());
  if (byName >= 0) return byName;
  const number = /^\d+$/.test(text) ? Number(text) : 0;
  return number >= 1 && number <= tiers.levels.length ? number - 1 : null;
}
