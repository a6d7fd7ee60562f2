import type { LedgerLot } from '../../db/schema/index.js';
import { DAY_MS, nextMoscowMidnight } from '../locale/moscow-day.js';
import type { DbOrTx } from '../storage/database.js';
import { customerRepository } from './customer-repository.js';
import { ledgerEntriesRepository as entries, type NewEntry } from './ledger-entry-repository.js';
import { lotRepository as lots, type ExpiryGroup } from './lot-repository.js';
import type { LedgerRules } from './rules.js';

/**
 * Points that expire, as lots. Every positive entry is a lot; one with an expiry date has a row in
 * ledger_lots with what is left of it, one without never expires and needs no row (its points are the
 * customer's undated rest: balance − Σ dated lots). A negative entry takes its points from lots in a
 * fixed order, recorded in ledger_lot_uses; an 'expire' entry writes off one lot's rest when its time
 * comes. Lots past their time are never consumed, so the result never depends on when the job ran.
 */

/** What kind of points a new lot holds, for its lifetime. */
export type LotKind = 'earned' | 'welcome' | 'birthday';

/**
 * When points that become available at `availableAt` expire, or null (never): N days counted from the
 * day they can be spent, that day included, so they are gone at the Moscow midnight that starts day
 * N after it (180 days from 1 March: good through 27 August, gone on 28 August).
 */
export function lotExpiresAt(
  rules: Pick<LedgerRules, 'pointsLifetimeDays' | 'welcomeLifetimeDays'>,
  kind: LotKind,
  availableAt: number,
): number | null {
  // Gifts (welcome and birthday points) may live shorter than points paid for with purchases.
  const days = kind === 'earned' ? rules.pointsLifetimeDays : rules.welcomeLifetimeDays || rules.pointsLifetimeDays;
  if (days <= 0) return null;
  return nextMoscowMidnight(availableAt + (days - 1) * DAY_MS);
}

export interface PostOptions {
  /** Positive entries: when the lot expires; absent or null: never. */
  expiresAt?: number | null;
  /** Negative entries: the lot to take from first (a return takes back its own sale's points first). */
  takeFirst?: number;
}

/**
 * Appends an entry and keeps the lots in step, in the caller's transaction: a positive entry with an
 * expiry date becomes a lot; a negative one takes its points from lots (takeFromLots). Returns the
 * entry's id, undefined for zero points. 'expire' entries are written by expireLot only.
 */
export function postEntry(tx: DbOrTx, entry: NewEntry, now: Date, options: PostOptions = {}): number | undefined {
  const id = entries.append(tx, entry, now);
  if (id === undefined) return undefined;
  if (entry.points > 0) {
    if (options.expiresAt != null) {
      lots.insert(tx, {
        entryId: id,
        tenantId: entry.tenantId,
        customerId: entry.customerId,
        points: entry.points,
        availableAt: entry.availableAt ?? now.getTime(),
        expiresAt: options.expiresAt,
      });
    }
  } else {
    takeFromLots(tx, entry, id, now.getTime(), options.takeFirst);
  }
  return id;
}

const UNDATED = 'undated';

/** What a negative entry's order reads of a live lot. */
export type LiveLot = Pick<LedgerLot, 'entryId' | 'remaining' | 'availableAt' | 'expiresAt'>;

/**
 * The order a negative entry takes points in. Lots past their time are never taken. A spend takes
 * spendable dated lots, soonest expiry first, then undated points, and pending lots only if nothing
 * else is left (it cannot happen when the spend was checked against spendable points). Any other
 * (a return taking back earned points, support taking points away) takes its `first` lot, then every
 * dated lot, soonest first, then undated points: whatever would expire first goes first.
 */
function takeOrder<L extends LiveLot>(kind: NewEntry['kind'], live: L[], now: number, first?: number) {
  const usable = live.filter((lot) => lot.expiresAt > now);
  if (kind === 'spend') {
    const spendable = usable.filter((lot) => lot.availableAt <= now);
    const pending = usable.filter((lot) => lot.availableAt > now);
    return [...spendable, UNDATED, ...pending] as const;
  }
  const own = usable.filter((lot) => lot.entryId === first);
  return [...own, ...usable.filter((lot) => lot.entryId !== first), UNDATED] as const;
}

/**
 * Which lots a negative entry of `points` (< 0) takes from, and how much of each: pure, so the ledger
 * and its in-memory replay (replay.ts) take alike. `live` in expiry order (soonest first, then entry
 * id); `undated` is the customer's points in no lot before this entry (balance − Σ dated lots).
 */
export function lotTakes<L extends LiveLot>(
  kind: NewEntry['kind'],
  live: L[],
  undated: number,
  points: number,
  now: number,
  first?: number,
): Array<{ lot: L; points: number }> {
  const takes: Array<{ lot: L; points: number }> = [];
  let left = -points;
  let rest = undated;
  for (const source of takeOrder(kind, live, now, first)) {
    if (left === 0) break;
    if (source === UNDATED) {
      const taken = Math.min(left, Math.max(0, rest));
      rest -= taken;
      left -= taken;
    } else {
      const taken = Math.min(left, source.remaining);
      if (taken > 0) takes.push({ lot: source, points: taken });
      left -= taken;
    }
  }
  return takes;
}

function takeFromLots(tx: DbOrTx, entry: NewEntry, entryId: number, now: number, first?: number): void {
  const live = lots.liveOf(tx, entry.customerId);
  if (live.length === 0) return;
  const balance = customerRepository.findById(tx, entry.tenantId, entry.customerId)?.balance ?? 0;
  // Undated points before this entry: the balance it was taken from, less every dated lot.
  const undated = balance - entry.points - live.reduce((sum, lot) => sum + lot.remaining, 0);
  for (const take of lotTakes(entry.kind, live, undated, entry.points, now, first)) {
    lots.take(tx, take.lot.entryId, entryId, take.points);
  }
}

/** What an 'expire' entry writes off of a lot: its rest, never taking the balance below zero. */
export function expiringPoints(lot: Pick<LedgerLot, 'remaining'>, balance: number): number {
  return Math.min(lot.remaining, Math.max(0, balance));
}

/**
 * Writes off what is left of one lot whose time has come: an 'expire' entry dated the moment it
 * expired (a lot given back already expired: the moment it was given), and the lot marked. Never takes the balance below zero. Returns the points written off;
 * 0 when another process already did it (the lot row, read under the write lock, is the claim).
 */
export function expireLot(tx: DbOrTx, lot: LedgerLot): number {
  const balance = customerRepository.findById(tx, lot.tenantId, lot.customerId)?.balance ?? 0;
  const points = expiringPoints(lot, balance);
  const entryId =
    entries.append(
      tx,
      // Dated like the points it writes off, as every reversal is: the pair never counts as pending.
      {
        tenantId: lot.tenantId,
        customerId: lot.customerId,
        points: -points,
        kind: 'expire',
        availableAt: lot.availableAt,
      },
      new Date(Math.max(lot.expiresAt, lot.availableAt)),
    ) ?? null;
  // With nothing to write off (a balance that drifted below its lots) the lot is closed without an entry.
  if (!lots.markExpired(tx, lot.entryId, entryId)) throw new Error(`lot ${lot.entryId} expired twice`);
  if (entryId !== null) lots.recordUse(tx, entryId, lot.entryId, points);
  return points;
}

/**
 * Writes off a customer's lots whose time has come; every write for a customer does this first, so
 * its checks see the balance without them. Returns the points written off.
 */
export function settleExpiry(tx: DbOrTx, customerId: string, now: Date): number {
  let expired = 0;
  for (const lot of lots.dueOf(tx, customerId, now.getTime())) expired += expireLot(tx, lot);
  return expired;
}

/** What a customer holds that expires within `windowMs`: the nearest date, after this receipt's spend. */
export interface ExpiryOutlook {
  /** Points past their time not yet written off: not spendable. */
  due: number;
  soon?: { expiresAt: number; points: number };
}

/**
 * The till's look at a customer's dated points: what is due (not spendable) and what expires next
 * within the window once `spent` points were taken, soonest first, from the spendable ones.
 */
export function outlookOf(groups: ExpiryGroup[], now: number, spent = 0): ExpiryOutlook {
  let due = 0;
  let toSpend = spent;
  let soon: ExpiryOutlook['soon'];
  for (const group of groups) {
    if (group.expiresAt <= now) {
      due += group.available + group.pending;
      continue;
    }
    const taken = Math.min(toSpend, group.available);
    toSpend -= taken;
    const left = group.available - taken + group.pending;
    if (!soon && left > 0) soon = { expiresAt: group.expiresAt, points: left };
  }
  return { due, soon };
}

/**
 * Days ahead the first read covers; the next read covers the rest of the window. Lots expire at Moscow
 * midnights, so that is at most this many dates (and the due ones, which the job and every write keep
 * few), and a receipt's spend rarely reaches past them. Measured with test/bench/expiry-recalc.ts.
 */
const FIRST_READ_DAYS = 10;

/**
 * The till's look at a customer's dated points within `windowMs`: the points due (not spendable) and,
 * once the receipt's spend is known, what expires next. Reads the nearest dates first and the rest of
 * the window only when this receipt's spend takes all of those.
 */
export function expiryOutlook(tx: DbOrTx, customerId: string, now: Date, windowMs: number) {
  const at = now.getTime();
  const end = at + windowMs;
  const near = Math.min(end, at + FIRST_READ_DAYS * DAY_MS);
  const groups = lots.groupsBetween(tx, customerId, at, 0, near);
  let complete = near === end;
  return {
    due: outlookOf(groups, at).due,
    soonAfter: (spent: number) => {
      const soon = outlookOf(groups, at, spent).soon;
      if (soon || complete) return soon;
      groups.push(...lots.groupsBetween(tx, customerId, at, near, end));
      complete = true;
      return outlookOf(groups, at, spent).soon;
    },
  };
}
