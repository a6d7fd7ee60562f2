import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../app/config/index.js';

describe('Configuration for the admin UI and operations', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'config-'));

  it('when nothing is set, then the admin zone is Moscow, the proxy is loopback and backups go next to the database', () => {
    const data = dir();
    const config = loadConfig({ DATA_DIR: data, DATABASE_PATH: join(data, 'db', 'lb.sqlite') });
    expect(config).to.include({
      timeZone: 'Europe/Moscow',
      trustProxy: 'loopback',
      backupDir: join(data, 'db', 'backups'),
    });
    expect(config.initialAdmin).to.equal(undefined);
  });

  it('when TRUST_PROXY is a count or a boolean, then Express gets a number or a boolean', () => {
    expect(loadConfig({ DATA_DIR: dir(), TRUST_PROXY: '1' }).trustProxy).to.equal(1);
    expect(loadConfig({ DATA_DIR: dir(), TRUST_PROXY: 'false' }).trustProxy).to.equal(false);
    expect(loadConfig({ DATA_DIR: dir(), TRUST_PROXY: '10.0.0.0/8' }).trustProxy).to.equal('10.0.0.0/8');
  });

  it('when TIME_ZONE is not a zone, or the first admin is half given or has a bad login, then the start is refused', () => {
    expect(() => loadConfig({ DATA_DIR: dir(), TIME_ZONE: 'Mars/Olympus' })).to.throw(ConfigError, /TIME_ZONE/);
    expect(() => loadConfig({ DATA_DIR: dir(), ADMIN_INITIAL_LOGIN: 'root' })).to.throw(
      ConfigError,
      /ADMIN_INITIAL_PASSWORD/,
    );
    expect(() =>
      loadConfig({ DATA_DIR: dir(), ADMIN_INITIAL_LOGIN: 'root admin', ADMIN_INITIAL_PASSWORD: 'long-enough-pass' }),
    ).to.throw(ConfigError, /ADMIN_INITIAL_LOGIN/);
    expect(
      loadConfig({ DATA_DIR: dir(), ADMIN_INITIAL_LOGIN: 'root', ADMIN_INITIAL_PASSWORD: 'long-enough-pass' })
        .initialAdmin,
    ).to.deep.equal({ login: 'root', password: 'long-enough-pass' });
  });
});
