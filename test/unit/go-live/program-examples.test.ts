import { expect } from 'chai';
import { birthdayExample, expiryExample } from '../../../app/go-live/program-examples.js';

// 10:00 UTC on 1 March 2027: 13:00 in Moscow.
const MARCH_1 = Date.parse('2027-03-01T10:00:00Z');

describe('The settings sections’ examples', () => {
  it('when points live 180 days, then the example names the last day as the ledger computes it', () => {
    const values = { 'ledger.earnRateRoublesToPoint': '10', 'ledger.pointsLifetimeDays': '180' };
    expect(expiryExample(values, MARCH_1)).to.equal(
      'Покупка на 1 000 ₽ сегодня → 100 баллов, их можно потратить до 27.08 включительно.',
    );
    expect(expiryExample({ 'ledger.earnRateRoublesToPoint': '7' }, MARCH_1)).to.equal(
      'Покупка на 1 000 ₽ → 142 балла, они не сгорают.',
    );
  });

  it('when birthdays give points and double earning, then the example says both in the owner’s numbers', () => {
    const values = {
      'ledger.earnRateRoublesToPoint': '10',
      'ledger.birthdayPoints': '500',
      'ledger.birthdayDaysBefore': '3',
      'ledger.birthdayDaysAfter': '7',
      'ledger.birthdayEarnMultiplier': '2',
    };
    expect(birthdayExample(values)).to.equal(
      'Покупка на 1 000 ₽ в день рождения, за 3 дня до него или 7 дней после → 200 баллов (×2). В подарок — 500 баллов раз в год.',
    );
    expect(birthdayExample({ ...values, 'ledger.birthdayMinMemberDays': '30' })).to.equal(
      'Покупка на 1 000 ₽ в день рождения, за 3 дня до него или 7 дней после → 200 баллов (×2). В подарок — 500 баллов раз в год тем, кто в программе не меньше 30 дней до дня рождения.',
    );
    expect(birthdayExample({ ...values, 'ledger.birthdayMinMemberDays': '21' })).to.contain('не меньше 21 дня до');
    expect(birthdayExample({ 'ledger.birthdayEarnMultiplier': 'x' })).to.equal(
      'Покупка на 1 000 ₽ в день рождения, за 3 дня до него или 7 дней после → 100 баллов.',
    );
  });
});
