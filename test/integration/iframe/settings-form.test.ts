import { existsSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import nock from 'nock';
import { providerSecretsOf, settingsOf } from '../../../app/tenants/tenant-settings.js';
import { tenantRepository } from '../../../app/tenants/tenant-repository.js';
import { catalogRepository } from '../../../app/catalog/catalog-repository.js';
import {
  accountWithIframe,
  answerGoLive,
  answerJsonApiLists,
  BONUS_PROGRAM,
  fieldError,
  followRedirect,
  type IframeClient,
  inputValue,
  isChecked,
  JSON_API,
  startIframeTestApp,
  STORES,
  textOf,
  VALID_FORMS,
  VENDOR,
  vendorAppPath,
} from '../../helpers/iframe.js';
import type { TestApp } from '../../helpers/test-app.js';

interface InvalidCase {
  form: keyof typeof VALID_FORMS;
  change: Record<string, string | undefined>;
  field: string;
  message: string;
}

/** Every rule of the form, one bad value each; `undefined` leaves the field out as a browser would. */
const INVALID: InvalidCase[] = [
  { form: 'ledger', change: { backend: 'bitcoin' }, field: 'backend', message: 'Выберите систему лояльности.' },
  {
    form: 'ledger',
    change: { backend: undefined },
    field: 'backend',
    message: 'Не указано обязательное поле «Система лояльности».',
  },
  {
    form: 'ledger',
    change: { externalSearch: 'maybe' },
    field: 'externalSearch',
    message: 'Выберите, где искать покупателей.',
  },
  {
    form: 'ledger',
    change: { externalSearch: undefined },
    field: 'externalSearch',
    message: 'Не указано обязательное поле «Где искать покупателей».',
  },
  {
    form: 'general',
    change: { whenProviderDown: 'panic' },
    field: 'whenProviderDown',
    message: 'Выберите, что делать, если система лояльности недоступна.',
  },
  {
    form: 'ledger',
    change: { 'ledger.earnRateRoublesToPoint': '' },
    field: 'ledger.earnRateRoublesToPoint',
    message: 'Не указано обязательное поле «Сколько рублей покупки дают 1 балл».',
  },
  {
    form: 'ledger',
    change: { 'ledger.earnRateRoublesToPoint': '0' },
    field: 'ledger.earnRateRoublesToPoint',
    message: 'Поле «Сколько рублей покупки дают 1 балл» должно быть не меньше 1.',
  },
  {
    form: 'ledger',
    change: { 'ledger.earnRateRoublesToPoint': '2.5' },
    field: 'ledger.earnRateRoublesToPoint',
    message: 'Поле «Сколько рублей покупки дают 1 балл» должно быть целым числом.',
  },
  {
    form: 'ledger',
    change: { 'ledger.earnRateRoublesToPoint': 'десять' },
    field: 'ledger.earnRateRoublesToPoint',
    message: 'Поле «Сколько рублей покупки дают 1 балл» должно быть числом.',
  },
  {
    form: 'ledger',
    change: { 'ledger.spendRatePointsToRouble': '0' },
    field: 'ledger.spendRatePointsToRouble',
    message: 'Поле «Сколько баллов равны 1 ₽ скидки» должно быть не меньше 1.',
  },
  {
    form: 'ledger',
    change: { 'ledger.maxPaidRatePercents': '101' },
    field: 'ledger.maxPaidRatePercents',
    message: 'Поле «Какую часть чека можно оплатить баллами, %» должно быть не больше 100.',
  },
  {
    form: 'ledger',
    change: { 'ledger.maxPaidRatePercents': '-1' },
    field: 'ledger.maxPaidRatePercents',
    message: 'Поле «Какую часть чека можно оплатить баллами, %» должно быть не меньше 0.',
  },
  {
    form: 'ledger',
    change: { 'ledger.welcomeBonusesEnabled': 'on', 'ledger.welcomeBonusesValue': '0' },
    field: 'ledger.welcomeBonusesValue',
    message: 'Поле «Сколько приветственных баллов» должно быть не меньше 1.',
  },
  {
    form: 'ledger',
    change: { 'ledger.welcomeBonusesValue': '-5' },
    field: 'ledger.welcomeBonusesValue',
    message: 'Поле «Сколько приветственных баллов» должно быть не меньше 0.',
  },
  {
    form: 'ledger',
    change: { 'ledger.welcomeBonusesMode': 'BIRTHDAY' },
    field: 'ledger.welcomeBonusesMode',
    message: 'Выберите, когда дарить приветственные баллы.',
  },
  {
    form: 'ledger',
    change: { 'ledger.postponedBonusesDelayDays': '366' },
    field: 'ledger.postponedBonusesDelayDays',
    message: 'Поле «Через сколько дней баллы можно тратить» должно быть не больше 365.',
  },
  {
    form: 'ledger',
    change: { 'ledger.receiptTemplate': 'x'.repeat(1001) },
    field: 'ledger.receiptTemplate',
    message: 'Поле «Текст в чеке» длиннее 1000 символов.',
  },
  {
    form: 'ledger',
    change: { 'ledger.requireSpendingCode': 'on', 'ledger.codeWebhookUrl': '' },
    field: 'ledger.codeWebhookUrl',
    message: 'Чтобы спрашивать код, укажите адрес, куда отправлять коды покупателям.',
  },
  {
    form: 'ledger',
    change: { 'ledger.codeWebhookUrl': 'ftp://sms.example' },
    field: 'ledger.codeWebhookUrl',
    message: 'Поле «Адрес для отправки кодов (ваш SMS-шлюз)» должно быть адресом http(s)://…',
  },
  {
    form: 'ledger',
    change: { 'ledger.pointsLifetimeDays': '3651' },
    field: 'ledger.pointsLifetimeDays',
    message: 'Поле «Сколько дней действуют баллы» должно быть не больше 3650.',
  },
  {
    form: 'ledger',
    change: { 'ledger.expiryReminderDays': '7', 'ledger.codeWebhookUrl': '' },
    field: 'ledger.codeWebhookUrl',
    message: 'Чтобы напоминать о сгорании баллов, укажите адрес вашего SMS-шлюза.',
  },
  {
    form: 'ledger',
    change: { 'ledger.expiryReminderTemplate': 'x'.repeat(161) },
    field: 'ledger.expiryReminderTemplate',
    message: 'Поле «Текст напоминания» длиннее 160 символов.',
  },
  {
    form: 'ledger',
    change: { 'ledger.active': 'perhaps' },
    field: 'ledger.active',
    message: 'Поле «Программа включена» должно быть true или false.',
  },
  {
    form: 'general',
    change: { 'general.baseUrl': '' },
    field: 'general.baseUrl',
    message: 'Не указано обязательное поле «Адрес API».',
  },
  {
    form: 'general',
    change: { 'general.baseUrl': 'bonus.example' },
    field: 'general.baseUrl',
    message: 'Поле «Адрес API» должно быть адресом http(s)://…',
  },
  {
    form: 'general',
    change: { 'general.apiKey': '' },
    field: 'general.apiKey',
    message: 'Укажите ключ API, выданный системой лояльности.',
  },
  {
    form: 'general',
    change: { 'general.apiKey': 'k'.repeat(501) },
    field: 'general.apiKey',
    message: 'Поле «Ключ API» длиннее 500 символов.',
  },
  {
    form: 'general',
    change: { 'general.defaultPoint': 'p'.repeat(256) },
    field: 'general.defaultPoint',
    message: 'Поле «Точка по умолчанию» длиннее 255 символов.',
  },
  {
    form: 'general',
    change: { [`storePoints.${STORES[0]!.id}`]: 'p'.repeat(256) },
    field: `storePoints.${STORES[0]!.id}`,
    message: 'Поле «Точка в системе лояльности» длиннее 255 символов.',
  },
  {
    form: 'general',
    change: { 'storePoints.not-a-store': 'point-9' },
    field: 'storePoints.not-a-store',
    message: 'Такой точки продаж нет в МоёмСкладе.',
  },
  {
    form: 'ibonus',
    change: { 'ibonus.baseUrl': 'javascript:alert(1)' },
    field: 'ibonus.baseUrl',
    message: 'Поле «Адрес i-bonus» должно быть адресом http(s)://…',
  },
  { form: 'ibonus', change: { 'ibonus.login': '' }, field: 'ibonus.login', message: 'Укажите логин i-bonus.' },
  {
    form: 'ibonus',
    change: { 'ibonus.password': '' },
    field: 'ibonus.password',
    message: 'Укажите пароль i-bonus.',
  },
  {
    form: 'ibonus',
    change: { 'ibonus.maxPaidRatePercents': '150' },
    field: 'ibonus.maxPaidRatePercents',
    message: 'Поле «Какую часть чека можно оплатить баллами, %» должно быть не больше 100.',
  },
  {
    form: 'ibonus',
    change: { 'ibonus.spendRatePointsToRouble': '0' },
    field: 'ibonus.spendRatePointsToRouble',
    message: 'Поле «Сколько баллов равны 1 ₽ скидки» должно быть не меньше 1.',
  },
];

describe('Settings form: validation, secrets, import and the connection check', () => {
  let t: TestApp;
  let accountId: string;
  let client: IframeClient;
  const tenant = () => tenantRepository.find(t.storage.db, accountId)!;
  const appPath = () => vendorAppPath(t, accountId);
  const acceptGoLive = () => answerGoLive(t, accountId);

  before(async () => {
    t = await startIframeTestApp();
  });
  after(() => t.close());
  beforeEach(async () => {
    ({ accountId, client } = await accountWithIframe(t));
  });

  for (const bad of INVALID) {
    it(`when ${bad.field} is ${JSON.stringify(bad.change[bad.field])?.slice(0, 24) ?? 'missing'} (${bad.form}), then the error stands next to the field and nothing is saved or sent to МойСклад`, async () => {
      const before = tenant();
      const form: Record<string, string> = { ...VALID_FORMS[bad.form] };
      for (const [name, value] of Object.entries(bad.change)) {
        if (value === undefined) delete form[name];
        else form[name] = value;
      }
      const res = await client.post('/iframe/settings', form);
      expect(res.status).to.equal(400);
      expect(fieldError(res.data, bad.field)).to.equal(bad.message);
      expect(textOf(res.data)).to.include('Настройки не сохранены: исправьте отмеченные поля.');
      expect(tenant()).to.deep.include({
        settings: before.settings,
        backend: before.backend,
        providerSecretsEnc: before.providerSecretsEnc,
        goLive: before.goLive,
      });
    });
  }

  it('when a form with errors comes back, then the typed values stay but typed secrets are not sent back', async () => {
    const res = await client.post('/iframe/settings', {
      ...VALID_FORMS.general,
      'general.baseUrl': 'not a url',
      'general.defaultPoint': 'point-7',
    });
    expect(res.status).to.equal(400);
    expect(inputValue(res.data, 'general.defaultPoint')).to.equal('point-7');
    expect(inputValue(res.data, 'general.baseUrl')).to.equal('not a url');
    expect(res.data).to.not.include(VALID_FORMS.general['general.apiKey']);
  });

  it('when provider credentials are saved, then they are sealed, the password shown only as "задан" and the login as it is, and a blank field keeps them', async () => {
    acceptGoLive();
    const page = await followRedirect(t, client, await client.post('/iframe/settings', VALID_FORMS.ibonus));
    expect(providerSecretsOf(t.services.box, tenant())).to.deep.equal({
      ibonus: { login: 'shop-login', password: 'shop-password-42' },
    });
    expect(tenant().providerSecretsEnc).to.not.include('shop-password-42');
    for (const file of [t.config.databasePath, `${t.config.databasePath}-wal`]) {
      if (existsSync(file)) expect(readFileSync(file).includes('shop-password-42'), file).to.equal(false);
    }
    expect(page.data).to.not.include('shop-password-42');
    // A login is not a secret: the owner sees which i-bonus cabinet is connected.
    expect(inputValue(page.data, 'ibonus.login')).to.equal('shop-login');
    expect(page.data).to.include('placeholder="задан — оставьте пустым, чтобы не менять"');

    const again = await client.post('/iframe/settings', {
      ...VALID_FORMS.ibonus,
      'ibonus.login': '',
      'ibonus.password': '',
      'ibonus.maxPaidRatePercents': '20',
    });
    expect(again.status).to.equal(303);
    expect(providerSecretsOf(t.services.box, tenant())).to.deep.equal({
      ibonus: { login: 'shop-login', password: 'shop-password-42' },
    });
    expect(settingsOf(tenant()).ibonus).to.deep.equal({
      baseUrl: 'https://lk.i-bonus.test',
      maxPaidRatePercents: 20,
      spendRatePointsToRouble: 1,
    });

    await client.post('/iframe/settings', {
      ...VALID_FORMS.ibonus,
      'ibonus.login': '',
      'ibonus.password': 'new-password',
    });
    expect(providerSecretsOf(t.services.box, tenant())).to.deep.equal({
      ibonus: { login: 'shop-login', password: 'new-password' },
    });
  });

  it('when the general system is saved, then the store mapping, default point and the choices are stored; switching back to the ledger keeps them', async () => {
    acceptGoLive();
    await client.post('/iframe/settings', VALID_FORMS.general);
    expect(settingsOf(tenant())).to.deep.include({
      general: { baseUrl: 'https://bonus.example.test', defaultPoint: 'point-1' },
      storePoints: { [STORES[0]!.id]: 'point-1' },
      whenProviderDown: 'no-discount',
    });
    expect(tenant()).to.include({ backend: 'general', externalSearch: true });

    nock(VENDOR.origin).patch(`${appPath()}/loyalty`).reply(200, {});
    await client.post('/iframe/settings', VALID_FORMS.ledger);
    expect(tenant().backend).to.equal('ledger');
    expect(settingsOf(tenant())).to.deep.include({
      general: { baseUrl: 'https://bonus.example.test', defaultPoint: 'point-1' },
    });
    expect(providerSecretsOf(t.services.box, tenant()).general).to.deep.equal({ apiKey: 'general-key-0123456789' });
    const page = await client.reload();
    expect(inputValue(page.data, `storePoints.${STORES[0]!.id}`)).to.equal('point-1');
    expect(textOf(page.data)).to.include('Магазин на Ленина').and.include('Киоск у вокзала');
  });

  it('when the owner picks a МойСклад bonus program, then its rules fill the ledger fields and nothing is saved yet', async () => {
    const res = await client.post('/iframe/import-bonus-program', {
      ...VALID_FORMS.ledger,
      'ledger.receiptTemplate': 'Спасибо!',
      programId: BONUS_PROGRAM.id,
    });
    expect(res.status).to.equal(200);
    expect(textOf(res.data)).to.include('Правила программы «Бонусы за покупки» подставлены в форму');
    expect(inputValue(res.data, 'ledger.earnRateRoublesToPoint')).to.equal('7');
    expect(inputValue(res.data, 'ledger.spendRatePointsToRouble')).to.equal('4');
    expect(inputValue(res.data, 'ledger.maxPaidRatePercents')).to.equal('50');
    expect(inputValue(res.data, 'ledger.welcomeBonusesValue')).to.equal('100');
    expect(inputValue(res.data, 'ledger.postponedBonusesDelayDays')).to.equal('7');
    expect(isChecked(res.data, 'ledger.welcomeBonusesEnabled')).to.equal(true);
    expect(isChecked(res.data, 'ledger.earnWhileRedeeming')).to.equal(true);
    expect(res.data, 'fields МойСклад has no counterpart for stay as typed').to.include('>Спасибо!</textarea>');
    expect(settingsOf(tenant()).ledger).to.equal(undefined);
  });

  it('when a program applies to tagged customers only, then the list names its audience and importing fills the audience fields', async () => {
    nock.cleanAll();
    const program = { ...BONUS_PROGRAM, allAgents: false, agentTags: ['vip'] };
    answerJsonApiLists({ programs: [program] });
    const page = await client.reload();
    expect(textOf(page.data)).to.include('Бонусы за покупки — покупателям с тегами: vip');
    const res = await client.post('/iframe/import-bonus-program', { ...VALID_FORMS.ledger, programId: program.id });
    expect(res.data).to.match(/<option value="tags" selected>/);
    expect(inputValue(res.data, 'ledger.agentTags')).to.equal('vip');
  });

  it('when the goods were read, then the page says how many are excluded now, and a folder excluded on saving counts with its subfolders', async () => {
    const db = t.storage.db;
    const drinks = '5b2a1c9e-0000-4000-8000-00000000000d';
    const beer = '5b2a1c9e-0000-4000-8000-00000000000b';
    catalogRepository.upsertFolders(db, accountId, [
      { id: drinks, parentId: null, name: 'Напитки', pathName: '', seenAt: 1 },
      { id: beer, parentId: drinks, name: 'Пиво', pathName: 'Напитки', seenAt: 1 },
    ]);
    catalogRepository.upsertGoods(db, accountId, [
      { id: 'p-tobacco', kind: 'product', trackingType: 'TOBACCO', seenAt: 1 },
      { id: 'p-lager', kind: 'product', folderId: beer, seenAt: 1 },
      { id: 'p-coffee', kind: 'product', seenAt: 1 },
      { id: 'v-lager', kind: 'variant', productId: 'p-lager', seenAt: 1 },
    ]);
    catalogRepository.claim(db, accountId, 1, 2);
    catalogRepository.recordRun(db, accountId, { now: Date.now(), nextRunAt: Date.now(), filled: true });
    const page = await client.reload();
    expect(textOf(page.data)).to.include(
      'Сейчас без скидки баллами: 1 из 3 товаров. Список товаров обновлён только что.',
    );
    expect(textOf(page.data)).to.include('Напитки').and.include('Пиво');
    expect(isChecked(page.data, 'restrictions.earnOther')).to.equal(true);
    expect(isChecked(page.data, 'restrictions.earnLaw')).to.equal(false);

    acceptGoLive();
    const saved = await client.post('/iframe/settings', {
      ...VALID_FORMS.ledger,
      'restrictions.shown': '1',
      [`restrictions.folder_${drinks}`]: 'on',
      'restrictions.type_MILK': 'on',
      'restrictions.earnOther': 'on',
    });
    const after = await followRedirect(t, client, saved);
    expect(settingsOf(tenant()).restrictions).to.deep.equal({
      excludedTrackingTypes: ['MILK'],
      excludedFolderIds: [drinks],
      earnOnLawRestricted: false,
      earnOnOtherRestricted: true,
    });
    expect(textOf(after.data)).to.include('Сейчас без скидки баллами: 2 из 3 товаров.');
    expect(isChecked(after.data, `restrictions.folder_${drinks}`)).to.equal(true);
    expect(isChecked(after.data, 'restrictions.type_MILK')).to.equal(true);
  });

  it('when the account gave no access to its goods, then the page says every line is discounted', async () => {
    tenantRepository.update(t.storage.db, accountId, { accessTokenEnc: null });
    const page = await client.reload();
    expect(textOf(page.data)).to.include('Нет доступа к товарам МоегоСклада: скидка применяется ко всем позициям.');
  });

  it('when the chosen program is unknown or МойСклад cannot list programs, then the owner is told next to the picker', async () => {
    const unknown = await client.post('/iframe/import-bonus-program', { ...VALID_FORMS.ledger, programId: 'nope' });
    expect(unknown.status).to.equal(400);
    expect(fieldError(unknown.data, 'programId')).to.equal('Выберите бонусную программу из списка.');

    nock.cleanAll();
    nock(JSON_API.origin)
      .persist()
      .get(/entity\/(retailstore|bonusprogram)/)
      .reply(401, { errors: [{ error: 'Ошибка аутентификации', code: 1056 }] });
    const failing = await client.post('/iframe/import-bonus-program', {
      ...VALID_FORMS.ledger,
      programId: BONUS_PROGRAM.id,
    });
    expect(failing.status).to.equal(400);
    expect(fieldError(failing.data, 'programId')).to.include('МойСклад отказал (чтение бонусных программ), HTTP 401');
    expect(textOf(failing.data)).to.include('Не удалось получить точки продаж из МоегоСклада');
  });

  describe('«Проверить подключение»', () => {
    const check = (form: Record<string, string>) =>
      client
        .post('/iframe/check-connection', form)
        .then((res) => JSON.parse(res.data) as { ok: boolean; message: string });

    it('when the general system answers that the probe customer is unknown, then the connection is reported as working', async () => {
      let apikey: string | undefined;
      nock('https://bonus.example.test')
        .post('/integration/general/client', (body) => body.point === 'point-1')
        .reply(function () {
          apikey = this.req.headers.apikey as string;
          return [422, { client: 'Client not found.' }];
        });
      expect(await check(VALID_FORMS.general)).to.deep.equal({
        ok: true,
        message: 'Подключение работает: система лояльности приняла ключ API и точку продаж.',
      });
      expect(apikey).to.equal('general-key-0123456789');
    });

    it('when the key field is blank, then the stored key is used', async () => {
      acceptGoLive();
      await client.post('/iframe/settings', VALID_FORMS.general);
      let apikey: string | undefined;
      nock('https://bonus.example.test')
        .post('/integration/general/client')
        .reply(function () {
          apikey = this.req.headers.apikey as string;
          return [401, { message: 'Unauthorized' }];
        });
      const result = await check({ ...VALID_FORMS.general, 'general.apiKey': '' });
      expect(apikey).to.equal('general-key-0123456789');
      expect(result).to.deep.equal({
        ok: false,
        message: 'Система лояльности отклонила ключ API. Проверьте ключ в настройках приложения.',
      });
    });

    it('when the form has errors, then the check says what to fix and calls nobody', async () => {
      const res = await client.post('/iframe/check-connection', { ...VALID_FORMS.general, 'general.baseUrl': '' });
      expect(res.status).to.equal(400);
      expect(JSON.parse(res.data)).to.deep.include({
        ok: false,
        message: 'Сначала исправьте поля: Не указано обязательное поле «Адрес API».',
      });
    });
  });
});
