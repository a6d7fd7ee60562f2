import { and, asc, desc, eq, gte, inArray, like, lt, sql } from 'drizzle-orm';
import {
  customerImportEntries,
  giftCards,
  ledgerAdjustments,
  ledgerEntries,
  saleReturns,
  sales,
  type GiftCardRow,
  type LedgerEntryKind,
} from '../../db/schema/index.js';
import type { DbOrTx } from '../storage/database.js';

/** Read models of the built-in ledger for the admin UI; nothing here writes. */

export interface EntryLine {
  id: number;
  kind: LedgerEntryKind;
  points: number;
  createdAt: number;
  availableAt: number;
  sale?: { id: string; name: string | null; saleKey: string };
  saleReturn?: { id: string; name: string | null };
  adjustment?: { reason: string; adminLogin: string };
  /** An imported balance: the file's sha256 and its row. */
  imported?: { fileHash: string; rowNumber: number };
}

export const ENTRY_PAGE = 100;

/** A customer's entries, newest first, each with the sale, return or adjustment behind it. */
export function customerEntries(db: DbOrTx, customerId: string, before?: number, limit = ENTRY_PAGE): EntryLine[] {
  const e = ledgerEntries;
  return db
    .select({
      id: e.id,
      kind: e.kind,
      points: e.points,
      createdAt: e.createdAt,
      availableAt: e.availableAt,
      saleId: sales.id,
      saleName: sales.name,
      saleKey: sales.saleKey,
      returnId: saleReturns.id,
      returnName: saleReturns.name,
      reason: ledgerAdjustments.reason,
      adminLogin: ledgerAdjustments.adminLogin,
      fileHash: customerImportEntries.fileHash,
      rowNumber: customerImportEntries.rowNumber,
    })
    .from(e)
    .leftJoin(sales, eq(sales.id, e.saleId))
    .leftJoin(saleReturns, eq(saleReturns.id, e.returnId))
    .leftJoin(ledgerAdjustments, eq(ledgerAdjustments.entryId, e.id))
    .leftJoin(customerImportEntries, eq(customerImportEntries.entryId, e.id))
    .where(and(eq(e.customerId, customerId), before === undefined ? undefined : lt(e.id, before)))
    .orderBy(desc(e.id))
    .limit(limit)
    .all()
    .map((row) => ({
      id: row.id,
      kind: row.kind,
      points: row.points,
      createdAt: row.createdAt,
      availableAt: row.availableAt,
      sale: row.saleId && row.saleKey ? { id: row.saleId, name: row.saleName, saleKey: row.saleKey } : undefined,
      saleReturn: row.returnId ? { id: row.returnId, name: row.returnName } : undefined,
      adjustment:
        row.reason !== null && row.adminLogin !== null ? { reason: row.reason, adminLogin: row.adminLogin } : undefined,
      imported:
        row.fileHash !== null && row.rowNumber !== null
          ? { fileHash: row.fileHash, rowNumber: row.rowNumber }
          : undefined,
    }));
}

export const GIFT_CARD_PAGE = 100;

/** A tenant's gift cards, newest first; `number` narrows to cards whose number starts with it. */
export function listGiftCards(db: DbOrTx, tenantId: string, number?: string): GiftCardRow[] {
  const prefix = number?.trim();
  return db
    .select()
    .from(giftCards)
    .where(
      and(
        eq(giftCards.tenantId, tenantId),
        prefix ? like(giftCards.number, `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) : undefined,
      ),
    )
    .orderBy(desc(giftCards.createdAt))
    .limit(GIFT_CARD_PAGE)
    .all();
}

export function findGiftCard(db: DbOrTx, tenantId: string, id: string): GiftCardRow | undefined {
  return db
    .select()
    .from(giftCards)
    .where(and(eq(giftCards.tenantId, tenantId), eq(giftCards.id, id)))
    .get();
}

export interface PointsHour {
  /** Hours since the epoch. */
  hour: number;
  earned: number;
  spent: number;
}

/**
 * Points earned (sales, welcome and birthday points) and spent per hour of [fromMs, toMs), all tenants. Read from
 * the covering index on (created_at, kind, points). Returns and adjustments are not counted here.
 */
export function pointsByHour(db: DbOrTx, fromMs: number, toMs: number): PointsHour[] {
  const e = ledgerEntries;
  const earnKinds: LedgerEntryKind[] = ['earn', 'welcome', 'birthday'];
  const rows = db
    .select({
      hour: sql<number>`${e.createdAt} / 3600000`,
      earned: sql<number>`coalesce(sum(case when ${inArray(e.kind, earnKinds)} then ${e.points} end), 0)`,
      spent: sql<number>`coalesce(-sum(case when ${e.kind} = 'spend' then ${e.points} end), 0)`,
    })
    .from(e)
    .where(and(gte(e.createdAt, fromMs), lt(e.createdAt, toMs), inArray(e.kind, [...earnKinds, 'spend'])))
    .groupBy(sql`1`)
    .orderBy(asc(sql`1`))
    .all();
  return rows;
}
