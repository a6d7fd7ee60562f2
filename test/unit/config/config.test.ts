import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../app/config/index.js';

describe('Configuration', () => {
  const tempDir = () => mkdtempSync(join(tmpdir(), 'config-'));

  it('when production starts with nothing set, then one error names every missing setting', () => {
    try {
      loadConfig({ NODE_ENV: 'production' });
      expect.fail('should have thrown');
    } catch (error) {
      expect(error).to.be.instanceOf(ConfigError);
      const message = (error as ConfigError).message;
      for (const name of [
        'PUBLIC_BASE_URL',
        'DATABASE_PATH',
        'MOYSKLAD_APP_ID',
        'MOYSKLAD_APP_UID',
        'MOYSKLAD_SECRET_KEY',
        'SESSION_SECRET',
        'ENCRYPTION_KEY',
      ]) {
        expect(message).to.include(name);
      }
    }
  });

  it('when a setting is malformed, then it is named together with the missing ones', () => {
    expect(() =>
      loadConfig({ NODE_ENV: 'production', ENCRYPTION_KEY: Buffer.alloc(16).toString('base64'), PORT: 'eighty' }),
    )
      .to.throw(ConfigError)
      .with.property('problems')
      .that.satisfies(
        (problems: string[]) =>
          problems.some((p) => p.includes('ENCRYPTION_KEY')) &&
          problems.some((p) => p.includes('PORT')) &&
          problems.some((p) => p.includes('SESSION_SECRET')),
      );
  });

  it('when development starts with nothing set, then secrets are generated once and kept', () => {
    const dir = tempDir();
    const first = loadConfig({ DATA_DIR: dir });
    const second = loadConfig({ DATA_DIR: dir });
    expect(first.env).to.equal('development');
    expect(first.port).to.equal(3000);
    expect(first.databasePath).to.equal(`${dir}/loyalty-bridge.sqlite`);
    expect(first.encryptionKey).to.have.length(32);
    expect(second.encryptionKey.equals(first.encryptionKey)).to.equal(true);
    expect(second.moysklad.secretKey).to.equal(first.moysklad.secretKey);
    expect(second.demoLoyaltyToken).to.equal(first.demoLoyaltyToken).and.be.a('string');
    expect(statSync(join(dir, 'dev-secrets.json')).mode & 0o077).to.equal(0);
    expect(readFileSync(join(dir, 'dev-secrets.json'), 'utf8')).to.include(first.moysklad.appId);
  });

  it('when URLs carry a trailing slash, then it is removed and defaults apply', () => {
    const config = loadConfig({ DATA_DIR: tempDir(), PUBLIC_BASE_URL: 'https://loyalty.example.com/' });
    expect(config.publicBaseUrl).to.equal('https://loyalty.example.com');
    expect(config.moysklad.vendorApiUrl).to.equal('https://apps-api.moysklad.ru/api/vendor/1.0');
    expect(config.moysklad.jsonApiUrl).to.equal('https://api.moysklad.ru/api/remap/1.2');
  });

  it('when the operator says nothing about i-bonus repeats, then an order of unknown outcome is not resent by itself', () => {
    expect(loadConfig({ DATA_DIR: tempDir() }).providers.ibonusDeduplicatesExternalId).to.equal(false);
    expect(
      loadConfig({ DATA_DIR: tempDir(), IBONUS_DEDUPLICATES_EXTERNAL_ID: 'true' }).providers
        .ibonusDeduplicatesExternalId,
    ).to.equal(true);
    expect(() => loadConfig({ DATA_DIR: tempDir(), IBONUS_DEDUPLICATES_EXTERNAL_ID: 'perhaps' })).to.throw(
      ConfigError,
      /IBONUS_DEDUPLICATES_EXTERNAL_ID/,
    );
  });

  it('when METRICS_TOKEN is set, then it must be long enough to stand against guessing; unset, only loopback reads /metrics', () => {
    expect(() => loadConfig({ DATA_DIR: tempDir(), METRICS_TOKEN: 'short' }))
      .to.throw(ConfigError)
      .with.property('message')
      .that.includes('METRICS_TOKEN');
    const token = 'x'.repeat(32);
    expect(loadConfig({ DATA_DIR: tempDir(), METRICS_TOKEN: token }).metricsToken).to.equal(token);
    expect(loadConfig({ DATA_DIR: tempDir() }).metricsToken).to.equal(undefined);
  });

  it('when LOG_READ_BODIES_DAYS is not set, then successful reads keep their bodies 7 days; 0 is allowed, a negative or fractional value is not', () => {
    expect(loadConfig({ DATA_DIR: tempDir() }).logReadBodiesDays).to.equal(7);
    expect(loadConfig({ DATA_DIR: tempDir(), LOG_READ_BODIES_DAYS: '0' }).logReadBodiesDays).to.equal(0);
    for (const bad of ['-1', '1.5', 'week']) {
      expect(() => loadConfig({ DATA_DIR: tempDir(), LOG_READ_BODIES_DAYS: bad }), bad).to.throw(
        ConfigError,
        /LOG_READ_BODIES_DAYS/,
      );
    }
  });
});
