import { expect } from 'chai';
import {
  formValuesFromStored,
  formValuesOf,
  mergeSecrets,
  parseSettingsForm,
  type StoredSettings,
} from '../../../app/go-live/settings-input.js';
import { DEFAULT_LEDGER_RULES } from '../../../app/ledger/rules.js';
import { VALID_FORMS } from '../../helpers/iframe.js';

const IBONUS_STORED = { maxPaidRatePercents: 50, spendRatePointsToRouble: 1 };

const NOTHING_STORED: StoredSettings = {
  backend: 'ledger',
  externalSearch: false,
  settings: {},
  secretsSet: { generalApiKey: false, ibonusLogin: false, ibonusPassword: false },
};

describe('Settings form parsing', () => {
  it('when a body carries fields the form does not have, then only the known ones are read', () => {
    const values = formValuesOf({
      ...VALID_FORMS.general,
      session: 'token',
      _csrf: 'x',
      '__proto__.polluted': 'yes',
      'general.baseUrl.deeper': 'x',
      'unknown.field': 'x',
      'general.apiKey': ['first', 'second'],
    });
    expect(values).to.not.have.any.keys(
      'session',
      '_csrf',
      '__proto__.polluted',
      'general.baseUrl.deeper',
      'unknown.field',
    );
    expect(values['general.apiKey']).to.equal('first');
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });

  it('when the general system is chosen, then its section, mapping and key are taken and the other sections are kept as stored', () => {
    const stored: StoredSettings = {
      ...NOTHING_STORED,
      settings: {
        ledger: { earnRateRoublesToPoint: 5 },
        ibonus: { baseUrl: 'https://i', maxPaidRatePercents: 10, spendRatePointsToRouble: 2 },
      },
    };
    const { change } = parseSettingsForm(
      formValuesOf({ ...VALID_FORMS.general, 'ledger.earnRateRoublesToPoint': 'rubbish' }),
      stored,
    );
    expect(change).to.deep.equal({
      backend: 'general',
      externalSearch: true,
      settings: {
        ledger: { earnRateRoublesToPoint: 5 },
        ibonus: { baseUrl: 'https://i', maxPaidRatePercents: 10, spendRatePointsToRouble: 2 },
        general: { baseUrl: 'https://bonus.example.test', defaultPoint: 'point-1' },
        storePoints: { '6a1d7b2e-0000-4000-8000-000000000001': 'point-1' },
        whenProviderDown: 'no-discount',
      },
      secrets: { general: { apiKey: 'general-key-0123456789' } },
    });
  });

  it('when the ledger is chosen, then unchecked boxes are false and a blank webhook is left out', () => {
    const { change } = parseSettingsForm(formValuesOf(VALID_FORMS.ledger), NOTHING_STORED);
    expect(change!.settings.ledger).to.deep.equal({
      active: true,
      earnRateRoublesToPoint: 10,
      spendRatePointsToRouble: 1,
      maxPaidRatePercents: 30,
      earnWhileRedeeming: false,
      welcomeBonusesEnabled: false,
      welcomeBonusesValue: 0,
      welcomeBonusesMode: 'REGISTRATION',
      postponedBonusesDelayDays: 0,
      receiptTemplate: 'Баллов: {balanceAfter}',
      requireSpendingCode: false,
      confirmRegistrationByCode: false,
      allAgents: true,
      agentTags: [],
      // Points that expire are off until the owner sets a lifetime.
      pointsLifetimeDays: 0,
      welcomeLifetimeDays: 0,
      expiryReminderDays: 0,
      expiryReminderTemplate: 'Через {days} сгорит {points}. Ждём вас в «{shop}»!',
      // Birthdays are off; the window and multiplier keep their defaults for when the owner turns them on.
      birthdayEnabled: false,
      birthdayPoints: 0,
      birthdayDaysBefore: 3,
      birthdayDaysAfter: 7,
      birthdayEarnMultiplier: 1,
      // The gift waits for nobody until the owner asks for it: a tenant saving an old form changes nothing.
      birthdayMinMemberDays: 0,
      catchUpOfflineSales: false,
    });
  });

  it('when birthdays are on with a window, multiplier or wait out of bounds, then each is named next to its field', () => {
    const { problems } = parseSettingsForm(
      formValuesOf({
        ...VALID_FORMS.ledger,
        'ledger.birthdayEnabled': 'on',
        'ledger.birthdayPoints': '500',
        'ledger.birthdayDaysBefore': '31',
        'ledger.birthdayEarnMultiplier': '11',
        'ledger.birthdayMinMemberDays': '366',
      }),
      NOTHING_STORED,
    );
    expect(problems.map((p) => p.field)).to.deep.equal([
      'ledger.birthdayDaysBefore',
      'ledger.birthdayEarnMultiplier',
      'ledger.birthdayMinMemberDays',
    ]);
    expect(problems[2]!.message).to.equal(
      'Поле «Подарок — тем, кто в программе не меньше, дней» должно быть не больше 365.',
    );
  });

  it('when the gift waits 30 days, then the rule is saved; a blank field is 0, a fraction is refused', () => {
    const form = { ...VALID_FORMS.ledger, 'ledger.birthdayEnabled': 'on', 'ledger.birthdayPoints': '500' };
    const saved = (wait: string) =>
      parseSettingsForm(formValuesOf({ ...form, 'ledger.birthdayMinMemberDays': wait }), NOTHING_STORED);
    expect(saved('30').change!.settings.ledger!.birthdayMinMemberDays).to.equal(30);
    expect(saved('').change!.settings.ledger!.birthdayMinMemberDays).to.equal(0);
    expect(saved('1.5').problems.map((p) => p.message)).to.deep.equal([
      'Поле «Подарок — тем, кто в программе не меньше, дней» должно быть целым числом.',
    ]);
  });

  it('when points expire with reminders, then the days and the template are kept and the SMS gateway address is required', () => {
    const expiring = {
      ...VALID_FORMS.ledger,
      'ledger.pointsLifetimeDays': '180',
      'ledger.welcomeLifetimeDays': '30',
      'ledger.expiryReminderDays': '7',
      'ledger.expiryReminderTemplate': ' Через {days} сгорит {points}. «Ромашка» ',
    };
    const withoutGateway = parseSettingsForm(
      formValuesOf({ ...expiring, 'ledger.codeWebhookUrl': '' }),
      NOTHING_STORED,
    );
    expect(withoutGateway.problems).to.deep.equal([
      {
        field: 'ledger.codeWebhookUrl',
        message: 'Чтобы напоминать о сгорании баллов, укажите адрес вашего SMS-шлюза.',
      },
    ]);
    const { change } = parseSettingsForm(
      formValuesOf({ ...expiring, 'ledger.codeWebhookUrl': 'https://sms.example.test/send' }),
      NOTHING_STORED,
    );
    expect(change!.settings.ledger).to.include({
      pointsLifetimeDays: 180,
      welcomeLifetimeDays: 30,
      expiryReminderDays: 7,
      expiryReminderTemplate: 'Через {days} сгорит {points}. «Ромашка»',
    });
    expect(change!.secrets.smsGateway).to.deep.equal({ webhookUrl: 'https://sms.example.test/send' });
  });

  it('when registration must be confirmed by code, then the box is kept and the SMS gateway address is required', () => {
    const withoutGateway = parseSettingsForm(
      formValuesOf({ ...VALID_FORMS.ledger, 'ledger.confirmRegistrationByCode': 'on', 'ledger.codeWebhookUrl': '' }),
      NOTHING_STORED,
    );
    expect(withoutGateway.problems).to.deep.equal([
      {
        field: 'ledger.codeWebhookUrl',
        message: 'Чтобы спрашивать код, укажите адрес, куда отправлять коды покупателям.',
      },
    ]);
    const { change } = parseSettingsForm(
      formValuesOf({
        ...VALID_FORMS.ledger,
        'ledger.confirmRegistrationByCode': 'on',
        'ledger.codeWebhookUrl': 'https://sms.example/send',
      }),
      NOTHING_STORED,
    );
    expect(change!.settings.ledger).to.include({ confirmRegistrationByCode: true, requireSpendingCode: false });
    expect(change!.secrets.smsGateway).to.deep.equal({ webhookUrl: 'https://sms.example/send' });
    const stored = { ...NOTHING_STORED, settings: change!.settings };
    expect(formValuesFromStored(stored)).to.include({ 'ledger.confirmRegistrationByCode': 'on' });
  });

  it('when the program is limited to some customers, then their tags are taken, and none typed is a problem on the tags field', () => {
    const limited = parseSettingsForm(
      formValuesOf({ ...VALID_FORMS.ledger, 'ledger.audience': 'tags', 'ledger.agentTags': ' vip, Постоянные ,vip,' }),
      NOTHING_STORED,
    );
    expect(limited.change!.settings.ledger).to.include({ allAgents: false });
    expect(limited.change!.settings.ledger!.agentTags).to.deep.equal(['vip', 'Постоянные']);
    const empty = parseSettingsForm(
      formValuesOf({ ...VALID_FORMS.ledger, 'ledger.audience': 'tags', 'ledger.agentTags': ' , ' }),
      NOTHING_STORED,
    );
    expect(empty.problems.map((p) => p.field)).to.deep.equal(['ledger.agentTags']);
  });

  it('when goods are excluded in the form, then tracking types, folders and the earn switches are stored for any system', () => {
    const folder = '5b2a1c9e-0000-4000-8000-000000000001';
    const { change } = parseSettingsForm(
      formValuesOf({
        ...VALID_FORMS.general,
        'restrictions.shown': '1',
        'restrictions.type_BEER_ALCOHOL': 'on',
        [`restrictions.folder_${folder}`]: 'on',
        'restrictions.earnLaw': 'on',
      }),
      NOTHING_STORED,
    );
    expect(change!.settings.restrictions).to.deep.equal({
      excludedTrackingTypes: ['BEER_ALCOHOL'],
      excludedFolderIds: [folder],
      earnOnLawRestricted: true,
      earnOnOtherRestricted: false,
    });
  });

  it('when a tracking type is not one the owner may exclude, then the form says so and nothing is stored', () => {
    const { problems } = parseSettingsForm(
      formValuesOf({ ...VALID_FORMS.ledger, 'restrictions.shown': '1', 'restrictions.type_TOBACCO': 'on' }),
      NOTHING_STORED,
    );
    expect(problems.map((p) => p.field)).to.deep.equal(['restrictions.type_TOBACCO']);
  });

  it('when a post has no restricted-goods section, then the stored choices are kept', () => {
    const restrictions = {
      excludedTrackingTypes: ['MILK'],
      excludedFolderIds: [],
      earnOnLawRestricted: false,
      earnOnOtherRestricted: true,
    };
    const { change } = parseSettingsForm(formValuesOf(VALID_FORMS.ledger), {
      ...NOTHING_STORED,
      settings: { restrictions },
    });
    expect(change!.settings.restrictions).to.deep.equal(restrictions);
  });

  it('when secrets are already stored for the same addresses, then blank secret fields are valid and change nothing', () => {
    const stored: StoredSettings = {
      ...NOTHING_STORED,
      settings: {
        general: { baseUrl: 'https://bonus.example.test/' },
        ibonus: { baseUrl: 'https://lk.i-bonus.test', maxPaidRatePercents: 50, spendRatePointsToRouble: 1 },
      },
      secretsSet: { generalApiKey: true, ibonusLogin: true, ibonusPassword: true },
    };
    const general = parseSettingsForm(formValuesOf({ ...VALID_FORMS.general, 'general.apiKey': '' }), stored);
    expect(general.problems).to.deep.equal([]);
    expect(general.change!.secrets).to.deep.equal({});
    const ibonus = parseSettingsForm(
      formValuesOf({ ...VALID_FORMS.ibonus, 'ibonus.login': '', 'ibonus.password': 'new' }),
      stored,
    );
    expect(ibonus.change!.secrets).to.deep.equal({ ibonus: { password: 'new' } });
  });

  it('when a stored secret would go to an address typed after it, then it must be typed again', () => {
    const stored: StoredSettings = {
      ...NOTHING_STORED,
      settings: {
        general: { baseUrl: 'https://bonus.example.test' },
        ibonus: { baseUrl: 'https://lk.i-bonus.test', maxPaidRatePercents: 50, spendRatePointsToRouble: 1 },
      },
      secretsSet: { generalApiKey: true, ibonusLogin: true, ibonusPassword: true },
    };
    const fields = (form: Record<string, string>) =>
      parseSettingsForm(formValuesOf(form), stored).problems.map((problem) => problem.field);
    const general = { ...VALID_FORMS.general, 'general.apiKey': '' };
    expect(fields({ ...general, 'general.baseUrl': 'https://bonus.example.test:8443' })).to.deep.equal([
      'general.apiKey',
    ]);
    expect(fields({ ...general, 'general.baseUrl': 'HTTPS://BONUS.example.test/' }), 'the same address').to.deep.equal(
      [],
    );
    const ibonus = { ...VALID_FORMS.ibonus, 'ibonus.login': '', 'ibonus.password': '' };
    expect(fields({ ...ibonus, 'ibonus.baseUrl': 'https://lk.i-bonus.test/other' })).to.deep.equal(['ibonus.password']);
    expect(fields({ ...ibonus, 'ibonus.login': 'new-login' })).to.deep.equal(['ibonus.password']);
    expect(fields(ibonus)).to.deep.equal([]);
  });

  it('when new secrets are laid over stored ones, then only the typed ones change', () => {
    const stored = { general: { apiKey: 'old-key' }, ibonus: { login: 'me', password: 'old' } };
    expect(mergeSecrets(stored, { ibonus: { password: 'new' } })).to.deep.equal({
      general: { apiKey: 'old-key' },
      ibonus: { login: 'me', password: 'new' },
    });
    expect(mergeSecrets(stored, { general: { apiKey: 'new-key' } }).general).to.deep.equal({ apiKey: 'new-key' });
    expect(mergeSecrets({}, { ibonus: { login: 'only-login' } }), 'half a credential is not stored').to.deep.equal({});
  });

  it('when stored settings fill the form and it is posted back unchanged, then the same settings come out', () => {
    const stored: StoredSettings = {
      ...NOTHING_STORED,
      backend: 'ledger',
      settings: {
        ledger: { ...DEFAULT_LEDGER_RULES, earnWhileRedeeming: true, allAgents: false, agentTags: ['vip', 'опт'] },
        whenProviderDown: 'refuse',
        restrictions: {
          excludedTrackingTypes: ['BEER_ALCOHOL', 'MILK'],
          excludedFolderIds: ['5b2a1c9e-0000-4000-8000-000000000001'],
          earnOnLawRestricted: true,
          earnOnOtherRestricted: false,
        },
      },
      smsWebhookUrl: 'https://sms.example/send?key=k',
    };
    const { change } = parseSettingsForm(formValuesFromStored(stored), stored);
    expect(change!.settings).to.deep.equal(stored.settings);
    expect(change!.secrets).to.deep.equal({ smsGateway: { webhookUrl: 'https://sms.example/send?key=k' } });
    expect(change!.externalSearch).to.equal(false);
  });

  it('when i-bonus has no address yet, then the form offers lk.i-bonus.me, which configures nothing unless i-bonus is chosen', () => {
    const ledger: StoredSettings = { ...NOTHING_STORED, backend: 'ledger', settings: { ledger: DEFAULT_LEDGER_RULES } };
    const values = formValuesFromStored(ledger);
    expect(values['ibonus.baseUrl']).to.equal('https://lk.i-bonus.me');
    expect(parseSettingsForm(values, ledger).change!.settings).to.not.have.property('ibonus');

    // Chosen, the offered address is taken like a typed one; the login and password are still asked for.
    const chosen = parseSettingsForm({ ...values, backend: 'ibonus' }, ledger);
    expect(chosen.problems.map((p) => p.field)).to.deep.equal(['ibonus.login', 'ibonus.password']);
    const typed = parseSettingsForm(
      { ...values, backend: 'ibonus', 'ibonus.login': 'shop', 'ibonus.password': 'secret', confirmLeaveLedger: 'on' },
      ledger,
    );
    expect(typed.change!.settings.ibonus).to.include({ baseUrl: 'https://lk.i-bonus.me' });

    const elsewhere = { ...ledger, settings: { ibonus: { ...IBONUS_STORED, baseUrl: 'https://bonus.shop.test' } } };
    expect(formValuesFromStored(elsewhere)['ibonus.baseUrl']).to.equal('https://bonus.shop.test');
  });
});
