import { expect } from 'chai';
import { daysText, pointsText } from '../../../app/locale/plural.js';
import {
  isMoscowMonth,
  moscowDayMonth,
  moscowHour,
  moscowMonthBounds,
  moscowMonthOf,
  nextMoscowMidnight,
  shiftMonth,
} from '../../../app/locale/moscow-day.js';

describe('Moscow days, and points and days as words', () => {
  it('when points or days are counted, then the word agrees: 1 балл, 3 балла, 120 баллов, 21 день, 7 дней', () => {
    expect([1, 3, 11, 21, 120].map(pointsText)).to.deep.equal([
      '1 балл',
      '3 балла',
      '11 баллов',
      '21 балл',
      '120 баллов',
    ]);
    expect([1, 3, 7, 11, 21].map(daysText)).to.deep.equal(['1 день', '3 дня', '7 дней', '11 дней', '21 день']);
  });

  it('when it is 23:30 in Moscow, then the next Moscow midnight is 30 minutes away and the day is still today', () => {
    const late = Date.parse('2026-02-28T20:30:00Z'); // 23:30 MSK, 28 February
    expect(new Date(nextMoscowMidnight(late)).toISOString()).to.equal('2026-02-28T21:00:00.000Z');
    expect(moscowDayMonth(late)).to.equal('28.02');
    expect(moscowHour(late)).to.equal(23);
  });

  it('when it is 00:30 in Moscow (21:30 UTC the day before), then the day is already the Moscow one', () => {
    const early = Date.parse('2026-02-28T21:30:00Z'); // 00:30 MSK, 1 March
    expect(moscowDayMonth(early)).to.equal('01.03');
    expect(new Date(nextMoscowMidnight(early)).toISOString()).to.equal('2026-03-01T21:00:00.000Z');
  });

  it("when a month is named, then it runs from its first Moscow midnight to the next month's, across the new year", () => {
    const { start, end } = moscowMonthBounds('2026-12');
    expect(new Date(start).toISOString()).to.equal('2026-11-30T21:00:00.000Z');
    expect(new Date(end).toISOString()).to.equal('2026-12-31T21:00:00.000Z');
    expect(moscowMonthOf(end - 1)).to.equal('2026-12');
    expect(moscowMonthOf(end)).to.equal('2027-01');
    expect([shiftMonth('2027-01', -1), shiftMonth('2026-12', 1), shiftMonth('2026-03', -15)]).to.deep.equal([
      '2026-12',
      '2027-01',
      '2024-12',
    ]);
    expect(['2026-11', '2026-13', '2026-1', '1999-12', 'x'].map(isMoscowMonth)).to.deep.equal([
      true,
      false,
      false,
      false,
      false,
    ]);
  });
});
