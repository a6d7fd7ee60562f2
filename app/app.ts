import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Config } from './config/index.js';
import { SecretBox } from './crypto/secret-box.js';
import { authFailureLimiter } from './http/auth-failures.js';
import { jsonApiHeaders } from './http/json-api-headers.js';
import { OutboundGuard, type HostResolver } from './http/outbound-guard.js';
import { requestContext } from './http/request-context.js';
import { transactionLogging } from './http/transaction-logging.js';
import type { Logger } from './logging/logger.js';
import { MoyskladClient } from './moysklad/moysklad-client.js';
import type { Storage } from './storage/database.js';
import type { GroupCommitOptions } from './storage/group-commit.js';
import { TransactionLog } from './txlog/transaction-log.js';
import { AppLifecycle } from './vendor-api/lifecycle.js';
import { vendorApiRouter } from './vendor-api/vendor-router.js';
import { GiftCards } from './ledger/gift-cards.js';
import { LedgerBackend } from './ledger/ledger-backend.js';
import { VerificationCodes } from './ledger/verification-codes.js';
import { PointExpiry } from './ledger/point-expiry.js';
import { ExpiryReminders } from './ledger/expiry-reminders.js';
import { BirthdayJob } from './ledger/birthdays.js';
import { SmsGateway } from './sms/sms-gateway.js';
import { BackendRegistry } from './loyalty/backend-registry.js';
import { loyaltyApiRouter } from './loyalty-api/loyalty-router.js';
import { VendorJwtVerifier } from './vendor-api/vendor-jwt.js';
import { projectPath } from './project-root.js';
import { GoLive } from './go-live/go-live.js';
import { CustomerImport } from './ledger/customer-import.js';
import { iframeRouter } from './iframe/iframe-router.js';
import { IframeSessions } from './iframe/iframe-sessions.js';
import { SettingsPage } from './iframe/settings-page.js';
import { adminRouter } from './admin/admin-router.js';
import { Outbox } from './outbox/outbox.js';
import { OutboxWorker } from './outbox/outbox-worker.js';
import { providerBackendFactories } from './providers/provider-backends.js';
import { ProviderResilience } from './providers/resilience.js';
import { deliveryFor } from './providers/delivery-for.js';
import { Metrics } from './ops/metrics.js';
import { metricsRouter } from './ops/metrics-router.js';
import { routesOf } from './ops/metrics-handlers.js';
import { CatalogSync } from './catalog/catalog-sync.js';
import { RestrictedGoods } from './catalog/restricted-goods.js';
import { CustomerTags } from './catalog/customer-tags.js';
import { catalogWebhookRouter } from './catalog/catalog-webhook-router.js';
import { TierJob } from './ledger/tier-job.js';
import { TierSeed } from './go-live/tier-seed.js';
import { CatchUp } from './catch-up/catch-up.js';
import { WhatIf } from './what-if/what-if.js';
import { CounterpartyCards } from './widget/counterparty-card.js';
import { widgetRouter } from './widget/widget-router.js';

export interface AppDeps {
  config: Config;
  storage: Storage;
  logger: Logger;
  /** Tests and the sandbox may pass their own; by default built from config. */
  moysklad?: MoyskladClient;
  /** How tenant-typed host names are resolved for the outbound guard; tests, which have no DNS, pass their own. */
  resolveHost?: HostResolver;
  /** How the built-in ledger batches sale commits; the bench compares settings, production keeps the default. */
  groupCommit?: GroupCommitOptions;
}

export interface AppServices {
  box: SecretBox;
  txlog: TransactionLog;
  moysklad: MoyskladClient;
  lifecycle: AppLifecycle;
  backends: BackendRegistry;
  giftCards: GiftCards;
  goLive: GoLive;
  /** Sales and returns owed to providers; also the admin UI's API for them. */
  outbox: Outbox;
  /** Not started here: main.ts (and tests that want it) start and stop it. */
  outboxWorker: OutboxWorker;
  /** Provider retries and breakers, shared by every tenant's adapter. */
  resilience: ProviderResilience;
  /** What /metrics shows. */
  metrics: Metrics;
  /** Writes the failed-authentication counters now (they are saved a second after they change). */
  flushAuthFailures: () => void;
  /** Keeps each tenant's goods cache current; not started here either. */
  catalog: CatalogSync;
  restrictedGoods: RestrictedGoods;
  /** The ledger's tier job and МойСклад history seeding: maintenance.ts runs them, the settings page wakes them. */
  tierJob: TierJob;
  tierSeed: TierSeed;
  /** «Проверить на моих продажах»: runs in the background; main.ts stops it on shutdown. */
  whatIf: WhatIf;
  /** The built-in ledger's expired points and their SMS reminders; run by the maintenance job (main.ts). */
  pointExpiry: PointExpiry;
  expiryReminders: ExpiryReminders;
  /** The ledger's birthday points: maintenance.ts runs the job. */
  birthdayJob: BirthdayJob;
  /** Customer files imported into the built-in ledger, in the background (settings iframe and admin). */
  customerImport: CustomerImport;
  /** Sales the till made without reaching us, found in МойСклад; not started here (main.ts starts it). */
  catchUp: CatchUp;
}

/** Wires every part in one place, so tests can build the whole app around a temp database. */
export function createApp(deps: AppDeps): { app: Express; services: AppServices } {
  const { config, storage, logger } = deps;
  const box = new SecretBox(config.encryptionKey);
  const txlog = new TransactionLog(storage.db, logger, { keepReadBodies: config.logReadBodiesDays > 0 });
  // Every address a tenant types (providers, SMS gateway) is called through this guard only.
  const guard = new OutboundGuard(config.outboundAllow, { resolve: deps.resolveHost });
  const moysklad = deps.moysklad ?? new MoyskladClient({ ...config.moysklad, logger, txlog });
  const lifecycle = new AppLifecycle(storage.db, box, config.moysklad);
  const giftCards = new GiftCards();
  const catalog = new CatalogSync({
    db: storage.db,
    box,
    moysklad,
    logger,
    publicBaseUrl: config.publicBaseUrl,
    webhookSecret: config.encryptionKey,
  });
  const tierJob = new TierJob({ db: storage.db, logger });
  const tierSeed = new TierSeed({ db: storage.db, box, moysklad, logger, tierJob });
  const restrictedGoods = new RestrictedGoods({ db: storage.db, box, moysklad, logger });
  const customerImport = new CustomerImport(storage.db, txlog, logger);
  const whatIf = new WhatIf({ db: storage.db, box, moysklad, goods: restrictedGoods, logger });
  const sms = new SmsGateway({ logger, txlog, guard });
  const pointExpiry = new PointExpiry(storage.db);
  const expiryReminders = new ExpiryReminders(storage.db, { logger, box, sms });
  const customerTags = new CustomerTags({ db: storage.db, box, moysklad, logger });
  const birthdayJob = new BirthdayJob({ db: storage.db, logger, customerTags });
  const ledger = new LedgerBackend(storage.db, {
    codes: new VerificationCodes(storage.db, { logger, box, sms }),
    giftCards,
    customerTags,
    groupCommit: deps.groupCommit,
  });
  const catchUp = new CatchUp({
    db: storage.db,
    box,
    moysklad,
    ledger,
    goods: restrictedGoods,
    txlog,
    logger,
  });
  const outbox = new Outbox(
    storage.db,
    { txlog, logger, deliveryFor: (tenantId, provider) => deliveryFor(storage.db, backends, tenantId, provider) },
    {
      ...config.outbox,
      claimMs: config.providers.deliveryTimeoutMs * 2 + 10_000,
    },
  );
  const resilience = new ProviderResilience();
  const providers = providerBackendFactories({
    db: storage.db,
    box,
    logger,
    txlog,
    outbox,
    resilience,
    timeouts: config.providers,
    guard,
    ibonusDeduplicatesExternalId: config.providers.ibonusDeduplicatesExternalId,
  });
  const backends = new BackendRegistry({ ledger: () => ledger, ...providers });
  const outboxWorker = new OutboxWorker(outbox, logger);
  const loyaltyApiUrl = `${config.publicBaseUrl}/loyalty-api`;
  const goLive = new GoLive({ db: storage.db, box, moysklad, loyaltyApiUrl, logger, catalog, tiers: tierJob });
  const metrics = new Metrics({
    outboxByStatus: () => outbox.countOwedByStatus(),
    breakers: () => resilience.states(),
    txlogQueue: () => txlog.queueLength,
  });

  const loyaltyAuthFailures = authFailureLimiter({ db: storage.db, logger, name: 'loyalty-api' });
  const vendorAuthFailures = authFailureLimiter({ db: storage.db, logger, name: 'vendor-api' });

  const loyaltyApi = loyaltyApiRouter({
    db: storage.db,
    logger,
    txlog,
    backendFor: (tenant) => backends.for(tenant),
    goods: restrictedGoods,
    tillPatienceMs: config.providers.tillTimeoutMs,
    authFailures: loyaltyAuthFailures,
  });
  metrics.knowLoyaltyEndpoints(routesOf(loyaltyApi));

  const app = express();
  app.disable('x-powered-by');
  // No ETag: API answers are fresh on every call, pages carry per-request tokens; static files keep theirs.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);
  // Server-rendered pages (settings iframe, admin UI) share views/ and public/.
  app.set('view engine', 'ejs');
  app.set('views', projectPath('views'));
  app.use(requestContext);

  // The till's API comes first and runs only what it needs: its headers, the call's log row, then its
  // router (token before body, one JSON parser). Nothing below it (helmet, static files, sessions) runs for it.
  app.use(
    '/loyalty-api',
    jsonApiHeaders,
    transactionLogging('loyalty-api', txlog, logger, (method, path, status, seconds) =>
      metrics.observeLoyaltyCall(method, path, status, seconds),
    ),
    loyaltyApi,
  );

  app.use(
    helmet({
      contentSecurityPolicy: { directives: { 'frame-ancestors': ["'none'"] } },
    }),
  );

  app.use('/static', express.static(projectPath('public'), { maxAge: '1h', index: false }));

  app.use('/metrics', metricsRouter({ metrics, token: config.metricsToken }));

  app.get('/healthz', (_req, res) => {
    const row = storage.sqlite.prepare('select 1 as ok').get() as { ok: number } | undefined;
    res.json({ status: row?.ok === 1 ? 'ok' : 'degraded' });
  });

  app.use(
    '/api/moysklad/vendor/1.0',
    transactionLogging('vendor-api', txlog, logger),
    vendorApiRouter({
      lifecycle,
      jwt: new VendorJwtVerifier(config.moysklad.secretKey, storage.db),
      logger,
      authFailures: vendorAuthFailures,
    }),
  );

  app.use(
    '/moysklad-webhooks',
    transactionLogging('moysklad', txlog, logger),
    catalogWebhookRouter({ sync: catalog, logger }),
  );

  app.use(
    '/iframe',
    iframeRouter({
      frameAncestors: config.moysklad.frameAncestors,
      sessions: new IframeSessions(storage.db, moysklad, config.sessionSecret),
      page: new SettingsPage({ db: storage.db, box, moysklad, loyaltyApiUrl, tierSeed }),
      goLive,
      tierSeed,
      whatIf,
      guard,
      logger,
      txlog,
      importer: customerImport,
    }),
  );
  app.use(
    '/widget',
    widgetRouter({
      frameAncestors: config.moysklad.frameAncestors,
      // The settings iframe's sessions: one user context, the same rights, no cookie.
      sessions: new IframeSessions(storage.db, moysklad, config.sessionSecret),
      cards: new CounterpartyCards({
        db: storage.db,
        txlog,
        backends,
        logger,
        providerPatienceMs: config.providers.tillTimeoutMs,
      }),
      logger,
    }),
  );
  app.use(
    '/admin',
    adminRouter({ config, storage, logger, txlog, box, giftCards, goLive, outbox, loyaltyApiUrl, customerImport }),
  );

  app.use((_req, res) => {
    res.status(404).json({ errors: [{ error: 'Не найдено', code: 1003, error_message: 'Такого адреса нет.' }] });
  });

  const flushAuthFailures = () => {
    loyaltyAuthFailures.flush();
    vendorAuthFailures.flush();
  };
  return {
    app,
    services: {
      box,
      txlog,
      moysklad,
      lifecycle,
      backends,
      giftCards,
      goLive,
      outbox,
      outboxWorker,
      resilience,
      metrics,
      flushAuthFailures,
      catalog,
      restrictedGoods,
      tierJob,
      tierSeed,
      whatIf,
      pointExpiry,
      expiryReminders,
      birthdayJob,
      customerImport,
      catchUp,
    },
  };
}
