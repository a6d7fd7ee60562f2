import { expect } from 'chai';
import nock from 'nock';
import { AppError, BusinessRuleError, NotFoundError, UpstreamError } from '../../../app/errors.js';
import { createLogger } from '../../../app/logging/logger.js';
import { GeneralApiClient } from '../../../app/providers/general/general-api-client.js';
import { GENERAL_API_MESSAGES } from '../../../app/providers/general/general-api-errors.js';
import { failureText } from '../../../app/outbox/failure-kind.js';
import { ProviderResilience } from '../../../app/providers/resilience.js';

const ORIGIN = 'https://loyalty.general.test';
const API_KEY = 'general-key-123';
const logger = createLogger({ level: 'error', silent: true });

function client(timeoutMs = 500) {
  return new GeneralApiClient({ baseURL: ORIGIN, apiKey: API_KEY, logger, timeoutMs });
}

async function rejectionOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected a rejection');
}

const CLIENT_BODY = {
  success: true,
  client: {
    id: '62aXXXXXXX6',
    name: 'ИВАН',
    photo: 'https://photos.test/x.jpeg',
    birthday: '2021-03-29',
    level: { id: '621XXXXXf23', title: 'Бонусы', percent: 10, type: 'cashback', maxSpendPercent: 100 },
    phone: 79201234567,
    email: 'mail@mail.mail',
    balance: 878,
  },
};

interface MethodCase {
  name: string;
  path: string;
  call: (c: GeneralApiClient) => Promise<unknown>;
  request: nock.DataMatcherMap;
  reply: Record<string, unknown>;
  expected: unknown;
}

const METHODS: MethodCase[] = [
  {
    name: 'findClient',
    path: '/integration/general/client',
    call: (c) => c.findClient({ search: '79201234567', point: 'p1', hold: ['h1'] }),
    request: { search: '79201234567', point: 'p1', hold: ['h1'] },
    reply: CLIENT_BODY,
    expected: { ...CLIENT_BODY.client, phone: '79201234567' },
  },
  {
    name: 'recalc',
    path: '/integration/general/recalc',
    call: (c) => c.recalc({ client: 'c1', point: 'p1', amount: 100 }),
    request: { client: 'c1', point: 'p1', amount: 100 },
    reply: { success: true, recalc: { amount: 100, percent: 10, type: 'cashback', spend: 100, earn: 10 } },
    expected: { amount: 100, percent: 10, type: 'cashback', spend: 100, earn: 10 },
  },
  {
    name: 'hold',
    path: '/integration/general/bonuses/hold',
    call: (c) => c.hold({ client: 'c1', point: 'p1', amount: 100, duration: 15 }),
    request: { client: 'c1', point: 'p1', amount: 100, duration: 15 },
    reply: { success: true, held: { id: '6744684d193', until: 1704045600, amount: 100 } },
    expected: { id: '6744684d193', until: 1704045600, amount: 100 },
  },
  {
    name: 'release',
    path: '/integration/general/bonuses/release',
    call: (c) => c.release('6744684d193'),
    request: { id: '6744684d193' },
    reply: { success: true },
    expected: undefined,
  },
  {
    name: 'retail',
    path: '/integration/general/retail',
    call: (c) => c.retail({ client: 'c1', point: 'p1', amount: 100, spend: 100, hold: ['h1'] }),
    request: { client: 'c1', point: 'p1', amount: 100, spend: 100, hold: ['h1'] },
    reply: { success: true, retail: { amount: 100, total: 0, percent: 10, type: 'cashback', spend: 100 } },
    expected: { amount: 100, total: 0, percent: 10, type: 'cashback', spend: 100, earn: undefined },
  },
];

function expectUnavailable(error: AppError) {
  expect(error).to.be.instanceOf(UpstreamError);
  expect((error as UpstreamError).definite).to.equal(false);
  expect(error.message).to.equal(GENERAL_API_MESSAGES.unavailable);
}

describe('GeneralApiClient', () => {
  for (const m of METHODS) {
    describe(m.name, () => {
      it(`when the provider answers success, then ${m.name} posts JSON with the apikey and returns the typed shape`, async () => {
        const scope = nock(ORIGIN, { reqheaders: { apikey: API_KEY, 'content-type': /application\/json/ } })
          .post(m.path, m.request)
          .reply(200, m.reply);
        expect(await m.call(client())).to.deep.equal(m.expected);
        scope.done();
      });

      it(`when the provider answers 422 client not found, then ${m.name} throws NotFoundError in Russian`, async () => {
        nock(ORIGIN).post(m.path).reply(422, { client: 'Client not found.' });
        const error = await rejectionOf(m.call(client()));
        expect(error).to.be.instanceOf(NotFoundError);
        expect(error.message).to.equal('Клиент не найден в системе лояльности');
      });

      it(`when the provider answers 422 with an unknown field, then ${m.name} throws a definite UpstreamError without the English text`, async () => {
        nock(ORIGIN).post(m.path).reply(422, { amount: 'Amount must be positive.' });
        const error = await rejectionOf(m.call(client()));
        expect(error).to.be.instanceOf(UpstreamError);
        expect((error as UpstreamError).definite).to.equal(true);
        expect(error.message).to.equal(GENERAL_API_MESSAGES.refused);
        expect(error.message).to.not.match(/Amount/);
      });

      it(`when the provider answers 503, then ${m.name} throws a non-definite UpstreamError`, async () => {
        nock(ORIGIN).post(m.path).reply(503, 'Service Unavailable');
        const error = await rejectionOf(m.call(client()));
        expectUnavailable(error);
        expect((error as UpstreamError).upstreamStatus).to.equal(503);
      });

      it(`when the provider answers 200 with invalid JSON, then ${m.name} throws a non-definite UpstreamError`, async () => {
        nock(ORIGIN).post(m.path).reply(200, '{"success": tru', { 'Content-Type': 'application/json' });
        expectUnavailable(await rejectionOf(m.call(client())));
      });

      it(`when the provider answers 200 without success: true, then ${m.name} treats it as a failure`, async () => {
        nock(ORIGIN).post(m.path).reply(200, { ok: 1 });
        expectUnavailable(await rejectionOf(m.call(client())));
      });

      it(`when the provider answers later than the time-out, then ${m.name} throws a non-definite UpstreamError`, async () => {
        nock(ORIGIN).post(m.path).delay(300).reply(200, m.reply);
        const started = Date.now();
        expectUnavailable(await rejectionOf(m.call(client(50))));
        expect(Date.now() - started).to.be.lessThan(250);
      });

      it(`when the connection is reset, then ${m.name} throws a non-definite UpstreamError`, async () => {
        nock(ORIGIN)
          .post(m.path)
          .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
        const error = await rejectionOf(m.call(client()));
        expectUnavailable(error);
        expect(error.details).to.include({ failure: 'network', reason: 'ECONNRESET' });
      });
    });
  }

  describe('error mapping', () => {
    it('when spending more than allowed, then a BusinessRuleError names the limit', async () => {
      nock(ORIGIN).post('/integration/general/retail').reply(422, { spend: "Spend can't be more 100" });
      const error = await rejectionOf(client().retail({ client: 'c1', point: 'p1', amount: 500, spend: 200 }));
      expect(error).to.be.instanceOf(BusinessRuleError);
      expect(error.message).to.equal('Нельзя списать больше 100 баллов');
      expect(error.details).to.include({ maxSpend: 100 });
    });

    it('when the point is unknown, then a BusinessRuleError asks to check point mapping', async () => {
      nock(ORIGIN).post('/integration/general/recalc').reply(422, { point: 'Point not found.' });
      const error = await rejectionOf(client().recalc({ client: 'c1', point: 'nope', amount: 100 }));
      expect(error).to.be.instanceOf(BusinessRuleError);
      expect(error.message).to.equal(GENERAL_API_MESSAGES.pointNotFound);
    });

    for (const status of [401, 403]) {
      it(`when the provider answers ${status}, then a definite UpstreamError says the API key was refused`, async () => {
        nock(ORIGIN).post('/integration/general/client').reply(status, { message: 'Unauthorized' });
        const error = await rejectionOf(client().findClient({ search: '7920', point: 'p1' }));
        expect(error).to.be.instanceOf(UpstreamError);
        expect((error as UpstreamError).definite).to.equal(true);
        expect(error.message).to.equal(GENERAL_API_MESSAGES.keyRejected);
      });
    }

    it('when the provider answers 200 with success: false and a field error, then it is mapped like a 422', async () => {
      nock(ORIGIN)
        .post('/integration/general/bonuses/hold')
        .reply(200, { success: false, spend: "Spend can't be more 40" });
      const error = await rejectionOf(client().hold({ client: 'c1', point: 'p1', amount: 100 }));
      expect(error).to.be.instanceOf(BusinessRuleError);
      expect(error.message).to.equal('Нельзя списать больше 40 баллов');
    });

    it('when the provider echoes the API key in its refusal, then the error, its details and the outbox text never carry it', async () => {
      nock(ORIGIN)
        .post('/integration/general/retail')
        .reply(400, { message: `Key ${API_KEY} has no access to point p1` });
      nock(ORIGIN)
        .post('/integration/general/bonuses/hold')
        .reply(200, { success: false, message: `apikey=${API_KEY}` });
      const refused = await rejectionOf(client().retail({ client: 'c1', point: 'p1', amount: 100, spend: 0 }));
      const unexpected = await rejectionOf(client().hold({ client: 'c1', point: 'p1', amount: 100 }));
      for (const error of [refused, unexpected]) {
        expect(JSON.stringify(error.details)).to.include('[скрыто]');
        expect(`${error.message} ${JSON.stringify(error.details)} ${failureText(error)}`).to.not.include(API_KEY);
      }
    });

    it('when a retail without spending succeeds, then earn is returned', async () => {
      nock(ORIGIN)
        .post('/integration/general/retail', { client: 'c1', point: 'p1', amount: 100, spend: 0 })
        .reply(200, { success: true, retail: { amount: 100, total: 100, percent: 10, type: 'cashback', earn: 10 } });
      const retail = await client().retail({ client: 'c1', point: 'p1', amount: 100, spend: 0 });
      expect(retail).to.deep.equal({
        amount: 100,
        total: 100,
        percent: 10,
        type: 'cashback',
        spend: undefined,
        earn: 10,
      });
    });
  });

  describe('through ProviderResilience', () => {
    const KEY = 'tenant-1:general';

    it('when findClient fails with 502 then succeeds, then the read is retried and returns the client', async () => {
      const resilience = new ProviderResilience({ maxBackoffMs: 5 });
      nock(ORIGIN).post('/integration/general/client').reply(502, 'Bad Gateway');
      nock(ORIGIN)
        .post('/integration/general/client')
        .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
      nock(ORIGIN).post('/integration/general/client').reply(200, CLIENT_BODY);
      const c = client();
      const found = await resilience.execute(KEY, 'read', () => c.findClient({ search: '79201234567', point: 'p1' }));
      expect(found.id).to.equal(CLIENT_BODY.client.id);
      expect(nock.isDone()).to.equal(true);
    });

    it("when recalc times out, then the read is not retried: the cashier's patience is spent", async () => {
      const resilience = new ProviderResilience({ maxBackoffMs: 5 });
      const body = METHODS[1]!.reply;
      nock(ORIGIN).post('/integration/general/recalc').delay(200).reply(200, body);
      const second = nock(ORIGIN).post('/integration/general/recalc').reply(200, body);
      const c = client(50);
      expectUnavailable(
        await rejectionOf(resilience.execute(KEY, 'read', () => c.recalc({ client: 'c1', point: 'p1', amount: 100 }))),
      );
      expect(second.isDone()).to.equal(false);
    });

    it('when retail fails with 503, then the write is not retried', async () => {
      const resilience = new ProviderResilience({ maxBackoffMs: 5 });
      const scope = nock(ORIGIN)
        .post('/integration/general/retail')
        .reply(503)
        .post('/integration/general/retail')
        .reply(200, METHODS[4]!.reply);
      const c = client();
      await rejectionOf(
        resilience.execute(KEY, 'write', () => c.retail({ client: 'c1', point: 'p1', amount: 100, spend: 100 })),
      );
      expect(scope.pendingMocks()).to.have.length(1);
    });

    it('when the client is not found, then the read is not retried and the breaker stays closed', async () => {
      const resilience = new ProviderResilience({ maxBackoffMs: 5, breakerFailures: 1 });
      const scope = nock(ORIGIN)
        .post('/integration/general/client')
        .reply(422, { client: 'Client not found.' })
        .post('/integration/general/client')
        .reply(200, CLIENT_BODY);
      const c = client();
      const error = await rejectionOf(
        resilience.execute(KEY, 'read', () => c.findClient({ search: '1', point: 'p1' })),
      );
      expect(error).to.be.instanceOf(NotFoundError);
      expect(scope.pendingMocks()).to.have.length(1);
      expect(resilience.state(KEY)).to.equal('closed');
    });

    it('when the provider keeps failing, then the breaker opens, stops calling, half-opens and closes on success', async () => {
      const resilience = new ProviderResilience({ breakerFailures: 3, halfOpenAfterMs: 50 });
      const c = client();
      const hold = () => resilience.execute(KEY, 'write', () => c.hold({ client: 'c1', point: 'p1', amount: 10 }));
      nock(ORIGIN).post('/integration/general/bonuses/hold').times(3).reply(500);
      for (let i = 0; i < 3; i++) await rejectionOf(hold());
      expect(resilience.state(KEY)).to.equal('open');

      // No interceptor: a real call would fail with nock's net-connect error rather than this message.
      const blocked = await rejectionOf(hold());
      expect(blocked.message).to.equal('Система лояльности временно недоступна. Повторите через минуту.');

      await new Promise((resolve) => setTimeout(resolve, 70));
      expect(resilience.state(KEY)).to.equal('half-open');
      nock(ORIGIN).post('/integration/general/bonuses/hold').reply(200, METHODS[2]!.reply);
      expect((await hold()).id).to.equal('6744684d193');
      expect(resilience.state(KEY)).to.equal('closed');
    });
  });
});
