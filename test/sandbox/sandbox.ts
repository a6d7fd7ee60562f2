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
import { ensureInitialAdmin } from '../../app/admin/auth/admin-users.js';
import { tenantRepository } from '../../app/tenants/tenant-repository.js';
import {
  startMoyskladFake,
  type FakeAccount,
  type FakeRetailDemand,
  type MoyskladFake,
} from '../fakes/moysklad-fake.js';
import { startProviderFakes, type ProviderFakes } from '../fakes/provider-fakes.js';
import { LEDGER_CUSTOMER, SANDBOX_GOODS, tillRouter } from './till.js';
import { moyskladCounterparty, sandboxProductId } from './till-documents.js';
import { seedDemoCustomer } from './demo-customer.js';
import { WIDGET_HEIGHT_PX, WIDGET_WIDTH_PX } from '../../app/widget/card-view.js';

/** МойСклад's counterparties of the sandbox account: sell to their phones at the till, then open their page. */
export const SANDBOX_COUNTERPARTIES = [
  { name: 'Мария Иванова', phone: '+7 900 111-22-33' },
  { name: 'Пётр Смирнов', phone: '+7 900 444-55-66' },
].map(({ name, phone }) => ({ id: moyskladCounterparty(phone, name).meta.id as string, name, phone, tags: [] }));

/**
 * Three months of the sandbox shop's retail sales in МойСклад, for «Проверить на моих продажах»: four a day,
 * every other one to one of the counterparties above, the rest without a customer.
 */
function sandboxSalesHistory(now: number): FakeRetailDemand[] {
  const [coffee, milk, cigarettes] = SANDBOX_GOODS.map((goods) => sandboxProductId(goods.name));
  return Array.from({ length: 360 }, (_, i) => {
    const positions = [
      { assortmentId: coffee!, quantity: 1, priceKopecks: 89_000 },
      { assortmentId: milk!, quantity: 1 + (i % 3), priceKopecks: 9_550 },
      ...(i % 4 === 0 ? [{ assortmentId: cigarettes!, quantity: 1, priceKopecks: 23_000 }] : []),
    ];
    return {
      id: randomUUID(),
      agentId: i % 2 === 0 ? SANDBOX_COUNTERPARTIES[(i / 2) % SANDBOX_COUNTERPARTIES.length]!.id : undefined,
      momentMs: now - 90 * 86_400_000 + i * 6 * 3_600_000,
      sumKopecks: positions.reduce((sum, p) => sum + p.quantity * p.priceKopecks, 0),
      positions,
    };
  });
}

export interface SandboxOptions {
  /** Wiped at start: the fake МойСклад keeps its state in memory, so the app starts from scratch too. */
  dataDir: string;
  /** The app's, the embedding page's and the provider fakes' ports; 0 picks free ones. */
  appPort?: number;
  embedPort?: number;
  providerPorts?: { general?: number; ibonus?: number };
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
  providers: ProviderFakes;
  /** The support UI at `${appUrl}/admin`. */
  admin: { login: string; password: string };
  close: () => Promise<void>;
}

const SANDBOX_ADMIN = { login: 'admin', password: 'sandbox-admin' };

/**
 * The whole flow without МойСклад: the app with its outbox worker and a support UI user, a fake
 * МойСклад (Vendor API, context, JSON API) that installs the app on a sandbox account through the
 * real webhook, the provider fakes, a page that frames the settings iframe from another site next
 * to what to type into it, and a till that sends LoyaltyAPI calls.
 */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  rmSync(options.dataDir, { recursive: true, force: true });
  const appServer = await listen(createServer(), options.appPort ?? 0);
  const appUrl = `http://localhost:${port(appServer)}`;
  const embed = express();
  const embedServer = await listen(createServer(embed), options.embedPort ?? 0);
  const embedUrl = `http://127.0.0.1:${port(embedServer)}`;

  const app = {
    appId: randomUUID(),
    appUid: 'loyalty-bridge.sandbox',
    secretKey: randomBytes(32).toString('base64url'),
  };
  const moysklad = await startMoyskladFake(app);
  const providers = await startProviderFakes(options.providerPorts);

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
    ADMIN_INITIAL_LOGIN: SANDBOX_ADMIN.login,
    ADMIN_INITIAL_PASSWORD: SANDBOX_ADMIN.password,
    // The provider fakes listen on loopback, which a tenant-typed address may reach only when allowed.
    OUTBOUND_ALLOW_HOSTS: '127.0.0.1',
  });
  const storage = openStorage(config.databasePath);
  const created = createApp({ config, storage, logger: createLogger({ level: config.logLevel }) });
  appServer.on('request', created.app);
  // As app/main.ts does: sales for a provider are delivered by the worker, after the till's 201.
  created.services.outboxWorker.start();
  // As app/main.ts does: the goods cache is filled on go-live and kept current in the background.
  created.services.catalog.start();
  await ensureInitialAdmin(storage.db, config.initialAdmin);

  const account = moysklad.addAccount({
    accountName: 'Песочница',
    products: SANDBOX_GOODS.map((goods) => ({ id: sandboxProductId(goods.name), ...goods })),
    counterparties: SANDBOX_COUNTERPARTIES.map(({ id, name, tags }) => ({ id, name, tags })),
    retailDemands: sandboxSalesHistory(Date.now()),
  });
  await moysklad.install(appUrl, account.accountId);
  // The till's customer on the built-in ledger, with a level and points that expire soon.
  const demoMsId = (moyskladCounterparty(LEDGER_CUSTOMER.phone, LEDGER_CUSTOMER.name).meta as { id: string }).id;
  await seedDemoCustomer(storage, account.accountId, { msId: demoMsId, ...LEDGER_CUSTOMER });

  const adminUrl = `${appUrl}/admin`;
  embed.set('view engine', 'ejs');
  embed.set('views', projectPath('test/sandbox/views'));
  embed.use('/static', express.static(projectPath('public'), { index: false }));
  embed.use('/sandbox', express.static(projectPath('test/sandbox/public'), { index: false }));
  embed.get('/', (req, res) => {
    const employee = account.employees.find((e) => (req.query.as === 'cashier' ? !e.isAdmin : e.isAdmin))!;
    // A fresh one-time key on every load, as МойСклад does each time it shows the app.
    const contextKey = moysklad.issueContextKey(account.accountId, employee.id);
    res.render('embed', {
      account,
      employee,
      iframeUrl: `${appUrl}/iframe?contextKey=${contextKey}`,
      providers,
      admin: { url: adminUrl, ...SANDBOX_ADMIN },
    });
  });
  // A counterparty's page with the app's widget: loaded once with a contextKey, then told `Open` for each
  // counterparty shown, as МойСклад keeps a widget cached within a tab («Виджеты», Vendor API).
  embed.get('/counterparty', (req, res) => {
    const employee = account.employees.find((e) => (req.query.as === 'cashier' ? !e.isAdmin : e.isAdmin))!;
    const contextKey = moysklad.issueContextKey(account.accountId, employee.id);
    const query = new URLSearchParams({ contextKey, appUid: config.moysklad.appUid, appId: config.moysklad.appId });
    res.render('counterparty', {
      account,
      employee,
      counterparties: SANDBOX_COUNTERPARTIES,
      widget: {
        url: `${appUrl}/widget/counterparty?${query}&userLocale=ru_RU`,
        origin: appUrl,
        width: WIDGET_WIDTH_PX,
        height: WIDGET_HEIGHT_PX,
      },
    });
  });
  const systemOf = () => tenantRepository.find(storage.db, account.accountId)?.backend ?? 'ledger';
  embed.use('/till', tillRouter({ account, customers: providers.customers, systemOf, adminUrl }));

  return {
    appUrl,
    embedUrl,
    tillUrl: `${embedUrl}/till`,
    config,
    storage,
    moysklad,
    account,
    providers,
    admin: SANDBOX_ADMIN,
    close: async () => {
      for (const server of [appServer, embedServer]) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      // A delivery under way finishes first; what is left waits in SQLite, which the next start wipes.
      await created.services.outboxWorker.stop();
      await created.services.catalog.stop();
      await Promise.all([moysklad.close(), providers.close()]);
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
