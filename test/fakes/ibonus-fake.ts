import express, { type NextFunction, type Request, type Response } from 'express';
import { listenOnLoopback } from '../helpers/loopback-server.js';

export interface FakeCoupon {
  id: number;
  title?: string;
  header?: string;
  expireDate?: number;
}

export interface FakeClient {
  id: number;
  name: string;
  phone: string;
  email: string;
  points: number;
  rubles?: number;
  coupons: FakeCoupon[];
}

export interface FakeOrderRecord {
  body: unknown;
  /** applied: changed balances; duplicate: seen before, no effect; rejected: answered 4xx. */
  outcome: 'applied' | 'duplicate' | 'rejected';
}

interface SaleEffect {
  clientId?: number;
  spent: number;
  awarded: number;
  coupons: FakeCoupon[];
  refunded: boolean;
}

/** What one order asked for: the points to spend (`amount`) and the roubles of its items. */
export interface FakeIBonusAmount {
  externalId: string;
  receiptType: string;
  points: number;
  itemsRoubles: number;
}

export interface IBonusFakeState {
  clients: FakeClient[];
  orders: FakeOrderRecord[];
  /** Every order's points and item sum, in order: what i-bonus saw of a receipt. */
  amounts: FakeIBonusAmount[];
  /** Sales applied, by externalId, so a refund can reverse them. */
  sales: Map<string, SaleEffect>;
  /** Points awarded per rouble paid (0.05 = 5 %). */
  awardRate: number;
  /** Answer every call with 503. */
  down: boolean;
  /** Wait this long before answering. */
  delayMs: number;
}

export interface IBonusFake {
  url: string;
  state: IBonusFakeState;
  close: () => Promise<void>;
}

const API = '/ext/api/v1';

/**
 * A small, stateful i-bonus.me on 127.0.0.1 following seeds/002: Basic auth, `%` searches, balances,
 * coupons and fiscal orders (sale spends and awards, refund reverses, a repeated sale is a no-op).
 */
export async function startIBonusFake(
  credentials: { login: string; password: string },
  options: { port?: number } = {},
): Promise<IBonusFake> {
  const state: IBonusFakeState = {
    clients: [],
    orders: [],
    amounts: [],
    sales: new Map(),
    awardRate: 0.05,
    down: false,
    delayMs: 0,
  };
  const app = express();
  const expected = `Basic ${Buffer.from(`${credentials.login}:${credentials.password}`).toString('base64')}`;

  // The body is read before the delay: a slow i-bonus still applies an order whose caller gave up waiting.
  app.use(express.json());
  app.use(async (req: Request, res: Response, next: NextFunction) => {
    if (state.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, state.delayMs));
    if (state.down) return fail(req, res, 503, 'Service Unavailable', 'Service is down');
    if (req.headers.authorization !== expected) return fail(req, res, 401, 'Unauthorized', 'Bad credentials');
    next();
  });

  app.get(`${API}/clients/`, (req, res) => {
    const phone = stringParam(req.query.phone);
    const email = stringParam(req.query.email);
    const offset = Number(stringParam(req.query.offset) ?? 0);
    const limit = Number(stringParam(req.query.limit) ?? 100);
    const found = state.clients.filter(
      (client) =>
        (phone === undefined || like(phone).test(client.phone)) &&
        (email === undefined || like(email, 'i').test(client.email)),
    );
    res.json(found.slice(offset, offset + limit).map(listed));
  });

  app.get(`${API}/clients/:id/coupons/`, (req, res) => {
    const client = byId(req.params.id);
    if (!client) return fail(req, res, 404, 'Not Found', `Client with id=${req.params.id} is not found.`);
    res.json(
      client.coupons.map((coupon) => ({
        ...coupon,
        token: `t${coupon.id}`,
        merchantToken: String(100000 + coupon.id),
      })),
    );
  });

  app.get(`${API}/clients/:id/balance/`, (req, res) => {
    const client = byId(req.params.id);
    if (!client) return fail(req, res, 404, 'Not Found', `Client with id=${req.params.id} is not found.`);
    res.json([
      { amount: client.points, currency: 'points' },
      { amount: client.rubles ?? 0, currency: 'rubles' },
    ]);
  });

  app.post(`${API}/fiscal/orders/`, (req, res) => {
    const body = req.body as { order?: OrderBody; amount?: unknown; coupons?: unknown } | undefined;
    const record = (outcome: FakeOrderRecord['outcome']) => state.orders.push({ body, outcome });
    const accept = (outcome: 'applied' | 'duplicate') => {
      record(outcome);
      res.status(200).end();
    };
    const reject = (status: number, error: string, message: string) => {
      record('rejected');
      fail(req, res, status, error, message);
    };
    const order = body?.order;
    if (
      !order ||
      (order.receiptType !== 'sale' && order.receiptType !== 'refund') ||
      typeof order.externalId !== 'string' ||
      !Array.isArray(order.items)
    ) {
      return reject(400, 'Bad Request', 'order.receiptType, order.externalId and order.items are required');
    }
    state.amounts.push({
      externalId: order.externalId,
      receiptType: order.receiptType,
      points: typeof body?.amount === 'number' ? body.amount : 0,
      itemsRoubles:
        Math.round(
          order.items.reduce(
            (sum: number, item: { price?: unknown; quantity?: unknown }) =>
              sum + Number(item.price ?? 0) * Number(item.quantity ?? 0) * 100,
            0,
          ),
        ) / 100,
    });
    const previous = state.sales.get(order.externalId);

    if (order.receiptType === 'refund') {
      if (!previous) return reject(404, 'Not Found', `Order with externalId=${order.externalId} is not found.`);
      if (previous.refunded) return accept('duplicate');
      const client = previous.clientId === undefined ? undefined : byId(String(previous.clientId));
      if (client) {
        client.points = round(client.points + previous.spent - previous.awarded);
        client.coupons.push(...previous.coupons);
      }
      previous.refunded = true;
      return accept('applied');
    }

    if (previous) return accept('duplicate');
    const spend = typeof body?.amount === 'number' ? body.amount : 0;
    const couponIds = Array.isArray(body?.coupons) ? body.coupons.map(Number) : [];
    const client = state.clients.find(
      (candidate) =>
        (order.customerPhone && samePhone(candidate.phone, order.customerPhone)) ||
        (order.customerEmail && candidate.email.toLowerCase() === order.customerEmail.toLowerCase()),
    );
    if (!client && (spend > 0 || couponIds.length > 0)) return reject(404, 'Not Found', 'Client is not found.');
    if (client && spend > client.points) return reject(422, 'Unprocessable Entity', 'Not enough points.');
    const redeemed = client ? client.coupons.filter((coupon) => couponIds.includes(coupon.id)) : [];
    if (redeemed.length !== couponIds.length) return reject(422, 'Unprocessable Entity', 'Coupon is not available.');

    const itemsTotal = order.items.reduce((total, item) => total + Number(item.price) * Number(item.quantity), 0);
    const paid =
      order.amountCard !== undefined || order.amountCash !== undefined
        ? (order.amountCard ?? 0) + (order.amountCash ?? 0)
        : itemsTotal - spend;
    const awarded = client ? round(Math.max(0, paid) * state.awardRate) : 0;
    if (client) {
      client.points = round(client.points - spend + awarded);
      client.coupons = client.coupons.filter((coupon) => !couponIds.includes(coupon.id));
    }
    state.sales.set(order.externalId, {
      clientId: client?.id,
      spent: spend,
      awarded,
      coupons: redeemed,
      refunded: false,
    });
    accept('applied');
  });

  app.use((req: Request, res: Response) => fail(req, res, 404, 'Not Found', 'No such endpoint.'));
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: number }).status ?? 500;
    fail(req, res, status, status === 400 ? 'Bad Request' : 'Internal Server Error', 'Request failed.');
  });

  const { url, close } = await listenOnLoopback(app, options.port);

  function byId(id: string | string[] | undefined): FakeClient | undefined {
    return state.clients.find((client) => String(client.id) === String(id));
  }

  return { url, state, close };
}

interface OrderBody {
  receiptType?: unknown;
  externalId?: unknown;
  items?: Array<{ price?: unknown; quantity?: unknown }>;
  amountCard?: number;
  amountCash?: number;
  customerPhone?: string;
  customerEmail?: string;
}

function fail(req: Request, res: Response, status: number, error: string, message: string): void {
  res.status(status).json({ error, message, path: req.path, status, timestamp: Date.now() });
}

/** i-bonus knows a customer by their number, however it is written: the last ten digits decide. */
function samePhone(a: string, b: string): boolean {
  const digits = (phone: string) => phone.replace(/\D/g, '').slice(-10);
  return digits(a) !== '' && digits(a) === digits(b);
}

function stringParam(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** `%` matches any run of characters, as in i-bonus's search. */
function like(pattern: string, flags = ''): RegExp {
  const escaped = pattern.split('%').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`, flags);
}

function listed(client: FakeClient) {
  return {
    id: client.id,
    email: client.email,
    phone: client.phone,
    name: client.name,
    avatarUrl: null,
    paidPurchases: 0,
    totalPurchases: 0,
    averageBill: 0,
    totalPurchasesAmount: 0,
    paidPurchasesAmount: 0,
    positiveReviews: 0,
    neutralReviews: 0,
    negativeReviews: 0,
    token: `client${client.id}`,
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
