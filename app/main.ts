import cluster from 'node:cluster';
import type { Server } from 'node:http';
import { createApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config/index.js';
import { createLogger, type Logger } from './logging/logger.js';
import { openStorage } from './storage/database.js';
import { ensureDemoTenant } from './tenants/demo-tenant.js';
import { sealPlainSmsWebhookUrls } from './tenants/tenant-settings.js';
import { adminUserRepository } from './admin/auth/admin-user-repository.js';
import { ensureInitialAdmin } from './admin/auth/admin-users.js';
import { startMaintenance } from './ops/maintenance.js';

/** In-flight requests get this long after a stop signal; kill_timeout in ecosystem.config.cjs is longer. */
const DRAIN_MS = 10_000;

function start(): void {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel });
  // The maintenance side checkpoints the WAL on a timer (startMaintenance), never inside a sale's commit.
  const storage = openStorage(config.databasePath, { autoCheckpoint: false });
  const { app, services } = createApp({ config, storage, logger });
  services.metrics.collectProcessMetrics();
  const sealed = sealPlainSmsWebhookUrls(storage.db, services.box);
  if (sealed > 0) logger.info('SMS gateway URLs sealed with the secrets', { tenants: sealed });
  if (config.demoLoyaltyToken)
    ensureDemoTenant(storage.db, services.box, config.moysklad.appId, config.demoLoyaltyToken);
  const firstAdmin = ensureInitialAdmin(storage.db, config.initialAdmin).then(
    (login) => login && logger.info('first admin created from ADMIN_INITIAL_LOGIN', { login }),
    (error: unknown) => logger.error('first admin not created', { error }),
  );

  const server = app.listen(config.port);
  server.once('error', (error: NodeJS.ErrnoException) => {
    // Nothing was started yet: say why in one line and exit non-zero, so pm2 counts a failed start.
    console.error(listenFailure(config, error));
    logger.error('listen failed', { error });
    storage.close();
    process.exit(1);
  });
  server.once('listening', () => {
    // The background jobs start only once this process serves: a start that fails to listen does no work.
    const maintenance = startMaintenance({
      storage,
      logger,
      retentionDays: config.logRetentionDays,
      readBodiesDays: config.logReadBodiesDays,
      tiers: { job: services.tierJob, seed: services.tierSeed },
      expiry: services.pointExpiry,
      reminders: services.expiryReminders,
      birthdays: services.birthdayJob,
      catchUp: services.catchUp,
    });
    services.outboxWorker.start();
    services.catalog.start();
    services.catchUp.start();
    services.customerImport.watch();
    installGracefulShutdown(
      server,
      logger,
      async () => {
        // The jobs stop taking new work at once; the delivery under way finishes (its calls have time-outs),
        // the rest waits in SQLite for the next process, which may already be running (pm2 reload).
        await Promise.all([
          maintenance.stop(),
          services.outboxWorker.stop(),
          services.catalog.stop(),
          services.tierJob.stop(),
          services.tierSeed.stop(),
          services.catchUp.stop(),
          services.customerImport.stop(),
          services.whatIf.stop(),
        ]);
      },
      () => {
        services.txlog.flush();
        services.flushAuthFailures();
        storage.close();
      },
    );
    printWelcome(config);
    // pm2 (wait_ready) sends traffic here and stops the old process only now: migrations done, port open,
    // first admin in place.
    void firstAdmin.then(() => {
      if (adminUserRepository.count(storage.db) === 0)
        console.log('No admin users yet: npm run admin:create -- <login>');
      process.send?.('ready');
    });
  });
}

function listenFailure(config: Config, error: NodeJS.ErrnoException): string {
  const port = config.port;
  switch (error.code) {
    case 'EADDRINUSE':
      return `Порт ${port} занят другим процессом (EADDRINUSE), сервер не запущен. Остановите тот процесс (его покажет \`ss -ltnp 'sport = :${port}'\`) или задайте другой PORT.`;
    case 'EACCES':
      return `Нет прав открыть порт ${port} (EACCES), сервер не запущен. Задайте PORT больше 1023.`;
    default:
      return `Не удалось открыть порт ${port} (${error.code ?? error.message}), сервер не запущен.`;
  }
}

function printWelcome(config: Config): void {
  const local = `http://localhost:${config.port}`;
  // Plain stdout on purpose: this is the developer's welcome, not a log line.
  console.log(`Loyalty bridge (${config.env}) is listening on ${local}`);
  console.log(`  Health:      ${local}/healthz`);
  console.log(`  LoyaltyAPI:  ${config.publicBaseUrl}/loyalty-api`);
  console.log(`  Vendor API:  ${config.publicBaseUrl}/api/moysklad/vendor/1.0`);
  console.log(`  Database:    ${config.databasePath}`);
  console.log(`  Admin UI:    ${config.publicBaseUrl}/admin`);
  if (config.demoLoyaltyToken) console.log(`LoyaltyAPI token: ${config.demoLoyaltyToken}`);
}

/**
 * On SIGINT/SIGTERM (or pm2's 'shutdown' message): stops accepting, lets in-flight requests finish
 * (DRAIN_MS at most) while the jobs finish their work under way, then writes the queued log rows and
 * closes the database. In pm2 cluster mode another process already serves new connections by then.
 */
function installGracefulShutdown(
  server: Server,
  logger: Logger,
  stopJobs: () => Promise<void>,
  closeStorage: () => void,
): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const leftCluster = leaveCluster();
    const force = setTimeout(() => server.closeAllConnections(), DRAIN_MS).unref();
    try {
      await Promise.all([closed, leftCluster, stopJobs()]);
      clearTimeout(force);
      closeStorage();
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error('shutdown failed', { error });
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // pm2 sends this message instead of a signal where signals do not reach the process (Windows, shutdown_with_message).
  process.on('message', (message) => message === 'shutdown' && void stop('shutdown message'));
}

/**
 * Under pm2 cluster mode the primary (pm2) accepts connections and hands them to a worker. After close()
 * the primary may still be handing this process a connection; a process that exits then loses it, and
 * the till waits until its time-out. Disconnecting from the primary is a round trip that it answers only
 * after our close: every connection handed over before that has been passed back for another worker.
 */
function leaveCluster(): Promise<void> {
  const worker = cluster.worker;
  if (!worker?.isConnected()) return Promise.resolve();
  return new Promise((resolve) => {
    worker.once('disconnect', () => resolve());
    worker.disconnect();
  });
}

start();
