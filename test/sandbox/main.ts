import { parseArgs } from 'node:util';
import { projectPath } from '../../app/project-root.js';
import { startSandbox } from './sandbox.js';

/** `npm run sandbox [-- --port 3100]`: the whole flow on this machine, nothing from МойСклад needed. */
const { values } = parseArgs({ options: { port: { type: 'string', default: '3100' } } });
const base = Number(values.port);
const sandbox = await startSandbox({
  dataDir: projectPath('data/sandbox'),
  appPort: base,
  embedPort: base + 1,
  providerPorts: { general: base + 2, ibonus: base + 3 },
});
const { general, ibonus } = sandbox.providers;
const customers = (system: string) =>
  sandbox.providers.customers
    .filter((c) => c.system === system)
    .map((c) => `${c.phone} ${c.name}`)
    .join(', ');

console.log(`
Sandbox is running (Ctrl+C stops it; it starts from scratch each time).

  1. Open МойСклад (fake):   ${sandbox.embedUrl}
     The settings iframe opens inside, from another site (${sandbox.appUrl}).
     Choose a loyalty system, fill it in from the panel on the right, press «Сохранить и подключить».
  2. Open the till:          ${sandbox.tillUrl}
     Type a receipt, then «Рассчитать», «Продать», «Вернуть последнюю продажу».
  3. Support UI:             ${sandbox.appUrl}/admin   login ${sandbox.admin.login}   password ${sandbox.admin.password}

  Account «${sandbox.account.accountName}» ${sandbox.account.accountId} was installed through the Vendor API webhook.
  Loyalty systems to try:
    built-in ledger:     nothing to type; any phone at the till (registered at the first sale)
                         +7 900 000-00-01 Анна: level «Серебро», 1 200 points expiring in 5 days,
                         birthday the day after tomorrow (points ×2)
    REST API (general):  ${general.url}   key ${general.apiKey}   point ${general.point}
                         customers ${customers('general')}
    i-bonus.me:          ${ibonus.url}   login ${ibonus.login}   password ${ibonus.password}
                         customers ${customers('ibonus')}
`);

const stop = async () => {
  await sandbox.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
