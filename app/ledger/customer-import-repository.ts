import { and, asc, count, desc, eq, isNotNull, isNull, lte, or } from 'drizzle-orm';
import {
  customerImportChunks,
  customerImportEntries,
  customerImports,
  type CustomerImport,
} from '../../db/schema/index.js';
import type { DbOrTx } from '../storage/database.js';
import { insertRow, statement } from '../storage/statements.js';

export type NewCustomerImport = typeof customerImports.$inferInsert;

// Run once per row of a file of up to 100,000: statements prepared once (app/storage/statements.ts).
const IMPORTED = 'select 1 from customer_import_entries where tenant_id = ? and file_hash = ? and customer_id = ?';
const FILL_BLANKS = `update customers set
  phone = coalesce(phone, @phone),
  card_number = coalesce(card_number, @cardNumber),
  email = coalesce(email, @email),
  birth_date = coalesce(birth_date, @birthDate),
  tier_level = coalesce(@tierLevel, tier_level),
  created_at = min(created_at, coalesce(@joinedAt, created_at)),
  updated_at = @now
  where id = @id`;

/** What a customer file did: one row per run, one key per customer and file. */
export const customerImportRepository = {
  /** Whether this file already set this customer's balance. */
  imported(tx: DbOrTx, tenantId: string, fileHash: string, customerId: string): boolean {
    return statement(tx, IMPORTED).get(tenantId, fileHash, customerId) !== undefined;
  },

  recordEntry(
    tx: DbOrTx,
    row: { tenantId: string; fileHash: string; customerId: string; entryId: number | null; rowNumber: number },
    now: number,
  ): void {
    insertRow(tx, customerImportEntries, { ...row, createdAt: now });
  },

  /**
   * Fills what the customer lacks from the file; what is there stays. A level from the file replaces theirs.
   * The date they joined the previous program moves their registration (created_at) earlier, never later.
   */
  fillBlanks(
    tx: DbOrTx,
    id: string,
    fields: {
      phone: string | null;
      cardNumber: string | null;
      email: string | null;
      birthDate: string | null;
      tierLevel: number | null;
      joinedAt: number | null;
    },
    now: number,
  ): void {
    statement(tx, FILL_BLANKS).run({ ...fields, id, now });
  },

  insertRun(tx: DbOrTx, run: NewCustomerImport): number {
    return Number(tx.insert(customerImports).values(run).run().lastInsertRowid);
  },

  run(tx: DbOrTx, tenantId: string, id: number): CustomerImport | undefined {
    return tx
      .select()
      .from(customerImports)
      .where(and(eq(customerImports.tenantId, tenantId), eq(customerImports.id, id)))
      .get();
  },

  updateRun(tx: DbOrTx, id: number, change: Partial<NewCustomerImport>): void {
    tx.update(customerImports).set(change).where(eq(customerImports.id, id)).run();
  },

  /** The run, while it is running and `claim` still holds it; undefined once another process took it over. */
  ownedRun(tx: DbOrTx, id: number, claim: string): CustomerImport | undefined {
    return tx
      .select()
      .from(customerImports)
      .where(and(eq(customerImports.id, id), eq(customerImports.status, 'running'), eq(customerImports.claim, claim)))
      .get();
  },

  /**
   * Compare-and-set: takes a resumable run that nobody holds (let go, or no progress since `staleBefore`)
   * for `claim`; false when another process took it first or it ended meanwhile.
   */
  claimStopped(tx: DbOrTx, id: number, claim: string, now: Date, staleBefore: Date): boolean {
    const taken = tx
      .update(customerImports)
      .set({ claim, updatedAt: now })
      .where(and(eq(customerImports.id, id), stoppedRun(staleBefore)))
      .run();
    return taken.changes === 1;
  },

  /** Resumable runs nobody works on, oldest first. */
  stoppedRuns(tx: DbOrTx, staleBefore: Date): Pick<CustomerImport, 'id' | 'tenantId' | 'createdAt'>[] {
    return tx
      .select({ id: customerImports.id, tenantId: customerImports.tenantId, createdAt: customerImports.createdAt })
      .from(customerImports)
      .where(stoppedRun(staleBefore))
      .orderBy(asc(customerImports.id))
      .all();
  },

  /** A run's rows not imported yet, in order: each chunk's parsed rows, deflated. */
  insertChunks(tx: DbOrTx, importId: number, chunks: readonly Buffer[]): void {
    chunks.forEach((rows, seq) => insertRow(tx, customerImportChunks, { importId, seq, rows }));
  },

  nextChunk(tx: DbOrTx, importId: number): { seq: number; rows: Buffer } | undefined {
    return tx
      .select({ seq: customerImportChunks.seq, rows: customerImportChunks.rows })
      .from(customerImportChunks)
      .where(eq(customerImportChunks.importId, importId))
      .orderBy(asc(customerImportChunks.seq))
      .limit(1)
      .get();
  },

  deleteChunk(tx: DbOrTx, importId: number, seq: number): void {
    tx.delete(customerImportChunks)
      .where(and(eq(customerImportChunks.importId, importId), eq(customerImportChunks.seq, seq)))
      .run();
  },

  deleteChunks(tx: DbOrTx, importId: number): void {
    tx.delete(customerImportChunks).where(eq(customerImportChunks.importId, importId)).run();
  },

  /** Chunks still stored, all runs together: for tests and the operator. */
  storedChunks(tx: DbOrTx): number {
    return tx.select({ n: count() }).from(customerImportChunks).get()?.n ?? 0;
  },

  /** A tenant's last imports, newest first. */
  recent(tx: DbOrTx, tenantId: string, limit = 10): CustomerImport[] {
    return tx
      .select()
      .from(customerImports)
      .where(eq(customerImports.tenantId, tenantId))
      .orderBy(desc(customerImports.createdAt), desc(customerImports.id))
      .limit(limit)
      .all();
  },

  /** Who imported a file first, for the customer's history. */
  firstRunOf(tx: DbOrTx, tenantId: string, fileHash: string): CustomerImport | undefined {
    return tx
      .select()
      .from(customerImports)
      .where(and(eq(customerImports.tenantId, tenantId), eq(customerImports.fileHash, fileHash)))
      .orderBy(customerImports.id)
      .limit(1)
      .get();
  },
};

/** Running, resumable (it has counts: made by code that stores its rows), and nobody's: let go or stale. */
function stoppedRun(staleBefore: Date) {
  return and(
    eq(customerImports.status, 'running'),
    isNotNull(customerImports.counts),
    or(isNull(customerImports.claim), lte(customerImports.updatedAt, staleBefore)),
  );
}
