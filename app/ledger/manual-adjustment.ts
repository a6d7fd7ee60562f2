import Joi from 'joi';
import { BusinessRuleError, NotFoundError, ValidationError } from '../errors.js';
import { pointsText } from '../locale/plural.js';
import { redactText } from '../logging/redact.js';
import { MAX_POINTS } from '../receipt/bounds.js';
import { immediate, type Db } from '../storage/database.js';
import { recordAdminAction } from '../txlog/admin-audit.js';
import type { TransactionLog } from '../txlog/transaction-log.js';
import { adjustmentRepository } from './adjustment-repository.js';
import { customerRepository } from './customer-repository.js';
import { lotExpiresAt, postEntry, settleExpiry } from './point-lots.js';
import type { LedgerRules } from './rules.js';

export const MAX_ADJUSTMENT_POINTS = 1_000_000;

/** The adjustment form's fields, the same in the admin and in the counterparty widget. */
export const adjustmentFormFields = {
  points: Joi.number()
    .integer()
    .min(-MAX_ADJUSTMENT_POINTS)
    .max(MAX_ADJUSTMENT_POINTS)
    .invalid(0)
    .required()
    .label('Баллы')
    .messages({ 'any.invalid': 'Баллы: укажите число, не ноль (со знаком минус, чтобы списать).' }),
  reason: Joi.string().trim().min(5).max(500).required().label('Причина'),
  requestKey: Joi.string().guid().required().label('Форма'),
};

export interface AdjustmentRequest {
  tenantId: string;
  /** Our customer id. */
  customerId: string;
  /** Signed: positive adds points, negative takes them away. */
  points: number;
  reason: string;
  adminLogin: string;
  /** Random per rendered form; a second submit of the same form changes nothing. */
  requestKey: string;
  /** The tenant's rules: points added live as long as earned ones. Without them, they never expire. */
  rules?: Pick<LedgerRules, 'pointsLifetimeDays' | 'welcomeLifetimeDays'>;
}

export interface AdjustmentResult {
  /** False when this form was already applied: nothing changed the second time. */
  applied: boolean;
  balance: number;
}

/**
 * A manual correction by an admin, in one BEGIN IMMEDIATE transaction: the ledger entry (kind
 * 'adjustment'), who made it and why, and the audit row in the transaction log (kind 'admin') commit
 * together or not at all. Like a return, it never takes a balance below zero; like a sale, never past
 * MAX_POINTS.
 */
export function adjustBalance(
  db: Db,
  txlog: TransactionLog,
  request: AdjustmentRequest,
  now = new Date(),
): AdjustmentResult {
  // A reason is free text shown on pages: a phone typed into it keeps only its last digits, like everywhere.
  const reason = redactText(request.reason.trim());
  if (!reason) throw new ValidationError('Укажите причину корректировки.', { parameter: 'reason' });
  if (
    !Number.isSafeInteger(request.points) ||
    request.points === 0 ||
    Math.abs(request.points) > MAX_ADJUSTMENT_POINTS
  ) {
    throw new ValidationError(`Укажите целое число баллов, не ноль и не больше ${MAX_ADJUSTMENT_POINTS} по модулю.`, {
      parameter: 'points',
    });
  }
  return immediate(db, (tx) => {
    const found = customerRepository.findById(tx, request.tenantId, request.customerId);
    if (!found) throw new NotFoundError('Покупатель не найден.');
    if (adjustmentRepository.exists(tx, request.requestKey)) return { applied: false, balance: found.balance };
    const customer = { ...found, balance: found.balance - settleExpiry(tx, found.id, now) };
    if (customer.balance + request.points < 0) {
      throw new BusinessRuleError(
        `Нельзя списать ${pointsText(-request.points)}: на балансе ${pointsText(customer.balance)}.`,
        {
          parameter: 'points',
        },
      );
    }
    if (customer.balance + request.points > MAX_POINTS) {
      throw new BusinessRuleError(
        `Нельзя начислить ${pointsText(request.points)}: баланс превысил бы ${MAX_POINTS.toLocaleString('ru-RU')}.`,
        { parameter: 'points' },
      );
    }

    const entryId = postEntry(
      tx,
      { tenantId: request.tenantId, customerId: customer.id, points: request.points, kind: 'adjustment' },
      now,
      { expiresAt: request.rules ? lotExpiresAt(request.rules, 'earned', now.getTime()) : null },
    )!;
    adjustmentRepository.insert(tx, {
      requestKey: request.requestKey,
      tenantId: request.tenantId,
      customerId: customer.id,
      entryId,
      points: request.points,
      reason,
      adminLogin: request.adminLogin,
      createdAt: now,
    });
    const balance = customer.balance + request.points;
    recordAdminAction(
      txlog,
      request.adminLogin,
      'ledger.adjust',
      {
        tenantId: request.tenantId,
        customerId: customer.id,
        phone: customer.phone,
        cardNumber: customer.cardNumber,
        pointsEarned: request.points > 0 ? request.points : null,
        pointsSpent: request.points < 0 ? -request.points : null,
        request: { points: request.points, reason },
        response: { balanceBefore: customer.balance, balanceAfter: balance, entryId },
      },
      tx,
    );
    return { applied: true, balance };
  });
}
