import { expect } from 'chai';
import {
  formValuesFromStored,
  formValuesOf,
  parseSettingsForm,
  type StoredSettings,
} from '../../../app/go-live/settings-input.js';
import { tierExample } from '../../../app/go-live/tier-settings-input.js';
import { tierRulesOf } from '../../../app/ledger/tier-rules.js';
import { VALID_FORMS } from '../../helpers/iframe.js';
import { THREE_TIER_FORM } from '../../helpers/tier-form.js';

const STORED: StoredSettings = {
  backend: 'ledger',
  externalSearch: false,
  settings: {},
  secretsSet: { generalApiKey: false, ibonusLogin: false, ibonusPassword: false },
};

const parse = (tiers: Record<string, string>, stored = STORED) =>
  parseSettingsForm(formValuesOf({ ...VALID_FORMS.ledger, ...tiers }), stored);

const problemsOf = (tiers: Record<string, string>) =>
  Object.fromEntries(parse(tiers).problems.map((p) => [p.field, p.message]));

describe('Settings form: tiers', () => {
  it('when three levels are typed in roubles, then they are stored in kopecks, ascending, with their own rates and cap', () => {
    const { change, problems } = parse(THREE_TIER_FORM);
    expect(problems).to.deep.equal([]);
    expect(change!.settings.tiers).to.deep.equal({
      enabled: true,
      windowDays: 365,
      levels: [
        { name: 'Бронза', thresholdKopecks: 0, earnRateRoublesToPoint: 10 },
        { name: 'Серебро', thresholdKopecks: 1_000_000, earnRateRoublesToPoint: 5 },
        { name: 'Золото', thresholdKopecks: 3_000_000, earnRateRoublesToPoint: 2, maxPaidRatePercents: 50 },
      ],
    });
    // What is stored is what the ledger reads back, and what the form shows again.
    expect(tierRulesOf({ settings: { tiers: change!.settings.tiers } })).to.deep.equal(change!.settings.tiers);
    const again = formValuesFromStored({ ...STORED, settings: change!.settings });
    expect(again).to.include(THREE_TIER_FORM);
  });

  it('when tiers are off and no level is typed, then saving works and no tiers are stored', () => {
    const { change, problems } = parse({ 'tiers.shown': '1', 'tiers.windowDays': '' });
    expect(problems).to.deep.equal([]);
    expect(change!.settings).to.not.have.property('tiers');
  });

  it('when stored tiers are switched off, then the levels are kept for later, off', () => {
    const stored = { ...STORED, settings: { tiers: parse(THREE_TIER_FORM).change!.settings.tiers } };
    const { 'tiers.enabled': _unchecked, ...switchedOff } = THREE_TIER_FORM;
    const { change } = parse(switchedOff, stored);
    expect(change!.settings.tiers).to.deep.include({ enabled: false });
    expect(change!.settings.tiers!.levels).to.have.length(3);
  });

  it('when a page without the tiers section is posted, then the stored tiers are kept', () => {
    const stored = { ...STORED, settings: { tiers: parse(THREE_TIER_FORM).change!.settings.tiers } };
    const { change } = parse({}, stored);
    expect(change!.settings.tiers).to.deep.equal(stored.settings.tiers);
  });

  it('when the first level does not start at 0 ₽, then the owner is told so at its threshold', () => {
    expect(problemsOf({ ...THREE_TIER_FORM, 'tiers.threshold1': '500' })).to.deep.equal({
      'tiers.threshold1':
        'Первый уровень начинается с 0 ₽: с него начинают все покупатели. Укажите 0 у уровня «Бронза».',
    });
  });

  it('when thresholds do not ascend, then the level that is not higher says which one it must exceed', () => {
    expect(problemsOf({ ...THREE_TIER_FORM, 'tiers.threshold3': '10000' })).to.deep.equal({
      'tiers.threshold3': 'Порог уровня «Золото» должен быть больше, чем у уровня «Серебро» (10 000 ₽).',
    });
  });

  it('when a begun row lacks its threshold or rate, or two levels share a name, then each is named at its field', () => {
    expect(
      problemsOf({ ...THREE_TIER_FORM, 'tiers.threshold2': '', 'tiers.earnRate3': '', 'tiers.name4': 'Платина' }),
    ).to.deep.equal({
      'tiers.threshold2': 'Укажите, с какой суммы покупок начинается уровень «Серебро».',
      'tiers.earnRate3': 'Укажите, сколько рублей дают 1 балл на уровне «Золото».',
      'tiers.threshold4': 'Укажите, с какой суммы покупок начинается уровень «Платина».',
      'tiers.earnRate4': 'Укажите, сколько рублей дают 1 балл на уровне «Платина».',
    });
    expect(problemsOf({ ...THREE_TIER_FORM, 'tiers.name3': 'серебро' })).to.deep.equal({
      'tiers.name3': 'Уровень «серебро» уже есть: назовите уровни по-разному.',
    });
  });

  it('when rates or the window are out of bounds, then the Russian bound is shown at the field', () => {
    expect(
      problemsOf({
        ...THREE_TIER_FORM,
        'tiers.earnRate2': '0',
        'tiers.maxPaid3': '101',
        'tiers.threshold3': '100000001',
        'tiers.windowDays': '0',
      }),
    ).to.deep.equal({
      'tiers.windowDays': 'Поле «За сколько дней считать покупки» должно быть не меньше 1.',
      'tiers.earnRate2': 'Поле «Сколько рублей дают 1 балл на уровне 2» должно быть не меньше 1.',
      'tiers.threshold3': 'Поле «Порог уровня 3, ₽» должно быть не больше 100000000.',
      'tiers.maxPaid3': 'Поле «Какую часть чека можно оплатить баллами на уровне 3, %» должно быть не больше 100.',
    });
  });

  it('when tiers are switched on without any level, then the first row asks for one', () => {
    expect(problemsOf({ 'tiers.shown': '1', 'tiers.enabled': 'on', 'tiers.windowDays': '365' })).to.deep.equal({
      'tiers.name1': 'Чтобы включить уровни, задайте хотя бы первый: название, 0 ₽ и ставку.',
    });
  });

  it('when levels are typed, then the example in roubles uses the second level', () => {
    expect(tierExample(THREE_TIER_FORM)).to.equal('Покупка на 1 000 ₽ → 200 баллов (уровень «Серебро»)');
    expect(tierExample({})).to.equal('Покупка на 1 000 ₽ → 100 баллов (уровень «Серебро»)');
    expect(tierExample({ 'tiers.name1': 'Друг', 'tiers.earnRate1': '1000' })).to.equal(
      'Покупка на 1 000 ₽ → 1 балл (уровень «Друг»)',
    );
  });

  it('when stored tiers no longer validate (descending thresholds), then the ledger reads them as off', () => {
    const tiers = {
      enabled: true,
      windowDays: 365,
      levels: [
        { name: 'А', thresholdKopecks: 0, earnRateRoublesToPoint: 10 },
        { name: 'Б', thresholdKopecks: 0, earnRateRoublesToPoint: 5 },
      ],
    };
    expect(tierRulesOf({ settings: { tiers } }).enabled).to.equal(false);
  });
});
