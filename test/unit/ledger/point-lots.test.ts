import { expect } from 'chai';
import { lotExpiresAt, outlookOf } from '../../../app/ledger/point-lots.js';
import { expiryNote } from '../../../app/ledger/points-math.js';
import { reminderText } from '../../../app/ledger/expiry-reminders.js';

const rules = (pointsLifetimeDays: number, welcomeLifetimeDays = 0) => ({ pointsLifetimeDays, welcomeLifetimeDays });
const MARCH_1_NOON = Date.parse('2026-03-01T09:00:00Z');

describe('point lots', () => {
  describe('lotExpiresAt', () => {
    it('when points live 180 days from 1 March, then they are good through 27 August and gone at its Moscow midnight', () => {
      expect(new Date(lotExpiresAt(rules(180), 'earned', MARCH_1_NOON)!).toISOString()).to.equal(
        '2026-08-27T21:00:00.000Z',
      );
    });

    it('when the lifetime is 0, then points never expire', () => {
      expect(lotExpiresAt(rules(0), 'earned', MARCH_1_NOON)).to.equal(null);
      expect(lotExpiresAt(rules(0), 'welcome', MARCH_1_NOON)).to.equal(null);
    });

    it('when welcome points have their own lifetime, then they use it, else the earned one; earned points never use it', () => {
      const day = 86_400_000;
      const base = lotExpiresAt(rules(180), 'earned', MARCH_1_NOON)!;
      expect(lotExpiresAt(rules(180, 30), 'welcome', MARCH_1_NOON)).to.equal(base - 150 * day);
      expect(lotExpiresAt(rules(180), 'welcome', MARCH_1_NOON)).to.equal(base);
      expect(lotExpiresAt(rules(0, 30), 'welcome', MARCH_1_NOON)).to.equal(base - 150 * day);
      expect(lotExpiresAt(rules(0, 30), 'earned', MARCH_1_NOON)).to.equal(null);
    });

    it('when two lots are earned at 09:00 and 23:59 Moscow time on one day, then they expire at the same moment', () => {
      const morning = Date.parse('2026-03-01T06:00:00Z');
      const night = Date.parse('2026-03-01T20:59:00Z');
      expect(lotExpiresAt(rules(30), 'earned', morning)).to.equal(lotExpiresAt(rules(30), 'earned', night));
    });
  });

  describe('outlookOf', () => {
    const groups = [
      { expiresAt: 100, available: 30, pending: 0 },
      { expiresAt: 200, available: 50, pending: 0 },
      { expiresAt: 300, available: 10, pending: 40 },
    ];

    it('when a date has passed, then its points are due and the next date is the soonest', () => {
      expect(outlookOf(groups, 150)).to.deep.equal({ due: 30, soon: { expiresAt: 200, points: 50 } });
    });

    it('when the receipt spends points, then they come off the soonest dates first', () => {
      expect(outlookOf(groups, 50, 20).soon).to.deep.equal({ expiresAt: 100, points: 10 });
      expect(outlookOf(groups, 50, 30).soon).to.deep.equal({ expiresAt: 200, points: 50 });
      // Pending points cannot be spent: they stay.
      expect(outlookOf(groups, 50, 90).soon).to.deep.equal({ expiresAt: 300, points: 40 });
    });

    it('when nothing is dated, then nothing is due and nothing expires soon', () => {
      expect(outlookOf([], 50, 10)).to.deep.equal({ due: 0, soon: undefined });
    });
  });

  it('when the receipt note is written, then the numbers agree with their words and the date is the last good day', () => {
    const gone = Date.parse('2026-02-28T21:00:00Z'); // Moscow midnight starting 1 March
    expect(expiryNote(120, gone)).to.equal('Сгорит 120 баллов 28.02');
    expect(expiryNote(1, gone)).to.equal('Сгорит 1 балл 28.02');
  });

  it('when the reminder is written, then the owner’s placeholders are filled with words that agree', () => {
    const gone = Date.parse('2026-02-28T21:00:00Z'); // Moscow midnight starting 1 March
    expect(
      reminderText('Через {days} сгорит {points} ({date}). Ждём вас в «{shop}»!', {
        days: 7,
        points: 22,
        expiresAt: gone,
        shop: 'Ромашка',
      }),
    ).to.equal('Через 7 дней сгорит 22 балла (28.02). Ждём вас в «Ромашка»!');
    expect(reminderText('{points}, {days}', { days: 1, points: 1, expiresAt: gone, shop: '' })).to.equal(
      '1 балл, 1 день',
    );
  });
});
