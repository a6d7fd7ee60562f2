import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../../app/project-root.js';
import { runReloadCheck } from '../reload/reload-check.js';

/**
 * `npm run reload-check` as a test: the compiled app (dist/, built here as `npm run build` does, since
 * dist/ is not in git) under pm2 from ecosystem.config.cjs, selling through two `pm2 reload`s.
 */
describe('pm2 reload under a stream of sales', function () {
  // A build and three process starts; the machine may be shared, so the limit is generous.
  this.timeout(240_000);

  before(async () => {
    await promisify(execFile)(
      process.execPath,
      [join(PROJECT_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      { cwd: PROJECT_ROOT },
    );
  });

  it('when the app is reloaded twice while tills keep selling, then no sale is refused or failed and every 201 is stored exactly once', async () => {
    const result = await runReloadCheck({ reloads: 2 });

    expect(new Set(result.pids).size, `each reload replaced the process: ${result.pids.join(' → ')}`).to.equal(3);
    expect(result.created, 'sales went through').to.be.greaterThan(0);
    expect({ refused: result.refused, failed: result.failed }, result.samples.join('\n')).to.deep.equal({
      refused: 0,
      failed: 0,
    });
    expect(result.created).to.equal(result.sent);
    expect(result.notOnce, 'answered 201 but not stored exactly once').to.deep.equal([]);
    expect(result.unanswered, 'stored without a 201').to.equal(0);
    // Compiled JavaScript: nothing on stderr, in particular no «TypeScript support unavailable» from pm2.
    expect(result.errorLog, "pm2's error log").to.equal('');
  });
});
