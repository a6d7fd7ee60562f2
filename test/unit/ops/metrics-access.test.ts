import { expect } from 'chai';
import { digest, metricsAccess } from '../../../app/ops/metrics-access.js';

describe('Who may read /metrics', () => {
  const token = 'a-metrics-token-of-at-least-32-characters';
  const access = (remoteAddress: string | undefined, headers: Record<string, string> = {}, withToken = false) =>
    metricsAccess({ remoteAddress, headers }, withToken ? digest(token) : undefined);

  it('when a request comes straight from this machine, then it may read, in every spelling of loopback', () => {
    for (const address of ['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1', '::FFFF:127.1.2.3'])
      expect(access(address), address).to.equal('allowed');
  });

  it('when a request comes from another address, then it is hidden (404) without a token and unauthorized with one', () => {
    for (const address of ['10.0.0.5', '192.168.1.1', '203.0.113.9', '::ffff:10.0.0.1', 'fe80::1', '::', undefined]) {
      expect(access(address), String(address)).to.equal('hidden');
      expect(access(address, {}, true), String(address)).to.equal('unauthorized');
    }
  });

  it('when a local proxy passes a request on (a forwarding header), then loopback alone is not enough', () => {
    for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip'])
      expect(access('127.0.0.1', { [header]: '203.0.113.9' }), header).to.equal('hidden');
  });

  it('when the configured bearer token comes along, then any address may read; a wrong or other credential may not', () => {
    expect(access('203.0.113.9', { authorization: `Bearer ${token}` }, true)).to.equal('allowed');
    expect(access('203.0.113.9', { authorization: `Bearer ${token}!` }, true)).to.equal('unauthorized');
    expect(access('127.0.0.1', { authorization: 'Bearer nope' }, true), 'a wrong token is wrong anywhere').to.equal(
      'unauthorized',
    );
    expect(access('203.0.113.9', { authorization: `Basic ${token}` }, true)).to.equal('unauthorized');
    expect(access('203.0.113.9', { authorization: `Bearer ${token}` }), 'no token configured').to.equal('hidden');
  });
});
