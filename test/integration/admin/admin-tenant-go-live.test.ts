import { expect } from 'chai';
import nock from 'nock';
import { TimeZone } from '../../../app/admin/time-zone.js';
import { hashToken } from '../../../app/crypto/secret-box.js';
import { goLiveStateOf } from '../../../app/go-live/go-live-state.js';
import { LOYALTY_TOKEN_FIELD } from '../../../app/tenants/loyalty-token.js';
import { tenantRepository } from '../../../app/tenants/tenant-repository.js';
import { signedInAdmin, type AdminClient } from '../../helpers/admin.js';
import { adminRows, goLiveSection, LEDGER_SETTINGS, stepStates } from '../../helpers/admin-tenants.js';
import { VENDOR, installAccount, startIframeTestApp, textOf } from '../../helpers/iframe.js';
import type { TestApp } from '../../helpers/test-app.js';

type Answer = 200 | 400 | 409 | 500 | 'timeout';

/**
 * The go-live section of the admin tenant page and its actions: re-send the settings, «Повторить» the
 * pending step, rotate the LoyaltyAPI token. МойСклад is nock, answering each call as the case demands.
 */
describe('Admin tenant page: going live in МойСклад', () => {
  let t: TestApp;
  let accountId: string;
  let seen: Array<{ call: string; body: Record<string, unknown> }>;
  let admin: AdminClient;
  let support: AdminClient;
  const loyaltyUrl = 'https://loyalty.example.test/loyalty-api';
  const appPath = () => `${VENDOR.base}/apps/${t.config.moysklad.appId}/${accountId}`;
  const tenant = () => tenantRepository.find(t.storage.db, accountId)!;
  const state = () => goLiveStateOf(tenant());
  const open = (sealed: string | null) => t.services.box.open(sealed!, accountId, LOYALTY_TOKEN_FIELD);
  const page = () => `/admin/tenants/${accountId}`;

  /** МойСклад answering one call; what it was sent is kept in `seen`. */
  const moysklad = (method: 'put' | 'patch', step: 'loyalty' | 'status', answer: Answer) => {
    const scope = nock(VENDOR.origin)[method](`${appPath()}/${step}`);
    const reply = (uri: string, body: nock.Body): nock.ReplyFnResult => {
      seen.push({ call: `${method.toUpperCase()} ${step}`, body: body as Record<string, unknown> });
      if (answer === 200 || answer === 'timeout') return [200, {}];
      return [answer, { errors: [{ error: `Отказ ${answer}: проверьте подписку`, code: 2007 }] }];
    };
    (answer === 'timeout' ? scope.delay(2000) : scope).reply(reply);
  };

  /** The owner saved settings in the iframe and МойСклад answered as given. */
  const ownerSaves = async (loyalty: Answer, status?: Answer) => {
    moysklad('put', 'loyalty', loyalty);
    if (status) moysklad('put', 'status', status);
    await t.services.goLive.saveSettings(accountId, LEDGER_SETTINGS);
    seen = [];
  };

  before(async () => {
    t = await startIframeTestApp();
    admin = await signedInAdmin(t, 'anna', 'admin');
    support = await signedInAdmin(t, 'boris', 'support');
  });
  after(() => t.close());
  beforeEach(async () => {
    seen = [];
    accountId = await installAccount(t);
  });
  afterEach(() => nock.cleanAll());

  it('when МойСклад refused the activation, then the page shows each step, the pending one, what МойСклад accepted and the failure in Russian with its time', async () => {
    await ownerSaves(200, 409);
    const html = (await support.get(page())).data;
    const section = goLiveSection(html);
    expect(stepStates(section)).to.deep.equal({ settings: 'done', loyalty: 'done', status: 'failed' });
    const text = textOf(section);
    expect(text).to.contain('Следующий шаг Включить приложение в МоёмСкладе');
    expect(text)
      .to.contain(`МойСклад принял ${loyaltyUrl}`)
      .and.contain(
        `поиск покупателей в МоёмСкладе, ${new TimeZone(t.config.timeZone).dateTime(Date.parse(state().accepted!.at))}`,
      );
    expect(text).to.contain(
      'Последняя ошибка Включить приложение в МоёмСкладе: МойСклад отказал (смена статуса): Отказ 409: проверьте подписку',
    );
    expect(text).to.contain(
      `конфликт в МоёмСкладе, HTTP 409 · ${new TimeZone(t.config.timeZone).dateTime(Date.parse(state().lastFailure!.at))}`,
    );
    expect(text).to.contain('Замена токена LoyaltyAPI нет');
    expect(section, 'support may retry and re-send').to.contain('/go-live/retry').and.contain('/go-live/resend');
    expect(section, 'but not rotate the token').to.not.contain('/go-live/rotate-token');
  });

  it('when support presses «Повторить» after a refused activation, then only the status is sent, the account goes live, and the action is audited', async () => {
    await ownerSaves(200, 409);
    await support.get(page());
    moysklad('put', 'status', 200);
    const response = await support.post(`${page()}/go-live/retry`);
    expect(response.status).to.equal(303);
    expect(response.headers.location).to.equal(page());
    expect(seen.map((s) => s.call)).to.deep.equal(['PUT status']);
    expect(tenant()).to.include({ status: 'Activated' });
    expect(state()).to.include({ pending: null });

    const after = await support.get(page());
    expect(textOf(after.data))
      .to.contain('Подключение завершено. Касса работает с бонусами.')
      .and.contain('Приложение активировано в МоёмСкладе');
    expect(stepStates(goLiveSection(after.data))).to.deep.equal({ settings: 'done', loyalty: 'done', status: 'done' });
    expect(goLiveSection(after.data), 'nothing pending: no «Повторить»').to.not.contain('/go-live/retry');
    const [row] = adminRows(t, accountId, 'go-live.retry');
    expect(row).to.include({ ok: true });
    expect(row!.request).to.include({ by: 'boris' });
  });

  it('when support re-sends the settings, then МойСклад gets the whole settings by PUT, the page says so, and never shows the token', async () => {
    await ownerSaves(200, 200);
    await support.get(page());
    moysklad('put', 'loyalty', 200);
    expect((await support.post(`${page()}/go-live/resend`)).status).to.equal(303);

    const token = open(tenant().loyaltyTokenEnc);
    expect(seen).to.deep.equal([{ call: 'PUT loyalty', body: { url: loyaltyUrl, token, externalSearch: false } }]);
    const after = await support.get(page());
    expect(textOf(after.data))
      .to.contain('Настройки переданы в МойСклад. Касса работает с бонусами.')
      .and.contain('Настройки лояльности переданы в МойСклад.');
    expect(after.data).to.not.contain(token);
    const [row] = adminRows(t, accountId, 'go-live.resend');
    expect(row).to.include({ ok: true });
    expect(row!.request).to.include({ by: 'boris' });
    expect(JSON.stringify(row)).to.not.contain(token);
  });

  for (const answer of [500, 'timeout'] as const) {
    it(`when МойСклад answers ${answer} to a re-send, then the reason is shown, the loyalty step stays pending, and «Повторить» sends the whole settings`, async () => {
      await ownerSaves(200, 200);
      await support.get(page());
      moysklad('put', 'loyalty', answer);
      await support.post(`${page()}/go-live/resend`);

      expect(state().pending, 'МойСклад may have lost the settings: sending them is still owed').to.equal('loyalty');
      expect(state().lastFailure).to.include({ step: 'loyalty', kind: 'unavailable' });
      expect(tenant()).to.include({ status: 'Activated' });
      const after = await support.get(page());
      const reason =
        answer === 500
          ? 'МойСклад временно недоступен (передача настроек лояльности), HTTP 500'
          : 'МойСклад не ответил вовремя (передача настроек лояльности)';
      const text = textOf(after.data);
      expect(text).to.contain('МойСклад не принял изменения').and.contain(reason);
      expect(text, 'the till keeps working').to.contain('Приложение по-прежнему активно');
      const section = goLiveSection(after.data);
      expect(stepStates(section)).to.include({ loyalty: 'failed' });
      expect(textOf(section)).to.contain(`Последняя ошибка Передать настройки лояльности в МойСклад: ${reason}`);
      expect(adminRows(t, accountId, 'go-live.resend')[0]).to.include({ ok: false });

      seen = [];
      moysklad('put', 'loyalty', 200);
      await support.post(`${page()}/go-live/retry`);
      expect(seen.map((s) => `${s.call} ${Object.keys(s.body)}`)).to.deep.equal([
        'PUT loyalty url,token,externalSearch',
      ]);
      expect(state()).to.include({ pending: null });
      expect(state().lastFailure).to.equal(undefined);
    });
  }

  it('when the owner never saved settings, then nothing is sent to МойСклад and the page says why', async () => {
    const html = (await support.get(page())).data;
    expect(goLiveSection(html)).to.not.contain('/go-live/resend');
    expect(textOf(html)).to.contain('Владелец ещё не сохранял настройки в приложении');
    // A forged POST is refused the same way: a re-send would switch the till to rules nobody chose.
    await support.post(`${page()}/go-live/resend`);
    expect(seen).to.deep.equal([]);
    expect(tenant()).to.include({ status: 'SettingsRequired', goLive: null });
    expect(textOf((await support.get(page())).data)).to.contain('отправлять в МойСклад нечего');
    expect(adminRows(t, accountId, 'go-live.resend')[0]).to.include({ ok: false });
  });

  it('when an admin rotates the token, then МойСклад gets only the new token, the old one stops working, each step is shown, and no token is on the page', async () => {
    await ownerSaves(200, 200);
    const old = open(tenant().loyaltyTokenEnc);
    await admin.get(page());
    moysklad('patch', 'loyalty', 200);
    expect((await admin.post(`${page()}/go-live/rotate-token`)).status).to.equal(303);

    const fresh = String(seen[0]!.body.token);
    expect(seen.map((s) => `${s.call} ${Object.keys(s.body)}`)).to.deep.equal(['PATCH loyalty token']);
    expect(tenant()).to.include({ loyaltyTokenHash: hashToken(fresh), pendingLoyaltyTokenHash: null });
    const after = await admin.get(page());
    const flash = textOf(/<div class="alert[^>]*data-flash[\s\S]*?<\/div>/.exec(after.data)![0]);
    expect(flash)
      .to.contain('Токен заменён.')
      .and.contain('Выпустить новый токен для кассы — МойСклад принял новый токен')
      .and.contain('МойСклад принял изменения: токен');
    expect(after.data).to.not.contain(fresh).and.not.contain(old);
    const [row] = adminRows(t, accountId, 'go-live.rotate-token');
    expect(row).to.include({ ok: true });
    expect(row!.request).to.include({ by: 'anna' });
    expect(JSON.stringify(row)).to.not.contain(fresh).and.not.contain(old);
  });

  it('when МойСклад refuses the new token, then the reason is shown, the rotation stays pending with both tokens working, and the page says so', async () => {
    await ownerSaves(200, 200);
    const old = open(tenant().loyaltyTokenEnc);
    await admin.get(page());
    moysklad('patch', 'loyalty', 400);
    await admin.post(`${page()}/go-live/rotate-token`);

    const pending = open(tenant().pendingLoyaltyTokenEnc);
    expect(tenant().loyaltyTokenHash).to.equal(hashToken(old));
    expect(state()).to.include({ pending: 'loyalty' });
    const after = await admin.get(page());
    const text = textOf(after.data);
    expect(text).to.contain('МойСклад не принял изменения').and.contain('Отказ 400: проверьте подписку');
    expect(text).to.contain('Новый токен выпущен, но МойСклад его ещё не принял');
    expect(text).to.contain('Замена токена LoyaltyAPI идёт: новый токен ждёт МойСклад, до тех пор действуют оба');
    expect(after.data).to.not.contain(pending).and.not.contain(old);
    expect(adminRows(t, accountId, 'go-live.rotate-token')[0]).to.include({ ok: false });
  });

  it('when support tries to rotate the token, then it is forbidden and nothing is issued or sent', async () => {
    await ownerSaves(200, 200);
    const before = tenant();
    await support.get(page());
    expect((await support.post(`${page()}/go-live/rotate-token`)).status).to.equal(403);
    expect(seen).to.deep.equal([]);
    expect(tenant()).to.include({ loyaltyTokenHash: before.loyaltyTokenHash, pendingLoyaltyTokenHash: null });
  });

  it('when a go-live action is posted without the CSRF token, then it is refused and МойСклад is not called', async () => {
    await ownerSaves(200, 409);
    const before = tenant();
    await admin.get(page());
    for (const action of ['retry', 'resend', 'rotate-token']) {
      const response = await admin.post(`${page()}/go-live/${action}`, {}, { csrf: false });
      expect(response.status, action).to.equal(403);
      expect(response.data).to.contain('Форма устарела');
    }
    expect(seen).to.deep.equal([]);
    expect(tenant()).to.deep.include({
      goLive: before.goLive,
      pendingLoyaltyTokenHash: null,
      status: 'SettingsRequired',
    });
    expect(adminRows(t, accountId)).to.deep.equal([]);
  });
});
