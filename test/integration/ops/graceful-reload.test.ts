import { fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { expect } from 'chai';
import { freePort } from '../../helpers/loopback-server.js';
import { PROJECT_ROOT } from '../../../app/project-root.js';

/**
 * What `pm2 reload` relies on (ecosystem.config.cjs): with an IPC channel the process says 'ready' only
 * once it listens (wait_ready), and on SIGINT it finishes the request in flight before exiting 0, well
 * inside kill_timeout.
 */
describe('Graceful reload under pm2', function () {
  this.timeout(30_000);

  it("when started with IPC, then it sends 'ready' after listening; on SIGINT it answers the request in flight and exits 0", async () => {
    const port = await freePort();
    const child = fork(join(PROJECT_ROOT, 'app/main.ts'), {
      cwd: PROJECT_ROOT,
      execArgv: ['--import', 'tsx'],
      env: { PATH: process.env.PATH, DATA_DIR: mkdtempSync(join(tmpdir(), 'reload-')), PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));

    await new Promise<void>((resolve, reject) => {
      child.once('message', (message) =>
        message === 'ready' ? resolve() : reject(new Error(`unexpected message ${String(message)}`)),
      );
      child.once('exit', () => reject(new Error(`exited before ready:\n${output}`)));
    });
    expect(
      (await axios.get(`http://127.0.0.1:${port}/healthz`)).data,
      'listening by the time it says ready',
    ).to.deep.equal({ status: 'ok' });

    // A till whose request body is still arriving when the reload starts.
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.write(
      'POST /loyalty-api/counterparty HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: 12\r\n\r\n{"name"',
    );
    await new Promise((resolve) => setTimeout(resolve, 200));

    child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.write(':"A"}');
    await closed;
    expect(answer.split('\r\n')[0], 'the old process answered it (401: no token), not a reset connection').to.equal(
      'HTTP/1.1 401 Unauthorized',
    );
    expect(await exited).to.equal(0);
    expect(output).to.include('"shutting down"').and.include('"stopped"');
  });
});
