import { randomUUID } from 'node:crypto';
import axios, { type AxiosInstance } from 'axios';
import express, { Router, type Request, type Response } from 'express';
import type { BackendKind } from '../../db/schema/index.js';
import { AUTH_HEADER } from '../../app/loyalty-api/loyalty-handlers.js';
import type { FakeAccount } from '../fakes/moysklad-fake.js';
import type { SandboxCustomer } from '../fakes/provider-fakes.js';
import {
  cashSumOf,
  moment,
  moyskladCounterparty,
  parseLines,
  remapMeta,
  searchedCounterparty,
  type Json,
} from './till-documents.js';
import {
  cashierMessage,
  foundCustomers,
  foundTitle,
  pointsCount,
  receiptView,
  type FoundCustomer,
  type ReceiptView,
} from './till-receipt.js';

/**
 * A till like МойСклад's "Касса", reduced to one form: it calls the LoyaltyAPI at the url and with
 * the token the app registered in the fake МойСклад, so it works only once the account is live.
 * With `externalSearch` it finds the customer through our search first and names them by the id
 * the search returned, as МойСклад does; otherwise it sends МойСклад's own counterparty.
 */
export interface TillDeps {
  account: FakeAccount;
  /** The provider fakes' customers, offered in the phone field. */
  customers: SandboxCustomer[];
  /** Which system the account is on: only to suggest a customer that system knows and explain a 201. */
  systemOf: () => BackendKind;
  /** Where the support UI shows a provider sale's delivery. */
  adminUrl: string;
}

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
  agent: Json;
  positions: Json[];
  cashSum: number;
  /** The points the sale spent and earned, for the return's receipt. */
  spent: number;
  earned: number;
  returned: boolean;
}

/** One LoyaltyAPI call of a step, shown raw in the fold under the receipt. */
interface Call {
  call: string;
  request?: unknown;
  status: number;
  response: unknown;
}

/**
 * What the right-hand panel shows, as МойСклад's till would: the receipt, the customers found or the
 * balance, the cashier's message on a refusal; and every call the step made, raw, the step's own last.
 */
interface Outcome {
  title: string;
  status?: number;
  customer?: string;
  calls?: Call[];
  receipt?: ReceiptView;
  /** Under the receipt: what happens next with it. */
  note?: string;
  found?: FoundCustomer[];
  foundTitle?: string;
  balance?: string;
  error?: string;
}

interface Till {
  account: FakeAccount;
  api: AxiosInstance;
  form: TillForm;
  retailStore: Json;
  externalSearch: boolean;
  /** The calls this step made so far. */
  calls: Call[];
}

/** The sandbox account's goods: a tobacco product among them shows that points never discount it. */
export const SANDBOX_GOODS = [
  { name: 'Кофе в зёрнах' },
  { name: 'Молоко', trackingType: 'MILK' },
  { name: 'Сигареты «Ява»', trackingType: 'TOBACCO' },
] as const;
const EXAMPLE_LINES = 'Кофе в зёрнах; 1; 890\nМолоко; 2; 95.50\nСигареты «Ява»; 1; 230';
/** The till's suggested customer on the built-in ledger; the sandbox gives her a history (demo-customer.ts). */
export const LEDGER_CUSTOMER = { phone: '+7 900 000-00-01', name: 'Анна' };
const SYSTEM_TITLES: Record<BackendKind, string> = {
  ledger: 'встроенная бонусная программа',
  general: 'своя система по REST API',
  ibonus: 'i-bonus.me',
};

export function tillRouter({ account, customers, systemOf, adminUrl }: TillDeps): Router {
  const sales: Sale[] = [];
  const router = Router();
  router.use(express.urlencoded({ extended: false }));

  const show = (res: Response, form: TillForm, result?: Outcome) => {
    const system = systemOf();
    res.render('till', {
      account,
      form,
      result,
      lastSale: sales.at(-1),
      loyalty: account.loyalty,
      system: SYSTEM_TITLES[system],
      provider: system !== 'ledger',
      adminUrl,
      customers,
    });
  };

  router.get('/', (_req, res) => {
    const system = systemOf();
    const suggested = customers.find((c) => c.system === system) ?? LEDGER_CUSTOMER;
    show(res, {
      store: account.retailStores[0]?.id ?? '',
      phone: suggested.phone,
      name: suggested.name,
      lines: EXAMPLE_LINES,
      spend: '',
      points: '',
    });
  });

  router.post('/', async (req: Request, res: Response) => {
    const form = req.body as TillForm;
    const action = String((req.body as Record<string, unknown>).action ?? 'recalc');
    if (!account.loyalty) {
      return show(res, form, {
        title: 'Касса не подключена',
        error: 'МойСклад ещё не получил настройки лояльности: откройте приложение и нажмите «Сохранить и подключить».',
      });
    }
    const store = account.retailStores.find((s) => s.id === form.store) ?? account.retailStores[0]!;
    const till: Till = {
      account,
      api: axios.create({
        baseURL: account.loyalty.url,
        headers: { [AUTH_HEADER]: account.loyalty.token },
        validateStatus: () => true,
        timeout: 10_000,
      }),
      form,
      retailStore: { meta: remapMeta('retailstore', store.id), name: store.name },
      externalSearch: account.loyalty.externalSearch,
      calls: [],
    };
    try {
      show(res, form, { ...(await perform(action, till, sales)), calls: till.calls });
    } catch (error) {
      // The form's own mistakes are Russian already; a failed connection is axios's English.
      const message = axios.isAxiosError(error)
        ? `Приложение не ответило по адресу ${account.loyalty.url}: проверьте, что песочница запущена, и повторите.`
        : (error as Error).message;
      show(res, form, { title: 'Касса не смогла отправить запрос', error: message, calls: till.calls });
    }
  });
  return router;
}

async function perform(action: string, till: Till, sales: Sale[]): Promise<Outcome> {
  if (action === 'search') return search(till);
  if (action === 'return') return returnLastSale(till, sales);
  if (!['balance', 'recalc', 'sale'].includes(action)) return { title: 'Неизвестное действие', error: action };
  const positions = parseLines(till.form.lines);
  // What the cashier types exists in МойСклад: a new name becomes an ordinary product of the account first.
  for (const position of positions) {
    const id = position.assortment.meta.id as string;
    if (!till.account.products.some((p) => p.id === id)) till.account.products.push({ id, name: position.name });
  }
  const customer = await customerAtTill(till);
  if ('failed' in customer) return customer.failed;
  const withCustomer = (outcome: Outcome): Outcome => ({ ...outcome, customer: customer.note });
  const { agent } = customer;

  if (action === 'balance') {
    const detail = await post(till, '/counterparty/detail', { retailStore: till.retailStore, ...agent });
    const balance = (detail.response as Json | undefined)?.bonusProgram?.agentBonusBalance;
    return withCustomer(
      detail.status !== 200
        ? refused('Баланс покупателя', detail)
        : { title: 'Баланс покупателя', status: detail.status, balance: pointsCount(Number(balance ?? 0)) },
    );
  }
  const recalcBody = {
    retailStore: till.retailStore,
    agent,
    positions,
    bonusProgram: { transactionType: till.form.spend ? 'SPENDING' : 'EARNING' },
    ...(till.form.spend && till.form.points ? { preferredBonusToSpend: Number(till.form.points) } : {}),
  };
  const recalc = await post(till, '/retaildemand/recalc', recalcBody);
  if (recalc.status !== 200)
    return withCustomer(refused(action === 'recalc' ? 'Расчёт скидки' : 'Расчёт перед продажей не прошёл', recalc));
  // The till records the receipt exactly as the recalc answered it.
  const answer = recalc.response as Json;
  if (action === 'recalc') {
    return withCustomer({
      title: 'Расчёт скидки',
      status: recalc.status,
      receipt: receiptView(answer.positions as Json[], bonusOf(answer)),
      note: 'Чек ещё не проведён: «Продать» проведёт его с этими скидками и баллами.',
    });
  }

  const sold: Json[] = (answer.positions as Json[]).map((p) => ({
    ...p,
    discountedPrice: p.discountedPrice ?? p.price,
  }));
  const sale: Sale = {
    id: randomUUID(),
    name: String(sales.length + 1).padStart(5, '0'),
    agent,
    positions: sold,
    cashSum: cashSumOf(sold),
    spent: Number(answer.bonusProgram?.bonusValueToSpend ?? 0),
    earned: Number(answer.bonusProgram?.bonusValueToEarn ?? 0),
    returned: false,
  };
  const body = {
    retailStore: till.retailStore,
    meta: remapMeta('retaildemand', sale.id),
    name: sale.name,
    moment: moment(),
    agent,
    positions: sold,
    bonusProgram: {
      bonusValueToSpend: answer.bonusProgram?.bonusValueToSpend ?? 0,
      bonusValueToEarn: answer.bonusProgram?.bonusValueToEarn ?? 0,
    },
    cashSum: sale.cashSum,
    noCashSum: 0,
  };
  const title = `Продажа № ${sale.name}`;
  const result = await post(till, '/retaildemand', body);
  if (result.status !== 201) return withCustomer(refused(title, result));
  sales.push(sale);
  return withCustomer({
    title,
    status: result.status,
    receipt: receiptView(sold, bonusOf(answer)),
  });
}

/** The points part of a recalc's answer, which the sale's receipt shows too. */
function bonusOf(answer: Json): { bonusProgram: Json; needVerification: boolean } {
  return { bonusProgram: answer.bonusProgram, needVerification: answer.needVerification === true };
}

/** A refusal reads as the till shows it: the app's message for the cashier. */
function refused(title: string, call: Call): Outcome {
  return { title, status: call.status, error: cashierMessage(call.status, call.response) };
}

/** «Найти»: what the cashier sees when searching in the loyalty system. */
async function search(till: Till): Promise<Outcome> {
  if (!till.externalSearch) {
    return {
      title: 'Поиск покупателя',
      error:
        'В настройках выбран поиск в МоёмСкладе: касса ищет среди контрагентов МоегоСклада и не вызывает LoyaltyAPI.',
    };
  }
  const found = await get(till, '/counterparty', { search: till.form.phone });
  if (found.status !== 200) return refused('Поиск покупателя', found);
  const rows = foundCustomers(found.response);
  return {
    title: 'Поиск покупателя',
    status: found.status,
    found: rows,
    foundTitle:
      rows.length > 0
        ? `${foundTitle(rows.length)} по «${till.form.phone}»`
        : `По «${till.form.phone}» никого нет: касса продаст покупателю МоегоСклада, а система лояльности зарегистрирует его при продаже.`,
  };
}

/**
 * The customer the till names in a document. With externalSearch the cashier picks a row of our
 * search (the form has no picker, so the first row for the typed phone); nobody found, or search
 * off: МойСклад's own counterparty, with the phone.
 */
async function customerAtTill(till: Till): Promise<{ agent: Json; note: string } | { failed: Outcome }> {
  const { phone, name } = till.form;
  const counterparty = moyskladCounterparty(phone, name);
  if (!till.externalSearch)
    return { agent: counterparty, note: `Покупатель МоегоСклада: ${name || 'без имени'}, ${phone}.` };
  const found = await get(till, '/counterparty', { search: phone });
  if (found.status !== 200) return { failed: refused('Поиск покупателя', found) };
  const row = ((found.response as { rows?: Json[] }).rows ?? [])[0];
  if (!row)
    return {
      agent: counterparty,
      note: `В системе лояльности по «${phone}» никого нет: касса отправляет покупателя МоегоСклада.`,
    };
  return {
    agent: searchedCounterparty(row as { id: string; name: string }),
    note: `Найден поиском в системе лояльности: ${row.name}, id ${row.id}.`,
  };
}

async function returnLastSale(till: Till, sales: Sale[]): Promise<Outcome> {
  const sale = sales.filter((s) => !s.returned).at(-1);
  if (!sale) return { title: 'Возврат', error: 'Сначала проведите продажу.' };
  const id = randomUUID();
  const body = {
    retailStore: till.retailStore,
    meta: remapMeta('retailsalesreturn', id),
    name: `В-${sale.name}`,
    moment: moment(),
    demand: { meta: remapMeta('retaildemand', sale.id) },
    agent: sale.agent,
    positions: sale.positions,
    cashSum: sale.cashSum,
    noCashSum: 0,
  };
  const title = `Возврат продажи № ${sale.name}`;
  const result = await post(till, '/retailsalesreturn', body);
  if (result.status !== 201) return refused(title, result);
  sale.returned = true;
  return {
    title,
    status: result.status,
    receipt: receiptView(sale.positions, { totalLabel: 'К возврату' }),
    note: returnedPointsNote(sale),
  };
}

/** LoyaltyAPI's return carries no points: the loyalty system reverses the sale's own. */
function returnedPointsNote(sale: Sale): string {
  if (sale.spent === 0 && sale.earned === 0) return 'По продаже баллы не списывались и не начислялись.';
  const parts = [
    sale.spent > 0 && `вернёт списанные ${pointsCount(sale.spent)}`,
    sale.earned > 0 && `снимет начисленные ${pointsCount(sale.earned)}`,
  ].filter(Boolean);
  return `Баллы пересчитает система лояльности: ${parts.join(' и ')}.`;
}

async function post(till: Till, path: string, body: unknown): Promise<Call> {
  const answer = await till.api.post(path, body);
  const call = { call: `POST ${path}`, request: body, status: answer.status, response: answer.data };
  till.calls.push(call);
  return call;
}

async function get(till: Till, path: string, params: Record<string, string>): Promise<Call> {
  const answer = await till.api.get(path, { params });
  const call = { call: `GET ${path}?${new URLSearchParams(params)}`, status: answer.status, response: answer.data };
  till.calls.push(call);
  return call;
}
