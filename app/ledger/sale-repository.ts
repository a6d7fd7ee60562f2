import { and, desc, eq } from 'drizzle-orm';
import { saleReturns, sales, type Sale, type SaleReturn } from '../../db/schema/index.js';
import type { DbOrTx } from '../storage/database.js';
import { columnsOf, insertRow, rowOf, rowsOf, statement } from '../storage/statements.js';

type NewSale = typeof sales.$inferInsert;
type NewSaleReturn = typeof saleReturns.$inferInsert;

// The sale's and the return's own reads and writes run on statements prepared once (app/storage/statements.ts).
const SALE_BY_KEY = `select ${columnsOf(sales)} from sales where tenant_id = ? and sale_key = ?`;
const SALE_BY_MS_ID = `select ${columnsOf(sales)} from sales where tenant_id = ? and ms_id = ? order by created_at desc`;
const RECORD_REVERSAL = `update sales set returned_kopecks = ?, earned_reversed = ?, spent_reversed = ? where id = ?`;
const CAUGHT_UP_BY_NAME = `select ${columnsOf(sales)} from sales where tenant_id = ? and name = ? and caught_up_at is not null`;
const RETURN_BY_KEY = `select ${columnsOf(saleReturns)} from sale_returns where tenant_id = ? and return_key = ?`;
const RETURNS_OF_SALE = `select ${columnsOf(saleReturns)} from sale_returns where sale_id = ? order by created_at`;

/** Sales and returns as applied to the ledger; callers decide the transaction. */
export const saleRepository = {
  findByKey(tx: DbOrTx, tenantId: string, saleKey: string): Sale | undefined {
    return rowOf(sales, statement(tx, SALE_BY_KEY).get(tenantId, saleKey));
  },

  /** The sale a return links to: by МойСклад id, else by our key (the till may send either). */
  findForReturn(tx: DbOrTx, tenantId: string, saleMsId: string): Sale | undefined {
    return rowOf(sales, statement(tx, SALE_BY_MS_ID).get(tenantId, saleMsId)) ?? this.findByKey(tx, tenantId, saleMsId);
  },

  /**
   * A sale the catch-up job credited with this number and moment (to the second): the same sale when
   * the till sends it late without its МойСклад id (under another, fallback, key).
   */
  findCaughtUpTwin(tx: DbOrTx, tenantId: string, name: string, moment: string): Sale | undefined {
    return rowsOf(sales, statement(tx, CAUGHT_UP_BY_NAME).all(tenantId, name)).find(
      (sale) => sale.moment?.slice(0, 19) === moment.slice(0, 19),
    );
  },

  hasSaleWithCustomer(tx: DbOrTx, customerId: string): boolean {
    return tx.select({ id: sales.id }).from(sales).where(eq(sales.customerId, customerId)).limit(1).get() !== undefined;
  },

  insert(tx: DbOrTx, row: NewSale): void {
    insertRow(tx, sales, row);
  },

  recordReversal(
    tx: DbOrTx,
    saleId: string,
    totals: Pick<Sale, 'returnedKopecks' | 'earnedReversed' | 'spentReversed'>,
  ): void {
    statement(tx, RECORD_REVERSAL).run(totals.returnedKopecks, totals.earnedReversed, totals.spentReversed, saleId);
  },

  findReturnByKey(tx: DbOrTx, tenantId: string, returnKey: string): SaleReturn | undefined {
    return rowOf(saleReturns, statement(tx, RETURN_BY_KEY).get(tenantId, returnKey));
  },

  /** The returns already applied to a sale, oldest first. */
  returnsOfSale(tx: DbOrTx, saleId: string): SaleReturn[] {
    return rowsOf(saleReturns, statement(tx, RETURNS_OF_SALE).all(saleId));
  },

  insertReturn(tx: DbOrTx, row: NewSaleReturn): void {
    insertRow(tx, saleReturns, row);
  },

  /** Returns support staff must look at, newest first. */
  returnsNeedingSupport(tx: DbOrTx, tenantId: string): SaleReturn[] {
    return tx
      .select()
      .from(saleReturns)
      .where(and(eq(saleReturns.tenantId, tenantId), eq(saleReturns.needsSupport, true)))
      .orderBy(desc(saleReturns.createdAt))
      .all();
  },
};
