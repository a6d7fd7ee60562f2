import { parseArgs } from 'node:util';
import { projectPath } from '../../app/project-root.js';
import { startSandbox } from './sandbox.js';

/** `npm run sandbox [-- --port 3100]`: the whole flow on this machine, nothing from МойСклад needed. */
const { values } = parseArgs({ options: { port: { type: 'string', default: '3100' } } });
const base = Number(values.port);
const sandbox = await startSandbox({ dataDir: projectPath('data/sandbox'), appPort: base, embedPort: base + 1 });
const { general, ibonus } = sandbox.providers;

console.log(`
Sandbox is running (Ctrl+C stops it; it starts from scratch each time).

  1. Open МойСклад (fake):   ${sandbox.embedUrl}
     The settings iframe opens inside, from another site (${sandbox.appUrl}).
     Choose a loyalty system and press «Сохранить и подключить».
  2. Open the till:          ${sandbox.tillUrl}
     Type a receipt, then «Рассчитать», «Продать», «Вернуть последнюю продажу».

  Account «${sandbox.account.accountName}» ${sandbox.account.accountId} was installed through the Vendor API webhook.
  Provider fakes, to try the other systems in the form:
    REST API (general):  ${general.url}   key ${general.apiKey}   point ${general.point}
    i-bonus.me:          ${ibonus.url}   login ${ibonus.login}   password ${ibonus.password}
`);

const stop = async () => {
  await sandbox.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
