import { expect } from 'chai';
import { settingsOf } from '../../../app/tenants/tenant-settings.js';
import { tenantRepository } from '../../../app/tenants/tenant-repository.js';
import {
  accountWithIframe,
  answerGoLive,
  fieldError,
  followRedirect,
  type IframeClient,
  inputValue,
  isChecked,
  openIframe,
  startIframeTestApp,
  textOf,
  VALID_FORMS,
} from '../../helpers/iframe.js';
import type { TestApp } from '../../helpers/test-app.js';
import { THREE_TIER_FORM } from '../../helpers/tier-form.js';

describe('Settings iframe: the tiers section', () => {
  let t: TestApp;
  let accountId: string;
  let client: IframeClient;
  const tenant = () => tenantRepository.find(t.storage.db, accountId)!;

  before(async () => {
    t = await startIframeTestApp();
  });
  after(() => t.close());
  beforeEach(async () => {
    ({ accountId, client } = await accountWithIframe(t));
  });

  it('when the owner has not set tiers, then the section is off, with its explanation and an example in roubles', async () => {
    const text = textOf(client.page.data);
    expect(text).to.include('Уровни покупателей');
    expect(text).to.include('Например: Покупка на 1 000 ₽ → 100 баллов (уровень «Серебро»).');
    expect(isChecked(client.page.data, 'tiers.enabled')).to.equal(false);
    expect(text).to.include('Когда уровни включены и сохранены, сюда можно загрузить покупки из МоегоСклада');
  });

  it('when the owner saves three levels, then they are stored, shown again with their example, and history can be loaded', async () => {
    answerGoLive(t, accountId);
    const page = await followRedirect(
      t,
      client,
      await client.post('/iframe/settings', { ...VALID_FORMS.ledger, ...THREE_TIER_FORM }),
    );
    expect(settingsOf(tenant()).tiers).to.deep.equal({
      enabled: true,
      windowDays: 365,
      levels: [
        { name: 'Бронза', thresholdKopecks: 0, earnRateRoublesToPoint: 10 },
        { name: 'Серебро', thresholdKopecks: 1_000_000, earnRateRoublesToPoint: 5 },
        { name: 'Золото', thresholdKopecks: 3_000_000, earnRateRoublesToPoint: 2, maxPaidRatePercents: 50 },
      ],
    });
    expect(isChecked(page.data, 'tiers.enabled')).to.equal(true);
    expect(inputValue(page.data, 'tiers.threshold3')).to.equal('30000');
    expect(inputValue(page.data, 'tiers.maxPaid3')).to.equal('50');
    const text = textOf(page.data);
    expect(text).to.include('Например: Покупка на 1 000 ₽ → 200 баллов (уровень «Серебро»).');
    expect(text).to.include('История ещё не загружалась. Загрузите её, чтобы покупатели сразу получили уровни');
    expect(page.data).to.match(/data-action="seed"/);
  });

  it('when thresholds do not ascend, then the error stands at the level and nothing is saved or sent', async () => {
    const before = tenant().settings;
    const res = await client.post('/iframe/settings', {
      ...VALID_FORMS.ledger,
      ...THREE_TIER_FORM,
      'tiers.threshold3': '9000',
    });
    expect(res.status).to.equal(400);
    expect(fieldError(res.data, 'tiers.threshold3')).to.equal(
      'Порог уровня «Золото» должен быть больше, чем у уровня «Серебро» (10 000 ₽).',
    );
    expect(inputValue(res.data, 'tiers.threshold3'), 'the typed value stays').to.equal('9000');
    expect(tenant().settings).to.deep.equal(before);
  });

  it('when history is asked for before tiers are saved on, then the owner is told to save them first and nothing starts', async () => {
    const res = await client.post('/iframe/tier-seed', { ...VALID_FORMS.ledger, ...THREE_TIER_FORM });
    expect(res.status).to.equal(200);
    expect(textOf(res.data)).to.include('Сначала включите уровни и сохраните настройки');
    expect(inputValue(res.data, 'tiers.name2'), 'what was typed stays in the form').to.equal('Серебро');
    const progress = await t.http.get(`/iframe/tier-seed?session=${encodeURIComponent(client.token)}`);
    expect(progress.data).to.deep.include({ status: 'none' });
  });

  it('when an employee who may not change settings asks for history, then it is refused', async () => {
    const cashier = await openIframe(t, accountId, { admin: false });
    const res = await cashier.post('/iframe/tier-seed', {});
    expect(res.status).to.equal(403);
    expect(textOf(res.data)).to.include('Изменять настройки могут только администраторы');
  });
});
