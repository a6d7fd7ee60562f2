/**
 * The rows of a customer file as the import sees them: parsed once (phone, card, balance, birth date,
 * level, join date), duplicates within the file found, counted for the report, and packed for
 * customer_import_chunks so another process can resume a run. Nothing here writes to the database.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import type { Customer, Tenant } from '../../db/schema/index.js';
import { ValidationError } from '../errors.js';
import { parseBirthDate } from '../locale/birth-date.js';
import { moscowMidnightOf, type CalendarDate } from '../locale/moscow-day.js';
import { normalizePhone } from '../locale/phone.js';
import { MAX_POINTS } from '../receipt/bounds.js';
import { kopecksForPoints } from '../receipt/points.js';
import type { CustomerFile, FileRow } from './customer-file.js';
import { FIELD_LABELS, IMPORT_FIELDS, type ColumnMapping } from './import-presets.js';
import { ledgerRulesOf } from './rules.js';
import { tierRulesOf, tiersOn, type TierRules } from './tier-rules.js';

/**
 * Rows per SQLite transaction of the import: about 0.15 ms of CPU each (test/bench/customer-import.ts), so
 * a chunk holds the write lock and the event loop some 15 ms and the till's calls pass between chunks.
 */
export const IMPORT_CHUNK_ROWS = 100;
/** Rows the dry run and the parse go through between two turns of the event loop: reads only, cheaper. */
export const READ_CHUNK_ROWS = 1000;
export const MAX_NAME = 255;

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

export interface ParsedRow {
  line: number;
  phone: string | null;
  card: string | null;
  name: string | null;
  email: string | null;
  birthDate: string | null;
  balance: number;
  tierLevel: number | null;
  /** The start of the Moscow day the customer joined the previous program (epoch ms): «В программе с». */
  joinedAt: number | null;
}

export type Decision =
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

/** The join date's field as the report's lines name it. */
const JOINED_LABEL = `«${FIELD_LABELS.joined}»`;

/** One pass over a file: its rows parsed once, duplicates within it found once, the counts kept. */
export class ImportSession {
  readonly rows: ParsedRow[] = [];
  private readonly problems: RowProblem[] = [];
  private readonly tally: ImportCounts;
  private readonly rules;

  /**
   * Parses every row and finds duplicates within the file, yielding to the event loop every chunk. `now`
   * decides which join dates are still to come.
   */
  static async open(request: ImportRequest, now: Date): Promise<ImportSession> {
    const session = new ImportSession(request, now);
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

  private constructor(
    private readonly request: ImportRequest,
    private readonly now: Date,
  ) {
    const { file, mapping, tenant } = request;
    checkMapping(mapping, file.header.length);
    this.rules = ledgerRulesOf(tenant);
    this.tally = {
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
      this.tally.duplicatesInFile += 1;
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

  /** The counts so far: after the parse, those of the rows it refused. */
  counts(): ImportCounts {
    return { ...this.tally };
  }

  count(row: ParsedRow, decision: Decision, posted: number): void {
    if (decision.kind === 'conflict') this.problems.push({ line: row.line, message: decision.message, skipped: true });
    countRow(this.tally, row, decision, posted);
  }

  report(): ImportReport {
    return {
      ...this.tally,
      fileHash: this.request.file.hash,
      pointsInFileKopecks: kopecksForPoints(this.tally.pointsInFile, this.rules),
      pointsPostedKopecks:
        Math.sign(this.tally.pointsPosted) * kopecksForPoints(Math.abs(this.tally.pointsPosted), this.rules),
      problems: this.problems.sort((a, b) => a.line - b.line),
    };
  }

  private skip(line: number, message: string): void {
    this.tally.skipped += 1;
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
      this.tally.badPhones += 1;
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
    const birthDate = rawBirthday ? calendarDateOf(rawBirthday) : null;
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
    const rawJoined = cell('joined');
    const joinedOn = rawJoined ? calendarDateOf(rawJoined) : null;
    let joinedAt = joinedOn ? moscowMidnightOf(calendarDate(joinedOn)) : null;
    if (rawJoined && joinedAt === null) {
      this.note(line, `дата «${rawJoined.slice(0, 40)}» в столбце ${JOINED_LABEL} не распознана, не перенесена`);
    } else if (joinedAt !== null && joinedAt > this.now.getTime()) {
      this.note(line, `дата «${rawJoined.slice(0, 40)}» в столбце ${JOINED_LABEL} ещё не наступила, не перенесена`);
      joinedAt = null;
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
      joinedAt,
    };
  }
}

export const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** One decided row in the counts: a conflict is skipped, the others imported (or already were). */
export function countRow(counts: ImportCounts, row: ParsedRow, decision: Decision, posted: number): void {
  if (decision.kind === 'conflict') {
    counts.skipped += 1;
    return;
  }
  counts.pointsInFile += row.balance;
  counts.pointsPosted += posted;
  if (decision.kind === 'create') {
    counts.created += 1;
    return;
  }
  if (decision.by === 'phone') counts.matchedByPhone += 1;
  else counts.matchedByCard += 1;
  if (decision.kind === 'unchanged') counts.unchanged += 1;
  else counts.updated += 1;
}

/**
 * A stored row: only the fields the import writes, in a fixed order (no keys), the chunk deflated, so a
 * run's rows take less room than its file did. Fields added later go at the end and may be missing: a run
 * stored by the code before them still resumes.
 */
type StoredRow = [
  number,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  number,
  number | null,
  (number | null)?,
];

/** The rows in chunks of IMPORT_CHUNK_ROWS as customer_import_chunks keeps them, yielding every few chunks. */
export async function packedChunks(rows: readonly ParsedRow[]): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for (let start = 0; start < rows.length; start += IMPORT_CHUNK_ROWS) {
    if (chunks.length % 10 === 9) await nextTurn();
    const stored = rows
      .slice(start, start + IMPORT_CHUNK_ROWS)
      .map((r): StoredRow => [
        r.line,
        r.phone,
        r.card,
        r.name,
        r.email,
        r.birthDate,
        r.balance,
        r.tierLevel,
        r.joinedAt,
      ]);
    chunks.push(deflateSync(JSON.stringify(stored)));
  }
  return chunks;
}

export function unpackChunk(bytes: Buffer): ParsedRow[] {
  const stored = JSON.parse(inflateSync(bytes).toString('utf8')) as StoredRow[];
  return stored.map(([line, phone, card, name, email, birthDate, balance, tierLevel, joinedAt]) => ({
    line,
    phone,
    card,
    name,
    email,
    birthDate,
    balance,
    tierLevel,
    joinedAt: joinedAt ?? null,
  }));
}

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

/**
 * A date cell (birthday, join date): "31.12.1990", "31/12/1990", "1990-12-31" (time allowed) → "1990-12-31"
 * as the ledger keeps it (app/locale/birth-date.ts).
 */
function calendarDateOf(text: string): string | null {
  const russian = /^(\d{1,2})[./](\d{1,2})[./](\d{4})$/.exec(text);
  if (!russian) return parseBirthDate(text);
  const [, day, month, year] = russian as unknown as [string, string, string, string];
  return parseBirthDate(`${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`);
}

function calendarDate(date: string): CalendarDate {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return { year, month, day };
}

/** A level by its name in the settings (any case) or its number from 1; null when there is none such. */
function levelOf(text: string, tiers: TierRules): number | null {
  if (!tiersOn(tiers)) return null;
  const byName = tiers.levels.findIndex((level) => level.name.trim().toLowerCase() === text.toLowerCase());
  if (byName >= 0) return byName;
  const number = /^\d+$/.test(text) ? Number(text) : 0;
  return number >= 1 && number <= tiers.levels.length ? number - 1 : null;
}
