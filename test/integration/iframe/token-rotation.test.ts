import { expect } from 'chai';
import nock from 'nock';
import { hashToken } from '../../../app/crypto/secret-box.js';
import { AUTH_HEADER } from '../../../app/loyalty-api/loyalty-handlers.js';
import { LOYALTY_TOKEN_FIELD } from '../../../app/tenants/loyalty-token.js';
import { tenantRepository } from '../../../app/tenants/tenant-repository.js';
import { goLiveStateOf } from '../../../app/go-live/go-live-state.js';
import {
  accountWithIframe,
  answerGoLive,
  followRedirect,
  type IframeClient,
  startIframeTestApp,
  textOf,
  VALID_FORMS,
  VENDOR,
  vendorAppPath,
} from '../../helpers/iframe.js';
import type { TestApp } from '../../helpers/test-app.js';

describe('Rotating the LoyaltyAPI token («Выпустить новый токен»)', () => {
  let t: TestApp;
  let accountId: string;
  let client: IframeClient;
  const appPath = () => vendorAppPath(t, accountId);
  const tenant = () => tenantRepository.find(t.storage.db, accountId)!;
  const open = (sealed: string | null) => t.services.box.open(sealed!, accountId, LOYALTY_TOKEN_FIELD);
  /** What the till would get with this token: 200 when it works, 401 when it does not. */
  const tillStatus = async (token: string) =>
    (await t.http.get('/loyalty-api/counterparty?search=79990001122', { headers: { [AUTH_HEADER]: token } })).status;

  before(async () => {
    t = await startIframeTestApp();
  });
  after(() => t.close());
  beforeEach(async () => {
    ({ accountId, client } = await accountWithIframe(t));
  });

  const goLive = async () => {
    answerGoLive(t, accountId);
    await followRedirect(t, client, await client.post('/iframe/settings', VALID_FORMS.ledger));
    expect(tenant().status).to.equal('Activated');
  };

  it('when МойСклад accepts the new token, then only the token is PATCHed, stored before sending, and the old one stops working', async () => {
    await goLive();
    const old = open(tenant().loyaltyTokenEnc);
    let sent: Record<string, unknown> | undefined;
    let pendingWhenSent: string | null = null;
    nock(VENDOR.origin)
      .patch(`${appPath()}/loyalty`)
      .reply((_uri, body) => {
        sent = body as Record<string, unknown>;
        pendingWhenSent = tenant().pendingLoyaltyTokenHash;
        return [200, {}];
      });

    const page = await followRedirect(t, client, await client.post('/iframe/rotate-token'));
    expect(Object.keys(sent!)).to.deep.equal(['token']);
    const fresh = String(sent!.token);
    expect(fresh).to.not.equal(old);
    expect(fresh).to.have.length.greaterThan(30);
    expect(pendingWhenSent, 'the new token was stored before МойСклад saw it').to.equal(hashToken(fresh));
    expect(tenant()).to.include({
      loyaltyTokenHash: hashToken(fresh),
      pendingLoyaltyTokenHash: null,
      pendingLoyaltyTokenEnc: null,
    });
    expect(goLiveStateOf(tenant()).accepted).to.include({ tokenHash: hashToken(fresh) });
    expect(await tillStatus(fresh)).to.equal(200);
    expect(await tillStatus(old)).to.equal(401);
    expect(textOf(page.data)).to.include('МойСклад принял новый токен');
    expect(page.data, 'the token is never shown').to.not.include(fresh);
  });

  it('when МойСклад does not accept the new token, then both tokens work, the state says so, and a retry sends the same new token', async () => {
    await goLive();
    const old = open(tenant().loyaltyTokenEnc);
    const sent: string[] = [];
    nock(VENDOR.origin)
      .patch(`${appPath()}/loyalty`)
      .delay(2000)
      .reply((_uri, body) => {
        sent.push(String((body as Record<string, unknown>).token));
        return [200, {}];
      });

    const page = await followRedirect(t, client, await client.post('/iframe/rotate-token'));
    const pending = open(tenant().pendingLoyaltyTokenEnc);
    expect(sent).to.deep.equal([pending]);
    expect(goLiveStateOf(tenant())).to.deep.include({ pending: 'loyalty' });
    expect(goLiveStateOf(tenant()).lastFailure).to.include({ step: 'loyalty', kind: 'unavailable' });
    expect(await tillStatus(old), 'МойСклад may still use the old token').to.equal(200);
    expect(await tillStatus(pending), 'МойСклад may have applied the new one despite the time-out').to.equal(200);
    expect(textOf(page.data)).to.include('Пока действуют оба токена');

    // Pressing the button again resumes the same rotation instead of starting a third token.
    nock(VENDOR.origin)
      .patch(`${appPath()}/loyalty`)
      .reply((_uri, body) => {
        sent.push(String((body as Record<string, unknown>).token));
        return [200, {}];
      });
    await followRedirect(t, client, await client.post('/iframe/rotate-token'));
    expect(sent).to.deep.equal([pending, pending]);
    expect(tenant()).to.include({ loyaltyTokenHash: hashToken(pending), pendingLoyaltyTokenHash: null });
    expect(await tillStatus(old)).to.equal(401);
    expect(await tillStatus(pending)).to.equal(200);
  });

  it('when the account is not live yet, then the new token waits for the next save and МойСклад is not called', async () => {
    const old = open(tenant().loyaltyTokenEnc);
    const page = await followRedirect(t, client, await client.post('/iframe/rotate-token'));
    const pending = open(tenant().pendingLoyaltyTokenEnc);
    expect(textOf(page.data)).to.include('получит его вместе с настройками');
    expect(await tillStatus(old)).to.equal(200);

    let sentToken: unknown;
    nock(VENDOR.origin)
      .put(`${appPath()}/loyalty`)
      .reply((_uri, body) => {
        sentToken = (body as Record<string, unknown>).token;
        return [200, {}];
      })
      .put(`${appPath()}/status`)
      .reply(200, {});
    await client.post('/iframe/settings', VALID_FORMS.ledger);
    expect(sentToken).to.equal(pending);
    expect(tenant()).to.include({
      loyaltyTokenHash: hashToken(pending),
      pendingLoyaltyTokenHash: null,
      status: 'Activated',
    });
    expect(await tillStatus(old)).to.equal(401);
  });
});
