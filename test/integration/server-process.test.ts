import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { expect } from 'chai';
import { freePort } from '../helpers/loopback-server.js';
import { spawnServer } from '../helpers/server-process.js';

describe('The server process', () => {
  it('when started with no settings, then it runs the embedded default, prints the demo token, serves /healthz and stops cleanly on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'server-'));
    const port = await freePort();
    const { child, output, exited, waitForOutput } = spawnServer({
      DATA_DIR: dataDir,
      PORT: String(port),
      LOG_LEVEL: 'info',
    });
    await waitForOutput('LoyaltyAPI token:');
    expect(output()).to.match(/LoyaltyAPI token: \S{20,}/);
    expect(output()).to.include(`http://localhost:${port}/healthz`);

    const health = await axios.get(`http://127.0.0.1:${port}/healthz`);
    expect(health.data).to.deep.equal({ status: 'ok' });
    expect(health.headers['content-security-policy']).to.include("frame-ancestors 'none'");
    expect(existsSync(join(dataDir, 'loyalty-bridge.sqlite'))).to.equal(true);

    child.kill('SIGTERM');
    expect(await exited).to.equal(0);
    expect(output()).to.include('"stopped"');
    // A cleanly closed SQLite database checkpoints and removes its WAL.
    expect(existsSync(join(dataDir, 'loyalty-bridge.sqlite-wal'))).to.equal(false);
  });

  it('when started in production without settings, then it refuses with one message listing them all', async () => {
    const { output, exited } = spawnServer({ NODE_ENV: 'production' });
    expect(await exited).to.equal(1);
    expect(output()).to.include('MOYSKLAD_SECRET_KEY').and.include('ENCRYPTION_KEY').and.include('PUBLIC_BASE_URL');
  });

  it('when the port is taken by another process, then it says so and exits non-zero without claiming to listen', async () => {
    const port = await freePort();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, resolve));
    try {
      const { output, exited } = spawnServer({
        DATA_DIR: mkdtempSync(join(tmpdir(), 'server-busy-')),
        PORT: String(port),
        LOG_LEVEL: 'error',
      });
      expect(await exited).to.equal(1);
      expect(output()).to.include(`Порт ${port} занят`).and.include('EADDRINUSE');
      expect(output()).not.to.include('is listening');
    } finally {
      squatter.close();
    }
  });
});
