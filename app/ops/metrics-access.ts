import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList, isIPv4 } from 'node:net';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Headers a proxy adds: a request carrying one came from elsewhere, even if the proxy itself is local. */
const PROXY_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip'];

export type MetricsAccess = 'allowed' | 'unauthorized' | 'hidden';

/**
 * Who may read /metrics: a request with the configured bearer token (METRICS_TOKEN), or one made on this
 * machine straight to the app (a loopback peer and no proxy header: nginx on the same host is a loopback
 * peer too, but it always adds X-Forwarded-For). Anyone else gets 401 when a token is configured, or the
 * plain 404 of an unknown address when none is.
 */
export function metricsAccess(
  request: { remoteAddress: string | undefined; headers: Record<string, string | string[] | undefined> },
  tokenDigest: Buffer | undefined,
): MetricsAccess {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && tokenDigest) {
    const match = /^Bearer (.+)$/.exec(authorization);
    return match && timingSafeEqual(digest(match[1]!), tokenDigest) ? 'allowed' : 'unauthorized';
  }
  const direct = PROXY_HEADERS.every((name) => request.headers[name] === undefined);
  if (authorization === undefined && direct && isLoopback(request.remoteAddress)) return 'allowed';
  return tokenDigest ? 'unauthorized' : 'hidden';
}

export function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  // An IPv4 peer on a dual-stack socket shows as ::ffff:127.0.0.1.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const plain = mapped ?? address;
  return LOOPBACK.check(plain, isIPv4(plain) ? 'ipv4' : 'ipv6');
}
