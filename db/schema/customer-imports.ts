import { blob, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { customers, ledgerEntries } from './ledger.js';
import { tenants } from './tenants.js';

export type CustomerImportStatus = 'running' | 'done' | 'failed';

/**
 * Customer files imported into the built-in ledger (app/ledger/customer-import.ts): one row per run, with
 * its progress while it runs in the background, what it did and who ran it. The same facts go to the
 * transaction log (kind 'admin', 'ledger.import') when it ends.
 */
export const customerImports = sqliteTable(
  'customer_imports',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.accountId, { onDelete: 'cascade' }),
    /** sha256 of the file's bytes, hex. */
    fileHash: text('file_hash').notNull(),
    fileName: text('file_name'),
    /** Who ran it: an admin login, or the МойСклад employee in the settings iframe. */
    byWhom: text('by_whom').notNull(),
    status: text('status').$type<CustomerImportStatus>().notNull().default('running'),
    /** Data rows in the file, and how many of them are through (progress). */
    rows: integer('rows').notNull(),
    doneRows: integer('done_rows').notNull().default(0),
    created: integer('created').notNull().default(0),
    updated: integer('updated').notNull().default(0),
    unchanged: integer('unchanged').notNull().default(0),
    skipped: integer('skipped').notNull().default(0),
    /** Σ of the import entries this run wrote (signed). */
    points: integer('points').notNull().default(0),
    error: text('error'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    /** Moves with every chunk: a running import whose time stands still was stopped by a restart. */
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    finishedAt: integer('finished_at', { mode: 'timestamp_ms' }),
    /**
     * The process working on it (a random token); every chunk commits only while it is still theirs. Null:
     * nobody (ended, or let go by a process that stopped). Null on runs made before imports resumed.
     */
    claim: text('claim'),
    /** The run's counts so far (ImportCounts, JSON); set on runs that can be resumed from customer_import_chunks. */
    counts: text('counts', { mode: 'json' }).$type<Record<string, number>>(),
  },
  (t) => [
    index('customer_imports_tenant_idx').on(t.tenantId, t.createdAt),
    index('customer_imports_status_idx').on(t.status, t.updatedAt),
  ],
);

/**
 * The rows of a running import not yet imported, 100 a chunk, as parsed (only the mapped fields: phone,
 * card, name, e-mail, birth date, balance, level), deflated JSON. A chunk is deleted in the transaction
 * that imports it, so what is left is exactly what a process resuming the run has to do; the last goes
 * when the run ends (done, failed, or given up on after a day). Customers' personal data: kept no longer.
 */
export const customerImportChunks = sqliteTable(
  'customer_import_chunks',
  {
    importId: integer('import_id')
      .notNull()
      .references(() => customerImports.id, { onDelete: 'cascade' }),
    /** Order within the run, from 0. */
    seq: integer('seq').notNull(),
    rows: blob('rows', { mode: 'buffer' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.importId, t.seq] })],
);

/**
 * One row per customer a file set the balance of: the unique (tenant, file, customer) is what makes the
 * same file imported twice a no-op. `entryId` is null when the balance already matched the file.
 */
export const customerImportEntries = sqliteTable(
  'customer_import_entries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tenantId: text('tenant_id').notNull(),
    fileHash: text('file_hash').notNull(),
    customerId: text('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    entryId: integer('entry_id').references(() => ledgerEntries.id, { onDelete: 'cascade' }),
    /** The file's row number (1 = the header). */
    rowNumber: integer('row_number').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('customer_import_entries_key_uq').on(t.tenantId, t.fileHash, t.customerId),
    index('customer_import_entries_entry_idx').on(t.entryId),
  ],
);

export type CustomerImport = typeof customerImports.$inferSelect;
