import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { adminUserRepository } from '../../../app/admin/auth/admin-user-repository.js';
import { verifyPassword } from '../../../app/admin/auth/passwords.js';
import { PROJECT_ROOT } from '../../../app/project-root.js';
import { openStorage } from '../../../app/storage/database.js';

/** Runs `npm run admin:create -- ...args` as a process, the password piped to stdin. */
function adminCreate(dataDir: string, args: string[], stdin: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'app/cli/admin-create.ts', ...args],
      { cwd: PROJECT_ROOT, env: { PATH: process.env.PATH, DATA_DIR: dataDir } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, output: stdout + stderr }),
    );
    child.stdin!.end(stdin);
  });
}

describe('npm run admin:create', function () {
  this.timeout(30_000);

  it('when a login and a password on stdin are given, then the user exists with that role; a second time it is refused', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'admin-cli-'));
    const created = await adminCreate(dataDir, ['Vera', '--role', 'support'], 'a-long-enough-password\n');
    expect(created.output).to.contain('Пользователь vera (поддержка) создан.');
    expect(created.code).to.equal(0);

    const again = await adminCreate(dataDir, ['vera'], 'another-long-password\n');
    expect(again.code).to.equal(1);
    expect(again.output).to.contain('Пользователь vera уже есть.');

    const storage = openStorage(join(dataDir, 'loyalty-bridge.sqlite'));
    try {
      const vera = adminUserRepository.findByLogin(storage.db, 'vera')!;
      expect(vera.role).to.equal('support');
      expect(await verifyPassword('a-long-enough-password', vera.passwordHash)).to.equal(true);
    } finally {
      storage.close();
    }
  });

  it('when the password is too short, then nothing is created and the message says why', async () => {
    const result = await adminCreate(mkdtempSync(join(tmpdir(), 'admin-cli-')), ['anna'], 'short\n');
    expect(result.code).to.equal(1);
    expect(result.output).to.contain('короче 10 символов');
  });
});
