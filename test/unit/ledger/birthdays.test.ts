import { expect } from 'chai';
import {
  birthdayDaysAround,
  birthdayYearAt,
  earnMultiplierAt,
  longEnoughForGift,
} from '../../../app/ledger/birthdays.js';
import { DEFAULT_LEDGER_RULES, ledgerRulesOf } from '../../../app/ledger/rules.js';
import { parseBirthDate } from '../../../app/locale/birth-date.js';

const window = { birthdayDaysBefore: 3, birthdayDaysAfter: 7 };
/** Noon in Moscow on the given date. */
const moscowNoon = (date: string) => Date.parse(`${date}T09:00:00Z`);

describe('Birthday windows', () => {
  it('when МойСклад sends a date with a time, with milliseconds or alone, then the date is kept; anything else is not a date', () => {
    expect(parseBirthDate('1992-08-01 00:00:00')).to.equal('1992-08-01');
    expect(parseBirthDate('1953-11-01 00:00:00.000')).to.equal('1953-11-01');
    expect(parseBirthDate(' 2000-02-29 ')).to.equal('2000-02-29');
    for (const bad of ['1990-02-30', '2001-02-29', '1990-13-01', '01.08.1992', '1899-12-31', '19920801', 'вчера', '']) {
      expect(parseBirthDate(bad), bad).to.equal(null);
    }
  });

  it('when today is 3 days before or 7 days after the birthday, then it is inside; a day further, outside', () => {
    expect(birthdayYearAt('1990-06-13', moscowNoon('2026-06-10'), window)).to.equal(2026);
    expect(birthdayYearAt('1990-06-14', moscowNoon('2026-06-10'), window)).to.equal(undefined);
    expect(birthdayYearAt('1990-06-03', moscowNoon('2026-06-10'), window)).to.equal(2026);
    expect(birthdayYearAt('1990-06-02', moscowNoon('2026-06-10'), window)).to.equal(undefined);
  });

  it('when the window crosses New Year, then it belongs to the year of the birthday', () => {
    expect(birthdayYearAt('1990-01-02', moscowNoon('2026-12-30'), window)).to.equal(2027);
    expect(birthdayYearAt('1990-12-28', moscowNoon('2027-01-04'), window)).to.equal(2026);
  });

  it('when a customer was born on 29 February, then in other years their birthday is on 28 February', () => {
    expect(birthdayYearAt('2000-02-29', moscowNoon('2027-03-07'), window)).to.equal(2027);
    expect(birthdayYearAt('2000-02-29', moscowNoon('2027-03-08'), window)).to.equal(undefined);
    const days = birthdayDaysAround(moscowNoon('2027-03-07'), window).map((d) => d.md);
    expect(days).to.include.members(['02-28', '02-29']);
    expect(birthdayDaysAround(moscowNoon('2028-03-07'), window).filter((d) => d.md.startsWith('02-'))).to.deep.equal([
      { md: '02-29', year: 2028 },
    ]);
  });

  it('when the job asks for the days around today, then they run from 7 days ago to 3 ahead, in Moscow days', () => {
    // 22:30 UTC on 31 December is already 1 January in Moscow.
    const days = birthdayDaysAround(Date.parse('2026-12-31T22:30:00Z'), window);
    expect(days[0]).to.deep.equal({ md: '12-25', year: 2026 });
    expect(days[days.length - 1]).to.deep.equal({ md: '01-04', year: 2027 });
    expect(days).to.have.length(11);
  });

  it('when the multiplier is on but the program is off, or the date unknown, then purchases earn as usual', () => {
    const rules = { ...DEFAULT_LEDGER_RULES, ...window, birthdayEnabled: true, birthdayEarnMultiplier: 2 };
    const now = moscowNoon('2026-06-10');
    expect(earnMultiplierAt(rules, '1990-06-10', now)).to.equal(2);
    expect(earnMultiplierAt({ ...rules, active: false }, '1990-06-10', now)).to.equal(1);
    expect(earnMultiplierAt({ ...rules, birthdayEnabled: false }, '1990-06-10', now)).to.equal(1);
    expect(earnMultiplierAt(rules, null, now)).to.equal(1);
  });

  describe('the wait before the gift', () => {
    const wait = (days: number) => ({ birthdayMinMemberDays: days });

    it('when the owner asks for 30 days, then a customer registered 30 Moscow days before the birthday gets the gift and one a day later does not', () => {
      expect(longEnoughForGift(wait(30), '1990-06-30', 2026, moscowNoon('2026-05-31'))).to.equal(true);
      expect(longEnoughForGift(wait(30), '1990-06-30', 2026, moscowNoon('2026-06-01'))).to.equal(false);
      // Counted in Moscow days: 23:59 on 31 May in Moscow is 31 May, 00:00 on 1 June is not.
      expect(longEnoughForGift(wait(30), '1990-06-30', 2026, Date.parse('2026-05-31T20:59:00Z'))).to.equal(true);
      expect(longEnoughForGift(wait(30), '1990-06-30', 2026, Date.parse('2026-05-31T21:00:00Z'))).to.equal(false);
    });

    it('when a customer registers at the till on their birthday, then with 0 days they get the gift, with 1 they do not', () => {
      expect(longEnoughForGift(wait(0), '1990-06-10', 2026, moscowNoon('2026-06-10'))).to.equal(true);
      expect(longEnoughForGift(wait(1), '1990-06-10', 2026, moscowNoon('2026-06-10'))).to.equal(false);
      expect(longEnoughForGift(wait(1), '1990-06-10', 2026, moscowNoon('2026-06-09'))).to.equal(true);
    });

    it('when the gift is for next year’s birthday or a 29 February one, then the days count to that birthday', () => {
      // A 2 January birthday given on 30 December belongs to the next year: 40 days from 23 November.
      expect(longEnoughForGift(wait(40), '1990-01-02', 2027, moscowNoon('2026-11-23'))).to.equal(true);
      expect(longEnoughForGift(wait(41), '1990-01-02', 2027, moscowNoon('2026-11-23'))).to.equal(false);
      // Kept on 28 February in 2027: 30 days from 29 January.
      expect(longEnoughForGift(wait(30), '2000-02-29', 2027, moscowNoon('2027-01-29'))).to.equal(true);
      expect(longEnoughForGift(wait(30), '2000-02-29', 2027, moscowNoon('2027-01-30'))).to.equal(false);
    });

    it('when a tenant saved its rules before the wait existed, then it is 0: nothing changes for them', () => {
      const rules = ledgerRulesOf({ settings: { ledger: { birthdayEnabled: true, birthdayPoints: 500 } } });
      expect(rules.birthdayMinMemberDays).to.equal(0);
    });
  });
});
