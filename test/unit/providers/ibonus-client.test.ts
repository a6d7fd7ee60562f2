import { expect } from 'chai';
import nock from 'nock';
import { NotFoundError, UpstreamError } from '../../../app/errors.js';
import { createLogger } from '../../../app/logging/logger.js';
import { IBonusClient, type CreateOrderRequest } from '../../../app/providers/ibonus/ibonus-client.js';
import { IBONUS_AUTH_MESSAGE, IBonusError } from '../../../app/providers/ibonus/ibonus-errors.js';
import { ProviderResilience } from '../../../app/providers/resilience.js';
import { failureText } from '../../../app/outbox/failure-kind.js';
import { startIBonusFake, type IBonusFake } from '../../fakes/ibonus-fake.js';
import { LOOPBACK_ALLOWED, testGuard } from '../../helpers/outbound.js';

/** The fake listens on loopback, as OUTBOUND_ALLOW_HOSTS lets an operator's own provider. */
const fakeGuard = testGuard(LOOPBACK_ALLOWED);

const ORIGIN = 'https://lk.i-bonus.test';
const LOGIN = 'shop-login';
const PASSWORD = 'пароль:secret';
const BASIC = `Basic ${Buffer.from(`${LOGIN}:${PASSWORD}`).toString('base64')}`;
const logger = createLogger({ level: 'error', silent: true });

const SALE: CreateOrderRequest = {
  order: {
    receiptType: 'sale',
    amountCard: 20,
    amountCash: 10,
    customerPhone: '79123456789',
    externalId: 'retaildemand-1',
    items: [{ Id: 'p1', price: 40, quantity: 1, unit: 'piece', vat: 20, name: 'Капучино' }],
  },
  amount: 10,
  currency: 'points',
  coupons: [1],
};

function errorBody(status: number, error: string, message: string, path = '/ext/api/v1/x/') {
  return { error, message, path, status, timestamp: 1513521246746 };
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  let outcome: { value: unknown } | undefined;
  try {
    outcome = { value: await promise };
  } catch (error) {
    expect(error).to.be.instanceOf(Error);
    return error as Error;
  }
  return expect.fail(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
}

function expectUnavailable(error: Error): void {
  expect(error).to.be.instanceOf(IBonusError);
  expect((error as IBonusError).definite).to.equal(false);
  expect(error.message).to.match(/^i-bonus не отвечает/);
}

interface MethodCase {
  name: string;
  method: 'get' | 'post';
  path: string;
  /** Whether the path names one client (a 404 then means "no such client"). */
  clientPath: boolean;
  call: (client: IBonusClient) => Promise<unknown>;
  okBody: nock.ReplyBody;
  expectOk: (result: unknown) => void;
  /** A 200 body that the method cannot use, or undefined when the method reads no body. */
  malformed?: string;
}

const METHODS: MethodCase[] = [
  {
    name: 'findClients',
    method: 'get',
    path: '/ext/api/v1/clients/?phone=7912%25&offset=0&limit=10',
    clientPath: false,
    call: (client) => client.findClients({ phone: '7912%', offset: 0, limit: 10 }),
    okBody: [{ id: 1234567, email: 'test@test.ru', phone: '7912345678', name: 'Client First', token: 'abc' }],
    expectOk: (result) =>
      expect(result).to.deep.equal([
        { id: 1234567, email: 'test@test.ru', phone: '7912345678', name: 'Client First', token: 'abc' },
      ]),
    malformed: '[{"id": 1,',
  },
  {
    name: 'coupons',
    method: 'get',
    path: '/ext/api/v1/clients/1234567/coupons/',
    clientPath: true,
    call: (client) => client.coupons(1234567),
    okBody: [
      { id: 123, title: 'Internal title', header: 'Заголовок', expireDate: 1571408400000, merchantToken: '123456' },
    ],
    expectOk: (result) =>
      expect(result).to.deep.equal([
        { id: 123, title: 'Internal title', header: 'Заголовок', expireDate: 1571408400000, merchantToken: '123456' },
      ]),
    malformed: '<html>oops</html>',
  },
  {
    name: 'balance',
    method: 'get',
    path: '/ext/api/v1/clients/1234567/balance/',
    clientPath: true,
    call: (client) => client.balance(1234567),
    okBody: [
      { amount: 1234.56, currency: 'points' },
      { amount: 4321.06, currency: 'rubles' },
    ],
    expectOk: (result) => expect(result).to.deep.equal({ points: 1234.56, rubles: 4321.06 }),
    malformed: '{"amount": ',
  },
  {
    name: 'createOrder',
    method: 'post',
    path: '/ext/api/v1/fiscal/orders/',
    clientPath: false,
    call: (client) => client.createOrder(SALE),
    okBody: '',
    expectOk: (result) => expect(result).to.equal(undefined),
  },
];

describe('IBonusClient', () => {
  let client: IBonusClient;

  beforeEach(() => {
    client = new IBonusClient({ baseURL: ORIGIN, login: LOGIN, password: PASSWORD, logger, timeoutMs: 200 });
  });

  for (const m of METHODS) {
    describe(m.name, () => {
      const scope = () => (m.method === 'get' ? nock(ORIGIN).get(m.path) : nock(ORIGIN).post(m.path));

      it(`when i-bonus answers 200, then ${m.name} returns the typed result and sends Basic auth`, async () => {
        let authorization: string | undefined;
        let contentType: string | undefined;
        const interceptor = scope().reply(function () {
          authorization = this.req.headers.authorization;
          contentType = this.req.headers['content-type'];
          return [200, m.okBody];
        });
        m.expectOk(await m.call(client));
        expect(authorization).to.equal(BASIC);
        if (m.method === 'post') expect(contentType).to.match(/^application\/json/);
        expect(interceptor.isDone()).to.equal(true);
      });

      it(`when i-bonus answers 400 with an English error, then ${m.name} fails definitely with a Russian text`, async () => {
        scope().reply(400, errorBody(400, 'Bad Request', 'Field externalId is invalid'));
        const error = await rejectionOf(m.call(client));
        expect(error).to.be.instanceOf(IBonusError);
        const upstream = error as IBonusError;
        expect(upstream.definite).to.equal(true);
        expect(upstream.failure).to.equal('refused');
        expect(upstream.upstreamStatus).to.equal(400);
        expect(upstream.message).to.match(/^i-bonus отклонил запрос \(.+\), HTTP 400\./);
        expect(upstream.message.replace(/i-bonus|HTTP/g, '')).to.not.match(/[A-Za-z]{3,}/);
        expect(upstream.details).to.include({ providerMessage: 'Field externalId is invalid' });
      });

      it(`when i-bonus answers 404, then ${m.name} ${m.clientPath ? 'reports the client as not found' : 'fails definitely'}`, async () => {
        scope().reply(404, errorBody(404, 'Not Found', 'Client with id=1234567 is not found.'));
        const error = await rejectionOf(m.call(client));
        if (m.clientPath) {
          expect(error).to.be.instanceOf(NotFoundError);
          expect(error.message).to.equal('Клиент не найден в i-bonus');
        } else {
          expect(error).to.be.instanceOf(IBonusError);
          expect((error as IBonusError).definite).to.equal(true);
        }
      });

      for (const status of [401, 403]) {
        it(`when i-bonus answers ${status}, then ${m.name} asks to check the login and password`, async () => {
          scope().reply(status, errorBody(status, 'Unauthorized', 'Bad credentials'));
          const error = await rejectionOf(m.call(client));
          expect(error).to.be.instanceOf(IBonusError);
          expect((error as IBonusError).definite).to.equal(true);
          expect((error as IBonusError).failure).to.equal('auth');
          expect(error.message).to.equal(IBONUS_AUTH_MESSAGE);
        });
      }

      it(`when i-bonus answers 503, then ${m.name} fails as not definite`, async () => {
        scope().reply(503, errorBody(503, 'Service Unavailable', 'down'));
        const error = await rejectionOf(m.call(client));
        expectUnavailable(error);
        expect((error as IBonusError).upstreamStatus).to.equal(503);
      });

      if (m.malformed !== undefined) {
        const malformed = m.malformed;
        it(`when i-bonus answers 200 with malformed JSON, then ${m.name} fails as not definite`, async () => {
          scope().reply(200, malformed, { 'Content-Type': 'application/json' });
          expectUnavailable(await rejectionOf(m.call(client)));
        });

        it(`when i-bonus answers 200 with JSON of the wrong shape, then ${m.name} fails as not definite`, async () => {
          scope().reply(200, { unexpected: true });
          expectUnavailable(await rejectionOf(m.call(client)));
        });
      } else {
        it(`when i-bonus answers 200 with a plain-text body, then ${m.name} counts it as accepted`, async () => {
          scope().reply(200, 'OK', { 'Content-Type': 'text/plain' });
          m.expectOk(await m.call(client));
        });
      }

      it(`when i-bonus answers after the time-out, then ${m.name} fails as not definite`, async () => {
        scope().delay(1000).reply(200, m.okBody);
        const started = Date.now();
        const error = await rejectionOf(m.call(client));
        expectUnavailable(error);
        expect(error.message).to.include('вовремя');
        expect(Date.now() - started).to.be.lessThan(900);
      });

      it(`when the connection is reset, then ${m.name} fails as not definite`, async () => {
        // nock 14 drops a plain-object error, so the error must be a real Error carrying its code.
        scope().replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
        expectUnavailable(await rejectionOf(m.call(client)));
      });
    });
  }

  it('when searching by email with a wildcard, then the % reaches i-bonus encoded in the query', async () => {
    nock(ORIGIN).get('/ext/api/v1/clients/').query({ email: '%@test.ru' }).reply(200, []);
    expect(await client.findClients({ email: '%@test.ru' })).to.deep.equal([]);
  });

  it('when the balance has no points entry, then points are 0', async () => {
    nock(ORIGIN)
      .get('/ext/api/v1/clients/7/balance/')
      .reply(200, [{ amount: 50, currency: 'rubles' }]);
    expect(await client.balance(7)).to.deep.equal({ points: 0, rubles: 50 });
  });

  it('when an order is sent, then the body is the documented JSON', async () => {
    let body: unknown;
    nock(ORIGIN)
      .post('/ext/api/v1/fiscal/orders/', (sent: unknown) => {
        body = sent;
        return true;
      })
      .reply(200);
    await client.createOrder(SALE);
    expect(body).to.deep.equal(SALE);
  });

  it('when i-bonus refuses an order with 422, then the cashier reads no English and the error is definite', async () => {
    nock(ORIGIN)
      .post('/ext/api/v1/fiscal/orders/')
      .reply(422, errorBody(422, 'Unprocessable Entity', 'Not enough points.'));
    const error = await rejectionOf(client.createOrder(SALE));
    expect(error).to.be.instanceOf(UpstreamError);
    expect((error as UpstreamError).definite).to.equal(true);
    expect(error.message).to.include('отправка чека продажи');
    expect(error.message).to.not.include('Not enough');
  });

  it('when i-bonus echoes the login and password in its error message, then the error and the outbox text never carry them', async () => {
    nock(ORIGIN)
      .post('/ext/api/v1/fiscal/orders/')
      .reply(500, errorBody(500, 'Internal Server Error', `auth ${LOGIN}:${PASSWORD} failed`));
    const error = (await rejectionOf(client.createOrder(SALE))) as IBonusError;
    expect(error.details?.providerMessage).to.equal('auth [скрыто]:[скрыто] failed');
    const shown = `${error.message} ${JSON.stringify(error.details)} ${failureText(error)}`;
    expect(shown).to.not.include(PASSWORD).and.to.not.include(LOGIN);
  });

  describe('through ProviderResilience', () => {
    const key = 'tenant-1:ibonus';

    it('when i-bonus keeps answering 5xx, then the breaker opens, stops calling, and half-opens later', async () => {
      const resilience = new ProviderResilience({
        retryAttempts: 0,
        breakerFailures: 3,
        halfOpenAfterMs: 100,
        maxBackoffMs: 1,
      });
      nock(ORIGIN)
        .get('/ext/api/v1/clients/1/balance/')
        .times(3)
        .reply(503, errorBody(503, 'Service Unavailable', 'down'));
      for (let attempt = 0; attempt < 3; attempt++) {
        expectUnavailable(await rejectionOf(resilience.execute(key, 'read', () => client.balance(1))));
      }
      expect(resilience.state(key)).to.equal('open');

      let called = false;
      const refused = await rejectionOf(resilience.execute(key, 'read', () => ((called = true), client.balance(1))));
      expect(called).to.equal(false);
      expect(refused).to.be.instanceOf(UpstreamError);
      expect((refused as UpstreamError).definite).to.equal(false);

      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(resilience.state(key)).to.equal('half-open');
      nock(ORIGIN)
        .get('/ext/api/v1/clients/1/balance/')
        .reply(200, [{ amount: 5, currency: 'points' }]);
      expect(await resilience.execute(key, 'read', () => client.balance(1))).to.deep.equal({ points: 5, rubles: 0 });
      expect(resilience.state(key)).to.equal('closed');
    });

    it('when a client is not found, then the breaker does not count it as a provider failure', async () => {
      const resilience = new ProviderResilience({ retryAttempts: 2, breakerFailures: 1, maxBackoffMs: 1 });
      const interceptor = nock(ORIGIN)
        .get('/ext/api/v1/clients/9/coupons/')
        .reply(404, errorBody(404, 'Not Found', 'nope'));
      expect(await rejectionOf(resilience.execute(key, 'read', () => client.coupons(9)))).to.be.instanceOf(
        NotFoundError,
      );
      expect(interceptor.isDone()).to.equal(true);
      expect(resilience.state(key)).to.equal('closed');
    });
  });

  describe('against the i-bonus fake', () => {
    let fake: IBonusFake;
    let real: IBonusClient;

    beforeEach(async () => {
      fake = await startIBonusFake({ login: LOGIN, password: PASSWORD });
      fake.state.clients.push(
        {
          id: 1,
          name: 'Анна',
          phone: '79123456789',
          email: 'anna@test.ru',
          points: 100,
          coupons: [{ id: 1, header: 'Кофе в подарок' }],
        },
        { id: 2, name: 'Борис', phone: '79001112233', email: 'boris@test.ru', points: 0, coupons: [] },
      );
      real = new IBonusClient({ baseURL: fake.url, login: LOGIN, password: PASSWORD, logger, guard: fakeGuard });
    });

    afterEach(() => fake.close());

    it('when a sale spends points and is refunded, then the balance is restored and a repeated sale applies once', async () => {
      const [found, ...others] = await real.findClients({ phone: '7912%' });
      expect(others).to.have.length(0);
      expect(found).to.include({ id: 1, name: 'Анна' });
      expect(await real.balance(found!.id)).to.deep.equal({ points: 100, rubles: 0 });
      expect(await real.coupons(found!.id)).to.have.length(1);

      await real.createOrder(SALE);
      // 100 − 10 spent + 5 % of the 30 paid.
      expect(await real.balance(found!.id)).to.deep.equal({ points: 91.5, rubles: 0 });
      expect(await real.coupons(found!.id)).to.have.length(0);

      await real.createOrder(SALE);
      expect(await real.balance(found!.id)).to.deep.equal({ points: 91.5, rubles: 0 });

      await real.createOrder({ order: { ...SALE.order, receiptType: 'refund' } });
      expect(await real.balance(found!.id)).to.deep.equal({ points: 100, rubles: 0 });
      expect(await real.coupons(found!.id)).to.have.length(1);
      expect(fake.state.orders.map((order) => order.outcome)).to.deep.equal(['applied', 'duplicate', 'applied']);
    });

    it('when a sale spends more points than the client has, then it is refused definitely and changes nothing', async () => {
      const error = await rejectionOf(real.createOrder({ ...SALE, amount: 500, coupons: [] }));
      expect(error).to.be.instanceOf(IBonusError);
      expect((error as IBonusError).definite).to.equal(true);
      expect((error as IBonusError).upstreamStatus).to.equal(422);
      expect(await real.balance(1)).to.deep.equal({ points: 100, rubles: 0 });
    });

    it('when searching with offset and limit, then the fake pages the wildcard matches', async () => {
      const all = await real.findClients({ email: '%@test.ru' });
      expect(all.map((c) => c.id)).to.deep.equal([1, 2]);
      const second = await real.findClients({ email: '%@TEST.ru', offset: 1, limit: 1 });
      expect(second.map((c) => c.id)).to.deep.equal([2]);
    });

    it('when the password is wrong, then the fake answers 401 and the client asks to check settings', async () => {
      const wrong = new IBonusClient({ baseURL: fake.url, login: LOGIN, password: 'wrong', logger, guard: fakeGuard });
      expect((await rejectionOf(wrong.balance(1))).message).to.equal(IBONUS_AUTH_MESSAGE);
    });

    it('when the fake is down or slow, then the client fails as not definite', async () => {
      fake.state.down = true;
      expectUnavailable(await rejectionOf(real.balance(1)));
      fake.state.down = false;
      fake.state.delayMs = 300;
      const slow = new IBonusClient({
        baseURL: fake.url,
        login: LOGIN,
        password: PASSWORD,
        logger,
        timeoutMs: 100,
        guard: fakeGuard,
      });
      expectUnavailable(await rejectionOf(slow.balance(1)));
    });

    it('when a balance is asked for an unknown client, then it is not found', async () => {
      expect(await rejectionOf(real.balance(404))).to.be.instanceOf(NotFoundError);
    });
  });
});
