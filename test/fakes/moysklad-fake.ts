import { randomBytes, randomUUID } from 'node:crypto';
import axios from 'axios';
import express, { type NextFunction, type Request, type Response } from 'express';
import { jwtVerify, SignJWT } from 'jose';
import { listenOnLoopback } from '../helpers/loopback-server.js';

/**
 * A small, stateful МойСклад for end-to-end tests and the sandbox: the Vendor API's status, loyalty
 * and context endpoints (JWT-checked like the real one), the JSON API the app reads (retail stores,
 * bonus programs; products, variants and folders with their flags, paged 1000 at a time; counterparties
 * with tags; webhooks; retail sales filtered by moment, agent and `applicable`, paged, with their positions
 * and counterparty expanded on pages of at most 100), and `install()`, which calls the app's Vendor API webhook the way МойСклад does.
 * `changeProduct()` edits a product and posts the change to the webhooks registered for it.
 */
export interface FakeEmployee {
  id: string;
  fullName: string;
  uid: string;
  isAdmin: boolean;
}

/** A product card's fields the restricted-goods rule reads. */
export interface FakeProduct {
  id: string;
  name: string;
  syncId?: string;
  /** МойСклад's `trackingType` (TOBACCO, OTP, NCP, BEER_ALCOHOL, ...); absent: not tracked. */
  trackingType?: string;
  discountProhibited?: boolean;
  folderId?: string;
  archived?: boolean;
}

export interface FakeVariant {
  id: string;
  productId: string;
  name: string;
  syncId?: string;
}

export interface FakeFolder {
  id: string;
  name: string;
  parentId?: string;
}

export interface FakeCounterparty {
  id: string;
  name: string;
  tags: string[];
  /** As the JSON API writes it: "1990-09-03 00:00:00.000". */
  birthDate?: string;
}

/** A retail sale (retaildemand) in the account's history. */
export interface FakeRetailDemand {
  id: string;
  /** The counterparty's id; absent: a sale without a customer. */
  agentId?: string;
  /** Epoch ms; shown as МойСклад writes moments (Moscow time). */
  momentMs: number;
  sumKopecks: number;
  /** False: a draft (не проведена). */
  applicable?: boolean;
  /** The document's number; by default the id's first five characters. */
  name?: string;
  retailStoreId?: string;
  /** Receipt lines, listed only with `expand=positions` on a page of at most 100 (as the JSON API expands). */
  positions?: FakeRetailDemandLine[];
}

/** A line of a retail sale: price in kopecks and the line's discount in percent, as the JSON API writes them. */
export interface FakeRetailDemandLine {
  assortmentId: string;
  type?: 'product' | 'variant' | 'service' | 'bundle';
  quantity: number;
  priceKopecks: number;
  discount?: number;
}

export interface FakeWebhook {
  id: string;
  url: string;
  entityType: string;
  action: string;
  enabled: boolean;
}

export interface FakeAccount {
  accountId: string;
  accountName: string;
  /** Undefined until the app answered an install; then what МойСклад's lifecycle says. */
  status?: 'SettingsRequired' | 'Activating' | 'Activated';
  loyalty?: { url: string; token: string; externalSearch: boolean };
  accessToken: string;
  retailStores: Array<{ id: string; name: string }>;
  bonusPrograms: Array<Record<string, unknown>>;
  employees: FakeEmployee[];
  products: FakeProduct[];
  variants: FakeVariant[];
  folders: FakeFolder[];
  counterparties: FakeCounterparty[];
  retailDemands: FakeRetailDemand[];
  webhooks: FakeWebhook[];
  /** False: the tariff or the app's permissions forbid webhooks, and POST entity/webhook answers 403. */
  webhooksAllowed: boolean;
}

export interface FakeFailure {
  method: string;
  /** Matched against the path after the API prefix, e.g. "/loyalty" or "/status". */
  pathEnds: string;
  /** An HTTP status to answer with, or "hang" to never answer (a time-out for the caller). */
  answer: number | 'hang';
  body?: unknown;
  /** Extra answer headers, e.g. a 429's X-Lognex-Retry-After. */
  headers?: Record<string, string>;
}

export interface MoyskladFakeState {
  accounts: Map<string, FakeAccount>;
  contextKeys: Map<string, { accountId: string; employeeId: string; used: boolean; forOtherApp: boolean }>;
  /** Every request that passed authentication, in order. */
  requests: Array<{ method: string; path: string; body: unknown; query?: Record<string, unknown> }>;
  /** Consumed one per matching request, before the normal answer. */
  failures: FakeFailure[];
  /**
   * How many positions an expanded retail sale shows in place (a test knob: the page does not say; the
   * rest is read from `retaildemand/{id}/positions`).
   */
  expandedPositionsLimit: number;
  seenJti: Set<string>;
}

export interface MoyskladFake {
  url: string;
  vendorApiUrl: string;
  jsonApiUrl: string;
  state: MoyskladFakeState;
  addAccount(
    input?: Partial<
      Pick<
        FakeAccount,
        | 'accountId'
        | 'accountName'
        | 'retailStores'
        | 'bonusPrograms'
        | 'employees'
        | 'products'
        | 'variants'
        | 'folders'
        | 'counterparties'
        | 'retailDemands'
        | 'webhooksAllowed'
      >
    >,
  ): FakeAccount;
  /** Edits a product and posts the change to the app's webhooks for it, as МойСклад does; resolves when they answered. */
  changeProduct(
    accountId: string,
    productId: string,
    changes: Partial<FakeProduct>,
    /** Where the app really listens, when its public address is not reachable from a test. */
    reach?: (url: string) => string,
  ): Promise<number[]>;
  /** A one-time key, as МойСклад appends to the iframe URL. */
  issueContextKey(accountId: string, employeeId?: string, options?: { forOtherApp?: boolean }): string;
  /** Sends the activation webhook to the app (signed JWT) and records the app's answer. */
  install(appBaseUrl: string, accountId: string): Promise<string>;
  failNext(failure: FakeFailure): void;
  /** The next matching request is refused as the JSON API's rate limit does: 429, the pause it wants (ms). */
  rateLimitNext(method: string, pathEnds: string, retryAfterMs: number): void;
  close(): Promise<void>;
}

const VENDOR = '/api/vendor/1.0';
const JSON_API = '/api/remap/1.2';

function moyskladError(res: Response, status: number, error: string, code: number): void {
  res.status(status).json({ errors: [{ error, code, moreInfo: 'https://dev.moysklad.ru/doc/api/vendor/1.0/' }] });
}

export function defaultEmployees(): FakeEmployee[] {
  return [
    { id: randomUUID(), fullName: 'Анна Владелец', uid: 'admin@shop', isAdmin: true },
    { id: randomUUID(), fullName: 'Пётр Кассир', uid: 'cashier@shop', isAdmin: false },
  ];
}

export function defaultBonusPrograms(): Array<Record<string, unknown>> {
  return [
    {
      id: randomUUID(),
      name: 'Бонусы за покупки',
      active: true,
      allAgents: true,
      agentTags: [],
      allProducts: true,
      earnRateRoublesToPoint: 7,
      spendRatePointsToRouble: 4,
      maxPaidRatePercents: 50,
      welcomeBonusesEnabled: true,
      welcomeBonusesValue: 100,
      welcomeBonusesMode: 'REGISTRATION',
      postponedBonusesDelayDays: 7,
      earnWhileRedeeming: true,
    },
    {
      id: randomUUID(),
      name: 'Старая программа',
      active: false,
      allAgents: true,
      agentTags: ['vip'],
      allProducts: true,
      earnRateRoublesToPoint: 100,
      spendRatePointsToRouble: 1,
      maxPaidRatePercents: 10,
      welcomeBonusesEnabled: false,
      earnWhileRedeeming: false,
    },
  ];
}

export async function startMoyskladFake(app: {
  appId: string;
  appUid: string;
  secretKey: string;
}): Promise<MoyskladFake> {
  const key = new TextEncoder().encode(app.secretKey);
  const state: MoyskladFakeState = {
    accounts: new Map(),
    contextKeys: new Map(),
    requests: [],
    failures: [],
    expandedPositionsLimit: 1000,
    seenJti: new Set(),
  };
  const server = express();
  server.use(express.json());

  /** One-time vendor tokens exactly as the Vendor API demands: HS256, sub = appUid, fresh jti, gzip. */
  const vendorAuth = async (req: Request, res: Response, next: NextFunction) => {
    if (!String(req.get('accept-encoding') ?? '').includes('gzip'))
      return moyskladError(res, 415, 'Не указан заголовок Accept-Encoding: gzip', 1062);
    const token = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '')?.[1];
    try {
      if (!token) throw new Error('no token');
      const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], subject: app.appUid });
      if (!payload.jti || state.seenJti.has(payload.jti)) throw new Error('jti reused');
      if (payload.exp !== undefined && payload.iat !== undefined && payload.exp - payload.iat > 300)
        throw new Error('lifetime');
      state.seenJti.add(payload.jti);
    } catch {
      res.set('X-Lognex-Auth', '401').set('X-Lognex-Auth-Message', 'invalid token');
      return moyskladError(res, 401, 'Ошибка аутентификации', 1056);
    }
    next();
  };

  const recordAndInject = (prefix: string) => (req: Request, res: Response, next: NextFunction) => {
    state.requests.push({ method: req.method, path: prefix + req.path, body: req.body, query: { ...req.query } });
    const index = state.failures.findIndex((f) => f.method === req.method && req.path.endsWith(f.pathEnds));
    if (index < 0) return next();
    const [failure] = state.failures.splice(index, 1);
    if (failure!.answer === 'hang') return; // the caller's deadline ends it
    res
      .set(failure!.headers ?? {})
      .status(failure!.answer)
      .json(failure!.body ?? { errors: [{ error: 'Ошибка на стороне МоегоСклада (подстроено тестом)', code: 9999 }] });
  };

  const vendor = express.Router();
  vendor.use(vendorAuth, recordAndInject(VENDOR));

  vendor.post('/context/:contextKey', (req, res) => {
    const entry = state.contextKeys.get(String(req.params.contextKey));
    if (!entry) return moyskladError(res, 404, 'Контекст не найден', 1003);
    if (entry.forOtherApp)
      return moyskladError(res, 403, 'Приложение не авторизовано на доступ по данному contextKey', 1003);
    if (entry.used) return moyskladError(res, 409, 'contextKey уже использован', 1003);
    entry.used = true;
    const account = state.accounts.get(entry.accountId)!;
    const employee = account.employees.find((e) => e.id === entry.employeeId)!;
    res.json(employeeJson(account, employee));
  });

  const accountOf = (req: Request, res: Response): FakeAccount | undefined => {
    const account = req.params.appId === app.appId ? state.accounts.get(String(req.params.accountId)) : undefined;
    if (!account?.status) return void moyskladError(res, 404, 'Приложение не установлено на аккаунте', 2004);
    return account;
  };

  vendor.get('/apps/:appId/:accountId/status', (req, res) => {
    const account = accountOf(req, res);
    if (account) res.json({ status: account.status });
  });

  vendor.put('/apps/:appId/:accountId/status', (req, res) => {
    const account = accountOf(req, res);
    if (!account) return;
    const status = req.body?.status;
    if (!['Activating', 'SettingsRequired', 'Activated'].includes(status))
      return moyskladError(res, 400, 'Неверный статус', 2007);
    // Activated needs loyalty settings first, as the real lifecycle does for loyalty solutions.
    if (status === 'Activated' && !account.loyalty)
      return moyskladError(res, 409, 'Нет перехода в это состояние', 2007);
    account.status = status;
    res.json({});
  });

  const loyaltyFields = { url: 'string', token: 'string', externalSearch: 'boolean' } as const;
  vendor.put('/apps/:appId/:accountId/loyalty', (req, res) => {
    const account = accountOf(req, res);
    if (!account) return;
    const body = req.body ?? {};
    const missing = Object.entries(loyaltyFields).find(([name, type]) => typeof body[name] !== type);
    if (missing) return moyskladError(res, 400, `Поле ${missing[0]} обязательно`, 2000);
    account.loyalty = { url: body.url, token: body.token, externalSearch: body.externalSearch };
    res.json({});
  });

  vendor.patch('/apps/:appId/:accountId/loyalty', (req, res) => {
    const account = accountOf(req, res);
    if (!account) return;
    if (!account.loyalty) return moyskladError(res, 400, 'Настройки лояльности ещё не заданы', 2007);
    for (const [name, type] of Object.entries(loyaltyFields)) {
      if (req.body?.[name] !== undefined && typeof req.body[name] !== type)
        return moyskladError(res, 400, `Неверное поле ${name}`, 2000);
    }
    Object.assign(account.loyalty, pick(req.body ?? {}, Object.keys(loyaltyFields)));
    res.json({});
  });

  const jsonApi = express.Router();
  jsonApi.use((req, res, next) => {
    const token = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '')?.[1];
    const account = [...state.accounts.values()].find((a) => a.accessToken === token && a.status);
    if (!account) return moyskladError(res, 401, 'Ошибка аутентификации', 1056);
    res.locals.account = account;
    next();
  }, recordAndInject(JSON_API));
  const page = (res: Response, type: string, rows: unknown[]) =>
    res.json({ meta: { type, size: rows.length, limit: 1000, offset: 0 }, rows });
  jsonApi.get('/entity/retailstore', (_req, res) =>
    page(res, 'retailstore', (res.locals.account as FakeAccount).retailStores),
  );
  jsonApi.get('/entity/bonusprogram', (_req, res) =>
    page(res, 'bonusprogram', (res.locals.account as FakeAccount).bonusPrograms),
  );

  const href = (type: string, id: string) => `${jsonApiUrl}/entity/${type}/${id}`;
  const meta = (type: string, id: string) => ({ meta: { href: href(type, id), type, mediaType: 'application/json' } });
  const pathOf = (account: FakeAccount, folderId: string | undefined): string => {
    const names: string[] = [];
    for (let id = folderId; id; id = account.folders.find((f) => f.id === id)?.parentId) {
      const folder = account.folders.find((f) => f.id === id);
      if (!folder) break;
      names.unshift(folder.name);
    }
    return names.join('/');
  };
  const productJson = (account: FakeAccount, p: FakeProduct) => ({
    ...meta('product', p.id),
    id: p.id,
    accountId: account.accountId,
    name: p.name,
    ...(p.syncId ? { syncId: p.syncId } : {}),
    archived: p.archived ?? false,
    discountProhibited: p.discountProhibited ?? false,
    ...(p.trackingType ? { trackingType: p.trackingType } : {}),
    ...(p.folderId ? { productFolder: meta('productfolder', p.folderId) } : {}),
    pathName: pathOf(account, p.folderId),
    variantsCount: account.variants.filter((v) => v.productId === p.id).length,
  });
  const variantJson = (account: FakeAccount, v: FakeVariant, expand: boolean) => {
    const product = account.products.find((p) => p.id === v.productId);
    return {
      ...meta('variant', v.id),
      id: v.id,
      accountId: account.accountId,
      name: v.name,
      ...(v.syncId ? { syncId: v.syncId } : {}),
      product: expand && product ? productJson(account, product) : meta('product', v.productId),
    };
  };
  const folderJson = (account: FakeAccount, f: FakeFolder) => ({
    ...meta('productfolder', f.id),
    id: f.id,
    name: f.name,
    pathName: pathOf(account, f.parentId),
    ...(f.parentId ? { productFolder: meta('productfolder', f.parentId) } : {}),
  });
  /** limit (1..1000, default 1000) and offset, with meta.size the list's total, as the JSON API pages. */
  const paged = (req: Request, res: Response, type: string, rows: unknown[]) => {
    const limit = Number(req.query.limit ?? 1000);
    const offset = Number(req.query.offset ?? 0);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000 || !Number.isInteger(offset) || offset < 0)
      return moyskladError(res, 400, 'Неверные параметры limit/offset', 1015);
    res.json({ meta: { type, size: rows.length, limit, offset }, rows: rows.slice(offset, offset + limit) });
  };
  const filterOf = (req: Request): Record<string, string[]> => {
    const result: Record<string, string[]> = {};
    for (const part of String(req.query.filter ?? '')
      .split(';')
      .filter(Boolean)) {
      const [name, value] = part.split('=');
      if (name && value !== undefined) (result[name] ??= []).push(value);
    }
    return result;
  };
  const notFound = (res: Response, type: string, id: string) =>
    moyskladError(res, 404, `Объект '${type}' с UUID '${id}' не найден`, 1021);

  jsonApi.get('/entity/product', (req, res) => {
    const account = res.locals.account as FakeAccount;
    const filter = filterOf(req);
    // Without an archived filter the JSON API lists only goods not in the archive.
    const archived = filter.archived ?? ['false'];
    const rows = account.products
      .filter((p) => archived.includes(String(p.archived ?? false)))
      .filter((p) => !filter.syncId || filter.syncId.includes(p.syncId ?? ''))
      .map((p) => productJson(account, p));
    paged(req, res, 'product', rows);
  });
  jsonApi.get('/entity/product/:id', (req, res) => {
    const account = res.locals.account as FakeAccount;
    const product = account.products.find((p) => p.id === req.params.id);
    if (!product) return notFound(res, 'product', req.params.id);
    res.json(productJson(account, product));
  });
  jsonApi.get('/entity/variant', (req, res) => {
    const account = res.locals.account as FakeAccount;
    paged(
      req,
      res,
      'variant',
      account.variants.map((v) => variantJson(account, v, req.query.expand === 'product')),
    );
  });
  jsonApi.get('/entity/variant/:id', (req, res) => {
    const account = res.locals.account as FakeAccount;
    const variant = account.variants.find((v) => v.id === req.params.id);
    if (!variant) return notFound(res, 'variant', req.params.id);
    res.json(variantJson(account, variant, req.query.expand === 'product'));
  });
  jsonApi.get('/entity/productfolder', (req, res) => {
    const account = res.locals.account as FakeAccount;
    paged(
      req,
      res,
      'productfolder',
      account.folders.map((f) => folderJson(account, f)),
    );
  });
  for (const type of ['service', 'bundle']) {
    jsonApi.get(`/entity/${type}/:id`, (req, res) => notFound(res, type, req.params.id!));
  }
  jsonApi.get('/entity/counterparty/:id', (req, res) => {
    const account = res.locals.account as FakeAccount;
    const counterparty = account.counterparties.find((c) => c.id === req.params.id);
    if (!counterparty) return notFound(res, 'counterparty', req.params.id);
    res.json({ ...meta('counterparty', counterparty.id), ...counterparty });
  });
  /** A sale's counterparty: its meta, or the whole counterparty (name, tags) when expanded. */
  const agentJson = (account: FakeAccount, agentId: string, expanded: boolean) => {
    const counterparty = account.counterparties.find((c) => c.id === agentId);
    if (!expanded || !counterparty) return meta('counterparty', agentId);
    return {
      ...meta('counterparty', agentId),
      id: agentId,
      name: counterparty.name,
      tags: counterparty.tags,
      ...(counterparty.birthDate ? { birthDate: counterparty.birthDate } : {}),
    };
  };
  const positionJson = (d: FakeRetailDemand, p: FakeRetailDemandLine, index: number) => ({
    meta: {
      href: `${href('retaildemand', d.id)}/positions/${d.id.slice(0, 8)}-${index}`,
      type: 'demandposition',
      mediaType: 'application/json',
    },
    id: `${d.id.slice(0, 8)}-${index}`,
    quantity: p.quantity,
    price: p.priceKopecks,
    discount: p.discount ?? 0,
    vat: 0,
    vatEnabled: false,
    assortment: meta(p.type ?? 'product', p.assortmentId),
  });
  /**
   * Retail sales as the JSON API lists them: `filter` conditions joined by `;` with the operators the page
   * allows on these fields (moment: = != < > <= >=; agent and applicable: =), `order` by moment then id,
   * and paging. Moments are written and compared in Moscow time.
   */
  jsonApi.get('/entity/retaildemand', (req, res) => {
    const account = res.locals.account as FakeAccount;
    const conditions: Array<(d: FakeRetailDemand) => boolean> = [];
    for (const part of String(req.query.filter ?? '')
      .split(';')
      .filter(Boolean)) {
      const match = /^(\w+)(>=|<=|!=|=|<|>)(.*)$/.exec(part);
      if (!match) return moyskladError(res, 412, `Неверное условие фильтрации '${part}'`, 1002);
      const [, field, op, value] = match as unknown as [string, string, string, string];
      if (field === 'moment') {
        const at = epochOfMoment(value);
        if (at === undefined) return moyskladError(res, 412, `Неверный формат даты '${value}'`, 1002);
        const compare: Record<string, (a: number) => boolean> = {
          '=': (a) => a === at,
          '!=': (a) => a !== at,
          '<': (a) => a < at,
          '>': (a) => a > at,
          '<=': (a) => a <= at,
          '>=': (a) => a >= at,
        };
        conditions.push((d) => compare[op]!(d.momentMs));
      } else if (field === 'applicable' && op === '=') {
        conditions.push((d) => String(d.applicable ?? true) === value);
      } else if (field === 'agent' && op === '=') {
        conditions.push((d) => d.agentId !== undefined && href('counterparty', d.agentId) === value);
      } else {
        return moyskladError(res, 412, `Фильтрация по полю '${field}' не поддерживается фейком`, 1002);
      }
    }
    // The JSON API ignores expand on a page larger than 100 (`_general.md`).
    const expanded =
      String(req.query.expand ?? '')
        .split(',')
        .includes('positions') && Number(req.query.limit) <= 100;
    const positionsOf = (d: FakeRetailDemand) => {
      const list = {
        meta: {
          href: `${href('retaildemand', d.id)}/positions`,
          type: 'retaildemandposition',
          size: d.positions?.length ?? 0,
        },
      };
      if (!expanded) return list;
      const rows = (d.positions ?? []).slice(0, state.expandedPositionsLimit).map((line) => ({
        id: randomUUID(),
        accountId: account.accountId,
        quantity: line.quantity,
        price: line.priceKopecks,
        discount: line.discount ?? 0,
        vat: 0,
        assortment: meta(line.type ?? 'product', line.assortmentId),
      }));
      return { ...list, rows };
    };
    const expandAgent =
      String(req.query.expand ?? '')
        .split(',')
        .includes('agent') && Number(req.query.limit) <= 100;
    const rows = account.retailDemands
      .filter((d) => conditions.every((keep) => keep(d)))
      .sort((a, b) => a.momentMs - b.momentMs || a.id.localeCompare(b.id))
      .map((d) => ({
        ...meta('retaildemand', d.id),
        id: d.id,
        accountId: account.accountId,
        name: d.name ?? d.id.slice(0, 5),
        moment: `${momentOf(d.momentMs)}.000`,
        applicable: d.applicable ?? true,
        sum: d.sumKopecks,
        cashSum: d.sumKopecks,
        noCashSum: 0,
        ...(d.agentId ? { agent: agentJson(account, d.agentId, expandAgent) } : {}),
        ...(d.retailStoreId ? { retailStore: meta('retailstore', d.retailStoreId) } : {}),
        positions: positionsOf(d),
      }));
    paged(req, res, 'retaildemand', rows);
  });
  jsonApi.get('/entity/retaildemand/:id/positions', (req, res) => {
    const account = res.locals.account as FakeAccount;
    const demand = account.retailDemands.find((d) => d.id === req.params.id);
    if (!demand) return notFound(res, 'retaildemand', req.params.id);
    paged(
      req,
      res,
      'demandposition',
      (demand.positions ?? []).map((p, i) => positionJson(demand, p, i)),
    );
  });
  jsonApi.get('/entity/webhook', (_req, res) => {
    const account = res.locals.account as FakeAccount;
    if (!account.webhooksAllowed) return moyskladError(res, 403, 'Нет прав на работу с вебхуками', 1016);
    page(
      res,
      'webhook',
      account.webhooks.map((w) => ({ ...meta('webhook', w.id), accountId: account.accountId, method: 'POST', ...w })),
    );
  });
  jsonApi.post('/entity/webhook', (req, res) => {
    const account = res.locals.account as FakeAccount;
    if (!account.webhooksAllowed) return moyskladError(res, 403, 'Нет прав на работу с вебхуками', 1016);
    const { url, action, entityType } = (req.body ?? {}) as Record<string, unknown>;
    if (
      typeof url !== 'string' ||
      url.length > 255 ||
      !['CREATE', 'UPDATE', 'DELETE'].includes(String(action)) ||
      typeof entityType !== 'string'
    )
      return moyskladError(res, 412, 'Неверные поля вебхука', 3000);
    const webhook: FakeWebhook = { id: randomUUID(), url, action: String(action), entityType, enabled: true };
    account.webhooks.push(webhook);
    res.json({ ...meta('webhook', webhook.id), accountId: account.accountId, method: 'POST', ...webhook });
  });

  server.use(VENDOR, vendor);
  server.use(JSON_API, jsonApi);
  const listening = await listenOnLoopback(server);
  const vendorApiUrl = listening.url + VENDOR;
  const jsonApiUrl = listening.url + JSON_API;

  return {
    url: listening.url,
    vendorApiUrl,
    jsonApiUrl,
    state,
    addAccount(input = {}) {
      const account: FakeAccount = {
        accountId: input.accountId ?? randomUUID(),
        accountName: input.accountName ?? 'Магазин у дома',
        accessToken: randomBytes(20).toString('hex'),
        retailStores: input.retailStores ?? [
          { id: randomUUID(), name: 'Магазин на Ленина' },
          { id: randomUUID(), name: 'Киоск у вокзала' },
        ],
        bonusPrograms: input.bonusPrograms ?? defaultBonusPrograms(),
        employees: input.employees ?? defaultEmployees(),
        // Copies: a test's changes to this account never reach the objects another test passes in.
        products: structuredClone(input.products ?? []),
        variants: structuredClone(input.variants ?? []),
        folders: structuredClone(input.folders ?? []),
        counterparties: structuredClone(input.counterparties ?? []),
        retailDemands: structuredClone(input.retailDemands ?? []),
        webhooks: [],
        webhooksAllowed: input.webhooksAllowed ?? true,
      };
      state.accounts.set(account.accountId, account);
      return account;
    },
    issueContextKey(accountId, employeeId, options = {}) {
      const account = state.accounts.get(accountId)!;
      const contextKey = randomBytes(20).toString('hex');
      state.contextKeys.set(contextKey, {
        accountId,
        employeeId: employeeId ?? account.employees[0]!.id,
        used: false,
        forOtherApp: options.forOtherApp ?? false,
      });
      return contextKey;
    },
    async install(appBaseUrl, accountId) {
      const account = state.accounts.get(accountId)!;
      const now = Math.floor(Date.now() / 1000);
      const jwt = await new SignJWT({ iat: now, exp: now + 60, jti: randomUUID() })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .sign(key);
      const answer = await axios.put(
        `${appBaseUrl}/api/moysklad/vendor/1.0/apps/${app.appId}/${accountId}`,
        {
          appUid: app.appUid,
          accountName: account.accountName,
          cause: 'Install',
          access: [{ resource: jsonApiUrl, scope: ['admin'], access_token: account.accessToken }],
          subscription: { tariffId: randomUUID(), trial: true, notForResale: false, partner: false },
        },
        { headers: { Authorization: `Bearer ${jwt}`, X_Lognex_RequestId: randomUUID() } },
      );
      account.status = answer.data.status;
      return answer.data.status as string;
    },
    failNext(failure) {
      state.failures.push(failure);
    },
    rateLimitNext(method, pathEnds, retryAfterMs) {
      state.failures.push({
        method,
        pathEnds,
        answer: 429,
        headers: { 'X-Lognex-Retry-After': String(retryAfterMs) },
        body: { errors: [{ error: 'Превышено ограничение на количество запросов', code: 1049 }] },
      });
    },
    async changeProduct(accountId, productId, changes, reach = (url) => url) {
      const account = state.accounts.get(accountId)!;
      const product = account.products.find((p) => p.id === productId);
      if (product) Object.assign(product, changes);
      else account.products.push({ id: productId, name: 'Новый товар', ...changes });
      const action = product ? 'UPDATE' : 'CREATE';
      const body = {
        auditContext: {
          meta: { type: 'audit', href: `${jsonApiUrl}/audit/${randomUUID()}` },
          moment: moment(),
          uid: 'admin@shop',
        },
        events: [{ meta: { type: 'product', href: `${jsonApiUrl}/entity/product/${productId}` }, action, accountId }],
      };
      const targets = account.webhooks.filter((w) => w.enabled && w.entityType === 'product' && w.action === action);
      const answers = await Promise.all(
        targets.map((w) =>
          axios.post(reach(w.url), body, {
            params: { requestId: randomUUID() },
            validateStatus: () => true,
            timeout: 1500,
          }),
        ),
      );
      return answers.map((answer) => answer.status);
    },
    close: listening.close,
  };
}

/** The employee as POST /context/{key} answers it (a subset of JSON API context/employee). */
function employeeJson(account: FakeAccount, employee: FakeEmployee) {
  const all = { view: 'ALL', create: 'ALL', update: 'ALL', delete: 'ALL' };
  return {
    meta: {
      href: `https://api.moysklad.ru/api/remap/1.2/entity/employee/${employee.id}`,
      type: 'employee',
      mediaType: 'application/json',
    },
    id: employee.id,
    accountId: account.accountId,
    name: employee.fullName.split(' ')[1] ?? employee.fullName,
    uid: employee.uid,
    fullName: employee.fullName,
    shortFio: employee.fullName,
    email: `${employee.uid.split('@')[0]}@example.ru`,
    cashiers: [],
    permissions: employee.isAdmin
      ? { admin: { view: 'ALL' }, retailstore: all, counterparty: all }
      : { admin: { view: 'NO' }, retailstore: { view: 'ALL' }, counterparty: { view: 'ALL' } },
  };
}

function moment(): string {
  return new Date().toISOString().replace('T', ' ').slice(0, 19);
}

/** Epoch ms → a JSON API moment in Moscow time (UTC+3 all year). */
function momentOf(ms: number): string {
  return new Date(ms + 3 * 3_600_000).toISOString().replace('T', ' ').slice(0, 19);
}

function epochOfMoment(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(text)) return undefined;
  return Date.parse(`${text.replace(' ', 'T')}+03:00`);
}

function pick(body: Record<string, unknown>, names: string[]): Record<string, unknown> {
  return Object.fromEntries(names.filter((name) => body[name] !== undefined).map((name) => [name, body[name]]));
}
