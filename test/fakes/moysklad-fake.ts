import { randomBytes, randomUUID } from 'node:crypto';
import axios from 'axios';
import express, { type NextFunction, type Request, type Response } from 'express';
import { jwtVerify, SignJWT } from 'jose';
import { listenOnLoopback } from '../helpers/loopback-server.js';

/**
 * A small, stateful МойСклад for end-to-end tests and the sandbox: the Vendor API's status, loyalty
 * and context endpoints (JWT-checked like the real one), the two JSON API lists the settings iframe
 * reads, and `install()`, which calls the app's Vendor API webhook the way МойСклад does.
 */
export interface FakeEmployee {
  id: string;
  fullName: string;
  uid: string;
  isAdmin: boolean;
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
}

export interface FakeFailure {
  method: string;
  /** Matched against the path after the API prefix, e.g. "/loyalty" or "/status". */
  pathEnds: string;
  /** An HTTP status to answer with, or "hang" to never answer (a time-out for the caller). */
  answer: number | 'hang';
  body?: unknown;
}

export interface MoyskladFakeState {
  accounts: Map<string, FakeAccount>;
  contextKeys: Map<string, { accountId: string; employeeId: string; used: boolean; forOtherApp: boolean }>;
  /** Every request that passed authentication, in order. */
  requests: Array<{ method: string; path: string; body: unknown }>;
  /** Consumed one per matching request, before the normal answer. */
  failures: FakeFailure[];
  seenJti: Set<string>;
}

export interface MoyskladFake {
  url: string;
  vendorApiUrl: string;
  jsonApiUrl: string;
  state: MoyskladFakeState;
  addAccount(
    input?: Partial<Pick<FakeAccount, 'accountId' | 'accountName' | 'retailStores' | 'bonusPrograms' | 'employees'>>,
  ): FakeAccount;
  /** A one-time key, as МойСклад appends to the iframe URL. */
  issueContextKey(accountId: string, employeeId?: string, options?: { forOtherApp?: boolean }): string;
  /** Sends the activation webhook to the app (signed JWT) and records the app's answer. */
  install(appBaseUrl: string, accountId: string): Promise<string>;
  failNext(failure: FakeFailure): void;
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
    state.requests.push({ method: req.method, path: prefix + req.path, body: req.body });
    const index = state.failures.findIndex((f) => f.method === req.method && req.path.endsWith(f.pathEnds));
    if (index < 0) return next();
    const [failure] = state.failures.splice(index, 1);
    if (failure!.answer === 'hang') return; // the caller's deadline ends it
    res
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

function pick(body: Record<string, unknown>, names: string[]): Record<string, unknown> {
  return Object.fromEntries(names.filter((name) => body[name] !== undefined).map((name) => [name, body[name]]));
}
