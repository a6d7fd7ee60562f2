import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { expect } from 'chai';
import { freePort } from '../helpers/loopback-server.js';
import { PROJECT_ROOT } from '../../app/project-root.js';

describe('The server process', () => {
  it('when started with no settings, then it runs the embedded default, prints the demo token, serves /healthz and stops cleanly on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'server-'));
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info' },
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    for (let i = 0; i < 100 && !output.includes('LoyaltyAPI token:'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(output).to.match(/LoyaltyAPI token: \S{20,}/);
    expect(output).to.include(`http://localhost:${port}/healthz`);

    const health = await axios.get(`http://127.0.0.1:${port}/healthz`);
    expect(health.data).to.deep.equal({ status: 'ok' });
    expect(health.headers['content-security-policy']).to.include("frame-ancestors 'none'");
    expect(existsSync(join(dataDir, 'loyalty-bridge.sqlite'))).to.equal(true);

    child.kill('SIGTERM');
    expect(await exited).to.equal(0);
    expect(output).to.include('"stopped"');
    // A cleanly closed SQLite database checkpoints and removes its WAL.
    expect(existsSync(join(dataDir, 'loyalty-bridge.sqlite-wal'))).to.equal(false);
  });

  it('when started in production without settings, then it refuses with one message listing them all', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH, NODE_ENV: 'production' },
    });
    let output = '';
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).to.equal(1);
    expect(output).to.include('MOYSKLAD_SECRET_KEY').and.include('ENCRYPTION_KEY').and.include('PUBLIC_BASE_URL');
  });
});
