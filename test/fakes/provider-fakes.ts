import { FAKE_POINT, startGeneralApiFake, type GeneralApiFake, type FakeGeneralClient } from './general-api-fake.js';
import { startIBonusFake, type FakeClient, type IBonusFake } from './ibonus-fake.js';

/**
 * Both fake providers as someone trying the bridge by hand meets them: fixed credentials and a few
 * customers. The sandbox and `npm run fakes` start them here, so what a page or the console tells
 * the user to type is what the fakes accept.
 */
export const SANDBOX_GENERAL = { apiKey: 'sandbox-general-key', point: FAKE_POINT } as const;
export const SANDBOX_IBONUS = { login: 'sandbox', password: 'sandbox-password' } as const;

/** A seeded customer, as a page lists them for typing at the till. */
export interface SandboxCustomer {
  system: 'general' | 'ibonus';
  name: string;
  /** As a cashier types it: +7 920 123-45-67. */
  phone: string;
  /** What trying them shows, e.g. "878 баллов, кешбэк 10 %, баллами до 50 % чека". */
  about: string;
}

export interface ProviderFakes {
  general: { url: string; apiKey: string; point: string; fake: GeneralApiFake };
  ibonus: { url: string; login: string; password: string; fake: IBonusFake };
  customers: SandboxCustomer[];
  close: () => Promise<void>;
}

/** i-bonus's seed: one customer with points and a coupon, one who has only just joined. */
export function sandboxIBonusClients(): FakeClient[] {
  return [
    {
      id: 1001,
      name: 'Ольга',
      phone: '79123456789',
      email: 'olga@example.ru',
      points: 500,
      coupons: [{ id: 1, header: 'Кофе в подарок' }],
    },
    { id: 1002, name: 'Павел', phone: '79120001122', email: 'pavel@example.ru', points: 0, coupons: [] },
  ];
}

/** Starts both fakes (random ports unless given); the general fake keeps its default customers. */
export async function startProviderFakes(ports: { general?: number; ibonus?: number } = {}): Promise<ProviderFakes> {
  const general = await startGeneralApiFake({ apiKey: SANDBOX_GENERAL.apiKey, port: ports.general });
  const ibonus = await startIBonusFake(SANDBOX_IBONUS, { port: ports.ibonus });
  ibonus.state.clients.push(...sandboxIBonusClients());
  return {
    general: { url: general.url, ...SANDBOX_GENERAL, fake: general },
    ibonus: { url: ibonus.url, ...SANDBOX_IBONUS, fake: ibonus },
    // Read back from the fakes' state: the list can never drift from what they answer.
    customers: [
      ...[...general.state.clients.values()].map(generalCustomer),
      ...ibonus.state.clients.map(ibonusCustomer),
    ],
    close: async () => {
      await Promise.all([general.close(), ibonus.close()]);
    },
  };
}

function generalCustomer(client: FakeGeneralClient): SandboxCustomer {
  const { level } = client;
  const about =
    level.type === 'discount'
      ? `скидка ${level.percent} %, без баллов`
      : `${client.balance} баллов, кешбэк ${level.percent} %, баллами до ${level.maxSpendPercent} % чека`;
  return { system: 'general', name: client.name, phone: displayPhone(client.phone), about };
}

function ibonusCustomer(client: FakeClient): SandboxCustomer {
  const coupons = client.coupons.map((coupon) => `купон «${coupon.header ?? coupon.title}»`);
  return {
    system: 'ibonus',
    name: client.name,
    phone: displayPhone(client.phone),
    about: [`${client.points} баллов`, ...coupons].join(', '),
  };
}

/** 79201234567 → +7 920 123-45-67. */
function displayPhone(digits: string): string {
  const match = /^7(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(digits);
  return match ? `+7 ${match[1]} ${match[2]}-${match[3]}-${match[4]}` : digits;
}
