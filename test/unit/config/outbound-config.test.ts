import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../app/config/index.js';

describe('Configuration: OUTBOUND_ALLOW_HOSTS', () => {
  const load = (value?: string) =>
    loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'config-')), OUTBOUND_ALLOW_HOSTS: value });

  it('when it is not set, then tenant-typed addresses may reach public addresses only', () => {
    expect(load().outboundAllow).to.deep.equal({ hosts: [], subnets: [] });
    expect(load('').outboundAllow).to.deep.equal({ hosts: [], subnets: [] });
  });

  it('when it lists names, addresses and ranges, then each is read as such', () => {
    expect(load('loyalty.corp.example., 127.0.0.1  10.0.0.0/8,fd00::/8, ::1').outboundAllow).to.deep.equal({
      hosts: ['loyalty.corp.example'],
      subnets: [
        { network: '127.0.0.1', prefix: 32, family: 'ipv4' },
        { network: '10.0.0.0', prefix: 8, family: 'ipv4' },
        { network: 'fd00::', prefix: 8, family: 'ipv6' },
        { network: '::1', prefix: 128, family: 'ipv6' },
      ],
    });
  });

  it('when an entry is not a host name, an address or a range, then the start stops and names it', () => {
    expect(() => load('127.1, 10.0.0.0/33, ::1/129, bad_name, ok.example'))
      .to.throw(ConfigError)
      .with.property('message')
      .that.includes('OUTBOUND_ALLOW_HOSTS')
      .and.includes('127.1, 10.0.0.0/33, ::1/129, bad_name')
      .and.not.includes('ok.example');
  });
});
