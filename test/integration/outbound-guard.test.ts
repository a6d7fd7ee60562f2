import { createServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { expect } from 'chai';
import nock from 'nock';
import { UpstreamError } from '../../app/errors.js';
import { REFUSED_ADDRESS_MESSAGES, type HostResolver } from '../../app/http/outbound-guard.js';
import { createLogger } from '../../app/logging/logger.js';
import { failureKind } from '../../app/outbox/failure-kind.js';
import { checkProviderConnection } from '../../app/providers/connection-check.js';
import { GeneralApiClient } from '../../app/providers/general/general-api-client.js';
import { IBonusClient } from '../../app/providers/ibonus/ibonus-client.js';
import { SmsGateway } from '../../app/sms/sms-gateway.js';
import { freePort, listenOnLoopback, type LoopbackServer } from '../helpers/loopback-server.js';
import { TEST_PUBLIC_ADDRESS, testGuard } from '../helpers/outbound.js';
import { rejectionOf } from '../helpers/rejection.js';

const logger = createLogger({ level: 'error', silent: true });

/**
 * A service on this machine that no tenant may reach: it counts every request. The network is opened
 * fully here, so what stops a call is the guard, not nock.
 */
describe('Outbound calls to tenant-typed addresses', () => {
  let internal: LoopbackServer;
  let port: number;
  let hits: string[];

  beforeEach(async () => {
    nock.enableNetConnect();
    hits = [];
    internal = await listenOnLoopback(
      createServer((req, res) => {
        hits.push(`${req.method} ${req.url}`);
        res.writeHead(422, { 'Content-Type': 'application/json' }).end(JSON.stringify({ client: 'Client not found.' }));
      }),
    );
    port = Number(new URL(internal.url).port);
  });
  afterEach(() => internal.close());

  const spellings = () => [
    `http://127.0.0.1:${port}/internal/x`,
    `http://127.1:${port}`,
    `http://0x7f000001:${port}`,
    `http://2130706433:${port}`,
    `http://[::ffff:127.0.0.1]:${port}`,
    `http://0.0.0.0:${port}`,
    `http://localhost:${port}`,
  ];

  const callers = (guard = testGuard()) => ({
    general: (baseURL: string) =>
      new GeneralApiClient({ baseURL, apiKey: 'tenant-key', logger, guard }).findClient({ search: '7900', point: 'p' }),
    ibonus: (baseURL: string) =>
      new IBonusClient({ baseURL, login: 'shop', password: 'tenant-password', logger, guard }).findClients({
        phone: '7900',
      }),
    smsGateway: (baseURL: string) =>
      new SmsGateway({ logger, guard }).send('tenant-a', baseURL, { phone: '79000000000', text: 'Код: 123456' }),
  });

  it('when a provider or SMS gateway address leads to this machine in any spelling, then nothing is sent there', async () => {
    for (const url of spellings()) {
      for (const [name, call] of Object.entries(callers())) {
        const error = await rejectionOf(call(url));
        expect(error, `${name} ${url}`).to.be.instanceOf(Error);
      }
    }
    expect(hits).to.deep.equal([]);
  });

  it('when a provider call is refused, then it fails as "not sent", so the outbox may send it again later', async () => {
    const error = await rejectionOf(callers().general(`http://127.0.0.1:${port}`));
    expect(error).to.be.instanceOf(UpstreamError);
    expect((error as UpstreamError).details).to.include({ reason: 'ERR_OUTBOUND_REFUSED' });
    expect(failureKind(error)).to.equal('not-applied');
  });

  it('when OUTBOUND_ALLOW_HOSTS names the range or the host, then the call goes through', async () => {
    const byRange = callers(testGuard({ subnets: [{ network: '127.0.0.1', prefix: 32, family: 'ipv4' }] }));
    await rejectionOf(byRange.general(`http://127.1:${port}`));
    expect(hits).to.deep.equal(['POST /integration/general/client']);
    await byRange.smsGateway(`http://127.0.0.1:${port}/send?key=k`).catch(() => undefined);
    expect(hits).to.have.length(2);

    const byName = callers(testGuard({ hosts: ['localhost'] }));
    await rejectionOf(byName.general(`http://localhost:${port}`));
    expect(hits).to.have.length(3);
  });

  it('when a name resolves to a public address for the form and to 127.0.0.1 when the call connects, then the call is refused', async () => {
    let lookups = 0;
    const rebinding: HostResolver = async () => [
      { address: lookups++ === 0 ? TEST_PUBLIC_ADDRESS : '127.0.0.1', family: 4 },
    ];
    const guard = testGuard({}, rebinding);
    const url = `http://rebind.example.test:${port}`;
    expect(await guard.permits(url), 'the form sees a public address').to.equal(true);
    const error = await rejectionOf(callers(guard).general(url));
    expect((error as UpstreamError).details).to.include({ reason: 'ERR_OUTBOUND_REFUSED' });
    expect(lookups).to.equal(2);
    expect(hits).to.deep.equal([]);
  });

  it('when the address is https, then its connections are checked the same way', async () => {
    const connections: Socket[] = [];
    const tcp = createTcpServer((socket) => connections.push(socket.destroy()));
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const tlsPort = (tcp.address() as AddressInfo).port;
    const toLoopback: HostResolver = async () => [{ address: '127.0.0.1', family: 4 }];
    try {
      for (const url of [`https://127.0.0.1:${tlsPort}`, `https://provider.example.test:${tlsPort}`]) {
        const error = await rejectionOf(callers(testGuard({}, toLoopback)).general(url));
        expect((error as UpstreamError).details, url).to.include({ reason: 'ERR_OUTBOUND_REFUSED' });
      }
      expect(connections).to.have.length(0);
      const allowed = testGuard({ subnets: [{ network: '127.0.0.1', prefix: 32, family: 'ipv4' }] }, toLoopback);
      await rejectionOf(callers(allowed).general(`https://provider.example.test:${tlsPort}`));
      expect(connections, 'an allowed address is connected to').to.have.length(1);
    } finally {
      tcp.close();
    }
  });

  it('when the address names a service port (SSH, SMTP), then nothing connects; 80, 443 and 1024 up are open', async () => {
    let lookups = 0;
    const counting: HostResolver = async () => {
      lookups++;
      return [{ address: TEST_PUBLIC_ADDRESS, family: 4 }];
    };
    const guard = testGuard({}, counting);
    for (const url of [
      'https://provider.example.test:22',
      'http://provider.example.test:25/',
      'https://[2001:db8::1]:110',
    ]) {
      expect(await guard.permits(url), url).to.equal(false);
      const error = await rejectionOf(callers(guard).general(url));
      expect((error as UpstreamError).details, url).to.include({ reason: 'ERR_OUTBOUND_REFUSED' });
    }
    expect(lookups, 'refused before the name is even resolved').to.equal(0);
    for (const url of [
      'https://provider.example.test',
      'http://provider.example.test:80',
      'https://provider.example.test:8443',
    ]) {
      expect(await guard.permits(url), url).to.equal(true);
    }
  });

  describe('«Проверить подключение»', () => {
    const check = (baseUrl: string, resolve?: HostResolver) =>
      checkProviderConnection(
        {
          backend: 'general',
          settings: { general: { baseUrl, defaultPoint: 'p' } },
          secrets: { general: { apiKey: 'tenant-key' } },
        },
        { logger, timeoutMs: 500, guard: testGuard({}, resolve) },
      );
    const REFUSED = { ok: false, message: REFUSED_ADDRESS_MESSAGES.provider };

    it('when the address is inside, then the answer is the same whether a port is open or closed, and nothing is sent', async () => {
      const closed = await freePort();
      for (const url of [`http://127.0.0.1:${port}`, `http://127.0.0.1:${closed}`, `http://localhost:${port}`]) {
        expect(await check(url), url).to.deep.equal(REFUSED);
      }
      expect(hits).to.deep.equal([]);
    });

    it('when the name turns private between the form check and the call, then the owner gets the same answer', async () => {
      let lookups = 0;
      const rebinding: HostResolver = async () => [
        { address: lookups++ === 0 ? TEST_PUBLIC_ADDRESS : '127.0.0.1', family: 4 },
      ];
      expect(await check(`http://rebind.example.test:${port}`, rebinding)).to.deep.equal(REFUSED);
      expect(lookups).to.equal(2);
      expect(hits).to.deep.equal([]);
    });
  });
});
