import { expect } from 'chai';
import { OutboundGuard, readTenantUrl, type HostResolver } from '../../../app/http/outbound-guard.js';

/** A resolver that must not be asked: addresses written as addresses, and refused names, need no DNS. */
const noDns: HostResolver = (hostname) => Promise.reject(new Error(`unexpected lookup of ${hostname}`));

const DNS: Record<string, string[]> = {
  'shop-provider.example': ['93.184.216.34', '2606:2800:220:1::1'],
  'inside.example': ['10.0.0.5'],
  'mixed.example': ['93.184.216.34', '127.0.0.1'],
  'mapped.example': ['::ffff:192.168.1.10'],
  'empty.example': [],
  'provider.corp': ['10.20.30.40'],
};
const fakeDns: HostResolver = async (hostname) => {
  const addresses = DNS[hostname.replace(/\.$/, '')];
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

describe('Outbound guard', () => {
  describe('a URL a tenant types', () => {
    const PROVIDER = { allowQuery: false };
    const GATEWAY = { allowQuery: true };
    const CASES: Array<[raw: string, options: { allowQuery: boolean }, expected: string]> = [
      ['https://bonus.example.ru', PROVIDER, 'https://bonus.example.ru'],
      ['https://bonus.example.ru/api/v2/', PROVIDER, 'https://bonus.example.ru/api/v2'],
      ['HTTPS://Bonus.Example.RU:8443/api', PROVIDER, 'https://bonus.example.ru:8443/api'],
      ['http://127.1:8080/x', PROVIDER, 'http://127.0.0.1:8080/x'],
      ['http://0x7f000001/', PROVIDER, 'http://127.0.0.1'],
      ['http://[::ffff:127.0.0.1]/', PROVIDER, 'http://[::ffff:7f00:1]'],
      ['http://@bonus.example.ru/', PROVIDER, 'http://bonus.example.ru'],
      ['ftp://bonus.example.ru', PROVIDER, 'problem: scheme'],
      ['javascript:alert(1)', PROVIDER, 'problem: scheme'],
      ['file:///etc/passwd', PROVIDER, 'problem: scheme'],
      ['bonus.example.ru', PROVIDER, 'problem: invalid'],
      ['http://bonus.example.ru/a b', PROVIDER, 'problem: invalid'],
      ['http://bonus.example.ru/x\t', PROVIDER, 'problem: invalid'],
      ['http://evil.example\\@127.0.0.1/', PROVIDER, 'problem: invalid'],
      ['http://user:pw@bonus.example.ru/', PROVIDER, 'problem: userinfo'],
      ['http://user@bonus.example.ru/', PROVIDER, 'problem: userinfo'],
      ['http://127.0.0.1:80@bonus.example.ru/', PROVIDER, 'problem: userinfo'],
      ['http://127.0.0.1:8080/internal/x#', PROVIDER, 'problem: fragment'],
      ['http://169.254.169.254/latest/meta-data/#', PROVIDER, 'problem: fragment'],
      ['https://bonus.example.ru/api#section', PROVIDER, 'problem: fragment'],
      ['https://bonus.example.ru/api?', PROVIDER, 'problem: query'],
      ['https://bonus.example.ru/api?next=', PROVIDER, 'problem: query'],
      ['https://sms.example.ru/send?key=k-1', GATEWAY, 'https://sms.example.ru/send?key=k-1'],
      ['https://sms.example.ru/send/', GATEWAY, 'https://sms.example.ru/send'],
      ['https://sms.example.ru/send?key=k-1#', GATEWAY, 'problem: fragment'],
      ['https://login:key@sms.example.ru/send', GATEWAY, 'problem: userinfo'],
    ];
    for (const [raw, options, expected] of CASES) {
      it(`when ${JSON.stringify(raw)} is typed for ${options.allowQuery ? 'an SMS gateway' : 'a provider'}, then it reads as ${expected}`, () => {
        const read = readTenantUrl(raw, options);
        expect(read.problem ? `problem: ${read.problem}` : read.href).to.equal(expected);
      });
    }
  });

  describe('the address a call connects to', () => {
    const guard = new OutboundGuard(undefined, { resolve: noDns });
    const REFUSED = [
      ['127.0.0.1', 'loopback'],
      ['127.255.255.254', 'loopback'],
      ['0.0.0.0', 'this host'],
      ['0.1.2.3', 'this network'],
      ['10.1.2.3', 'RFC 1918'],
      ['172.16.0.1', 'RFC 1918'],
      ['172.31.255.255', 'RFC 1918'],
      ['192.168.1.1', 'RFC 1918'],
      ['100.64.0.1', 'carrier-grade NAT'],
      ['100.127.255.255', 'carrier-grade NAT'],
      ['100.100.100.200', 'Alibaba metadata'],
      ['169.254.169.254', 'cloud metadata'],
      ['169.254.1.1', 'link-local'],
      ['192.0.0.192', 'Oracle metadata'],
      ['224.0.0.1', 'multicast'],
      ['239.255.255.250', 'multicast'],
      ['255.255.255.255', 'broadcast'],
      ['::1', 'IPv6 loopback'],
      ['::', 'IPv6 unspecified'],
      ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
      ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
      ['::ffff:10.0.0.1', 'IPv4-mapped RFC 1918'],
      ['::ffff:192.168.0.1', 'IPv4-mapped RFC 1918'],
      ['::ffff:100.64.0.1', 'IPv4-mapped carrier-grade NAT'],
      ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
      ['::ffff:0.0.0.0', 'IPv4-mapped this host'],
      ['::127.0.0.1', 'IPv4-compatible loopback'],
      ['64:ff9b::7f00:1', 'NAT64 of loopback'],
      ['64:ff9b::a9fe:a9fe', 'NAT64 of metadata'],
      ['2002:c0a8:101::1', '6to4 of 192.168.1.1'],
      ['fc00::1', 'unique local'],
      ['fd12:3456:789a::1', 'unique local'],
      ['fd00:ec2::254', 'AWS metadata'],
      ['fe80::1', 'IPv6 link-local'],
      ['fec0::1', 'IPv6 site-local'],
      ['ff02::1', 'IPv6 multicast'],
      ['not-an-address', 'no address at all'],
    ];
    for (const [address, what] of REFUSED) {
      it(`when it is ${address} (${what}), then it is refused`, () => {
        expect(guard.permitsAddress(address!)).to.equal(false);
      });
    }

    const PUBLIC = ['8.8.8.8', '93.184.216.34', '172.32.0.1', '100.128.0.1', '192.169.0.1', '11.0.0.1'];
    const PUBLIC_V6 = ['2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '2a00:1450:4010:c05::71'];
    for (const address of [...PUBLIC, ...PUBLIC_V6]) {
      it(`when it is ${address} (public), then it is allowed`, () => {
        expect(guard.permitsAddress(address)).to.equal(true);
      });
    }
  });

  describe('the form, which resolves the address the owner typed', () => {
    const guard = new OutboundGuard(undefined, { resolve: fakeDns });
    const REFUSED = [
      'http://127.0.0.1:3000/internal/x',
      'http://127.1/',
      'http://0x7f000001/',
      'http://2130706433/',
      'http://017700000001/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::1]:8080/',
      'http://0.0.0.0:3000/',
      'http://169.254.169.254/latest/meta-data',
      'http://[fd00:ec2::254]/',
      'http://localhost:3000/',
      'http://LOCALHOST./',
      'http://admin.localhost/',
      'http://metadata.google.internal/computeMetadata/v1',
      'http://metadata/',
      'http://db.internal/',
      'https://inside.example/api',
      'https://mixed.example/api',
      'https://mapped.example/api',
      'https://empty.example/api',
      'https://nowhere.example/api',
      'not a url',
    ];
    for (const url of REFUSED) {
      it(`when ${url} is typed, then it is refused`, async () => {
        expect(await guard.permits(url)).to.equal(false);
      });
    }

    it('when a name resolves to public addresses only, then it is accepted', async () => {
      expect(await guard.permits('https://shop-provider.example/api')).to.equal(true);
      expect(await guard.permits('https://93.184.216.34/api')).to.equal(true);
    });

    it('when the resolver never answers, then the name is refused once the owner has waited long enough', async function () {
      this.timeout(10_000);
      const silent = new OutboundGuard(undefined, { resolve: () => new Promise(() => {}) });
      expect(await silent.permits('https://slow.example/api')).to.equal(false);
    });
  });

  describe('OUTBOUND_ALLOW_HOSTS', () => {
    const guard = new OutboundGuard(
      {
        hosts: ['provider.corp'],
        subnets: [
          { network: '127.0.0.1', prefix: 32, family: 'ipv4' },
          { network: '169.254.0.0', prefix: 16, family: 'ipv4' },
          { network: 'fd00::', prefix: 8, family: 'ipv6' },
        ],
      },
      { resolve: fakeDns },
    );

    it('when the operator names a host, then it may resolve inside', async () => {
      expect(await guard.permits('https://provider.corp/api')).to.equal(true);
      expect(await guard.permits('https://PROVIDER.corp./api')).to.equal(true);
      expect(await guard.permits('https://inside.example/api'), 'another name to the same kind of address').to.equal(
        false,
      );
    });

    it('when the operator allows a range, then its addresses pass in any spelling and its neighbours do not', async () => {
      for (const url of [
        'http://127.0.0.1:4010',
        'http://127.1:4010',
        'http://[::ffff:127.0.0.1]:4010',
        'http://[fd12::1]/',
      ]) {
        expect(await guard.permits(url), url).to.equal(true);
      }
      expect(await guard.permits('http://127.0.0.2:4010')).to.equal(false);
      expect(await guard.permits('http://10.0.0.1/')).to.equal(false);
    });

    it('when an allowed range holds a cloud metadata address or name, then those stay refused', async () => {
      expect(await guard.permits('http://169.254.10.10/')).to.equal(true);
      expect(await guard.permits('http://169.254.169.254/latest/meta-data')).to.equal(false);
      expect(await guard.permits('http://[fd00:ec2::254]/')).to.equal(false);
      const named = new OutboundGuard({ hosts: ['metadata.google.internal'], subnets: [] }, { resolve: fakeDns });
      expect(await named.permits('http://metadata.google.internal/')).to.equal(false);
    });
  });
});
