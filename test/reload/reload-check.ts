import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import axios, { type AxiosInstance } from 'axios';
import { SecretBox } from '../../app/crypto/secret-box.js';
import { AUTH_HEADER } from '../../app/loyalty-api/loyalty-handlers.js';
import { PROJECT_ROOT } from '../../app/project-root.js';
import { openStorage } from '../../app/storage/database.js';
import { DEMO_ACCOUNT_ID, ensureDemoTenant } from '../../app/tenants/demo-tenant.js';
import { msIdOf, phoneOf, saleBody } from '../bench/bodies.js';
import { freePort } from '../helpers/loopback-server.js';
import { waitFor } from '../helpers/wait-for.js';

const run = promisify(execFile);
const PM2 = join(PROJECT_ROOT, 'node_modules', '.bin', 'pm2');
const APP = 'loyalty-bridge';

export interface ReloadCheckOptions {
  /** How many `pm2 reload`s while sales keep arriving. Default 2. */
  reloads?: number;
  /** Sales in flight at once. Default 4. */
  concurrency?: number;
  /** The pm2 file to start. Default the project's ecosystem.config.cjs (which runs dist/: build first). */
  ecosystem?: string;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface ReloadCheckResult {
  /** Sales sent, answered 201, refused (no HTTP answer: refused or reset connection), failed (any other answer). */
  sent: number;
  created: number;
  refused: number;
  failed: number;
  /** The first few refusals and failures, for a person to read. */
  samples: string[];
  /** The pid serving before the first reload and after each one. */
  pids: number[];
  /** Sales answered 201 that the database holds other than exactly once. */
  notOnce: string[];
  /** Sales in the database the till never got a 201 for (a reset after the commit). */
  unanswered: number;
  /** pm2's error log of the app over the whole run. */
  errorLog: string;
}

/**
 * Starts the app under pm2 as production does (the given ecosystem file, NODE_ENV=production) on a
 * temp database with a private PM2_HOME, keeps selling to the demo tenant through the LoyaltyAPI
 * (a new connection per request, as nginx sends them) while it runs `pm2 reload` `reloads` times,
 * then counts what the till saw and what the database holds. Cleans up after itself.
 */
export async function runReloadCheck(options: ReloadCheckOptions = {}): Promise<ReloadCheckResult> {
  const reloads = options.reloads ?? 2;
  const concurrency = options.concurrency ?? 4;
  const log = options.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'reload-check-'));
  const databasePath = join(dir, 'bridge.sqlite');
  const port = await freePort();
  const encryptionKey = randomBytes(32);
  const appId = randomUUID();
  const token = randomBytes(24).toString('base64url');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    PM2_HOME: join(dir, 'pm2'),
    NODE_ENV: 'production',
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATABASE_PATH: databasePath,
    MOYSKLAD_APP_ID: appId,
    MOYSKLAD_APP_UID: 'reload-check.dev',
    MOYSKLAD_SECRET_KEY: randomBytes(32).toString('base64url'),
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    ENCRYPTION_KEY: encryptionKey.toString('base64'),
    LOG_LEVEL: 'warn',
  };
  const pm2 = async (...args: string[]) => (await run(PM2, args, { env, cwd: PROJECT_ROOT })).stdout;
  const servingPid = async (): Promise<number> => {
    const list = JSON.parse(await pm2('jlist')) as Array<{ name: string; pid: number; pm2_env: { status: string } }>;
    const app = list.find((p) => p.name === APP && p.pm2_env.status === 'online');
    if (!app) throw new Error(`${APP} is not online under pm2: ${JSON.stringify(list.map((p) => p.pm2_env.status))}`);
    return app.pid;
  };

  // The database as the app will find it: migrated, with the demo tenant production never creates itself.
  const storage = openStorage(databasePath);
  ensureDemoTenant(storage.db, new SecretBox(encryptionKey), appId, token);
  storage.close();

  const result: ReloadCheckResult = {
    sent: 0,
    created: 0,
    refused: 0,
    failed: 0,
    samples: [],
    pids: [],
    notOnce: [],
    unanswered: 0,
    errorLog: '',
  };
  const agent = new Agent({ keepAlive: false });
  const api = axios.create({
    baseURL: `http://127.0.0.1:${port}/loyalty-api`,
    headers: { [AUTH_HEADER]: token, 'Content-Type': 'application/json' },
    httpAgent: agent,
    validateStatus: () => true,
    timeout: 30_000,
  });
  try {
    await pm2('start', options.ecosystem ?? join(PROJECT_ROOT, 'ecosystem.config.cjs'));
    const healthy = async () =>
      (await axios.get(`http://127.0.0.1:${port}/healthz`, { httpAgent: agent }).catch(() => undefined))?.status ===
      200;
    await waitFor('the app online', healthy, 30_000);
    result.pids.push(await servingPid());
    log(`started under pm2 (pid ${result.pids[0]}), selling with ${concurrency} tills`);

    const createdKeys: string[] = [];
    let selling = true;
    const tills = Array.from({ length: concurrency }, (_, till) =>
      sellUntilStopped(api, till, () => selling, result, createdKeys),
    );
    await waitFor('the first sales', () => result.created >= concurrency * 5, 30_000);
    for (let i = 1; i <= reloads; i++) {
      await pm2('reload', APP);
      result.pids.push(await servingPid());
      log(`reload ${i}: pid ${result.pids.at(-2)} → ${result.pids.at(-1)}; ${result.created} sales so far`);
      const after = result.created;
      await waitFor(`sales after reload ${i}`, () => result.created >= after + concurrency * 5, 30_000);
    }
    selling = false;
    await Promise.all(tills);

    const check = openStorage(databasePath, { migrate: false });
    try {
      const stored = new Map(
        (
          check.sqlite
            .prepare('select ms_id as key, count(*) as n from sales where tenant_id = ? group by ms_id')
            .all(DEMO_ACCOUNT_ID) as Array<{ key: string; n: number }>
        ).map((row) => [row.key, row.n]),
      );
      result.notOnce = createdKeys.filter((key) => stored.get(key) !== 1);
      result.unanswered = [...stored.keys()].length - new Set(createdKeys).size;
    } finally {
      check.close();
    }
  } catch (error) {
    const logs = readErrorLogs(join(dir, 'pm2', 'logs'));
    throw new Error(`${(error as Error).message}\npm2 error log:\n${logs}`, { cause: error });
  } finally {
    result.errorLog = readErrorLogs(join(dir, 'pm2', 'logs'));
    await pm2('kill').catch(() => undefined);
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

/** One till: registers its customer, then sells until told to stop, counting every answer. */
async function sellUntilStopped(
  api: AxiosInstance,
  till: number,
  selling: () => boolean,
  result: ReloadCheckResult,
  createdKeys: string[],
): Promise<void> {
  const msId = msIdOf(till);
  const customer = await api.post('/counterparty', {
    meta: { id: msId, href: '' },
    name: `Покупатель ${till}`,
    phone: `+${phoneOf(till)}`,
  });
  if (customer.status !== 201)
    throw new Error(`customer not created: ${customer.status} ${JSON.stringify(customer.data)}`);
  while (selling()) {
    const saleId = randomUUID();
    result.sent++;
    try {
      const answer = await api.post('/retaildemand', saleBody(msId, saleId));
      if (answer.status === 201) {
        result.created++;
        createdKeys.push(saleId);
      } else {
        result.failed++;
        sample(result, `${answer.status} ${JSON.stringify(answer.data).slice(0, 200)}`);
      }
    } catch (error) {
      result.refused++;
      sample(result, `no answer: ${(error as { code?: string }).code ?? String(error)}`);
    }
  }
}

function sample(result: ReloadCheckResult, text: string): void {
  if (result.samples.length < 10) result.samples.push(text);
}

function readErrorLogs(logs: string): string {
  if (!existsSync(logs)) return '';
  return readdirSync(logs)
    .filter((name) => name.includes('-error'))
    .map((name) => readFileSync(join(logs, name), 'utf8'))
    .join('');
}
