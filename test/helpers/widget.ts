import { randomUUID } from 'node:crypto';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { AUTH_HEADER } from '../../app/loyalty-api/loyalty-handlers.js';
import { LOYALTY_TOKEN_FIELD } from '../../app/tenants/loyalty-token.js';
import { tenantRepository } from '../../app/tenants/tenant-repository.js';
import { goodsLine, type MoyskladWorld } from './moysklad-world.js';
import { counterpartyMeta, retailStore } from './tenants.js';
import { hiddenValue } from './iframe.js';

/** The widget as МойСклад's page holds it: the session token it keeps, and the last card it showed. */
export interface WidgetClient {
  token: string;
  /** The card of a counterparty, as the page's script asks for it after `Open`. */
  card: (objectId: string, extra?: Record<string, string>) => Promise<AxiosResponse<string>>;
  /** The adjustment form as the card rendered it, with the fields given. */
  adjust: (objectId: string, fields: Record<string, string>, card?: string) => Promise<AxiosResponse<string>>;
}

/** Loads the widget the way МойСклад does (`sourceUrl?contextKey=…`) for one of the account's employees. */
export async function openWidget(w: MoyskladWorld, accountId: string, employeeId?: string): Promise<WidgetClient> {
  const contextKey = w.fake.issueContextKey(accountId, employeeId);
  const opened = await w.t.http.get(`/widget/counterparty?contextKey=${contextKey}&appUid=x&userLocale=ru_RU`, {
    maxRedirects: 0,
  });
  if (opened.status !== 303) throw new Error(`widget open failed: ${opened.status} ${opened.data}`);
  const client: WidgetClient = {
    token: new URL(opened.headers.location as string, w.t.baseUrl).searchParams.get('session')!,
    card: async (objectId, extra = {}) => {
      const res = await w.t.http.get<string>('/widget/counterparty/card', {
        params: { objectId, ...extra },
        headers: { 'X-Iframe-Session': client.token, 'X-Widget-Fragment': '1' },
        responseType: 'text',
      });
      client.token = /data-session="([^"]+)"/.exec(res.data)?.[1] ?? client.token;
      return res;
    },
    adjust: async (objectId, fields, card) => {
      const html = card ?? (await client.card(objectId)).data;
      const form = {
        session: client.token,
        _csrf: hiddenValue(html, '_csrf') ?? '',
        objectId,
        requestKey: hiddenValue(html, 'requestKey') ?? randomUUID(),
        ...fields,
      };
      const res = await w.t.http.post<string>(
        '/widget/counterparty/adjustments',
        new URLSearchParams(form).toString(),
        {
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Widget-Fragment': '1' },
          responseType: 'text',
        },
      );
      client.token = /data-session="([^"]+)"/.exec(res.data)?.[1] ?? client.token;
      return res;
    },
  };
  return client;
}

/** Goods the fake МойСклад knows, so the receipt line earns: pass it in the world's products. */
export const BREAD = { id: '1b6c1a52-7d0e-4d55-9a59-3f4a1f0c0b01', name: 'Хлеб' };

/** A sale at the till naming МойСклад's counterparty, as the LoyaltyAPI receives it. */
export async function sellTo(
  w: MoyskladWorld,
  counterpartyId: string,
  roubles: number,
  name: string,
  till: AxiosInstance = w.till,
): Promise<void> {
  const saleId = randomUUID();
  const res = await till.post('/retaildemand', {
    retailStore,
    name,
    moment: new Date().toISOString().replace('T', ' ').slice(0, 19),
    meta: { href: `https://api.moysklad.ru/api/remap/1.2/entity/retaildemand/${saleId}`, id: saleId },
    agent: { meta: counterpartyMeta(counterpartyId), name: 'Мария Иванова', phone: '+79001112233' },
    positions: [goodsLine(w.fake, BREAD, roubles)],
    cashSum: roubles,
    noCashSum: 0,
  });
  if (res.status !== 201) throw new Error(`sale failed: ${res.status} ${JSON.stringify(res.data)}`);
}

/** The LoyaltyAPI client of another account the world's fake installed. */
export function tillOf(w: MoyskladWorld, accountId: string): AxiosInstance {
  const tenant = tenantRepository.find(w.t.storage.db, accountId)!;
  const token = w.t.services.box.open(tenant.loyaltyTokenEnc!, accountId, LOYALTY_TOKEN_FIELD);
  return axios.create({
    baseURL: `${w.t.baseUrl}/loyalty-api`,
    validateStatus: () => true,
    headers: { [AUTH_HEADER]: token },
  });
}
