import type { RecalcRequest, RecalcResult } from '../loyalty/backend.js';
import { isAnonymous, noDiscount } from '../loyalty/anonymous-receipt.js';
import type { DbOrTx } from '../storage/database.js';
import { customerRepository } from './customer-repository.js';
import { spendablePoints } from './ledger-entry-repository.js';
import { expiryOutlook } from './point-lots.js';
import { birthdayReceiptLine, earnMultiplierAt } from './birthdays.js';
import { expiryNote, quoteReceipt, receiptText } from './points-math.js';
import type { LedgerRules } from './rules.js';
import type { Audience } from './ledger-context.js';
import { tiersOn, TIERS_OFF, type TierRules } from './tier-rules.js';
import { newcomerStanding, rulesAtLevel, standingOf, tierReceiptLine } from './tiers.js';
import { withRestrictionNote } from '../receipt/restrictions.js';

export const OUTSIDE_AUDIENCE_TEXT =
  'Покупатель не участвует в бонусной программе: баллы не начисляются и не списываются.';

/** The receipt names points that expire within this many days. */
export const EXPIRY_NOTE_DAYS = 30;
const EXPIRY_NOTE_MS = EXPIRY_NOTE_DAYS * 86_400_000;

export const CUSTOMER_NOT_FOUND =
  'Покупатель не найден в программе лояльности. Зарегистрируйте его или проверьте телефон/карту.';

/**
 * Find customer → compute spendable → choose points over the lines points may discount → split the
 * discount over those lines → compute earning on the lines that earn. A customer outside the
 * program's audience neither spends nor earns. With tiers, the customer's level (read with their row)
 * sets the earn rate and cap, and the receipt text says the level and what is left to the next. Inside
 * the customer's birthday window the owner's multiplier applies to what the receipt earns.
 */
export function recalcReceipt(
  tx: DbOrTx,
  tenantId: string,
  programRules: LedgerRules,
  request: RecalcRequest,
  now: Date,
  audience: Audience = { member: true },
  tiers: TierRules = TIERS_OFF,
): RecalcResult {
  if (isAnonymous(request.agent)) return noDiscount(request);
  const customer = customerRepository.resolve(tx, tenantId, request.agent);
  const tier = !tiersOn(tiers)
    ? undefined
    : (customer ?? newcomerStanding(tx, { tenantId, tiers, now }, request.agent.id));
  const rules = rulesAtLevel(programRules, tiers, tier);
  // A customer МойСклад knows but we do not yet has no points; the sale will register them.
  // Only the customer's live dated points are read (the first dates within the note's window), never their history.
  const expiring = customer ? expiryOutlook(tx, customer.id, now, EXPIRY_NOTE_MS) : undefined;
  const spendable = customer ? spendablePoints(tx, customer, now, expiring?.due) : 0;
  const active = rules.active && audience.member;
  const spending = request.transactionType === 'SPENDING' && active;
  // The till's birth date is the one the sale will store (and a newcomer's only one); else the stored one.
  const birthDate = request.agent.birthDate || customer?.birthDate;
  const multiplier = active ? earnMultiplierAt(rules, birthDate, now.getTime()) : 1;
  const quote = quoteReceipt(request.positions, rules, {
    spendable,
    spending,
    active,
    wanted: request.preferredPointsToSpend,
    earnMultiplier: multiplier,
  });
  const { spent, earned, positions } = quote;
  const discount = quote.discountKopecks;
  // Postponed points are not spendable right after the sale, so the till should not show them.
  const earnedNow = rules.postponedBonusesDelayDays === 0 ? earned : 0;
  const balanceAfter = spendable - spent + earnedNow;
  // What expires soonest after this receipt's spend, which takes the soonest-expiring points first.
  const soon = expiring?.soonAfter(spent);
  const text = !rules.active
    ? undefined
    : audience.member
      ? withRestrictionNote(
          lines(
            receiptText(rules.receiptTemplate, { balance: spendable, earned, spent, balanceAfter }),
            tier && tierReceiptLine(standingOf(tiers, tier)),
            birthdayReceiptLine(multiplier),
            soon && expiryNote(soon.points, soon.expiresAt),
          ),
          request.positions,
        )
      : OUTSIDE_AUDIENCE_TEXT;

  return {
    positions,
    transactionType: request.transactionType,
    agentBonusBalance: spendable,
    bonusValueToSpend: spent,
    bonusValueToEarn: earned,
    agentBonusBalanceAfter: balanceAfter,
    paidByBonusPointsKopecks: discount,
    receiptExtraInfo: text,
    needVerification: rules.requireSpendingCode && spent > 0,
  };
}

function lines(...parts: Array<string | undefined>): string | undefined {
  const present = parts.filter((part): part is string => Boolean(part));
  return present.length > 0 ? present.join('\n') : undefined;
}
