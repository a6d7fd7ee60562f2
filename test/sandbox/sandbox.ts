import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import express from 'express';
import { createApp } from '../../app/app.js';
import { loadConfig, type Config } from '../../app/config/index.js';
import { createLogger } from '../../app/logging/logger.js';
import { projectPath } from '../../app/project-root.js';
import { openStorage, type Storage } from '../../app/storage/database.js';
import { FAKE_POINT, startGeneralApiFake, type GeneralApiFake } from '../fakes/general-api-fake.js';
import { startIBonusFake, type IBonusFake } from '../fakes/ibonus-fake.js';
import { startMoyskladFake, type FakeAccount, type MoyskladFake } from '../fakes/moysklad-fake.js';
import { tillRouter } from './till.js';

export interface SandboxOptions {
  /** Wiped at start: the fake МойСклад keeps its state in memory, so the app starts from scratch too. */
  dataDir: string;
  /** The app's and the embedding page's ports; 0 picks free ones. */
  appPort?: number;
  embedPort?: number;
  logLevel?: string;
  /** МойСклад's time-out as the app sees it. */
  moyskladTimeoutMs?: number;
}

export interface Sandbox {
  /** The app, on http://localhost: another site than the embedding page, as МойСклад is. */
  appUrl: string;
  /** The page that embeds the iframe like online.moysklad.ru does, on http://127.0.0.1. */
  embedUrl: string;
  tillUrl: string;
  config: Config;
  storage: Storage;
  moysklad: MoyskladFake;
  account: FakeAccount;
  providers: {
    general: { url: string; apiKey: string; point: string; fake: GeneralApiFake };
    ibonus: { url: string; login: string; password: string; fake: IBonusFake };
  };
  close: () => Promise<void>;
}

export const SANDBOX_GENERAL_KEY = 'sandbox-general-key';
export const SANDBOX_IBONUS = { login: 'sandbox', password: 'sandbox-password' };

/**
 * The whole flow without МойСклад: the app, a fake МойСклад (Vendor API, context, JSON API) that
 * installs the app on a sandbox account through the real webhook, the provider fakes, a page that
 * frames the settings iframe from another site, and a till that sends LoyaltyAPI calls.
 */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  rmSync(options.dataDir, { recursive: true, force: true });
  const appServer = await listen(createServer(), options.appPort ?? 0);
  const appUrl = `http://localhost:${port(appServer)}`;
  const embed = express();
  const embedServer = await listen(createServer(embed), options.embedPort ?? 0);
  const embedUrl = `http://127.0.0.1:${port(embedServer)}`;

  const app = { appId: randomUUID(), appUid: 'loyalty-bridge.sandbox', secretKey: randomBytes(32).toString('base64url') };
  const moysklad = await startMoyskladFake(app);
  const general = await startGeneralApiFake({ apiKey: SANDBOX_GENERAL_KEY });
  const ibonus = await startIBonusFake(SANDBOX_IBONUS);
  ibonus.state.clients.push({ id: 1, name: 'Мария', phone: '79001112233', email: 'maria@example.ru', points: 300, coupons: [] });

  const config = loadConfig({
    NODE_ENV: 'development',
    DATA_DIR: options.dataDir,
    PORT: String(port(appServer)),
    PUBLIC_BASE_URL: appUrl,
    MOYSKLAD_APP_ID: app.appId,
    MOYSKLAD_APP_UID: app.appUid,
    MOYSKLAD_SECRET_KEY: app.secretKey,
    MOYSKLAD_VENDOR_API_URL: moysklad.vendorApiUrl,
    MOYSKLAD_JSON_API_URL: moysklad.jsonApiUrl,
    MOYSKLAD_FRAME_ANCESTORS: embedUrl,
    MOYSKLAD_TIMEOUT_MS: String(options.moyskladTimeoutMs ?? 3000),
    LOG_LEVEL: options.logLevel ?? 'warn',
  });
  const storage = openStorage(config.databasePath);
  const created = createApp({ config, storage, logger: createLogger({ level: config.logLevel }) });
  appServer.on('request', created.app);

  const account = moysklad.addAccount({ accountName: 'Песочница' });
  await moysklad.install(appUrl, account.accountId);

  embed.set('view engine', 'ejs');
  embed.set('views', projectPath('test/sandbox/views'));
  embed.use('/static', express.static(projectPath('public'), { index: false }));
  embed.get('/', (req, res) => {
    const employee = account.employees.find((e) => (req.query.as === 'cashier' ? !e.isAdmin : e.isAdmin))!;
    // A fresh one-time key on every load, as МойСклад does each time it shows the app.
    const contextKey = moysklad.issueContextKey(account.accountId, employee.id);
    res.render('embed', { account, employee, iframeUrl: `${appUrl}/iframe?contextKey=${contextKey}` });
  });
  embed.use('/till', tillRouter({ account }));

  return {
    appUrl,
    embedUrl,
    tillUrl: `${embedUrl}/till`,
    config,
    storage,
    moysklad,
    account,
    providers: {
      general: { url: general.url, apiKey: SANDBOX_GENERAL_KEY, point: FAKE_POINT, fake: general },
      ibonus: { url: ibonus.url, ...SANDBOX_IBONUS, fake: ibonus },
    },
    close: async () => {
      for (const server of [appServer, embedServer]) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      await Promise.all([moysklad.close(), general.close(), ibonus.close()]);
      created.services.txlog.flush();
      storage.close();
    },
  };
}

async function listen(server: Server, portNumber: number): Promise<Server> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(portNumber, '127.0.0.1', () => resolve());
  });
  return server;
}

function port(server: Server): number {
  return (server.address() as AddressInfo).port;
}
