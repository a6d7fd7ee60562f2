import { randomBytes, randomUUID } from 'node:crypto';
import type { AxiosResponse } from 'axios';
import nock from 'nock';
import { TEST_JSON_API, TEST_VENDOR_API, startTestApp, type TestApp } from './test-app.js';

/** МойСклад's two origins as the test config names them, and the paths under them. */
export const VENDOR = { origin: new URL(TEST_VENDOR_API).origin, base: new URL(TEST_VENDOR_API).pathname };
export const JSON_API = { origin: new URL(TEST_JSON_API).origin, base: new URL(TEST_JSON_API).pathname };

export const STORES = [
  { id: '6a1d7b2e-0000-4000-8000-000000000001', name: 'Магазин на Ленина' },
  { id: '6a1d7b2e-0000-4000-8000-000000000002', name: 'Киоск у вокзала' },
];

export const BONUS_PROGRAM = {
  id: '87c69fae-c1ad-4700-a852-f21939470760',
  name: 'Бонусы за покупки',
  active: true,
  allAgents: true,
  agentTags: [],
  earnRateRoublesToPoint: 7,
  spendRatePointsToRouble: 4,
  maxPaidRatePercents: 50,
  welcomeBonusesEnabled: true,
  welcomeBonusesValue: 100,
  welcomeBonusesMode: 'REGISTRATION',
  postponedBonusesDelayDays: 7,
  earnWhileRedeeming: true,
};

/** Where the Vendor API keeps the app of an account: `…/apps/{appId}/{accountId}`. */
export function vendorAppPath(t: TestApp, accountId: string): string {
  return `${VENDOR.base}/apps/${t.config.moysklad.appId}/${accountId}`;
}

/** МойСклад accepts the next go-live of the account: its PUT /loyalty and PUT /status answer 200. */
export function answerGoLive(t: TestApp, accountId: string): void {
  const path = vendorAppPath(t, accountId);
  nock(VENDOR.origin).put(`${path}/loyalty`).reply(200, {}).put(`${path}/status`).reply(200, {});
}

/** The test app with МойСклад's time-out cut to 200 ms, so the time-out cases wait for nothing real. */
export function startIframeTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  return startTestApp({ env: { MOYSKLAD_TIMEOUT_MS: '200', ...env } });
}

/** Installs the app on a fresh account through the real Vendor API webhook; returns the account id. */
export async function installAccount(t: TestApp, accessToken = `access-${randomUUID()}`): Promise<string> {
  const accountId = randomUUID();
  const res = await t.http.put(
    `/api/moysklad/vendor/1.0/apps/${t.config.moysklad.appId}/${accountId}`,
    {
      appUid: t.config.moysklad.appUid,
      accountName: 'Магазин у дома',
      cause: 'Install',
      access: [{ resource: TEST_JSON_API, scope: ['admin'], access_token: accessToken }],
      subscription: { tariffId: randomUUID(), trial: false, notForResale: false, partner: false },
    },
    { headers: { Authorization: `Bearer ${await t.vendorJwt()}` } },
  );
  if (res.status !== 200) throw new Error(`install failed: ${res.status} ${JSON.stringify(res.data)}`);
  return accountId;
}

/** The account's retail stores and bonus programs, for every page render of a test. */
export function answerJsonApiLists(options: { stores?: unknown[]; programs?: unknown[] } = {}): void {
  nock(JSON_API.origin)
    .persist()
    .get(`${JSON_API.base}/entity/retailstore`)
    .reply(200, { meta: { size: 2 }, rows: options.stores ?? STORES })
    .get(`${JSON_API.base}/entity/bonusprogram`)
    .reply(200, { meta: { size: 1 }, rows: options.programs ?? [BONUS_PROGRAM] });
}

export function employee(accountId: string, options: { admin?: boolean; id?: string } = {}) {
  return {
    id: options.id ?? randomUUID(),
    accountId,
    uid: 'anna@shop',
    fullName: 'Анна Владелец',
    shortFio: 'Владелец А.',
    permissions: { admin: { view: options.admin === false ? 'NO' : 'ALL' } },
  };
}

/** Answers one context exchange for a fresh key; returns the key. */
export function answerContextKey(answer: { status: number; body: unknown }): string {
  const contextKey = randomBytes(20).toString('hex');
  nock(VENDOR.origin)
    .post(`${VENDOR.base}/context/${contextKey}`)
    .reply(answer.status, answer.body as nock.Body);
  return contextKey;
}

export interface IframeClient {
  token: string;
  csrf: string;
  page: AxiosResponse<string>;
  /** POSTs a form with this page's session and CSRF token (overridable). */
  post: (
    path: string,
    fields?: Record<string, string>,
    auth?: { session?: string; _csrf?: string },
  ) => Promise<AxiosResponse<string>>;
  reload: () => Promise<AxiosResponse<string>>;
}

/** Opens the iframe as МойСклад does (contextKey → our session) and reads the page's tokens. */
export async function openIframe(
  t: TestApp,
  accountId: string,
  options: { admin?: boolean; employeeId?: string } = {},
): Promise<IframeClient> {
  const contextKey = answerContextKey({
    status: 200,
    body: employee(accountId, { admin: options.admin, id: options.employeeId }),
  });
  const opened = await t.http.get(`/iframe?contextKey=${contextKey}`, { maxRedirects: 0 });
  if (opened.status !== 303) throw new Error(`open failed: ${opened.status} ${opened.data}`);
  const token = new URL(opened.headers.location as string, t.baseUrl).searchParams.get('session')!;
  const client: IframeClient = {
    token,
    csrf: '',
    page: undefined as unknown as AxiosResponse<string>,
    post: (path, fields = {}, auth = {}) =>
      t.http.post(
        path,
        new URLSearchParams({ session: client.token, _csrf: client.csrf, ...auth, ...fields }).toString(),
        {
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          maxRedirects: 0,
          responseType: 'text',
        },
      ),
    reload: async () => {
      const page = await t.http.get(`/iframe?session=${encodeURIComponent(client.token)}`, { responseType: 'text' });
      client.page = page;
      client.csrf = hiddenValue(page.data, '_csrf') ?? client.csrf;
      return page;
    },
  };
  await client.reload();
  return client;
}

/** A freshly installed account with МойСклад's lists answered, and its iframe opened by an admin. */
export async function accountWithIframe(t: TestApp): Promise<{ accountId: string; client: IframeClient }> {
  const accountId = await installAccount(t);
  answerJsonApiLists();
  return { accountId, client: await openIframe(t, accountId) };
}

/** Follows a 303 from a POST to the page it names, with the fresh token it carries. */
export async function followRedirect(
  t: TestApp,
  client: IframeClient,
  res: AxiosResponse<string>,
): Promise<AxiosResponse<string>> {
  if (res.status !== 303) throw new Error(`expected 303, got ${res.status}: ${res.data}`);
  client.token = new URL(res.headers.location as string, t.baseUrl).searchParams.get('session')!;
  return client.reload();
}

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&#34;': '"',
  '&#39;': "'",
  '&quot;': '"',
};
export function decode(html: string): string {
  return html.replace(/&(amp|lt|gt|quot|#34|#39);/g, (entity) => ENTITIES[entity] ?? entity);
}

export function hiddenValue(html: string, name: string): string | undefined {
  return new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(html)?.[1];
}

export function inputValue(html: string, name: string): string | undefined {
  const match = new RegExp(`name="${name.replace(/\./g, '\\.')}" value="([^"]*)"`).exec(html)?.[1];
  return match === undefined ? undefined : decode(match);
}

export function isChecked(html: string, name: string): boolean {
  return new RegExp(`name="${name.replace(/\./g, '\\.')}" checked`).test(html);
}

/** The error shown next to a field, as the owner reads it. */
export function fieldError(html: string, name: string): string | undefined {
  const match = new RegExp(`data-error-for="${name.replace(/\./g, '\\.')}">([^<]*)<`).exec(html)?.[1];
  return match === undefined ? undefined : decode(match);
}

/** Plain text of a page, for "the owner sees …" assertions. */
export function textOf(html: string): string {
  return decode(html.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');
}

/** A valid form for each system, as the page posts it. */
export const VALID_FORMS: Record<'ledger' | 'general' | 'ibonus', Record<string, string>> = {
  ledger: {
    backend: 'ledger',
    externalSearch: 'false',
    whenProviderDown: 'refuse',
    'ledger.active': 'on',
    'ledger.earnRateRoublesToPoint': '10',
    'ledger.spendRatePointsToRouble': '1',
    'ledger.maxPaidRatePercents': '30',
    'ledger.welcomeBonusesValue': '0',
    'ledger.welcomeBonusesMode': 'REGISTRATION',
    'ledger.postponedBonusesDelayDays': '0',
    'ledger.receiptTemplate': 'Баллов: {balanceAfter}',
    'ledger.codeWebhookUrl': '',
  },
  general: {
    backend: 'general',
    externalSearch: 'true',
    whenProviderDown: 'no-discount',
    'general.baseUrl': 'https://bonus.example.test',
    'general.apiKey': 'general-key-0123456789',
    'general.defaultPoint': 'point-1',
    [`storePoints.${STORES[0]!.id}`]: 'point-1',
    [`storePoints.${STORES[1]!.id}`]: '',
  },
  ibonus: {
    backend: 'ibonus',
    externalSearch: 'false',
    whenProviderDown: 'refuse',
    'ibonus.baseUrl': 'https://lk.i-bonus.test',
    'ibonus.login': 'shop-login',
    'ibonus.password': 'shop-password-42',
    'ibonus.maxPaidRatePercents': '50',
    'ibonus.spendRatePointsToRouble': '1',
  },
};
