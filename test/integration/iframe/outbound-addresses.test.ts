import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import nock from 'nock';
import { REFUSED_ADDRESS_MESSAGES } from '../../../app/http/outbound-guard.js';
import { DEFAULT_LEDGER_RULES } from '../../../app/ledger/rules.js';
import { tenantRepository } from '../../../app/tenants/tenant-repository.js';
import {
  providerSecretsOf,
  sealPlainSmsWebhookUrls,
  settingsOf,
  smsWebhookUrlOf,
} from '../../../app/tenants/tenant-settings.js';
import {
  accountWithIframe,
  answerGoLive,
  fieldError,
  type IframeClient,
  inputValue,
  openIframe,
  startIframeTestApp,
  textOf,
  VALID_FORMS,
} from '../../helpers/iframe.js';
import { listenOnLoopback, type LoopbackServer } from '../../helpers/loopback-server.js';
import type { TestApp } from '../../helpers/test-app.js';

const SMS_KEY = 'sms-gateway-key-5f1c';
const SMS_URL = `https://sms.shop.test/send?key=${SMS_KEY}`;

/**
 * The settings form and «Проверить подключение» against addresses that lead into our own network: a
 * service on this machine counts every request it gets. The network is opened fully, so only the app stops them.
 */
describe('Settings form: addresses the server will call', () => {
  let t: TestApp;
  let internal: LoopbackServer;
  let hits: string[];
  let accountId: string;
  let client: IframeClient;
  const tenant = () => tenantRepository.find(t.storage.db, accountId)!;
  const acceptGoLive = () => answerGoLive(t, accountId);
  const check = async (form: Record<string, string>) => {
    const res = await client.post('/iframe/check-connection', form);
    return { status: res.status, ...(JSON.parse(res.data) as { ok: boolean; message: string }) };
  };
  const unchanged = (before: ReturnType<typeof tenant>) =>
    expect(tenant()).to.deep.include({
      settings: before.settings,
      backend: before.backend,
      providerSecretsEnc: before.providerSecretsEnc,
    });

  before(async () => {
    internal = await listenOnLoopback(
      createServer((req, res) => {
        hits.push(`${req.method} ${req.url}`);
        res.writeHead(422, { 'Content-Type': 'application/json' }).end(JSON.stringify({ client: 'Client not found.' }));
      }),
    );
  });
  after(() => internal.close());

  describe('with the default: public addresses only', () => {
    before(async () => {
      t = await startIframeTestApp();
    });
    after(() => t.close());
    beforeEach(async () => {
      hits = [];
      ({ accountId, client } = await accountWithIframe(t));
      nock.enableNetConnect();
    });

    const SYNTAX = [
      {
        form: 'general',
        field: 'general.baseUrl',
        value: 'https://user:pw@bonus.example.test',
        message: 'Уберите из поля «Адрес API» логин и пароль (часть до @): данные доступа вводятся в отдельные поля.',
      },
      {
        form: 'general',
        field: 'general.baseUrl',
        value: 'https://bonus.example.test/internal/x#',
        message: 'Уберите из поля «Адрес API» часть после #.',
      },
      {
        form: 'general',
        field: 'general.baseUrl',
        value: 'https://bonus.example.test/api?',
        message: 'Уберите из поля «Адрес API» часть после ?: пути запросов к адресу добавляем мы сами.',
      },
      {
        form: 'ibonus',
        field: 'ibonus.baseUrl',
        value: 'https://lk.i-bonus.test/?to=',
        message: 'Уберите из поля «Адрес i-bonus» часть после ?: пути запросов к адресу добавляем мы сами.',
      },
      {
        form: 'ledger',
        field: 'ledger.codeWebhookUrl',
        value: `${SMS_URL}#`,
        message: 'Уберите из поля «Адрес для отправки кодов (ваш SMS-шлюз)» часть после #.',
      },
    ] as const;
    for (const bad of SYNTAX) {
      it(`when ${bad.field} is ${JSON.stringify(bad.value)}, then the owner is told what to remove and nothing is saved`, async () => {
        const before = tenant();
        const res = await client.post('/iframe/settings', { ...VALID_FORMS[bad.form], [bad.field]: bad.value });
        expect(res.status).to.equal(400);
        expect(fieldError(res.data, bad.field)).to.equal(bad.message);
        unchanged(before);
      });
    }

    it('when an address leads into our network, then saving refuses it next to the field and calls nobody', async () => {
      const inside = [
        { form: 'general', field: 'general.baseUrl', url: `${internal.url}/internal/x` },
        { form: 'general', field: 'general.baseUrl', url: `http://0x7f000001:${new URL(internal.url).port}` },
        { form: 'ibonus', field: 'ibonus.baseUrl', url: `http://localhost:${new URL(internal.url).port}` },
        { form: 'ibonus', field: 'ibonus.baseUrl', url: 'http://169.254.169.254/latest/meta-data' },
        {
          form: 'ledger',
          field: 'ledger.codeWebhookUrl',
          url: `http://[::ffff:127.0.0.1]:${new URL(internal.url).port}/send?key=x`,
        },
      ] as const;
      for (const { form, field, url } of inside) {
        const before = tenant();
        const res = await client.post('/iframe/settings', {
          ...VALID_FORMS[form],
          'ledger.requireSpendingCode': 'on',
          [field]: url,
        });
        expect(res.status, url).to.equal(400);
        const message = form === 'ledger' ? REFUSED_ADDRESS_MESSAGES.smsGateway : REFUSED_ADDRESS_MESSAGES.provider;
        expect(fieldError(res.data, field), url).to.equal(message);
        unchanged(before);
      }
      expect(hits).to.deep.equal([]);
    });

    it('when «Проверить подключение» is asked about an address inside, then it answers as for any refused address and calls nobody', async () => {
      const port = new URL(internal.url).port;
      const answers = [
        await check({ ...VALID_FORMS.general, 'general.baseUrl': internal.url }),
        await check({ ...VALID_FORMS.general, 'general.baseUrl': `http://127.0.0.1:1` }),
        await check({ ...VALID_FORMS.ibonus, 'ibonus.baseUrl': `http://127.1:${port}` }),
      ];
      for (const answer of answers) {
        expect(answer).to.deep.equal({ status: 200, ok: false, message: REFUSED_ADDRESS_MESSAGES.provider });
      }
      expect(hits).to.deep.equal([]);
    });

    it('when the address of a saved system changes, then its secret must be typed again before anything is saved or checked', async () => {
      acceptGoLive();
      expect((await client.post('/iframe/settings', VALID_FORMS.general)).status).to.equal(303);
      const saved = tenant();
      const moved = {
        ...VALID_FORMS.general,
        'general.baseUrl': 'https://collector.example.test',
        'general.apiKey': '',
      };
      const collector = nock('https://collector.example.test').post(/.*/).reply(200, {});

      const res = await client.post('/iframe/settings', moved);
      expect(res.status).to.equal(400);
      expect(fieldError(res.data, 'general.apiKey')).to.equal(
        'Адрес API изменился: введите ключ API ещё раз. Сохранённый ключ на новый адрес не отправляется.',
      );
      unchanged(saved);
      const checked = await check(moved);
      expect(checked).to.include({ status: 400, ok: false });
      expect(checked.message).to.include('введите ключ API ещё раз');
      expect(collector.isDone(), 'the stored key went nowhere').to.equal(false);

      acceptGoLive();
      const retyped = await client.post('/iframe/settings', { ...moved, 'general.apiKey': 'key-for-the-new-address' });
      expect(retyped.status).to.equal(303);
      expect(providerSecretsOf(t.services.box, tenant()).general).to.deep.equal({ apiKey: 'key-for-the-new-address' });
    });

    it('when the i-bonus address or login changes, then the password must be typed again', async () => {
      acceptGoLive();
      expect((await client.post('/iframe/settings', VALID_FORMS.ibonus)).status).to.equal(303);
      const saved = tenant();
      const blank = { ...VALID_FORMS.ibonus, 'ibonus.login': '', 'ibonus.password': '' };

      const moved = await client.post('/iframe/settings', { ...blank, 'ibonus.baseUrl': 'https://lk.collector.test' });
      expect(fieldError(moved.data, 'ibonus.password')).to.equal(
        'Адрес i-bonus изменился: введите пароль ещё раз. Сохранённый пароль на новый адрес не отправляется.',
      );
      const relogged = await client.post('/iframe/settings', { ...blank, 'ibonus.login': 'someone-else' });
      expect(fieldError(relogged.data, 'ibonus.password')).to.equal(
        'Вы ввели новый логин i-bonus: введите к нему и пароль i-bonus.',
      );
      unchanged(saved);
    });

    it('when the page shows a stored secret, then the owner is told a new address needs it again', async () => {
      const page = await client.reload();
      expect(textOf(page.data)).to.include('Если меняете адрес API, введите ключ заново.');
      expect(textOf(page.data)).to.include('Если меняете адрес или логин, введите пароль заново.');
    });

    it('when the SMS gateway is saved, then its URL is sealed with the secrets and only admins see it whole', async () => {
      acceptGoLive();
      const res = await client.post('/iframe/settings', {
        ...VALID_FORMS.ledger,
        'ledger.requireSpendingCode': 'on',
        'ledger.codeWebhookUrl': SMS_URL,
      });
      expect(res.status).to.equal(303);
      expect(JSON.stringify(tenant().settings)).to.not.include(SMS_KEY).and.not.include('sms.shop.test');
      expect(tenant().providerSecretsEnc).to.not.include(SMS_KEY);
      expect(providerSecretsOf(t.services.box, tenant()).smsGateway).to.deep.equal({ webhookUrl: SMS_URL });
      t.flushLog();
      for (const file of [t.config.databasePath, `${t.config.databasePath}-wal`]) {
        expect(readFileSync(file).includes(SMS_KEY), file).to.equal(false);
      }

      expect(inputValue((await client.reload()).data, 'ledger.codeWebhookUrl')).to.equal(SMS_URL);
      const employee = await openIframe(t, accountId, { admin: false });
      expect(inputValue(employee.page.data, 'ledger.codeWebhookUrl')).to.equal(
        'https://sms.shop.test/send (часть адреса скрыта)',
      );
      expect(employee.page.data).to.not.include(SMS_KEY);

      acceptGoLive();
      await client.post('/iframe/settings', { ...VALID_FORMS.ledger, 'ledger.codeWebhookUrl': '' });
      expect(providerSecretsOf(t.services.box, tenant()).smsGateway, 'a cleared field removes it').to.equal(undefined);
    });

    it('when an SMS gateway URL is still in plain settings from before, then it keeps working and the start seals it', async () => {
      const rules = { ...DEFAULT_LEDGER_RULES, requireSpendingCode: true, codeWebhookUrl: SMS_URL };
      tenantRepository.update(t.storage.db, accountId, { settings: { ledger: rules } });
      expect(smsWebhookUrlOf(t.services.box, tenant())).to.equal(SMS_URL);
      expect(inputValue((await client.reload()).data, 'ledger.codeWebhookUrl')).to.equal(SMS_URL);

      expect(sealPlainSmsWebhookUrls(t.storage.db, t.services.box)).to.equal(1);
      expect(JSON.stringify(tenant().settings)).to.not.include(SMS_KEY);
      expect(settingsOf(tenant()).ledger).to.include({ requireSpendingCode: true });
      expect(providerSecretsOf(t.services.box, tenant()).smsGateway).to.deep.equal({ webhookUrl: SMS_URL });
      expect(sealPlainSmsWebhookUrls(t.storage.db, t.services.box), 'nothing left to seal').to.equal(0);
    });
  });

  describe('with OUTBOUND_ALLOW_HOSTS naming the provider inside', () => {
    before(async () => {
      t = await startIframeTestApp({ OUTBOUND_ALLOW_HOSTS: '127.0.0.1' });
    });
    after(() => t.close());
    beforeEach(async () => {
      hits = [];
      ({ accountId, client } = await accountWithIframe(t));
    });

    it('when the owner saves and checks that address, then it is accepted and called', async () => {
      const form = { ...VALID_FORMS.general, 'general.baseUrl': internal.url };
      expect(await check(form)).to.deep.equal({
        status: 200,
        ok: true,
        message: 'Подключение работает: система лояльности приняла ключ API и точку продаж.',
      });
      expect(hits).to.deep.equal(['POST /integration/general/client']);
      acceptGoLive();
      expect((await client.post('/iframe/settings', form)).status).to.equal(303);
      expect(settingsOf(tenant()).general?.baseUrl).to.equal(internal.url);
    });
  });
});
