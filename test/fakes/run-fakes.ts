/**
 * `npm run fakes`: both fake providers on fixed loopback ports, with the sandbox's credentials and
 * customers. For an app that is not the sandbox's, e.g. `npm start` opened from a real МойСклад
 * account: type the printed address and credentials into its settings, and start that app with
 * OUTBOUND_ALLOW_HOSTS=127.0.0.1 (it calls no private address otherwise). Ctrl+C stops them.
 *
 *   FAKE_GENERAL_PORT (default 4010), FAKE_IBONUS_PORT (default 4020)
 */
import { startProviderFakes } from './provider-fakes.js';

const fakes = await startProviderFakes({
  general: Number(process.env.FAKE_GENERAL_PORT ?? 4010),
  ibonus: Number(process.env.FAKE_IBONUS_PORT ?? 4020),
});
const { general, ibonus } = fakes;
const customersOf = (system: string) =>
  fakes.customers.filter((c) => c.system === system).map((c) => `${c.phone} (${c.name}: ${c.about})`);

// Provider addresses are typed by tenants, so the app calls loopback only when the operator allows it.
console.log('Start the app with OUTBOUND_ALLOW_HOSTS=127.0.0.1 so it may call these loopback addresses.');
console.log(`REST API (general): ${general.url}  key ${general.apiKey}  point ${general.point}`);
for (const line of customersOf('general')) console.log(`  customer ${line}`);
console.log(`i-bonus.me:         ${ibonus.url}  login ${ibonus.login}  password ${ibonus.password}`);
for (const line of customersOf('ibonus')) console.log(`  customer ${line}`);

const stop = async () => {
  await fakes.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
