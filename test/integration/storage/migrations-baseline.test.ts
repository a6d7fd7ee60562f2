import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { openStorage, type Storage } from '../../../app/storage/database.js';
import { projectPath } from '../../../app/project-root.js';

interface ColumnRow {
  cid: number;
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
}
interface IndexRow {
  name: string;
  unique: number;
  origin: string;
  partial: number;
}
interface IndexColumnRow {
  seqno: number;
  name: string | null;
  desc: number;
  coll: string;
  key: number;
}
interface ForeignKeyRow {
  id: number;
  seq: number;
  table: string;
  from: string;
  to: string | null;
  on_update: string;
  on_delete: string;
  match: string;
}

/** The CHECK(...) clauses of a CREATE TABLE statement, by constraint name, with balanced parentheses. */
function checkConstraints(sql: string): string[] {
  const checks: string[] = [];
  const pattern = /CONSTRAINT\s+("[^"]+"|`[^`]+`|\w+)\s+CHECK\s*\(/gi;
  for (let match = pattern.exec(sql); match; match = pattern.exec(sql)) {
    let depth = 1;
    let end = pattern.lastIndex;
    while (depth > 0 && end < sql.length) {
      if (sql[end] === '(') depth++;
      if (sql[end] === ')') depth--;
      end++;
    }
    const clause = sql
      .slice(pattern.lastIndex, end - 1)
      .replace(/\s+/g, ' ')
      .trim();
    checks.push(`${match[1]!.slice(1, -1)}: ${clause}`);
  }
  return checks.sort();
}

/** The WHERE clause of a partial index, whitespace collapsed; null for a full index. */
function partialWhere(sql: string | null): string | null {
  const match = sql ? /\bWHERE\b([\s\S]*)$/i.exec(sql) : null;
  return match ? match[1]!.replace(/\s+/g, ' ').trim() : null;
}

/**
 * A description of every application table that two databases share exactly when their schemas agree:
 * columns (type, not null, default, primary key), indexes (columns, order, unique, partial WHERE),
 * foreign keys and CHECK constraints. Drizzle's own bookkeeping and SQLite's internal tables are left out.
 */
export function describeSchema(sqlite: Database.Database): Record<string, unknown> {
  const tables = sqlite
    .prepare(
      "select name, sql from sqlite_master where type = 'table' and name not like 'sqlite_%' " +
        "and name <> '__drizzle_migrations' order by name",
    )
    .all() as Array<{ name: string; sql: string }>;
  const indexSql = new Map(
    (
      sqlite.prepare("select name, sql from sqlite_master where type = 'index'").all() as Array<{
        name: string;
        sql: string | null;
      }>
    ).map((row) => [row.name, row.sql]),
  );
  const description: Record<string, unknown> = {};
  for (const table of tables) {
    const columns = (sqlite.pragma(`table_info(\`${table.name}\`)`) as ColumnRow[])
      .sort((a, b) => a.cid - b.cid)
      .map((column) => ({
        name: column.name,
        type: column.type.toLowerCase(),
        notnull: column.notnull === 1,
        default: column.dflt_value,
        pk: column.pk,
      }));
    const indexes = (sqlite.pragma(`index_list(\`${table.name}\`)`) as IndexRow[])
      .map((index) => ({
        name: index.name,
        unique: index.unique === 1,
        origin: index.origin,
        partial: partialWhere(indexSql.get(index.name) ?? null),
        columns: (sqlite.pragma(`index_xinfo(\`${index.name}\`)`) as IndexColumnRow[])
          .filter((column) => column.key === 1)
          .sort((a, b) => a.seqno - b.seqno)
          .map((column) => `${column.name ?? '<expr>'}${column.desc ? ' desc' : ''} ${column.coll}`),
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const foreignKeys = (sqlite.pragma(`foreign_key_list(\`${table.name}\`)`) as ForeignKeyRow[])
      .map((key) => ({
        from: key.from,
        table: key.table,
        to: key.to,
        onUpdate: key.on_update,
        onDelete: key.on_delete,
        match: key.match,
      }))
      .sort((a, b) => `${a.from}>${a.table}`.localeCompare(`${b.from}>${b.table}`));
    description[table.name] = {
      autoincrement: /\bAUTOINCREMENT\b/i.test(table.sql),
      columns,
      indexes,
      foreignKeys,
      checks: checkConstraints(table.sql),
    };
  }
  return description;
}

/**
 * The four migrations written before the first release (0000_init … 0003_iframe_admin_providers) were squashed
 * into one baseline. test/fixtures/schema-before-squash.json is describeSchema of a database built by those four,
 * taken at the squash; a database built by the baseline alone must describe the same. Later migrations follow it.
 */
describe('Baseline migration', () => {
  let folder: string;
  let storage: Storage;
  const sqlFiles = () =>
    readdirSync(projectPath('db/migrations'))
      .filter((name) => name.endsWith('.sql'))
      .sort();
  before(() => {
    folder = mkdtempSync(join(tmpdir(), 'migrations-baseline-'));
    storage = openStorage(join(folder, 'fresh.sqlite'));
  });
  after(() => {
    storage.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('when the migrations folder is listed, then the baseline is the first migration and the only 0000', () => {
    const files = sqlFiles();
    expect(files[0]).to.equal('0000_baseline.sql');
    expect(files.filter((name) => name.startsWith('0000_'))).to.have.length(1);
  });

  it('when the baseline alone is applied, then its schema equals the one the four old migrations built', () => {
    const before = JSON.parse(readFileSync(projectPath('test/fixtures/schema-before-squash.json'), 'utf8'));
    const baseline = new Database(':memory:');
    try {
      const sql = readFileSync(projectPath('db/migrations/0000_baseline.sql'), 'utf8');
      for (const statement of sql.split('--> statement-breakpoint')) baseline.exec(statement);
      expect(describeSchema(baseline)).to.deep.equal(before);
    } finally {
      baseline.close();
    }
  });

  it('when a fresh database is migrated, then drizzle records each migration as applied once', () => {
    const applied = storage.sqlite.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number };
    expect(applied.n).to.equal(sqlFiles().length);
  });
});
