import { and, eq, sql } from 'drizzle-orm';
import { giftCardRedemptions, giftCards, type GiftCardRow } from '../../db/schema/index.js';
import type { DbOrTx } from '../storage/database.js';

export type NewGiftCard = Pick<GiftCardRow, 'id' | 'tenantId' | 'number' | 'initialKopecks'> & {
  expiresAt: Date | null;
  now: Date;
};

/** Gift cards and their redemptions, one row per (card, sale). */
export const giftCardRepository = {
  byNumber(tx: DbOrTx, tenantId: string, number: string): GiftCardRow | undefined {
    return tx
      .select()
      .from(giftCards)
      .where(and(eq(giftCards.tenantId, tenantId), eq(giftCards.number, number)))
      .get();
  },

  alreadyRedeemed(tx: DbOrTx, cardId: string, saleId: string): boolean {
    const row = tx
      .select({ id: giftCardRedemptions.id })
      .from(giftCardRedemptions)
      .where(and(eq(giftCardRedemptions.cardId, cardId), eq(giftCardRedemptions.saleId, saleId)))
      .get();
    return row !== undefined;
  },

  /**
   * Records the redemption and takes the amount off the card. False when the card no longer holds the
   * amount: the guard in WHERE (and the table's CHECK) keep the balance from going negative even if
   * the caller's transaction is not IMMEDIATE and another writer got in between.
   */
  redeem(tx: DbOrTx, card: GiftCardRow, saleId: string, amountKopecks: number, now: Date): boolean {
    tx.insert(giftCardRedemptions)
      .values({ cardId: card.id, tenantId: card.tenantId, saleId, amountKopecks, createdAt: now })
      .run();
    const updated = tx
      .update(giftCards)
      .set({ balanceKopecks: sql`${giftCards.balanceKopecks} - ${amountKopecks}`, updatedAt: now })
      .where(and(eq(giftCards.id, card.id), sql`${giftCards.balanceKopecks} >= ${amountKopecks}`))
      .run();
    return updated.changes === 1;
  },

  insert(tx: DbOrTx, card: NewGiftCard): GiftCardRow {
    const { now, ...fields } = card;
    return tx
      .insert(giftCards)
      .values({ ...fields, balanceKopecks: card.initialKopecks, blocked: false, createdAt: now, updatedAt: now })
      .returning()
      .get();
  },

  /** Blocks or unblocks a card; false when it already was so (a repeated click changes nothing). */
  setBlocked(tx: DbOrTx, cardId: string, blocked: boolean, now: Date): boolean {
    const updated = tx
      .update(giftCards)
      .set({ blocked, updatedAt: now })
      .where(and(eq(giftCards.id, cardId), eq(giftCards.blocked, !blocked)))
      .run();
    return updated.changes > 0;
  },
};
