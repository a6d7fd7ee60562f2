import type { Customer, Tenant } from '../../db/schema/index.js';
import { parseBirthDate } from '../locale/birth-date.js';
import { DAY_MS, moscowDate, moscowMidnightOf, type CalendarDate } from '../locale/moscow-day.js';
import type { Logger } from '../logging/logger.js';
import { MAX_POINTS } from '../receipt/bounds.js';
import { immediate, type Db, type DbOrTx } from '../storage/database.js';
import { birthdayRepository as birthdays, type BirthdayCandidate, type BirthdayDay } from './birthday-repository.js';
import { customerRepository } from './customer-repository.js';
import { expiryReminderRepository } from './expiry-reminder-repository.js';
import type { CustomerTagSource } from './ledger-context.js';
import { lotExpiresAt, postEntry, settleExpiry } from './point-lots.js';
import { inAudience, ledgerRulesOf, type LedgerRules } from './rules.js';

/**
 * Birthdays on the built-in ledger. The window is counted in Moscow calendar days around the birthday
 * of the year it falls in (a 29 February birthday is kept on 28 February in other years); a window that
 * crosses New Year belongs to the birthday's year. Inside it:
 * - the birthday job gives the owner's points once per customer and birthday year (birthday_grants'
 *   unique key), as a lot with the welcome points' lifetime; it needs no visit;
 * - purchases earn `birthdayEarnMultiplier` times the points, and the receipt says so.
 * With `birthdayMinMemberDays`, the gift goes only to customers registered with us that many days before
 * the birthday (longEnoughForGift); the multiplier rewards a purchase paid for, so it has no such wait.
 */

export type BirthdayRules = Pick<
  LedgerRules,
  | 'active'
  | 'birthdayEnabled'
  | 'birthdayPoints'
  | 'birthdayDaysBefore'
  | 'birthdayDaysAfter'
  | 'birthdayEarnMultiplier'
  | 'birthdayMinMemberDays'
>;

const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const dayNumber = (date: CalendarDate) => Date.UTC(date.year, date.month - 1, date.day) / DAY_MS;

/** The day a birthday is kept on in `year`: 29 February falls on 28 February outside leap years. */
function birthdayIn(year: number, month: number, day: number): CalendarDate {
  return month === 2 && day === 29 && !isLeap(year) ? { year, month: 2, day: 28 } : { year, month, day };
}

/**
 * The year of the birthday whose window holds the Moscow day of `now`, or undefined (outside every
 * window, or no usable birth date). Windows of at most 30 days each side never overlap.
 */
export function birthdayYearAt(
  birthDate: string | null | undefined,
  now: number,
  rules: Pick<BirthdayRules, 'birthdayDaysBefore' | 'birthdayDaysAfter'>,
): number | undefined {
  const parsed = birthDate ? parseBirthDate(birthDate) : null;
  if (!parsed) return undefined;
  const [, month, day] = parsed.split('-').map(Number) as [number, number, number];
  const today = moscowDate(now);
  for (const year of [today.year - 1, today.year, today.year + 1]) {
    const offset = dayNumber(today) - dayNumber(birthdayIn(year, month, day));
    if (offset >= -rules.birthdayDaysBefore && offset <= rules.birthdayDaysAfter) return year;
  }
  return undefined;
}

/**
 * The calendar days whose birthdays have today in their window, each with its birthday's year: from
 * `birthdayDaysAfter` days ago to `birthdayDaysBefore` days ahead. On 28 February of a year that is not
 * leap, 29 February birthdays are asked for as well.
 */
export function birthdayDaysAround(
  now: number,
  rules: Pick<BirthdayRules, 'birthdayDaysBefore' | 'birthdayDaysAfter'>,
): BirthdayDay[] {
  const today = moscowMidnightOf(moscowDate(now));
  const days: BirthdayDay[] = [];
  const two = (n: number) => String(n).padStart(2, '0');
  for (let offset = -rules.birthdayDaysAfter; offset <= rules.birthdayDaysBefore; offset++) {
    // Noon of the day: clear of any midnight whatever the offset arithmetic does.
    const date = moscowDate(today + offset * DAY_MS + DAY_MS / 2);
    days.push({ md: `${two(date.month)}-${two(date.day)}`, year: date.year });
    if (date.month === 2 && date.day === 28 && !isLeap(date.year)) days.push({ md: '02-29', year: date.year });
  }
  return days;
}

/**
 * Whether a customer registered at `registeredAt` (epoch ms) may have the gift of the `year` birthday:
 * their Moscow registration day is at least `birthdayMinMemberDays` days before the birthday itself. Counted
 * to the birthday, not to the window's first day, so the owner's «за сколько дней» does not move it; and
 * fixed for the year, so an hourly job decides the same whenever it runs. 0: everyone.
 */
export function longEnoughForGift(
  rules: Pick<BirthdayRules, 'birthdayMinMemberDays'>,
  birthDate: string,
  year: number,
  registeredAt: number,
): boolean {
  if (rules.birthdayMinMemberDays <= 0) return true;
  const parsed = parseBirthDate(birthDate);
  if (!parsed) return false;
  const [, month, day] = parsed.split('-').map(Number) as [number, number, number];
  const days = dayNumber(birthdayIn(year, month, day)) - dayNumber(moscowDate(registeredAt));
  return days >= rules.birthdayMinMemberDays;
}

/** Points a purchase earns are multiplied by this: the owner's multiplier inside the window, else 1. */
export function earnMultiplierAt(rules: BirthdayRules, birthDate: string | null | undefined, now: number): number {
  if (!rules.active || !rules.birthdayEnabled || rules.birthdayEarnMultiplier <= 1) return 1;
  return birthdayYearAt(birthDate, now, rules) === undefined ? 1 : rules.birthdayEarnMultiplier;
}

/** «С днём рождения! Баллы ×2»: the receipt's line when the multiplier applies. */
export function birthdayReceiptLine(multiplier: number): string | undefined {
  return multiplier > 1 ? `С днём рождения! Баллы ×${multiplier}` : undefined;
}

/**
 * The till's birth date replaces the stored one when it differs (it is the customer's card in МойСклад);
 * one that is not a date is never stored. Returns the customer as it is now.
 */
export function rememberBirthDate<C extends Pick<Customer, 'id' | 'birthDate'>>(
  tx: DbOrTx,
  customer: C,
  birthDate: string | undefined,
): C {
  const parsed = birthDate ? parseBirthDate(birthDate) : null;
  if (!parsed || parsed === customer.birthDate) return customer;
  birthdays.setBirthDate(tx, customer.id, parsed);
  return { ...customer, birthDate: parsed };
}

/**
 * Gives one customer their birthday points for `candidate.year`, in the caller's transaction: the
 * claim first (false: already given that year, by anyone), then the entry, a lot with the welcome
 * points' lifetime. Lots past their time are written off first, as every write for a customer does.
 * A customer too new for the gift gets nothing and no claim: an owner who shortens the wait within
 * the window still gives it.
 */
export function grantBirthday(
  tx: DbOrTx,
  tenantId: string,
  rules: LedgerRules,
  candidate: BirthdayCandidate,
  now: Date,
): boolean {
  const birthDate = parseBirthDate(candidate.birthDate);
  if (!birthDate || !longEnoughForGift(rules, birthDate, candidate.year, candidate.registeredAt)) return false;
  const claimed = birthdays.claim(
    tx,
    { tenantId, customerId: candidate.customerId, year: candidate.year, birthDate, points: rules.birthdayPoints },
    now.getTime(),
  );
  if (!claimed) return false;
  const stored = customerRepository.findById(tx, tenantId, candidate.customerId)?.balance ?? 0;
  const balance = stored - settleExpiry(tx, candidate.customerId, now);
  // A balance at its bound takes no more: the claim stays, so nobody tries again this year.
  if (balance + rules.birthdayPoints > MAX_POINTS) return true;
  const entryId = postEntry(
    tx,
    { tenantId, customerId: candidate.customerId, points: rules.birthdayPoints, kind: 'birthday' },
    now,
    { expiresAt: lotExpiresAt(rules, 'birthday', now.getTime()) },
  );
  if (entryId !== undefined) birthdays.recordEntry(tx, candidate.customerId, candidate.year, entryId);
  return true;
}

/** Customers read, and granted, per transaction: the till's writes wait at most this long behind the job. */
export const BIRTHDAY_BATCH = 100;

export interface BirthdayJobDeps {
  db: Db;
  logger: Logger;
  /** МойСклад's tags of a counterparty, for a program with an audience: outside it, no gift. */
  customerTags?: CustomerTagSource;
  now?: () => Date;
  /** Customers per transaction (BIRTHDAY_BATCH); tests make it small so two runners interleave. */
  batch?: number;
  /** Between two transactions: yields to the till's requests. */
  pause?: () => Promise<unknown>;
}

/**
 * The birthday job, run by the hourly maintenance: for every tenant whose program gives birthday
 * points, the customers whose window holds today and who have no gift for that birthday's year are
 * read in pages, and each page granted in one short BEGIN IMMEDIATE. The claim (birthday_grants'
 * unique key) is written with the entry, so two processes at once, as during a reload, give one gift.
 */
export class BirthdayJob {
  private readonly now: () => Date;
  private readonly batch: number;
  private readonly pause: () => Promise<unknown>;

  constructor(private readonly deps: BirthdayJobDeps) {
    this.now = deps.now ?? (() => new Date());
    this.batch = deps.batch ?? BIRTHDAY_BATCH;
    this.pause = deps.pause ?? (() => new Promise((resolve) => setImmediate(resolve)));
  }

  async runOnce(signal?: AbortSignal): Promise<{ granted: number }> {
    let granted = 0;
    for (const tenant of expiryReminderRepository.activeLedgerTenants(this.deps.db)) {
      if (signal?.aborted) break;
      const rules = ledgerRulesOf(tenant);
      if (!rules.active || !rules.birthdayEnabled || rules.birthdayPoints <= 0) continue;
      try {
        granted += await this.grantTenant(tenant, rules, signal);
      } catch (error) {
        // One tenant's failure (its tags unreadable, say) leaves the others their gifts.
        this.deps.logger.error('birthday points failed', { tenantId: tenant.accountId, error });
      }
    }
    return { granted };
  }

  private async grantTenant(tenant: Tenant, rules: LedgerRules, signal?: AbortSignal): Promise<number> {
    const days = birthdayDaysAround(this.now().getTime(), rules);
    let granted = 0;
    let afterId = '';
    while (!signal?.aborted) {
      const page = birthdays.candidates(this.deps.db, tenant.accountId, days, afterId, this.batch);
      if (page.length === 0) break;
      afterId = page[page.length - 1]!.customerId;
      const members = rules.allAgents ? page : await this.inAudience(tenant, rules, page);
      const now = this.now();
      granted += immediate(this.deps.db, (tx) => {
        let count = 0;
        for (const candidate of members) if (grantBirthday(tx, tenant.accountId, rules, candidate, now)) count++;
        return count;
      });
      if (page.length < this.batch) break;
      await this.pause();
    }
    return granted;
  }

  /** A program for some customers: only those whose МойСклад tags put them in it; unknown tags are outside. */
  private async inAudience(tenant: Tenant, rules: LedgerRules, page: BirthdayCandidate[]) {
    const members: BirthdayCandidate[] = [];
    for (const candidate of page) {
      const tags = candidate.msId ? await this.deps.customerTags?.tagsOf(tenant, candidate.msId) : undefined;
      if (inAudience(rules, tags)) members.push(candidate);
    }
    return members;
  }
}
