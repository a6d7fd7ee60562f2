import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, Socket, isIP, type LookupFunction } from 'node:net';
import type { Duplex } from 'node:stream';
import type { OutboundAllowList } from '../config/index.js';

/**
 * Addresses a tenant types (a provider's base URL, an SMS gateway) are called by our server, so they
 * must not lead it into its own network: loopback, private ranges, link-local and cloud metadata. The
 * check runs on the address a connection actually uses, at connect time, so a name that resolves to a
 * public address for the form and to 127.0.0.1 a second later (DNS rebinding) is refused all the same.
 * Addresses are read by node:net and WHATWG URL only: 127.1, 0x7f000001 and [::ffff:127.0.0.1] all
 * arrive here as the address they mean.
 */

/** The `code` of the socket error a refused connection fails with; nothing was sent. */
export const OUTBOUND_REFUSED = 'ERR_OUTBOUND_REFUSED';

export class OutboundRefusedError extends Error {
  readonly code = OUTBOUND_REFUSED;

  constructor(host: string) {
    super(`outbound call to ${host} refused: not a public address`);
    this.name = 'OutboundRefusedError';
  }
}

/** What an owner reads for a refused address: the same whether or not anything listens there. */
export const REFUSED_ADDRESS_MESSAGES = {
  provider:
    'Адрес должен быть публичным https-адресом системы лояльности в интернете. Адреса внутренней сети (localhost, 127.0.0.1, 10.x.x.x, 192.168.x.x и т. п.) и имена, которых нет в DNS, не принимаются; порт, если указан, — 443, 80 или от 1024.',
  smsGateway:
    'Адрес должен быть публичным https-адресом SMS-шлюза в интернете. Адреса внутренней сети (localhost, 127.0.0.1, 10.x.x.x, 192.168.x.x и т. п.) и имена, которых нет в DNS, не принимаются; порт, если указан, — 443, 80 или от 1024.',
} as const;

/** Whether a failed call (or anything it caused) is the guard's refusal: nothing reached the address. */
export function isOutboundRefusal(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 10; depth++) {
    if ((current as { code?: unknown }).code === OUTBOUND_REFUSED) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Every address of a host name; tests, which have no DNS, pass their own. */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

const resolveWithDns: HostResolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** The owner waits on the form; a resolver that says nothing in this time is taken as "no such name". */
const FORM_RESOLVE_TIMEOUT_MS = 5000;

type Range = [network: string, prefix: number];

/** IPv4 ranges that lead inside: our host, private networks, link-local, multicast, reserved. */
const INTERNAL_V4: Range[] = [
  ['0.0.0.0', 8], // "this network": 0.0.0.0 reaches the local host
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT, also Alibaba Cloud's metadata 100.100.100.200
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments, Oracle Cloud's metadata 192.0.0.192
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // network benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
];

/** IPv6 ranges that lead inside. IPv4-mapped forms (::ffff:a.b.c.d) match the IPv4 ranges by themselves. */
const INTERNAL_V6: Range[] = [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible form
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard-only
  ['fc00::', 7], // unique local, AWS metadata fd00:ec2::254
  ['fec0::', 10], // site-local (deprecated)
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
];

/** Cloud metadata services: refused even when the operator allows a range that holds them. */
const METADATA_ADDRESSES = ['169.254.169.254', '169.254.170.2', '100.100.100.200', '192.0.0.192', 'fd00:ec2::254'];
const METADATA_NAMES = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.tencentyun.com',
]);

/**
 * Ports a tenant's address may use: http's and https's own, and the unprivileged ones an API may listen on
 * (8080, 8443…). The other well-known ports are services (SSH, SMTP, databases' old ports), which a
 * loyalty API never is: refusing them keeps our server from knocking on them for whoever fills the form.
 */
export function permitsPort(port: number): boolean {
  return port === 80 || port === 443 || (Number.isInteger(port) && port >= 1024 && port <= 65535);
}

const INTERNAL = internalRanges();
const METADATA = new BlockList();
for (const address of METADATA_ADDRESSES) METADATA.addAddress(address, isIP(address) === 4 ? 'ipv4' : 'ipv6');

export class OutboundGuard {
  private readonly allowedNames: Set<string>;
  private readonly allowedRanges = new BlockList();
  private readonly resolve: HostResolver;
  /** For axios' httpAgent/httpsAgent: every socket they open is checked where it connects. */
  readonly httpAgent: http.Agent;
  readonly httpsAgent: https.Agent;

  constructor(allow: OutboundAllowList = { hosts: [], subnets: [] }, options: { resolve?: HostResolver } = {}) {
    this.allowedNames = new Set(allow.hosts.map(normalName));
    for (const { network, prefix, family } of allow.subnets) this.allowedRanges.addSubnet(network, prefix, family);
    this.resolve = options.resolve ?? resolveWithDns;
    this.httpAgent = new GuardedHttpAgent(this);
    this.httpsAgent = new GuardedHttpsAgent(this);
  }

  /** Whether a call for `hostname` may connect to `address` (an IP address as node:net reads it). */
  permitsAddress(address: string, hostname?: string): boolean {
    const version = isIP(address);
    if (version === 0) return false;
    const type = version === 4 ? 'ipv4' : 'ipv6';
    if (METADATA.check(address, type)) return false;
    if (hostname !== undefined && this.allowedNames.has(normalName(hostname))) return true;
    return this.allowedRanges.check(address, type) || !INTERNAL.check(address, type);
  }

  /**
   * The form's check, made when the owner saves or presses «Проверить подключение»: resolves the host now
   * and says whether every address it has may be called. Sends nothing; an unknown name is refused too.
   */
  async permits(url: string): Promise<boolean> {
    let hostname: string;
    try {
      const parsed = new URL(url);
      hostname = parsed.hostname;
      if (parsed.port !== '' && !permitsPort(Number(parsed.port))) return false;
    } catch {
      return false;
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new OutboundRefusedError(hostname)), FORM_RESOLVE_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.addressesFor(hostname), late]);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Every address of `hostname`, each one allowed; otherwise a refusal. Fails closed: one bad address is enough. */
  private async addressesFor(hostname: string): Promise<ResolvedAddress[]> {
    const host = hostname.replace(/^\[(.*)\]$/, '$1');
    const version = isIP(host);
    if (version !== 0) {
      if (!this.permitsAddress(host)) throw new OutboundRefusedError(host);
      return [{ address: host, family: version }];
    }
    const name = normalName(host);
    if (METADATA_NAMES.has(name)) throw new OutboundRefusedError(host);
    if (!this.allowedNames.has(name) && (name === 'localhost' || /\.(localhost|internal)$/.test(name))) {
      throw new OutboundRefusedError(host);
    }
    let addresses: ResolvedAddress[];
    try {
      addresses = await this.resolve(host);
    } catch {
      throw new OutboundRefusedError(host);
    }
    if (addresses.length === 0 || !addresses.every(({ address }) => this.permitsAddress(address, name))) {
      throw new OutboundRefusedError(host);
    }
    return addresses;
  }

  /** node:net calls `lookup` for a host name; an address in the URL skips it and is checked in `connect`. */
  private readonly lookup: LookupFunction = (hostname, options, callback) => {
    this.addressesFor(hostname).then(
      (all) => {
        const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
        const addresses = wanted ? all.filter((entry) => entry.family === wanted) : all;
        if (addresses.length === 0) {
          callback(Object.assign(new Error(`no IPv${wanted} address for ${hostname}`), { code: 'ENOTFOUND' }), '');
        } else if (options.all) {
          callback(null, addresses);
        } else {
          callback(null, addresses[0]!.address, addresses[0]!.family);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };

  /**
   * For the agents: opens the socket with the checking `lookup`, or hands back one that fails at once for
   * a refused port or address literal, which never reaches `lookup`. A socket is returned either way, since some
   * agents' callers (nock's passthrough) expect one.
   */
  openSocket<T extends http.ClientRequestArgs>(options: T, open: (options: T) => Duplex | null | undefined) {
    const host = options.host ?? options.hostname ?? 'localhost';
    const port = options.port === undefined || options.port === null ? undefined : Number(options.port);
    if ((port !== undefined && !permitsPort(port)) || (isIP(host) !== 0 && !this.permitsAddress(host))) {
      const refused = new Socket();
      process.nextTick(() => refused.destroy(new OutboundRefusedError(host)));
      return refused;
    }
    return open({ ...options, lookup: this.lookup });
  }
}

// Sockets are kept alive: each was checked when it connected, and its address never changes.
class GuardedHttpAgent extends http.Agent {
  constructor(private readonly guard: OutboundGuard) {
    super({ keepAlive: true });
  }

  override createConnection(options: http.ClientRequestArgs, callback?: (e: Error | null, s: Duplex) => void) {
    return this.guard.openSocket(options, (checked) => super.createConnection(checked, callback));
  }
}

class GuardedHttpsAgent extends https.Agent {
  constructor(private readonly guard: OutboundGuard) {
    super({ keepAlive: true });
  }

  override createConnection(options: https.RequestOptions, callback?: (e: Error | null, s: Duplex) => void) {
    return this.guard.openSocket(options, (checked) => super.createConnection(checked, callback));
  }
}

/** Public addresses only: what a tenant-typed call gets when nobody passed the operator's guard. */
export const PUBLIC_ONLY = new OutboundGuard();

function normalName(name: string): string {
  return name.toLowerCase().replace(/\.+$/, '');
}

/** The IPv4 ranges again as NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses, which carry an IPv4 inside. */
function internalRanges(): BlockList {
  const list = new BlockList();
  for (const [network, prefix] of INTERNAL_V4) {
    list.addSubnet(network, prefix, 'ipv4');
    const [a, b, c, d] = network.split('.').map(Number) as [number, number, number, number];
    const high = ((a << 8) | b).toString(16);
    const low = ((c << 8) | d).toString(16);
    list.addSubnet(`64:ff9b::${high}:${low}`, 96 + prefix, 'ipv6');
    list.addSubnet(`2002:${high}:${low}::`, 16 + prefix, 'ipv6');
  }
  for (const [network, prefix] of INTERNAL_V6) list.addSubnet(network, prefix, 'ipv6');
  return list;
}

/** Why a typed URL is not taken, before anything is resolved. */
export type TenantUrlProblem = 'invalid' | 'scheme' | 'userinfo' | 'fragment' | 'query';

/**
 * Reads a URL a tenant typed. Our fixed paths are appended to a provider's base URL, so it takes no query
 * and no fragment: with `…/x#` or `…/x?` our path would be dropped or moved into the query. An SMS
 * gateway is POSTed to as typed, so its query (often the gateway's key) is allowed. User info is never
 * taken: credentials have their own fields. The URL comes back as WHATWG writes it (127.1 → 127.0.0.1),
 * the address our calls will actually use, without a trailing slash when it has no query.
 */
export function readTenantUrl(
  raw: string,
  options: { allowQuery: boolean },
): { href: string; problem?: undefined } | { href?: undefined; problem: TenantUrlProblem } {
  // WHATWG URL silently drops tabs and newlines and reads `\` as `/`: such text is not an address anyone meant.
  if (/[\s\\]/.test(raw)) return { problem: 'invalid' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problem: 'invalid' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { problem: 'scheme' };
  if (!url.hostname) return { problem: 'invalid' };
  if (url.username || url.password) return { problem: 'userinfo' };
  // `#` and `?` always start the fragment and the query; URL hides them when they are empty.
  if (raw.includes('#')) return { problem: 'fragment' };
  if (raw.includes('?') && !options.allowQuery) return { problem: 'query' };
  return { href: url.search ? url.href : url.href.replace(/\/+$/, '') };
}
