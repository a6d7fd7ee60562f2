/**
 * `npm run fakes`: both fake providers on fixed loopback ports, for trying the bridge by hand (the
 * sandbox). Point a tenant's settings at the printed addresses; Ctrl+C stops them.
 *
 *   FAKE_GENERAL_PORT (default 4010), FAKE_IBONUS_PORT (default 4020)
 */
import { FAKE_POINT, startGeneralApiFake } from './general-api-fake.js';
import { startIBonusFake } from './ibonus-fake.js';

const GENERAL_KEY = 'sandbox-general-key';
const IBONUS = { login: 'sandbox', password: 'sandbox-password' };

const general = await startGeneralApiFake({ apiKey: GENERAL_KEY, port: Number(process.env.FAKE_GENERAL_PORT ?? 4010) });
const ibonus = await startIBonusFake(IBONUS, { port: Number(process.env.FAKE_IBONUS_PORT ?? 4020) });
ibonus.state.clients.push({ id: 1001, name: 'Мария', phone: '79123456789', email: 'maria@example.ru', points: 500, coupons: [{ id: 1, header: 'Кофе в подарок' }] });

console.log(`general API fake: ${general.url}  apikey: ${GENERAL_KEY}  point: ${FAKE_POINT}  customers: +7 920 123-45-67 (cashback), +7 920 765-43-21 (discount)`);
console.log(`i-bonus fake:     ${ibonus.url}  login: ${IBONUS.login}  password: ${IBONUS.password}  customer: +7 912 345-67-89`);

const stop = async () => {
  await Promise.all([general.close(), ibonus.close()]);
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
