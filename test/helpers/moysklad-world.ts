import { randomBytes, randomUUID } from 'node:crypto';
import axios, { type AxiosInstance } from 'axios';
import type { BackendKind } from '../../db/schema/index.js';
import { AUTH_HEADER } from '../../app/loyalty-api/loyalty-handlers.js';
import { LOYALTY_TOKEN_FIELD } from '../../app/tenants/loyalty-token.js';
import { tenantRepository } from '../../app/tenants/tenant-repository.js';
import { sealProviderSecrets, type ProviderSecrets, type TenantSettings } from '../../app/tenants/tenant-settings.js';
import { startMoyskladFake, type FakeAccount, type MoyskladFake } from '../fakes/moysklad-fake.js';
import { startTestApp, type TestApp } from './test-app.js';

/** The app next to a fake МойСклад that installed it on one account, as a real shop has it. */
export interface MoyskladWorld {
  t: TestApp;
  fake: MoyskladFake;
  account: FakeAccount;
  /** LoyaltyAPI client with the token the install issued. */
  till: AxiosInstance;
  /** Sets the tenant's system and settings as the settings form would store them. */
  configure(backend: BackendKind, settings: TenantSettings, secrets?: ProviderSecrets): void;
  /** Where a webhook posted to the public address really lands. */
  reach: (url: string) => string;
  close(): Promise<void>;
}

export async function startMoyskladWorld(
  input: Parameters<MoyskladFake['addAccount']>[0] = {},
  env: Record<string, string> = {},
): Promise<MoyskladWorld> {
  const app = { appId: randomUUID(), appUid: 'loyalty-bridge.test', secretKey: randomBytes(32).toString('base64url') };
  const fake = await startMoyskladFake(app);
  const t = await startTestApp({
    env: {
      MOYSKLAD_APP_ID: app.appId,
      MOYSKLAD_APP_UID: app.appUid,
      MOYSKLAD_SECRET_KEY: app.secretKey,
      MOYSKLAD_VENDOR_API_URL: fake.vendorApiUrl,
      MOYSKLAD_JSON_API_URL: fake.jsonApiUrl,
      ...env,
    },
  });
  const account = fake.addAccount(input);
  await fake.install(t.baseUrl, account.accountId);
  const tenant = tenantRepository.find(t.storage.db, account.accountId)!;
  const token = t.services.box.open(tenant.loyaltyTokenEnc!, account.accountId, LOYALTY_TOKEN_FIELD);
  const till = axios.create({
    baseURL: `${t.baseUrl}/loyalty-api`,
    validateStatus: () => true,
    headers: { [AUTH_HEADER]: token },
  });
  return {
    t,
    fake,
    account,
    till,
    configure(backend, settings, secrets) {
      tenantRepository.update(t.storage.db, account.accountId, {
        backend,
        settings: settings as Record<string, unknown>,
        ...(secrets ? { providerSecretsEnc: sealProviderSecrets(t.services.box, account.accountId, secrets) } : {}),
      });
    },
    reach: (url) => url.replace(t.config.publicBaseUrl, t.baseUrl),
    close: async () => {
      await t.close();
      await fake.close();
    },
  };
}

/** A receipt line naming МойСклад goods the way the till does. */
export function goodsLine(
  fake: MoyskladFake,
  goods: { id: string; type?: 'product' | 'variant' | 'service' | 'bundle'; sync?: boolean },
  price: number,
  quantity = 1,
) {
  const type = goods.type ?? 'product';
  return {
    assortment: {
      meta: {
        href: `${fake.jsonApiUrl}/entity/${type}/${goods.id}`,
        id: goods.id,
        idType: goods.sync ? 'sync' : 'native',
        type,
      },
    },
    quantity,
    price,
  };
}

/** The JSON API requests the fake saw since `from` (an index into its request list). */
export function jsonApiCallsSince(fake: MoyskladFake, from: number): string[] {
  return fake.state.requests
    .slice(from)
    .filter((r) => r.path.startsWith('/api/remap/1.2'))
    .map((r) => `${r.method} ${r.path.slice('/api/remap/1.2'.length)}`);
}
