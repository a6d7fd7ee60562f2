import type { ReceiptPosition } from '../receipt/positions.js';
import { paidTotalKopecks, receiptTotalKopecks } from '../receipt/positions.js';
import { kopecksForPoints } from '../receipt/points.js';
import { earningPaidKopecks } from '../receipt/restrictions.js';
import { earnMultiplierAt } from './birthdays.js';
import { expiringPoints, lotExpiresAt, lotTakes, type LiveLot } from './point-lots.js';
import { earnAvailableAt, pointsToEarn, quoteReceipt, spendableOf } from './points-math.js';
import { inAudience, type LedgerRules } from './rules.js';
import { tiersOn, TIERS_OFF, type TierRules } from './tier-rules.js';
import { levelFor, rulesAtLevel } from './tiers.js';

const DAY_MS = 86_400_000;

/** One past retail sale as the replay reads it: integers, restricted lines already marked (`rule`). */
export interface ReplayReceipt {
  momentMs: number;
  /** МойСклад's counterparty id; absent: a sale without a customer. */
  customerId?: string;
  /** The counterparty's tags, for a program with an audience; absent: unknown (outside such a program). */
  tags?: readonly string[];
  /** The counterparty's birth date (`YYYY-MM-DD`), for the birthday multiplier. */
  birthDate?: string;
  positions: ReceiptPosition[];
}

export interface ReplayRules {
  ledger: LedgerRules;
  tiers?: TierRules;
}

export interface ReplayOptions {
  /**
   * What share of their spendable points customers spend whenever they may (0..100). The real till's
   * choice is unknown: 100 assumes the most the rules allow, the shop's dearest case.
   */
  spendSharePercent?: number;
}

/** What a replay adds up to: money in kopecks, points in points, people in people. */
export interface ReplayTotals {
  receipts: number;
  receiptsWithCustomer: number;
  /** Σ receipt totals at full prices. */
  revenueKopecks: number;
  /** Σ discounts points paid for. */
  discountKopecks: number;
  pointsEarned: number;
  pointsWelcome: number;
  pointsSpent: number;
  pointsExpired: number;
  /** Points customers hold at the end (pending ones included), and what they are worth as discount. */
  liabilityPoints: number;
  liabilityKopecks: number;
  customers: number;
  customersEarning: number;
  customersSpending: number;
  /** Customers per tier level at the end; empty without tiers. */
  levels: number[];
}

interface ReplayLot extends LiveLot {
  remaining: number;
}

/** One customer's ledger, in memory: the balance, dated lots, pending points, purchases for the tiers. */
interface CustomerBook {
  balance: number;
  /** Live dated lots, soonest expiry first, then entry order (as lotRepository.liveOf reads them). */
  lots: ReplayLot[];
  /** Earned points not spendable yet. */
  pending: Array<{ availableAt: number; points: number }>;
  welcomeGranted: boolean;
  birthDate?: string;
  /** Purchases (paid kopecks) still inside the tier window, oldest first. */
  purchases: Array<{ at: number; paidKopecks: number }>;
  earned: boolean;
  spent: boolean;
}

/**
 * The built-in ledger's recalc and sale for a history of receipts, in memory and in time order, with
 * nothing written anywhere: the what-if before (or after) going live. Every amount comes from the
 * functions the ledger itself uses (quoteReceipt, pointsToEarn, lotTakes, lotExpiresAt, levelFor,
 * rulesAtLevel); this class only keeps the books the repositories keep for the real ledger. Each
 * receipt is a till recalc (spending `spendSharePercent` of what is spendable) followed by its sale.
 * Assumptions where the real ledger depends on time: tiers are recomputed the moment a purchase leaves
 * the window (the real tier job runs hourly), and expired points are written off when the customer
 * next buys and at the end (the real job runs hourly; the till never counts them either way). Birthday
 * purchases earn the owner's multiple; the birthday gift itself, which the birthday job gives without a
 * visit, is not replayed.
 */
export class LedgerReplay {
  private readonly books = new Map<string, CustomerBook>();
  private readonly tiers: TierRules;
  private readonly share: number;
  private nextEntry = 1;
  private readonly sums = {
    receipts: 0,
    receiptsWithCustomer: 0,
    revenueKopecks: 0,
    discountKopecks: 0,
    pointsEarned: 0,
    pointsWelcome: 0,
    pointsSpent: 0,
    pointsExpired: 0,
  };

  constructor(
    private readonly rules: ReplayRules,
    options: ReplayOptions = {},
  ) {
    this.tiers = rules.tiers ?? TIERS_OFF;
    this.share = Math.max(0, Math.min(100, Math.floor(options.spendSharePercent ?? 100)));
  }

  /** Receipts must come in time order (МойСклад lists them by moment). */
  sale(receipt: ReplayReceipt): { spent: number; discountKopecks: number; earned: number; welcome: number } {
    const now = receipt.momentMs;
    this.sums.receipts += 1;
    this.sums.revenueKopecks += receiptTotalKopecks(receipt.positions);
    if (!receipt.customerId) return { spent: 0, discountKopecks: 0, earned: 0, welcome: 0 };
    this.sums.receiptsWithCustomer += 1;
    const program = this.rules.ledger;
    const member = inAudience(program, receipt.tags);

    // Recalc: a customer we have not seen yet is registered only by the sale, so has nothing to spend.
    const known = this.books.get(receipt.customerId);
    const book = known ?? this.register(receipt.customerId, member, now);
    // The till's birth date is the one the sale stores (rememberBirthDate); else the one stored before.
    book.birthDate = receipt.birthDate ?? book.birthDate;
    if (known) this.settleExpiry(book, now);
    const rules = rulesAtLevel(program, this.tiers, { tierLevel: this.levelBefore(book, now), tierTotalKopecks: 0 });
    const spendable = known ? spendableOf(book.balance, this.pendingOf(book, now), 0) : 0;
    const active = rules.active && member;
    const wanted = this.share >= 100 ? undefined : Math.floor((spendable * this.share) / 100);
    const multiplier = member ? earnMultiplierAt(rules, book.birthDate, now) : 1;
    const quote = quoteReceipt(receipt.positions, rules, {
      spendable,
      active,
      spending: active && spendable > 0 && wanted !== 0,
      wanted,
      earnMultiplier: multiplier,
    });

    // Sale: spend, earn on what the lines that earn paid, first-purchase welcome, then the tier.
    const spent = quote.spent;
    const earned = member ? pointsToEarn(earningPaidKopecks(quote.positions), spent, rules) * multiplier : 0;
    if (spent > 0) {
      const undated = book.balance - book.lots.reduce((sum, lot) => sum + lot.remaining, 0);
      for (const take of lotTakes('spend', book.lots, undated, -spent, now)) take.lot.remaining -= take.points;
      book.lots = book.lots.filter((lot) => lot.remaining > 0);
      book.balance -= spent;
      book.spent = true;
    }
    const availableAt = earnAvailableAt(new Date(now), rules);
    this.credit(book, earned, availableAt, lotExpiresAt(rules, 'earned', availableAt), now);
    const welcomes =
      rules.active &&
      member &&
      rules.welcomeBonusesEnabled &&
      rules.welcomeBonusesMode === 'FIRST_PURCHASE' &&
      !book.welcomeGranted;
    const welcome = welcomes ? rules.welcomeBonusesValue : 0;
    if (welcomes) book.welcomeGranted = true;
    this.credit(book, welcome, now, lotExpiresAt(rules, 'welcome', now), now);
    if (tiersOn(this.tiers)) book.purchases.push({ at: now, paidKopecks: paidTotalKopecks(quote.positions) });

    this.sums.discountKopecks += quote.discountKopecks;
    this.sums.pointsSpent += spent;
    this.sums.pointsEarned += earned;
    this.sums.pointsWelcome += welcome;
    if (earned > 0) book.earned = true;
    return { spent, discountKopecks: quote.discountKopecks, earned, welcome };
  }

  /** The totals at `atMs` (the end of the period): expired points written off first. */
  finish(atMs: number): ReplayTotals {
    const levels: number[] = tiersOn(this.tiers) ? this.tiers.levels.map(() => 0) : [];
    let liabilityPoints = 0;
    let customersEarning = 0;
    let customersSpending = 0;
    for (const book of this.books.values()) {
      this.settleExpiry(book, atMs);
      liabilityPoints += book.balance;
      if (book.earned) customersEarning += 1;
      if (book.spent) customersSpending += 1;
      if (levels.length > 0) levels[this.levelBefore(book, atMs)]! += 1;
    }
    return {
      ...this.sums,
      liabilityPoints,
      liabilityKopecks: kopecksForPoints(liabilityPoints, this.rules.ledger),
      customers: this.books.size,
      customersEarning,
      customersSpending,
      levels,
    };
  }

  /** registerCustomer: welcome points on registration go to members when no code confirms it. */
  private register(customerId: string, member: boolean, now: number): CustomerBook {
    const book: CustomerBook = {
      balance: 0,
      lots: [],
      pending: [],
      welcomeGranted: false,
      purchases: [],
      earned: false,
      spent: false,
    };
    this.books.set(customerId, book);
    const rules = this.rules.ledger;
    if (
      member &&
      rules.active &&
      rules.welcomeBonusesEnabled &&
      rules.welcomeBonusesMode === 'REGISTRATION' &&
      !rules.confirmRegistrationByCode
    ) {
      this.credit(book, rules.welcomeBonusesValue, now, lotExpiresAt(rules, 'welcome', now), now);
      this.sums.pointsWelcome += rules.welcomeBonusesValue;
      book.welcomeGranted = true;
    }
    return book;
  }

  /** postEntry for a positive entry: the balance, a lot when the points expire, pending until available. */
  private credit(book: CustomerBook, points: number, availableAt: number, expiresAt: number | null, now: number) {
    if (points <= 0) return;
    const entryId = this.nextEntry++;
    book.balance += points;
    if (availableAt > now) book.pending.push({ availableAt, points });
    if (expiresAt === null) return;
    const lot = { entryId, remaining: points, availableAt, expiresAt };
    const at = book.lots.findIndex((other) => other.expiresAt > expiresAt);
    if (at < 0) book.lots.push(lot);
    else book.lots.splice(at, 0, lot);
  }

  /** settleExpiry: every lot whose time has come, soonest first, never taking the balance below zero. */
  private settleExpiry(book: CustomerBook, now: number): void {
    while (book.lots.length > 0 && book.lots[0]!.expiresAt <= now) {
      const lot = book.lots.shift()!;
      const points = expiringPoints(lot, book.balance);
      book.balance -= points;
      this.sums.pointsExpired += points;
    }
  }

  private pendingOf(book: CustomerBook, now: number): number {
    book.pending = book.pending.filter((entry) => entry.availableAt > now);
    return book.pending.reduce((sum, entry) => sum + entry.points, 0);
  }

  /** The level the customer's purchases over the window put them at: counted from `now − window`, inclusive. */
  private levelBefore(book: CustomerBook, now: number): number {
    if (!tiersOn(this.tiers)) return 0;
    const since = now - this.tiers.windowDays * DAY_MS;
    while (book.purchases.length > 0 && book.purchases[0]!.at < since) book.purchases.shift();
    return levelFor(
      this.tiers,
      book.purchases.reduce((sum, purchase) => sum + purchase.paidKopecks, 0),
    );
  }
}
