import { createHash, randomUUID } from 'node:crypto';
import axios from 'axios';
import express, { Router, type Request, type Response } from 'express';
import { AUTH_HEADER } from '../../app/loyalty-api/loyalty-router.js';
import type { FakeAccount } from '../fakes/moysklad-fake.js';

/**
 * A till like МойСклад's "Касса", reduced to one form: it calls the LoyaltyAPI at the url and with
 * the token the app registered in the fake МойСклад, so it works only once the account is live.
 */
interface TillForm {
  store: string;
  phone: string;
  name: string;
  lines: string;
  spend: string;
  points: string;
}

interface Sale {
  id: string;
  name: string;
  agent: Record<string, unknown>;
  positions: Array<Record<string, unknown>>;
  cashSum: number;
  returned: boolean;
}

const EXAMPLE_LINES = 'Кофе в зёрнах; 1; 890\nМолоко; 2; 95.50';

export function tillRouter({ account }: { account: FakeAccount }): Router {
  const sales: Sale[] = [];
  const router = Router();
  router.use(express.urlencoded({ extended: false }));

  const show = (res: Response, form: TillForm, result?: { title: string; request?: unknown; status?: number; response?: unknown; error?: string }) =>
    res.render('till', { account, form, result, lastSale: sales.at(-1), loyalty: account.loyalty });

  router.get('/', (_req, res) => show(res, { store: account.retailStores[0]?.id ?? '', phone: '+7 900 000-00-01', name: 'Анна', lines: EXAMPLE_LINES, spend: '', points: '' }));

  router.post('/', async (req: Request, res: Response) => {
    const form = req.body as TillForm;
    const action = String((req.body as Record<string, unknown>).action ?? 'recalc');
    if (!account.loyalty) {
      return show(res, form, { title: 'Касса не подключена', error: 'МойСклад ещё не получил настройки лояльности: откройте приложение и нажмите «Сохранить и подключить».' });
    }
    const api = axios.create({
      baseURL: account.loyalty.url,
      headers: { [AUTH_HEADER]: account.loyalty.token },
      validateStatus: () => true,
      timeout: 10_000,
    });
    const store = account.retailStores.find((s) => s.id === form.store) ?? account.retailStores[0]!;
    const retailStore = { meta: { href: `https://api.moysklad.ru/api/remap/1.2/entity/retailstore/${store.id}`, id: store.id }, name: store.name };
    const agent = agentFor(form);
    let positions;
    try {
      positions = parseLines(form.lines);
    } catch (error) {
      return show(res, form, { title: 'Чек не понят', error: (error as Error).message });
    }

    const call = async (title: string, path: string, body: unknown) => {
      const answer = await api.post(path, body);
      return { title, request: body, status: answer.status, response: answer.data };
    };

    const recalcBody = {
      retailStore,
      agent,
      positions,
      bonusProgram: { transactionType: form.spend ? 'SPENDING' : 'EARNING' },
      ...(form.spend && form.points ? { preferredBonusToSpend: Number(form.points) } : {}),
    };

    if (action === 'balance') return show(res, form, await call('Баланс покупателя', '/counterparty/detail', { retailStore, meta: agent.meta, phone: form.phone }));
    if (action === 'recalc') return show(res, form, await call('Расчёт скидки', '/retaildemand/recalc', recalcBody));
    if (action === 'sale') {
      const recalc = await api.post('/retaildemand/recalc', recalcBody);
      if (recalc.status !== 200) return show(res, form, { title: 'Расчёт перед продажей не прошёл', request: recalcBody, status: recalc.status, response: recalc.data });
      const discounted: Array<Record<string, unknown>> = (recalc.data.positions as Array<Record<string, unknown>>).map((p) => ({ ...p, discountedPrice: p.discountedPrice ?? p.price }));
      const cashSum = Math.round(discounted.reduce((sum, p) => sum + Number(p.discountedPrice) * Number(p.quantity) * 100, 0)) / 100;
      const sale: Sale = { id: randomUUID(), name: String(sales.length + 1).padStart(5, '0'), agent, positions: discounted, cashSum, returned: false };
      const body = {
        retailStore,
        meta: { href: `https://api.moysklad.ru/api/remap/1.2/entity/retaildemand/${sale.id}`, id: sale.id },
        name: sale.name,
        moment: new Date().toISOString().replace('T', ' ').slice(0, 19),
        agent,
        positions: discounted,
        bonusProgram: { bonusValueToSpend: recalc.data.bonusProgram?.bonusValueToSpend ?? 0, bonusValueToEarn: recalc.data.bonusProgram?.bonusValueToEarn ?? 0 },
        cashSum,
        noCashSum: 0,
      };
      const result = await call(`Продажа № ${sale.name}`, '/retaildemand', body);
      if (result.status === 201) sales.push(sale);
      return show(res, form, result);
    }
    if (action === 'return') {
      const sale = sales.filter((s) => !s.returned).at(-1);
      if (!sale) return show(res, form, { title: 'Возврат', error: 'Сначала проведите продажу.' });
      const id = randomUUID();
      const body = {
        retailStore,
        meta: { href: `https://api.moysklad.ru/api/remap/1.2/entity/retailsalesreturn/${id}`, id },
        name: `В-${sale.name}`,
        moment: new Date().toISOString().replace('T', ' ').slice(0, 19),
        demand: { meta: { href: `https://api.moysklad.ru/api/remap/1.2/entity/retaildemand/${sale.id}`, id: sale.id } },
        agent: sale.agent,
        positions: sale.positions,
        cashSum: sale.cashSum,
        noCashSum: 0,
      };
      const result = await call(`Возврат продажи № ${sale.name}`, '/retailsalesreturn', body);
      if (result.status === 201) sale.returned = true;
      return show(res, form, result);
    }
    show(res, form, { title: 'Неизвестное действие', error: action });
  });
  return router;
}

/** The same phone always names the same МойСклад counterparty, as it would in a real account. */
function agentFor(form: TillForm) {
  const digits = form.phone.replace(/\D/g, '');
  const hex = createHash('sha256').update(`sandbox-customer:${digits}`).digest('hex');
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return { meta: { href: `https://api.moysklad.ru/api/remap/1.2/entity/counterparty/${id}`, id }, name: form.name, phone: form.phone };
}

/** "Название; количество; цена" per line, as a cashier would read a receipt aloud. */
function parseLines(text: string) {
  const lines = text.split('\n').map((line) => line.trim()).filter(Boolean);
  if (lines.length === 0) throw new Error('Добавьте хотя бы одну строку: «Название; количество; цена».');
  return lines.map((line, index) => {
    const [name, quantity, price] = line.split(';').map((part) => part.trim().replace(',', '.'));
    if (!name || !Number(quantity) || price === undefined || Number.isNaN(Number(price))) {
      throw new Error(`Строка ${index + 1} не похожа на «Название; количество; цена».`);
    }
    const id = createHash('sha256').update(`sandbox-product:${name}`).digest('hex').slice(0, 32);
    return { assortment: { meta: { href: `https://api.moysklad.ru/api/remap/1.2/entity/product/${id}`, id } }, quantity: Number(quantity), price: Number(price), name };
  });
}
