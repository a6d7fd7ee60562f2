import { lookup } from 'node:dns/promises';
import type { OutboundAllowList } from '../../app/config/index.js';
import { OutboundGuard, type HostResolver } from '../../app/http/outbound-guard.js';

/** A public address (TEST-NET-3) that the *.test names of the tests resolve to; nock answers them. */
export const TEST_PUBLIC_ADDRESS = '203.0.113.10';

/** Tests have no DNS: names under .test are public hosts nock answers, the rest resolve as the system does. */
export const resolveTestHosts: HostResolver = async (hostname) =>
  hostname.endsWith('.test') ? [{ address: TEST_PUBLIC_ADDRESS, family: 4 }] : lookup(hostname, { all: true });

/** The guard the app builds, with the tests' resolver; `allow` as OUTBOUND_ALLOW_HOSTS would give it. */
export function testGuard(allow: Partial<OutboundAllowList> = {}, resolve = resolveTestHosts): OutboundGuard {
  return new OutboundGuard({ hosts: allow.hosts ?? [], subnets: allow.subnets ?? [] }, { resolve });
}

/** OUTBOUND_ALLOW_HOSTS for suites whose fakes listen on loopback. */
export const LOOPBACK_ALLOWED = { subnets: [{ network: '127.0.0.0', prefix: 8, family: 'ipv4' as const }] };
