import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { listenOnLoopback } from '../helpers/loopback-server.js';

/**
 * A stateful stand-in for the "general" REST loyalty API (providers spec, section B), following the
 * seed's paths, shapes and 422 errors. Tests drive it through `state`: `down` answers 503, `delayMs`
 * makes every answer slow.
 */
export interface FakeGeneralClient {
  id: string;
  name: string;
  phone: string;
  card?: string;
  /** The code shown in the provider's customer app. */
  appCode?: string;
  email?: string;
  birthday?: string;
  level: { id: string; title: string; percent: number; type: 'cashback' | 'discount'; maxSpendPercent: number };
  balance: number;
}

export interface FakeGeneralHold {
  id: string;
  client: string;
  point: string;
  amount: number;
  /** Unix seconds. */
  until: number;
}

export interface FakeGeneralRetail {
  client: string;
  point: string;
  amount: number;
  spend: number;
  earn: number;
  total: number;
}

/** The amounts (roubles) the provider was asked about, per call, in order. */
export interface FakeGeneralAmount {
  call: 'recalc' | 'hold' | 'retail';
  client: string;
  amount: number;
}

export interface GeneralApiFakeState {
  clients: Map<string, FakeGeneralClient>;
  points: Set<string>;
  holds: Map<string, FakeGeneralHold>;
  retails: FakeGeneralRetail[];
  /** Every amount a recalc, hold or retail carried: what the provider saw of a receipt. */
  amounts: FakeGeneralAmount[];
  /** Every authorised request, in order: path and body. */
  requests: Array<{ path: string; body: unknown }>;
  down: boolean;
  delayMs: number;
  /** Lets tests move time forward for hold expiry. */
  now: () => number;
}

export interface GeneralApiFake {
  url: string;
  state: GeneralApiFakeState;
  close: () => Promise<void>;
}

export const FAKE_POINT = 'point-1';

export function defaultFakeClients(): FakeGeneralClient[] {
  return [
    {
      id: 'client-cashback',
      name: 'ИВАН',
      phone: '79201234567',
      card: '1000200030004000',
      appCode: 'APP-1234',
      email: 'ivan@example.com',
      birthday: '1990-03-29',
      level: { id: 'level-bonus', title: 'Бонусы', percent: 10, type: 'cashback', maxSpendPercent: 50 },
      balance: 878,
    },
    {
      id: 'client-discount',
      name: 'МАРИЯ',
      phone: '79207654321',
      level: { id: 'level-discount', title: 'Скидка', percent: 5, type: 'discount', maxSpendPercent: 0 },
      balance: 0,
    },
  ];
}

export async function startGeneralApiFake(options: {
  apiKey: string;
  clients?: FakeGeneralClient[];
  points?: string[];
  /** A fixed port for the sandbox (npm run fakes); random by default. */
  port?: number;
}): Promise<GeneralApiFake> {
  const state: GeneralApiFakeState = {
    clients: new Map((options.clients ?? defaultFakeClients()).map((c) => [c.id, structuredClone(c)])),
    points: new Set(options.points ?? [FAKE_POINT]),
    holds: new Map(),
    retails: [],
    amounts: [],
    requests: [],
    down: false,
    delayMs: 0,
    now: () => Math.floor(Date.now() / 1000),
  };

  const app = express();
  app.use(express.json());
  app.use(async (req: Request, res: Response, next: NextFunction) => {
    if (state.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, state.delayMs));
    if (res.writableEnded || req.socket.destroyed) return;
    if (state.down) {
      res.status(503).send('Service Unavailable');
      return;
    }
    if (req.get('apikey') !== options.apiKey) {
      res.status(401).json({ message: 'Unauthorized' });
      return;
    }
    state.requests.push({ path: req.path, body: req.body });
    next();
  });

  const refuse = (res: Response, field: string, message: string) => {
    res.status(422).json({ [field]: message });
  };

  /** Drops expired holds; the seed lets a hold live for its duration only. */
  const liveHolds = () => {
    for (const [id, hold] of state.holds) if (hold.until <= state.now()) state.holds.delete(id);
    return [...state.holds.values()];
  };

  /** Balance minus points held by other operations; holds listed by the caller count as available. */
  const available = (client: FakeGeneralClient, listed: unknown) => {
    const mine = new Set(Array.isArray(listed) ? listed.map(String) : []);
    const heldElsewhere = liveHolds()
      .filter((h) => h.client === client.id && !mine.has(h.id))
      .reduce((sum, h) => sum + h.amount, 0);
    return client.level.type === 'discount' ? 0 : Math.max(0, client.balance - heldElsewhere);
  };

  const spendable = (client: FakeGeneralClient, amount: number, listed: unknown) =>
    client.level.type === 'discount'
      ? 0
      : Math.min(available(client, listed), Math.floor((amount * client.level.maxSpendPercent) / 100));

  /** The seed drops a point's holds when a new operation starts there. */
  const dropHoldsAt = (point: string, keep: Set<string> = new Set()) => {
    for (const [id, hold] of state.holds) if (hold.point === point && !keep.has(id)) state.holds.delete(id);
  };

  /** Validates client and point as the provider does; answers the 422 itself and returns undefined on failure. */
  const lookup = (req: Request, res: Response): { client: FakeGeneralClient; point: string } | undefined => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const point = String(body.point ?? '');
    if (!state.points.has(point)) return void refuse(res, 'point', 'Point not found.');
    const client = state.clients.get(String(body.client ?? ''));
    if (!client) return void refuse(res, 'client', 'Client not found.');
    return { client, point };
  };

  const amountOf = (req: Request, res: Response, name = 'amount'): number | undefined => {
    const value = (req.body as Record<string, unknown> | undefined)?.[name];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      return void refuse(res, name, `${name} is invalid.`);
    return value;
  };

  app.post('/integration/general/client', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!state.points.has(String(body.point ?? ''))) return refuse(res, 'point', 'Point not found.');
    const search = String(body.search ?? '').replace(/[^\dA-Za-z-]/g, '');
    const client = [...state.clients.values()].find(
      (c) => c.phone === search || c.card === search || c.appCode === search || c.id === search,
    );
    if (!client) return refuse(res, 'client', 'Client not found.');
    res.json({
      success: true,
      client: {
        id: client.id,
        name: client.name,
        photo: `https://photos.example/${client.id}.jpeg`,
        birthday: client.birthday ?? null,
        level: client.level,
        phone: Number(client.phone),
        email: client.email ?? null,
        balance: available(client, body.hold),
      },
    });
  });

  app.post('/integration/general/recalc', (req, res) => {
    const found = lookup(req, res);
    const amount = found && amountOf(req, res);
    if (!found || amount === undefined) return;
    const { client } = found;
    state.amounts.push({ call: 'recalc', client: client.id, amount });
    res.json({
      success: true,
      recalc: {
        amount,
        percent: client.level.percent,
        type: client.level.type,
        spend: spendable(client, amount, req.body.hold),
        earn: client.level.type === 'cashback' ? Math.floor((amount * client.level.percent) / 100) : 0,
      },
    });
  });

  app.post('/integration/general/bonuses/hold', (req, res) => {
    const found = lookup(req, res);
    const amount = found && amountOf(req, res);
    if (!found || amount === undefined) return;
    const duration = req.body.duration ?? 10;
    if (typeof duration !== 'number' || duration <= 0 || duration > 30) {
      return refuse(res, 'duration', 'Duration must be between 1 and 30.');
    }
    state.amounts.push({ call: 'hold', client: found.client.id, amount });
    dropHoldsAt(found.point);
    const max = available(found.client, []);
    if (amount > max) return refuse(res, 'spend', `Spend can't be more ${max}`);
    const hold: FakeGeneralHold = {
      id: randomUUID().replaceAll('-', '').slice(0, 24),
      client: found.client.id,
      point: found.point,
      amount,
      until: state.now() + duration * 60,
    };
    state.holds.set(hold.id, hold);
    res.json({ success: true, held: { id: hold.id, until: hold.until, amount: hold.amount } });
  });

  app.post('/integration/general/bonuses/release', (req, res) => {
    state.holds.delete(String(req.body?.id ?? ''));
    res.json({ success: true });
  });

  app.post('/integration/general/retail', (req, res) => {
    const found = lookup(req, res);
    const amount = found && amountOf(req, res);
    const spend = found && amount !== undefined ? amountOf(req, res, 'spend') : undefined;
    if (!found || amount === undefined || spend === undefined) return;
    const { client, point } = found;
    state.amounts.push({ call: 'retail', client: client.id, amount });
    const listed = new Set(Array.isArray(req.body.hold) ? (req.body.hold as unknown[]).map(String) : []);
    // A new operation drops the point's other holds before it is checked.
    dropHoldsAt(point, listed);
    const max = spendable(client, amount, [...listed]);
    if (spend > max) return refuse(res, 'spend', `Spend can't be more ${max}`);
    for (const id of listed) state.holds.delete(id);
    const level = client.level;
    if (spend > 0) {
      client.balance -= spend;
      const total = amount - spend;
      state.retails.push({ client: client.id, point, amount, spend, earn: 0, total });
      return res.json({ success: true, retail: { amount, total, percent: level.percent, type: level.type, spend } });
    }
    const earn = level.type === 'cashback' ? Math.floor((amount * level.percent) / 100) : 0;
    const total = level.type === 'discount' ? amount - Math.floor((amount * level.percent) / 100) : amount;
    client.balance += earn;
    state.retails.push({ client: client.id, point, amount, spend: 0, earn, total });
    res.json({ success: true, retail: { amount, total, percent: level.percent, type: level.type, earn } });
  });

  const { url, close } = await listenOnLoopback(app, options.port);
  return { url, state, close };
}
