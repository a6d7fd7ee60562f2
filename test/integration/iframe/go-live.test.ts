import { expect } from 'chai';
import nock from 'nock';
import { hashToken } from '../../../app/crypto/secret-box.js';
import { GoLive } from '../../../app/go-live/go-live.js';
import { goLiveStateOf } from '../../../app/go-live/go-live-state.js';
import { createLogger } from '../../../app/logging/logger.js';
import { LOYALTY_TOKEN_FIELD } from '../../../app/tenants/loyalty-token.js';
import { tenantRepository } from '../../../app/tenants/tenant-repository.js';
import {
  VALID_FORMS,
  VENDOR,
  answerJsonApiLists,
  followRedirect,
  installAccount,
  openIframe,
  startIframeTestApp,
  textOf,
} from '../../helpers/iframe.js';
import type { TestApp } from '../../helpers/test-app.js';

type Answer = 200 | 400 | 404 | 409 | 500 | 'timeout';

interface Seen {
  method: string;
  path: string;
  body: Record<string, unknown>;
}

describe('Going live: save → PUT /loyalty → PUT /status', () => {
  let t: TestApp;
  let accountId: string;
  let seen: Seen[];
  const loyaltyUrl = 'https://loyalty.example.test/loyalty-api';
  const appPath = () => `${VENDOR.base}/apps/${t.config.moysklad.appId}/${accountId}`;
  const tenant = () => tenantRepository.find(t.storage.db, accountId)!;
  const state = () => goLiveStateOf(tenant());
  const currentToken = () => t.services.box.open(tenant().loyaltyTokenEnc!, accountId, LOYALTY_TOKEN_FIELD);

  /** МойСклад answering one call to a path (PUT/PATCH /loyalty or PUT /status) as the case demands. */
  const moysklad = (method: 'put' | 'patch', step: 'loyalty' | 'status', answer: Answer) => {
    const scope = nock(VENDOR.origin)[method](`${appPath()}/${step}`);
    const record = (uri: string, body: nock.Body) => {
      seen.push({ method: method.toUpperCase(), path: uri.split('/').pop()!, body: body as Record<string, unknown> });
    };
    if (answer === 'timeout') {
      scope.delay(2000).reply((uri, body) => {
        record(uri, body);
        return [200, {}];
      });
      return;
    }
    scope.reply((uri, body) => {
      record(uri, body);
      return answer === 200 ? [200, {}] : [answer, { errors: [{ error: `Отказ ${answer}`, code: 2007 }] }];
    });
  };

  before(async () => {
    t = await startIframeTestApp();
  });
  after(() => t.close());
  beforeEach(async () => {
    seen = [];
    accountId = await installAccount(t);
    answerJsonApiLists();
  });

  it('when МойСклад accepts both steps, then the account is live with exactly what was sent recorded', async () => {
    moysklad('put', 'loyalty', 200);
    moysklad('put', 'status', 200);
    const client = await openIframe(t, accountId);
    const page = await followRedirect(t, client, await client.post('/iframe/settings', VALID_FORMS.general));

    expect(seen.map((s) => `${s.method} ${s.path}`)).to.deep.equal(['PUT loyalty', 'PUT status']);
    expect(seen[0]!.body).to.deep.equal({ url: loyaltyUrl, token: currentToken(), externalSearch: true });
    expect(seen[1]!.body).to.deep.equal({ status: 'Activated' });
    expect(tenant()).to.include({ status: 'Activated', backend: 'general', externalSearch: true });
    expect(tenant().configuredAt).to.be.instanceOf(Date);
    expect(state()).to.deep.include({ pending: null });
    expect(state().accepted).to.include({
      url: loyaltyUrl,
      externalSearch: true,
      tokenHash: hashToken(currentToken()),
    });
    expect(state().lastFailure).to.equal(undefined);
    expect(textOf(page.data)).to.include('Касса подключена').and.include('Готово: касса работает с бонусами');
  });

  for (const step of ['loyalty', 'status'] as const) {
    for (const answer of [400, 404, 409, 500, 'timeout'] as const) {
      it(`when МойСклад answers ${answer} to PUT /${step}, then the settings are saved, ${step} is pending with the reason, and «Повторить» finishes the job`, async () => {
        moysklad('put', 'loyalty', step === 'loyalty' ? answer : 200);
        if (step === 'status') moysklad('put', 'status', answer);
        const client = await openIframe(t, accountId);
        const page = await followRedirect(t, client, await client.post('/iframe/settings', VALID_FORMS.ledger));

        expect(
          seen.map((s) => `${s.method} ${s.path}`),
          'no status call after a failed loyalty step',
        ).to.deep.equal(step === 'loyalty' ? ['PUT loyalty'] : ['PUT loyalty', 'PUT status']);
        expect(tenant().settings).to.have.nested.property('ledger.earnRateRoublesToPoint', 10);
        expect(tenant()).to.include({ status: 'SettingsRequired', configuredAt: null });
        const failure = state().lastFailure!;
        expect(state().pending).to.equal(step);
        expect(failure).to.include({
          step,
          kind: { 400: 'refused', 404: 'not-installed', 409: 'conflict', 500: 'unavailable', timeout: 'unavailable' }[
            answer
          ],
        });
        expect(failure.httpStatus).to.equal(answer === 'timeout' ? undefined : answer);
        expect(state().accepted !== undefined, 'accepted is recorded only when МойСклад said yes').to.equal(
          step === 'status',
        );

        const text = textOf(page.data);
        // Only a refusal is the owner's to fix; a 500 or no answer is МойСклад's, and waiting is all there is to do.
        const temporary = answer === 500 || answer === 'timeout';
        expect(text).to.include(
          temporary ? 'это временно и не зависит от вас' : 'МойСклад не принял изменения. Причина указана ниже',
        );
        expect(text).to.include('Не подключено');
        expect(text).to.include(
          answer === 'timeout' ? 'не ответил вовремя' : answer === 404 ? 'не установлено' : `Отказ ${answer}`,
        );
        expect(page.data).to.include('action="/iframe/retry"');

        // The retry runs only what is pending: a failed status step does not re-send the loyalty settings.
        seen = [];
        if (step === 'loyalty') moysklad('put', 'loyalty', 200);
        moysklad('put', 'status', 200);
        const after = await followRedirect(t, client, await client.post('/iframe/retry'));
        expect(seen.map((s) => `${s.method} ${s.path}`)).to.deep.equal(
          step === 'loyalty' ? ['PUT loyalty', 'PUT status'] : ['PUT status'],
        );
        expect(tenant()).to.include({ status: 'Activated' });
        expect(state()).to.include({ pending: null });
        expect(state().lastFailure).to.equal(undefined);
        expect(textOf(after.data)).to.include('Касса подключена');
      });
    }
  }

  it('when the subscription is suspended, then the settings are saved and the МойСклад steps wait for the resume', async () => {
    const client = await openIframe(t, accountId);
    await t.http.delete(`/api/moysklad/vendor/1.0/apps/${t.config.moysklad.appId}/${accountId}`, {
      headers: { Authorization: `Bearer ${await t.vendorJwt()}` },
      data: { appUid: t.config.moysklad.appUid, accountName: 'x', cause: 'Suspend' },
    });
    const page = await followRedirect(t, client, await client.post('/iframe/settings', VALID_FORMS.ledger));
    expect(seen, 'МойСклад is not called while suspended').to.deep.equal([]);
    expect(tenant().settings).to.have.nested.property('ledger.earnRateRoublesToPoint', 10);
    expect(state().pending).to.equal('loyalty');
    expect(textOf(page.data)).to.include('Подписка на приложение приостановлена');
  });

  describe('once live', () => {
    let client: Awaited<ReturnType<typeof openIframe>>;

    beforeEach(async () => {
      moysklad('put', 'loyalty', 200);
      moysklad('put', 'status', 200);
      client = await openIframe(t, accountId);
      await followRedirect(t, client, await client.post('/iframe/settings', VALID_FORMS.ledger));
      expect(tenant().status).to.equal('Activated');
      seen = [];
    });

    it('when only the ledger rules change, then МойСклад is not called at all', async () => {
      const page = await followRedirect(
        t,
        client,
        await client.post('/iframe/settings', { ...VALID_FORMS.ledger, 'ledger.maxPaidRatePercents': '45' }),
      );
      expect(seen).to.deep.equal([]);
      expect(tenant().settings).to.have.nested.property('ledger.maxPaidRatePercents', 45);
      expect(textOf(page.data)).to.include('уже действуют эти настройки');
      expect(state()).to.include({ pending: null });
    });

    it('when the search mode changes, then only it is sent, by PATCH', async () => {
      moysklad('patch', 'loyalty', 200);
      await followRedirect(
        t,
        client,
        await client.post('/iframe/settings', { ...VALID_FORMS.ledger, externalSearch: 'true' }),
      );
      expect(seen).to.deep.equal([{ method: 'PATCH', path: 'loyalty', body: { externalSearch: true } }]);
      expect(state().accepted).to.include({ externalSearch: true });
      expect(state().pending).to.equal(null);
    });

    it('when the PATCH fails, then the change is stored, the loyalty step is pending, and a retry sends the PATCH again', async () => {
      moysklad('patch', 'loyalty', 'timeout');
      const page = await followRedirect(
        t,
        client,
        await client.post('/iframe/settings', { ...VALID_FORMS.ledger, externalSearch: 'true' }),
      );
      expect(textOf(page.data))
        .to.include('Подключено, изменения не переданы')
        .and.include('касса работает на прежних настройках');
      expect(tenant().externalSearch).to.equal(true);
      expect(state()).to.include({ pending: 'loyalty' });
      expect(state().accepted).to.include({ externalSearch: false });
      expect(tenant().status, 'the account stays live on the old search mode').to.equal('Activated');

      seen = [];
      moysklad('patch', 'loyalty', 200);
      await client.post('/iframe/retry');
      expect(seen).to.deep.equal([{ method: 'PATCH', path: 'loyalty', body: { externalSearch: true } }]);
      expect(state()).to.include({ pending: null });
    });

    it('when our public address changes, then a retry PATCHes only the url', async () => {
      const moved = new GoLive({
        db: t.storage.db,
        box: t.services.box,
        moysklad: t.services.moysklad,
        loyaltyApiUrl: 'https://new-host.example.test/loyalty-api',
        logger: createLogger({ level: 'error', silent: true }),
      });
      moysklad('patch', 'loyalty', 200);
      const report = await moved.retry(accountId);
      expect(seen).to.deep.equal([
        { method: 'PATCH', path: 'loyalty', body: { url: 'https://new-host.example.test/loyalty-api' } },
      ]);
      expect(report.live).to.equal(true);
    });

    it('when support re-sends the settings, then the full settings go by PUT and the status is not touched', async () => {
      moysklad('put', 'loyalty', 200);
      const report = await t.services.goLive.resend(accountId);
      expect(seen).to.deep.equal([
        { method: 'PUT', path: 'loyalty', body: { url: loyaltyUrl, token: currentToken(), externalSearch: false } },
      ]);
      expect(report.steps.map((s) => [s.step, s.outcome])).to.deep.equal([
        ['loyalty', 'done'],
        ['status', 'unchanged'],
      ]);
    });

    it('when the app was uninstalled and installed again, then saving sends the full settings again (МойСклад dropped them)', async () => {
      const jwt = async () => ({ headers: { Authorization: `Bearer ${await t.vendorJwt()}` } });
      const path = `/api/moysklad/vendor/1.0/apps/${t.config.moysklad.appId}/${accountId}`;
      await t.http.delete(path, {
        ...(await jwt()),
        data: { appUid: t.config.moysklad.appUid, accountName: 'x', cause: 'Uninstall' },
      });
      const reinstalled = await t.http.put(
        path,
        { appUid: t.config.moysklad.appUid, accountName: 'x', cause: 'Install', access: [] },
        await jwt(),
      );
      expect(reinstalled.data).to.deep.equal({ status: 'SettingsRequired' });

      moysklad('put', 'loyalty', 200);
      moysklad('put', 'status', 200);
      const fresh = await openIframe(t, accountId);
      await fresh.post('/iframe/settings', VALID_FORMS.ledger);
      expect(seen.map((s) => `${s.method} ${s.path}`)).to.deep.equal(['PUT loyalty', 'PUT status']);
      expect(seen[0]!.body.token).to.equal(currentToken());
      expect(tenant().status).to.equal('Activated');
    });
  });
});
