import { expect } from 'chai';
import { formValuesFromStored } from '../../../app/go-live/settings-input.js';
import { sectionOfField, settingsSections } from '../../../app/iframe/settings-sections.js';
import { DEFAULT_LEDGER_RULES } from '../../../app/ledger/rules.js';

const LEDGER = formValuesFromStored({
  backend: 'ledger',
  externalSearch: false,
  settings: {
    ledger: {
      ...DEFAULT_LEDGER_RULES,
      earnRateRoublesToPoint: 10,
      spendRatePointsToRouble: 4,
      pointsLifetimeDays: 365,
    },
    tiers: {
      enabled: true,
      windowDays: 365,
      levels: [
        { name: 'Бронза', thresholdKopecks: 0, earnRateRoublesToPoint: 10 },
        { name: 'Серебро', thresholdKopecks: 1_000_000, earnRateRoublesToPoint: 5 },
      ],
    },
  },
});

describe('Settings sections: folded or open, and their one-line summaries', () => {
  it('when the settings were never saved, then every section is open', () => {
    const sections = settingsSections({ values: LEDGER, problemFields: [], savedFor: undefined });
    expect(Object.values(sections).every((s) => s.open)).to.equal(true);
  });

  it('when the ledger was saved, then its sections and the common ones are folded, and the other systems’ open', () => {
    const sections = settingsSections({ values: LEDGER, problemFields: [], savedFor: 'ledger' });
    const open = Object.entries(sections)
      .filter(([, s]) => s.open)
      .map(([id]) => id);
    expect(open).to.deep.equal(['general', 'ibonus', 'provider-down']);
  });

  it('when a folded section has a problem or an action just filled it, then it is open', () => {
    const sections = settingsSections({
      values: LEDGER,
      problemFields: ['ledger.pointsLifetimeDays', 'tiers.threshold2'],
      savedFor: 'ledger',
      open: ['rules'],
    });
    expect([sections.expiry.open, sections.tiers.open, sections.rules.open, sections.birthdays.open]).to.deep.equal([
      true,
      true,
      true,
      false,
    ]);
  });

  it('when fields are named, then each belongs to the section that shows it', () => {
    const fields = [
      'programId',
      'ledger.earnRateRoublesToPoint',
      'ledger.expiryReminderTemplate',
      'ledger.birthdayPoints',
      'ledger.catchUpOfflineSales',
      'storePoints.abc',
      'ibonus.login',
      'restrictions.type_MILK',
      'whenProviderDown',
      'externalSearch',
      'confirmLeaveLedger',
    ];
    expect(fields.map(sectionOfField)).to.deep.equal([
      'rules',
      'rules',
      'expiry',
      'birthdays',
      'catch-up',
      'general',
      'ibonus',
      'restricted-goods',
      'provider-down',
      'customer-search',
      undefined,
    ]);
  });

  it('when folded, then each section says its current values in Russian, with real plural forms', () => {
    const sections = settingsSections({
      values: {
        ...LEDGER,
        'restrictions.type_MILK': 'on',
        'restrictions.folder_a': 'on',
        'restrictions.folder_b': 'on',
      },
      problemFields: [],
      savedFor: 'ledger',
    });
    expect(sections.rules.summary).to.match(/^1 балл за каждые 10 ₽, 4 балла = 1 ₽ скидки, баллами до \d+ % чека$/);
    expect(sections.expiry.summary).to.equal('через 365 дней');
    expect(sections.tiers.summary).to.equal('2 уровня (Бронза, Серебро), покупки за 365 дней');
    expect(sections.birthdays.summary).to.equal('выключены');
    expect(sections['customer-search'].summary).to.equal('в МоёмСкладе');
    expect(sections['restricted-goods'].summary).to.equal(
      'табак, никотин и товары с запретом скидки, а также 1 вид маркировки и 2 группы товаров',
    );
    expect(sections.ibonus.summary, 'the offered address, no login yet').to.equal('https://lk.i-bonus.me');
  });

  it('when birthdays give a gift after a wait, then the folded line says who gets it; without a gift the wait is not mentioned', () => {
    const summary = (values: Record<string, string>) =>
      settingsSections({
        values: { ...LEDGER, 'ledger.birthdayEnabled': 'on', ...values },
        problemFields: [],
        savedFor: 'ledger',
      }).birthdays.summary;
    const gift = { 'ledger.birthdayPoints': '500', 'ledger.birthdayEarnMultiplier': '2' };
    expect(summary(gift)).to.equal('подарок 500 баллов, баллы за покупки ×2');
    expect(summary({ ...gift, 'ledger.birthdayMinMemberDays': '30' })).to.equal(
      'подарок 500 баллов тем, кто в программе от 30 дней, баллы за покупки ×2',
    );
    expect(summary({ ...gift, 'ledger.birthdayMinMemberDays': '1' })).to.contain('от 1 дня');
    expect(summary({ 'ledger.birthdayPoints': '0', 'ledger.birthdayMinMemberDays': '30' })).to.equal('без подарка');
  });
});
