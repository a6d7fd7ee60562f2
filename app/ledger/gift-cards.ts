import { randomUUID } from 'node:crypto';
import type { GiftCardRow } from '../../db/schema/index.js';
import { BusinessRuleError, ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { GiftCardPayment, GiftCardStatus, GiftCardView } from '../loyalty/backend.js';
import { formatRoubles } from '../receipt/money.js';
import type { DbOrTx } from '../storage/database.js';
import { giftCardRepository as cards } from './gift-card-repository.js';

/**
 * Gift cards of the built-in ledger. Every method works inside the transaction it is given, so a
 * sale's gift card payments commit or roll back together with its points.
 */
export class GiftCards {
  find(tx: DbOrTx, tenantId: string, name: string, now: Date): GiftCardView {
    const number = name.trim();
    const card = number ? cards.byNumber(tx, tenantId, number) : undefined;
    return card ? toView(card, now) : { name, status: 'INVALID' };
  }

  /** Inside the sale's transaction; idempotent per (card, sale); throws BusinessRuleError if a card can't pay. */
  redeem(tx: DbOrTx, tenantId: string, saleId: string, payments: GiftCardPayment[], now: Date): void {
    // The same card listed twice in one receipt pays the sum of both lines.
    const perCard = new Map<string, number>();
    for (const payment of payments) {
      const number = payment.name.trim();
      if (!Number.isSafeInteger(payment.paymentKopecks) || payment.paymentKopecks < 0) {
        throw new ValidationError(`Неверная сумма оплаты подарочной картой ${number}.`, { parameter: 'giftCards' });
      }
      if (payment.paymentKopecks === 0) continue;
      perCard.set(number, (perCard.get(number) ?? 0) + payment.paymentKopecks);
    }

    // Check every card first, then write: a refused card leaves all of them untouched.
    const charges: { card: GiftCardRow; amount: number }[] = [];
    for (const [number, amount] of perCard) {
      const card = number ? cards.byNumber(tx, tenantId, number) : undefined;
      if (card && cards.alreadyRedeemed(tx, card.id, saleId)) continue;
      const status = card ? statusOf(card, now) : 'INVALID';
      if (!card || status === 'INVALID') {
        throw new BusinessRuleError(`Подарочная карта ${number} не найдена или заблокирована.`, {
          parameter: 'giftCards',
        });
      }
      if (status === 'EXPIRED') {
        throw new BusinessRuleError(`Срок действия подарочной карты ${number} истёк.`, { parameter: 'giftCards' });
      }
      if (card.balanceKopecks < amount) {
        throw new BusinessRuleError(
          `На подарочной карте ${number} недостаточно средств: доступно ${formatRoubles(card.balanceKopecks)}`,
          {
            parameter: 'giftCards',
            details: { cardId: card.id, balanceKopecks: card.balanceKopecks, amountKopecks: amount },
          },
        );
      }
      charges.push({ card, amount });
    }

    for (const { card, amount } of charges) {
      if (!cards.redeem(tx, card, saleId, amount, now)) {
        throw new BusinessRuleError(`На подарочной карте ${card.number} недостаточно средств.`, {
          parameter: 'giftCards',
        });
      }
    }
  }

  issue(
    tx: DbOrTx,
    tenantId: string,
    card: { number: string; initialKopecks: number; expiresAt?: Date },
  ): GiftCardView {
    const number = card.number.trim();
    if (!number) throw new ValidationError('Укажите номер подарочной карты.', { parameter: 'number' });
    if (!Number.isSafeInteger(card.initialKopecks) || card.initialKopecks <= 0) {
      throw new ValidationError('Номинал подарочной карты должен быть больше нуля.', { parameter: 'initialKopecks' });
    }
    if (cards.byNumber(tx, tenantId, number)) {
      throw new ConflictError(`Подарочная карта ${number} уже выпущена.`, { parameter: 'number' });
    }
    const now = new Date();
    const row = cards.insert(tx, {
      id: randomUUID(),
      tenantId,
      number,
      initialKopecks: card.initialKopecks,
      expiresAt: card.expiresAt ?? null,
      now,
    });
    return toView(row, now);
  }

  /** A lost or stolen card: the till sees it as INVALID. False when it was blocked already. */
  block(tx: DbOrTx, tenantId: string, number: string): boolean {
    return this.setBlocked(tx, tenantId, number, true);
  }

  /** Undoes a block: the card shows its real status again (usable, used up or expired). False when it was not blocked. */
  unblock(tx: DbOrTx, tenantId: string, number: string): boolean {
    return this.setBlocked(tx, tenantId, number, false);
  }

  private setBlocked(tx: DbOrTx, tenantId: string, number: string, blocked: boolean): boolean {
    const card = cards.byNumber(tx, tenantId, number.trim());
    if (!card) throw new NotFoundError(`Подарочная карта ${number} не найдена.`, { parameter: 'number' });
    return cards.setBlocked(tx, card.id, blocked, new Date());
  }
}

export function statusOf(card: GiftCardRow, now: Date): GiftCardStatus {
  if (card.blocked) return 'INVALID';
  if (card.expiresAt && card.expiresAt.getTime() <= now.getTime()) return 'EXPIRED';
  if (card.balanceKopecks <= 0) return 'REDEEMED';
  if (card.balanceKopecks < card.initialKopecks) return 'PARTIALLY_REDEEMED';
  return 'CAN_BE_USED';
}

function toView(card: GiftCardRow, now: Date): GiftCardView {
  const status = statusOf(card, now);
  // A blocked card reveals nothing about itself at the till.
  if (status === 'INVALID') return { name: card.number, status };
  return {
    name: card.number,
    id: card.id,
    status,
    expireDate: card.expiresAt ? formatUtc(card.expiresAt) : undefined,
    currentBalanceKopecks: card.balanceKopecks,
    initialBalanceKopecks: card.initialKopecks,
  };
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, as LoyaltyAPI wants gift card dates. */
function formatUtc(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}
