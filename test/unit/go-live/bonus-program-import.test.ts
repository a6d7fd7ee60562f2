import { expect } from 'chai';
import { bonusProgramChoices, withImportedRules } from '../../../app/go-live/bonus-program-import.js';
import { formValuesFromStored, parseSettingsForm } from '../../../app/go-live/settings-input.js';
import { DEFAULT_LEDGER_RULES, type LedgerRules } from '../../../app/ledger/rules.js';
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

  it('when an owner with expiry, tiers and birthdays set imports a program, then those settings stay as they were', () => {
    const [choice] = bonusProgramChoices([BONUS_PROGRAM]);
    const ledger: Partial<LedgerRules> = {
      pointsLifetimeDays: 180,
      welcomeLifetimeDays: 30,
      expiryReminderDays: 7,
      birthdayEnabled: true,
      birthdayPoints: 500,
      birthdayDaysBefore: 5,
      birthdayDaysAfter: 10,
      birthdayEarnMultiplier: 2,
      birthdayMinMemberDays: 30,
    };
    const tiers = {
      enabled: true,
      windowDays: 365,
      levels: [{ name: 'Бронза', thresholdKopecks: 0, earnRateRoublesToPoint: 10 }],
    };
    const stored = {
      backend: 'ledger' as const,
      externalSearch: false,
      settings: { ledger: { ...DEFAULT_LEDGER_RULES, ...ledger }, tiers },
      secretsSet: { generalApiKey: false, ibonusLogin: false, ibonusPassword: false },
      smsWebhookUrl: 'https://sms.shop.test/send',
    };
    const values = withImportedRules(formValuesFromStored(stored), choice!);
    const { change, problems } = parseSettingsForm(values, stored);
    expect(problems).to.deep.equal([]);
    expect(change!.settings.ledger).to.include({ ...ledger, earnRateRoublesToPoint: 7, spendRatePointsToRouble: 4 });
    expect(change!.settings.tiers).to.deep.equal(tiers);
  });

  it('when an owner who never set them imports a program, then expiry and birthdays are off with their defaults', () => {
    const [choice] = bonusProgramChoices([BONUS_PROGRAM]);
    const stored = {
      backend: 'ledger' as const,
      externalSearch: false,
      settings: {},
      secretsSet: { generalApiKey: false, ibonusLogin: false, ibonusPassword: false },
    };
    const { change, problems } = parseSettingsForm(withImportedRules({ ...VALID_FORMS.ledger }, choice!), stored);
    expect(problems).to.deep.equal([]);
    const { pointsLifetimeDays, welcomeLifetimeDays, expiryReminderDays, birthdayEnabled, birthdayPoints } =
      DEFAULT_LEDGER_RULES;
    expect(change!.settings.ledger).to.include({
      pointsLifetimeDays,
      welcomeLifetimeDays,
      expiryReminderDays,
      birthdayEnabled,
      birthdayPoints,
      birthdayDaysBefore: DEFAULT_LEDGER_RULES.birthdayDaysBefore,
      birthdayDaysAfter: DEFAULT_LEDGER_RULES.birthdayDaysAfter,
      birthdayEarnMultiplier: 1,
    });
    expect(change!.settings.tiers).to.equal(undefined);
  });
});
