import type { Server } from 'node:http';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config/index.js';
import { createLogger } from './logging/logger.js';
import { openStorage } from './storage/database.js';
import { ensureDemoTenant } from './tenants/demo-tenant.js';
import { sealPlainSmsWebhookUrls } from './tenants/tenant-settings.js';
import { adminUserRepository } from './admin/auth/admin-user-repository.js';
import { ensureInitialAdmin } from './admin/auth/admin-users.js';
import { startMaintenance } from './ops/maintenance.js';

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
  const storage = openStorage(config.databasePath);
  const { app, services } = createApp({ config, storage, logger });
  const sealed = sealPlainSmsWebhookUrls(storage.db, services.box);
  if (sealed > 0) logger.info('SMS gateway URLs sealed with the secrets', { tenants: sealed });
  if (config.demoLoyaltyToken)
    ensureDemoTenant(storage.db, services.box, config.moysklad.appId, config.demoLoyaltyToken);
  const maintenance = startMaintenance({ storage, logger, retentionDays: config.logRetentionDays });
  const firstAdmin = ensureInitialAdmin(storage.db, config.initialAdmin).then(
    (login) => login && logger.info('first admin created from ADMIN_INITIAL_LOGIN', { login }),
    (error: unknown) => logger.error('first admin not created', { error }),
  );
  services.outboxWorker.start();

  const server = app.listen(config.port, () => {
    const local = `http://localhost:${config.port}`;
    // Plain stdout on purpose: this is the developer's welcome, not a log line.
    console.log(`Loyalty bridge (${config.env}) is listening on ${local}`);
    console.log(`  Health:      ${local}/healthz`);
    console.log(`  LoyaltyAPI:  ${config.publicBaseUrl}/loyalty-api`);
    console.log(`  Vendor API:  ${config.publicBaseUrl}/api/moysklad/vendor/1.0`);
    console.log(`  Database:    ${config.databasePath}`);
    console.log(`  Admin UI:    ${local}/admin`);
    if (config.demoLoyaltyToken) console.log(`LoyaltyAPI token: ${config.demoLoyaltyToken}`);
    // pm2 (wait_ready) switches traffic to this process only now: migrations done, port open, first admin in place.
    void firstAdmin.then(() => {
      if (adminUserRepository.count(storage.db) === 0)
        console.log('No admin users yet: npm run admin:create -- <login>');
      process.send?.('ready');
    });
  });
  installGracefulShutdown(
    server,
    async () => {
      maintenance.stop();
      // The delivery under way finishes (its calls have time-outs); the rest wait in SQLite for the next start.
      await services.outboxWorker.stop();
      services.txlog.flush();
      storage.close();
    },
    logger,
  );
}

/** Stops accepting, lets in-flight requests finish (10 s at most), stops the outbox worker, then closes the database. */
function installGracefulShutdown(
  server: Server,
  closeStorage: () => Promise<void>,
  logger: ReturnType<typeof createLogger>,
): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    const force = setTimeout(() => server.closeAllConnections(), 10_000).unref();
    server.close(async () => {
      clearTimeout(force);
      await closeStorage();
      logger.info('stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

start();
