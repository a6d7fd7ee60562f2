import { expect } from 'chai';
import { bonusProgramChoices, withImportedRules } from '../../../app/go-live/bonus-program-import.js';
import { BONUS_PROGRAM, VALID_FORMS } from '../../helpers/iframe.js';

describe('Importing a МойСклад bonus program', () => {
  it('when a program has every field, then each becomes the ledger rule of the same name', () => {
    const [choice] = bonusProgramChoices([BONUS_PROGRAM]);
    expect(choice).to.deep.equal({
      id: BONUS_PROGRAM.id,
      name: 'Бонусы за покупки',
      active: true,
      rules: {
        active: true,
        earnRateRoublesToPoint: 7,
        spendRatePointsToRouble: 4,
        maxPaidRatePercents: 50,
        earnWhileRedeeming: true,
        welcomeBonusesEnabled: true,
        welcomeBonusesValue: 100,
        welcomeBonusesMode: 'REGISTRATION',
        postponedBonusesDelayDays: 7,
        allAgents: true,
        agentTags: [],
      },
      audience: 'всем покупателям',
    });
  });

  it('when a program applies only to customers with some tags, then its audience is imported into the form and named in the list', () => {
    const [choice] = bonusProgramChoices([{ ...BONUS_PROGRAM, allAgents: false, agentTags: ['vip', 'постоянные'] }]);
    expect(choice!.rules).to.include({ allAgents: false });
    expect(choice!.rules.agentTags).to.deep.equal(['vip', 'постоянные']);
    expect(choice!.audience).to.equal('покупателям с тегами: vip, постоянные');
    const values = withImportedRules({ ...VALID_FORMS.ledger, 'ledger.audience': 'all' }, choice!);
    expect(values).to.include({ 'ledger.audience': 'tags', 'ledger.agentTags': 'vip, постоянные' });
  });

  it('when a program for all customers still lists tags, then the tags are dropped: they would mean nothing', () => {
    const [choice] = bonusProgramChoices([{ ...BONUS_PROGRAM, allAgents: true, agentTags: ['vip'] }]);
    expect(choice!.rules.agentTags).to.deep.equal([]);
  });

  it('when the tariff has no delayed points or welcome points are off, then those rules are zero rather than left over', () => {
    const [choice] = bonusProgramChoices([
      {
        id: 'p',
        name: '',
        active: false,
        earnRateRoublesToPoint: 1,
        spendRatePointsToRouble: 1,
        maxPaidRatePercents: 100,
        welcomeBonusesEnabled: false,
        earnWhileRedeeming: false,
      },
    ]);
    expect(choice!.name).to.equal('Без названия');
    expect(choice!.rules).to.include({ postponedBonusesDelayDays: 0, welcomeBonusesValue: 0, active: false });
  });

  it('when a program has a value the ledger cannot take (a fractional rate, a percent over 100), then it is not offered', () => {
    const choices = bonusProgramChoices([
      { ...BONUS_PROGRAM, id: 'a', earnRateRoublesToPoint: 2.5 },
      { ...BONUS_PROGRAM, id: 'b', maxPaidRatePercents: 150 },
      { name: 'no id' },
      { ...BONUS_PROGRAM, id: 'ok' },
    ]);
    expect(choices.map((c) => c.id)).to.deep.equal(['ok']);
  });

  it('when rules are imported into a posted form, then the program replaces the rules, switches to the ledger and keeps the rest', () => {
    const [choice] = bonusProgramChoices([
      { ...BONUS_PROGRAM, earnWhileRedeeming: false, welcomeBonusesEnabled: false },
    ]);
    const values = withImportedRules(
      {
        ...VALID_FORMS.general,
        'ledger.earnWhileRedeeming': 'on',
        'ledger.welcomeBonusesEnabled': 'on',
        'ledger.receiptTemplate': 'Спасибо!',
      },
      choice!,
    );
    expect(values).to.include({
      backend: 'ledger',
      'ledger.earnRateRoublesToPoint': '7',
      'ledger.receiptTemplate': 'Спасибо!',
      'general.baseUrl': 'https://bonus.example.test',
    });
    expect(values).to.not.have.any.keys('ledger.earnWhileRedeeming', 'ledger.welcomeBonusesEnabled');
  });
});
