import { and, desc, eq, sql } from 'drizzle-orm';
import { saleReturns, sales, type Sale, type SaleReturn } from '../../db/schema/index.js';
import { preparedOnce, type DbOrTx } from '../storage/database.js';

type NewSale = typeof sales.$inferInsert;
type NewSaleReturn = typeof saleReturns.$inferInsert;

/** Sales and returns as applied to the ledger; callers decide the transaction. */
export const saleRepository = {
  findByKey(tx: DbOrTx, tenantId: string, saleKey: string): Sale | undefined {
    const query = preparedOnce(tx, 'saleByKey', () =>
      tx
        .select()
        .from(sales)
        .where(and(eq(sales.tenantId, sql.placeholder('tenantId')), eq(sales.saleKey, sql.placeholder('saleKey'))))
        .prepare(),
    );
    return query.get({ tenantId, saleKey });
  },

  /** The sale a return links to: by МойСклад id, else by our key (the till may send either). */
  findForReturn(tx: DbOrTx, tenantId: string, saleMsId: string): Sale | undefined {
    return (
      tx
        .select()
        .from(sales)
        .where(and(eq(sales.tenantId, tenantId), eq(sales.msId, saleMsId)))
        .orderBy(desc(sales.createdAt))
        .get() ?? this.findByKey(tx, tenantId, saleMsId)
    );
  },

  hasSaleWithCustomer(tx: DbOrTx, customerId: string): boolean {
    return tx.select({ id: sales.id }).from(sales).where(eq(sales.customerId, customerId)).limit(1).get() !== undefined;
  },

  insert(tx: DbOrTx, row: NewSale): void {
    tx.insert(sales).values(row).run();
  },

  recordReversal(
    tx: DbOrTx,
    saleId: string,
    totals: Pick<Sale, 'returnedKopecks' | 'earnedReversed' | 'spentReversed'>,
  ): void {
    tx.update(sales).set(totals).where(eq(sales.id, saleId)).run();
  },

  findReturnByKey(tx: DbOrTx, tenantId: string, returnKey: string): SaleReturn | undefined {
    return tx
      .select()
      .from(saleReturns)
      .where(and(eq(saleReturns.tenantId, tenantId), eq(saleReturns.returnKey, returnKey)))
      .get();
  },

  /** The returns already applied to a sale, oldest first. */
  returnsOfSale(tx: DbOrTx, saleId: string): SaleReturn[] {
    return tx.select().from(saleReturns).where(eq(saleReturns.saleId, saleId)).orderBy(saleReturns.createdAt).all();
  },

  insertReturn(tx: DbOrTx, row: NewSaleReturn): void {
    tx.insert(saleReturns).values(row).run();
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
