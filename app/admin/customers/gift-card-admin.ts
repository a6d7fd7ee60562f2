import { NotFoundError, ValidationError } from '../../errors.js';
import type { GiftCards } from '../../ledger/gift-cards.js';
import { findGiftCard } from '../../ledger/ledger-queries.js';
import { immediate, type Db } from '../../storage/database.js';
import type { TransactionLog } from '../../txlog/transaction-log.js';
import { recordAdminAction } from '../../txlog/admin-audit.js';

export interface GiftCardAdminDeps {
  db: Db;
  giftCards: GiftCards;
  txlog: TransactionLog;
}

/** Issues a card and writes who did it to the transaction log, in one transaction. Returns its number. */
export function issueGiftCard(
  deps: GiftCardAdminDeps,
  by: string,
  tenantId: string,
  card: { number: string; initialKopecks: number; expiresAt?: Date },
): string {
  if (card.expiresAt && card.expiresAt.getTime() <= Date.now())
    throw new ValidationError('Дата окончания уже прошла.', { parameter: 'expires' });
  return immediate(deps.db, (tx) => {
    const issued = deps.giftCards.issue(tx, tenantId, card);
    recordAdminAction(
      deps.txlog,
      by,
      'gift-card.issue',
      { tenantId, cardNumber: issued.name, request: { initialKopecks: card.initialKopecks } },
      tx,
    );
    return issued.name;
  });
}

/** Blocks a card for good (lost or stolen), audited in the same transaction. Returns its number. */
export function blockGiftCard(deps: GiftCardAdminDeps, by: string, tenantId: string, cardId: string): string {
  return immediate(deps.db, (tx) => {
    const card = findGiftCard(tx, tenantId, cardId);
    if (!card) throw new NotFoundError('Такой подарочной карты нет.');
    deps.giftCards.block(tx, tenantId, card.number);
    recordAdminAction(deps.txlog, by, 'gift-card.block', { tenantId, cardNumber: card.number }, tx);
    return card.number;
  });
}
