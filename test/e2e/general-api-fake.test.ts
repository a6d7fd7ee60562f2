import { expect } from 'chai';
import { BusinessRuleError, NotFoundError, UpstreamError } from '../../app/errors.js';
import { createLogger } from '../../app/logging/logger.js';
import { GeneralApiClient } from '../../app/providers/general/general-api-client.js';
import { ProviderResilience } from '../../app/providers/resilience.js';
import { FAKE_POINT, startGeneralApiFake, type GeneralApiFake } from '../fakes/general-api-fake.js';
import { rejectionOf } from '../helpers/rejection.js';
import { LOOPBACK_ALLOWED, testGuard } from '../helpers/outbound.js';

/** The fake listens on loopback, as OUTBOUND_ALLOW_HOSTS lets an operator's own provider. */
const fakeGuard = testGuard(LOOPBACK_ALLOWED);

const API_KEY = 'fake-general-key';
const logger = createLogger({ level: 'error', silent: true });

describe('GeneralApiClient against the fake general API', () => {
  let fake: GeneralApiFake;
  let api: GeneralApiClient;

  beforeEach(async () => {
    fake = await startGeneralApiFake({ apiKey: API_KEY });
    api = new GeneralApiClient({ baseURL: fake.url, apiKey: API_KEY, logger, timeoutMs: 1000, guard: fakeGuard });
  });

  afterEach(() => fake.close());

  it('when a cashier searches, recalcs, holds and sells with the hold, then the balance drops by the points spent', async () => {
    const found = await api.findClient({ search: '79201234567', point: FAKE_POINT });
    expect(found).to.include({ id: 'client-cashback', balance: 878, phone: '79201234567' });

    const recalc = await api.recalc({ client: found.id, point: FAKE_POINT, amount: 1000 });
    expect(recalc).to.deep.equal({ amount: 1000, percent: 10, type: 'cashback', spend: 500, earn: 100 });

    const held = await api.hold({ client: found.id, point: FAKE_POINT, amount: 300 });
    expect(held.amount).to.equal(300);
    expect(held.until - Math.floor(Date.now() / 1000)).to.be.within(599, 601);
    // Held points are not available to anyone else, but count for the operation that lists them.
    expect((await api.findClient({ search: '79201234567', point: FAKE_POINT })).balance).to.equal(578);
    expect((await api.findClient({ search: '79201234567', point: FAKE_POINT, hold: [held.id] })).balance).to.equal(878);

    const retail = await api.retail({ client: found.id, point: FAKE_POINT, amount: 1000, spend: 300, hold: [held.id] });
    expect(retail).to.include({ amount: 1000, total: 700, spend: 300 });
    expect(fake.state.holds.size).to.equal(0);
    expect((await api.findClient({ search: '1000200030004000', point: FAKE_POINT })).balance).to.equal(578);
  });

  it('when selling without spending, then points are earned', async () => {
    const retail = await api.retail({ client: 'client-cashback', point: FAKE_POINT, amount: 1000, spend: 0 });
    expect(retail).to.include({ total: 1000, earn: 100 });
    expect(fake.state.clients.get('client-cashback')?.balance).to.equal(978);
  });

  it('when spending more than allowed, then the fake refuses with the seed shape and the client names the limit', async () => {
    const error = await rejectionOf(
      api.retail({ client: 'client-cashback', point: FAKE_POINT, amount: 100, spend: 80 }),
    );
    expect(error).to.be.instanceOf(BusinessRuleError);
    expect((error as Error).message).to.equal('Нельзя списать больше 50 баллов');
  });

  it('when a new hold starts at the same point, then the earlier hold is dropped; release always succeeds', async () => {
    const first = await api.hold({ client: 'client-cashback', point: FAKE_POINT, amount: 100 });
    const second = await api.hold({ client: 'client-cashback', point: FAKE_POINT, amount: 200 });
    expect([...fake.state.holds.keys()]).to.deep.equal([second.id]);
    await api.release(second.id);
    await api.release(first.id);
    expect(fake.state.holds.size).to.equal(0);
  });

  it('when the client or point is unknown, or the key is wrong, then the errors are typed', async () => {
    expect(await rejectionOf(api.findClient({ search: '70000000000', point: FAKE_POINT }))).to.be.instanceOf(
      NotFoundError,
    );
    expect(await rejectionOf(api.recalc({ client: 'client-cashback', point: 'other', amount: 1 }))).to.be.instanceOf(
      BusinessRuleError,
    );
    const wrongKey = new GeneralApiClient({ baseURL: fake.url, apiKey: 'wrong', logger, guard: fakeGuard });
    const error = await rejectionOf(wrongKey.findClient({ search: '79201234567', point: FAKE_POINT }));
    expect(error).to.be.instanceOf(UpstreamError);
    expect((error as UpstreamError).definite).to.equal(true);
  });

  it('when the fake is down or slow, then calls fail as unavailable and the breaker opens', async () => {
    const resilience = new ProviderResilience({ maxBackoffMs: 5, breakerFailures: 2, halfOpenAfterMs: 60_000 });
    fake.state.down = true;
    const read = () =>
      resilience.execute('t1:general', 'read', () => api.findClient({ search: '79201234567', point: FAKE_POINT }));
    const error = await rejectionOf(read());
    expect((error as UpstreamError).definite).to.equal(false);
    expect(resilience.state('t1:general')).to.equal('open');

    fake.state.down = false;
    fake.state.delayMs = 200;
    const slow = new GeneralApiClient({ baseURL: fake.url, apiKey: API_KEY, logger, timeoutMs: 50, guard: fakeGuard });
    expect(await rejectionOf(slow.findClient({ search: '79201234567', point: FAKE_POINT }))).to.be.instanceOf(
      UpstreamError,
    );
  });
});
