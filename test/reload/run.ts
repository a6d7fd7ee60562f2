/**
 * `npm run reload-check`: builds, starts the app under pm2 from ecosystem.config.cjs on a temp database,
 * sells through the LoyaltyAPI during two `pm2 reload`s, and exits 1 unless every sale was answered 201
 * and is in the database exactly once. `-- --ecosystem <file>` checks another pm2 file.
 */
import { resolve } from 'node:path';
import { runReloadCheck } from './reload-check.js';

const at = process.argv.indexOf('--ecosystem');
const ecosystem = at > 0 && process.argv[at + 1] ? resolve(process.argv[at + 1]!) : undefined;

const result = await runReloadCheck({ ecosystem, log: (line) => console.log(line) });
const reloaded = new Set(result.pids).size === result.pids.length;
console.log(
  [
    `sales sent:      ${result.sent}`,
    `answered 201:    ${result.created}`,
    `refused:         ${result.refused}`,
    `failed:          ${result.failed}`,
    `201 not in the database exactly once: ${result.notOnce.length}`,
    `in the database without a 201:        ${result.unanswered}`,
    `pids:            ${result.pids.join(' → ')}${reloaded ? '' : ' (a reload did not replace the process)'}`,
    ...result.samples.map((line) => `  ${line}`),
  ].join('\n'),
);
if (result.errorLog.trim() !== '') console.log(`pm2 error log:\n${result.errorLog}`);
const ok = result.refused === 0 && result.failed === 0 && result.notOnce.length === 0 && reloaded;
console.log(ok ? 'reload check passed' : 'reload check FAILED');
process.exit(ok ? 0 : 1);
