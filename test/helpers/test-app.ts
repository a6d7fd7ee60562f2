import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios, { type AxiosInstance } from 'axios';
import { SignJWT } from 'jose';
import { createApp, type AppServices } from '../../app/app.js';
import { loadConfig, type Config } from '../../app/config/index.js';
import type { HostResolver } from '../../app/http/outbound-guard.js';
import { createLogger } from '../../app/logging/logger.js';
import { listenOnLoopback } from './loopback-server.js';
import { memoryLogger } from './memory-logger.js';
import { resolveTestHosts } from './outbound.js';
import { openStorage, type Storage } from '../../app/storage/database.js';
import type { GroupCommitOptions } from '../../app/storage/group-commit.js';
import { startWalCheckpoints } from '../../app/ops/wal-checkpoints.js';

export const TEST_VENDOR_API = 'https://apps-api.moysklad.test/api/vendor/1.0';
export const TEST_JSON_API = 'https://api.moysklad.test/api/remap/1.2';

/** A config like production's, pointing at a temp folder and at hosts only nock answers. */
export function testConfig(dir: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dir,
    DATABASE_PATH: join(dir, 'test.sqlite'),
    PUBLIC_BASE_URL: 'https://loyalty.example.test',
    MOYSKLAD_APP_ID: randomUUID(),
    MOYSKLAD_APP_UID: 'loyalty-bridge.test',
    MOYSKLAD_SECRET_KEY: randomBytes(32).toString('base64url'),
    MOYSKLAD_VENDOR_API_URL: TEST_VENDOR_API,
    MOYSKLAD_JSON_API_URL: TEST_JSON_API,
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'debug',
    ...env,
  });
}

export { memoryLogger };

export interface TestApp {
  dir: string;
  config: Config;
  storage: Storage;
  services: AppServices;
  http: AxiosInstance;
  baseUrl: string;
  logs: () => string;
  /** Writes queued transaction-log rows so a test can read them. */
  flushLog: () => void;
  /** A fresh МойСклад-style JWT for one Vendor API call. */
  vendorJwt: (claims?: Record<string, unknown>) => Promise<string>;
  close: (options?: { keepFiles?: boolean }) => Promise<void>;
}

/** The whole app in-process on a fresh temp database, listening on a random loopback port. */
export async function startTestApp(
  options: {
    dir?: string;
    config?: Config;
    env?: Record<string, string>;
    quietLogs?: boolean;
    resolveHost?: HostResolver;
    groupCommit?: GroupCommitOptions;
    /** As the server runs: no automatic checkpoints, a timer checkpoints the WAL between requests. */
    walCheckpointTimer?: boolean;
  } = {},
): Promise<TestApp> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'loyalty-bridge-'));
  const config = options.config ?? testConfig(dir, options.env);
  // The bench keeps only errors: collecting every line would dominate what it measures.
  const { logger, text } = options.quietLogs
    ? { logger: createLogger({ level: 'error' }), text: () => '' }
    : memoryLogger();
  const storage = openStorage(config.databasePath, { autoCheckpoint: !options.walCheckpointTimer });
  const checkpoints = options.walCheckpointTimer ? startWalCheckpoints({ sqlite: storage.sqlite, logger }) : undefined;
  const resolveHost = options.resolveHost ?? resolveTestHosts;
  const { app, services } = createApp({ config, storage, logger, resolveHost, groupCommit: options.groupCommit });
  const server = await listenOnLoopback(app);
  const baseUrl = server.url;
  const http = axios.create({ baseURL: baseUrl, validateStatus: () => true });
  return {
    dir,
    config,
    storage,
    services,
    http,
    baseUrl,
    logs: text,
    flushLog: () => services.txlog.flush(),
    vendorJwt: (claims = {}) => signTestJwt(config.moysklad.secretKey, claims),
    close: async ({ keepFiles = false } = {}) => {
      await server.close();
      await checkpoints?.stop();
      await services.outboxWorker.stop();
      await services.catalog.stop();
      await Promise.all([services.tierJob.stop(), services.tierSeed.stop(), services.catchUp.stop()]);
      services.txlog.flush();
      services.flushAuthFailures();
      storage.close();
      if (!keepFiles && !options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function signTestJwt(
  secret: string,
  claims: Record<string, unknown> = {},
  alg = 'HS256',
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iat: now, exp: now + 60, jti: randomUUID(), ...claims })
    .setProtectedHeader({ alg, typ: 'JWT' })
    .sign(new TextEncoder().encode(secret));
}

/** The database's size once every queued log row and counter is written and the WAL is folded back in. */
export function databaseBytes(t: TestApp): number {
  t.flushLog();
  t.services.flushAuthFailures();
  t.storage.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  const pages = t.storage.sqlite.pragma('page_count', { simple: true }) as number;
  const pageSize = t.storage.sqlite.pragma('page_size', { simple: true }) as number;
  return pages * pageSize;
}
