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

export interface BlockChange {
  number: string;
  /** False when the card already was so: nothing written, nothing audited. */
  changed: boolean;
}

/** Blocks a card (lost or stolen), audited in the same transaction. */
export function blockGiftCard(deps: GiftCardAdminDeps, by: string, tenantId: string, cardId: string): BlockChange {
  return setBlocked(deps, by, tenantId, cardId, true);
}

/** Undoes a block, audited in the same transaction: the card pays again with what is left on it. */
export function unblockGiftCard(deps: GiftCardAdminDeps, by: string, tenantId: string, cardId: string): BlockChange {
  return setBlocked(deps, by, tenantId, cardId, false);
}

function setBlocked(
  deps: GiftCardAdminDeps,
  by: string,
  tenantId: string,
  cardId: string,
  blocked: boolean,
): BlockChange {
  return immediate(deps.db, (tx) => {
    const card = findGiftCard(tx, tenantId, cardId);
    if (!card) throw new NotFoundError('Такой подарочной карты нет.');
    const changed = blocked
      ? deps.giftCards.block(tx, tenantId, card.number)
      : deps.giftCards.unblock(tx, tenantId, card.number);
    if (changed) {
      const action = blocked ? 'gift-card.block' : 'gift-card.unblock';
      recordAdminAction(deps.txlog, by, action, { tenantId, cardNumber: card.number }, tx);
    }
    return { number: card.number, changed };
  });
}
