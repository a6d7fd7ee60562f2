import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import Joi from 'joi';
import { loadOrCreateDevSecrets } from './dev-secrets.js';

/** The only place that reads process.env. Everything else receives a Config. */
export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  publicBaseUrl: string;
  databasePath: string;
  dataDir: string;
  moysklad: {
    appId: string;
    appUid: string;
    secretKey: string;
    vendorApiUrl: string;
    jsonApiUrl: string;
    /** Origins allowed to frame the settings iframe. */
    frameAncestors: string[];
    /** Budget per call to МойСклад; a store owner waits on these in the iframe. */
    timeoutMs: number;
  };
  sessionSecret: string;
  encryptionKey: Buffer;
  logLevel: string;
  logRetentionDays: number;
  /** How long a successful recalc, balance or search keeps its bodies (its facts stay); 0: never stored. */
  logReadBodiesDays: number;
  /** IANA zone the admin UI shows and reads dates in. */
  timeZone: string;
  /** Express `trust proxy`: who may set X-Forwarded-For/Proto (the TLS proxy); hops count or addresses. */
  trustProxy: boolean | number | string;
  /** Where `npm run backup` writes. */
  backupDir: string;
  providers: {
    /** The till's patience for a LoyaltyAPI call that needs a provider: every call in it ends by then. */
    tillTimeoutMs: number;
    /** One outbox delivery call: nobody waits on it, so it may take longer than the till's. */
    deliveryTimeoutMs: number;
    /**
     * The operator states that i-bonus ignores a repeated order with the same externalId (the seeds never
     * promise it). Only then is an i-bonus order of unknown outcome resent automatically.
     */
    ibonusDeduplicatesExternalId: boolean;
  };
  outbox: {
    retryBaseMs: number;
    retryMaxMs: number;
    giveUpAfterMs: number;
  };
  /**
   * Private hosts a tenant-typed address (provider, SMS gateway) may still reach: a provider inside the
   * operator's own network, the fakes on loopback. Empty means public addresses only.
   */
  outboundAllow: OutboundAllowList;
  /** First admin created on start when the users table is empty (operators may use the CLI instead). */
  initialAdmin?: { login: string; password: string };
  /** Bearer token that may read /metrics from anywhere; without it only the loopback address may. */
  metricsToken?: string;
  /** Development only: the demo tenant's LoyaltyAPI token, kept with the dev secrets. */
  demoLoyaltyToken?: string;
}

export interface OutboundAllowList {
  /** Host names, lower case without a trailing dot: allowed whatever they resolve to. */
  hosts: string[];
  /** Address ranges allowed although private; a bare address is a range of one. */
  subnets: Array<{ network: string; prefix: number; family: 'ipv4' | 'ipv6' }>;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Настройки неверны, сервер не запущен:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const base64Key32 = Joi.string()
  .base64()
  .custom((value: string, helpers) =>
    Buffer.from(value, 'base64').length === 32 ? value : helpers.error('any.invalid'),
  )
  .messages({ 'any.invalid': '{{#label}} must be 32 bytes encoded in base64' });

const REQUIRED_IN_PRODUCTION = [
  'PUBLIC_BASE_URL',
  'DATABASE_PATH',
  'MOYSKLAD_APP_ID',
  'MOYSKLAD_APP_UID',
  'MOYSKLAD_SECRET_KEY',
  'SESSION_SECRET',
  'ENCRYPTION_KEY',
] as const;

const schema = Joi.object({
  NODE_ENV: Joi.string().valid('development', 'production', 'test').default('development'),
  PORT: Joi.number().integer().min(0).max(65535).default(3000),
  PUBLIC_BASE_URL: Joi.string().uri({ scheme: ['http', 'https'] }),
  DATABASE_PATH: Joi.string(),
  DATA_DIR: Joi.string().default('./data'),
  MOYSKLAD_APP_ID: Joi.string().guid(),
  MOYSKLAD_APP_UID: Joi.string(),
  MOYSKLAD_SECRET_KEY: Joi.string().min(16),
  MOYSKLAD_VENDOR_API_URL: Joi.string().uri().default('https://apps-api.moysklad.ru/api/vendor/1.0'),
  MOYSKLAD_JSON_API_URL: Joi.string().uri().default('https://api.moysklad.ru/api/remap/1.2'),
  MOYSKLAD_FRAME_ANCESTORS: Joi.string().default('https://online.moysklad.ru https://*.moysklad.ru'),
  MOYSKLAD_TIMEOUT_MS: Joi.number().integer().min(50).max(60_000).default(8000),
  SESSION_SECRET: Joi.string().min(32),
  ENCRYPTION_KEY: base64Key32,
  LOG_LEVEL: Joi.string().valid('error', 'warn', 'info', 'http', 'debug').default('info'),
  LOG_RETENTION_DAYS: Joi.number().integer().min(1).default(90),
  LOG_READ_BODIES_DAYS: Joi.number().integer().min(0).default(7),
  TIME_ZONE: Joi.string()
    .default('Europe/Moscow')
    .custom((value: string, helpers) => (isTimeZone(value) ? value : helpers.error('any.invalid')))
    .messages({ 'any.invalid': '{{#label}} must be an IANA time zone such as Europe/Moscow' }),
  TRUST_PROXY: Joi.string().default('loopback'),
  BACKUP_DIR: Joi.string(),
  ADMIN_INITIAL_LOGIN: Joi.string().pattern(/^[A-Za-z0-9._@-]{3,64}$/),
  PROVIDER_TIMEOUT_MS: Joi.number().integer().min(100).max(60_000).default(3000),
  PROVIDER_DELIVERY_TIMEOUT_MS: Joi.number().integer().min(100).max(300_000).default(20_000),
  IBONUS_DEDUPLICATES_EXTERNAL_ID: Joi.boolean().default(false),
  OUTBOX_RETRY_BASE_MS: Joi.number().integer().min(10).default(5000),
  OUTBOX_RETRY_MAX_MS: Joi.number().integer().min(10).default(600_000),
  OUTBOX_GIVE_UP_HOURS: Joi.number().min(0.01).default(72),
  ADMIN_INITIAL_PASSWORD: Joi.string().min(10),
  OUTBOUND_ALLOW_HOSTS: Joi.string()
    .allow('')
    .default('')
    .custom((value: string, helpers) => {
      const bad = allowEntries(value).filter((entry) => !parseAllowEntry(entry));
      return bad.length === 0 ? value : helpers.error('any.invalid', { bad: bad.join(', ') });
    })
    .messages({
      'any.invalid':
        '{{#label}} is a comma list of host names, addresses and CIDR ranges (10.1.2.3, 10.0.0.0/8, fd00::/8); not understood: {{#bad}}',
    }),
  METRICS_TOKEN: Joi.string().min(32),
})
  .and('ADMIN_INITIAL_LOGIN', 'ADMIN_INITIAL_PASSWORD')
  .unknown(true);

/**
 * Reads and validates the environment once. In production every required setting must be given;
 * elsewhere missing secrets are generated once and kept in DATA_DIR so `npm start` just works.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const { value, error } = schema.validate(env, { abortEarly: false, convert: true });
  const problems = error ? error.details.map((d) => d.message) : [];
  const isProduction = value.NODE_ENV === 'production';
  if (isProduction) {
    for (const name of REQUIRED_IN_PRODUCTION) {
      if (!env[name]) problems.push(`"${name}" is required in production`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir: string = value.DATA_DIR;
  const dev = isProduction ? undefined : loadOrCreateDevSecrets(dataDir);
  const port: number = value.PORT;
  const databasePath: string = value.DATABASE_PATH ?? `${dataDir}/loyalty-bridge.sqlite`;
  return {
    env: value.NODE_ENV,
    port,
    publicBaseUrl: stripTrailingSlash(value.PUBLIC_BASE_URL ?? `http://localhost:${port}`),
    databasePath,
    dataDir,
    moysklad: {
      appId: value.MOYSKLAD_APP_ID ?? dev!.appId,
      appUid: value.MOYSKLAD_APP_UID ?? dev!.appUid,
      secretKey: value.MOYSKLAD_SECRET_KEY ?? dev!.secretKey,
      vendorApiUrl: stripTrailingSlash(value.MOYSKLAD_VENDOR_API_URL),
      jsonApiUrl: stripTrailingSlash(value.MOYSKLAD_JSON_API_URL),
      frameAncestors: String(value.MOYSKLAD_FRAME_ANCESTORS).split(/\s+/).filter(Boolean),
      timeoutMs: value.MOYSKLAD_TIMEOUT_MS,
    },
    sessionSecret: value.SESSION_SECRET ?? dev!.sessionSecret,
    encryptionKey: Buffer.from(value.ENCRYPTION_KEY ?? dev!.encryptionKey, 'base64'),
    logLevel: value.LOG_LEVEL,
    logRetentionDays: value.LOG_RETENTION_DAYS,
    logReadBodiesDays: value.LOG_READ_BODIES_DAYS,
    timeZone: value.TIME_ZONE,
    trustProxy: parseTrustProxy(value.TRUST_PROXY),
    backupDir: value.BACKUP_DIR ?? join(dirname(databasePath), 'backups'),
    providers: {
      tillTimeoutMs: value.PROVIDER_TIMEOUT_MS,
      deliveryTimeoutMs: value.PROVIDER_DELIVERY_TIMEOUT_MS,
      ibonusDeduplicatesExternalId: value.IBONUS_DEDUPLICATES_EXTERNAL_ID,
    },
    outbox: {
      retryBaseMs: value.OUTBOX_RETRY_BASE_MS,
      retryMaxMs: Math.max(value.OUTBOX_RETRY_MAX_MS, value.OUTBOX_RETRY_BASE_MS),
      giveUpAfterMs: Math.round(value.OUTBOX_GIVE_UP_HOURS * 3_600_000),
    },
    outboundAllow: parseAllowList(value.OUTBOUND_ALLOW_HOSTS),
    initialAdmin: value.ADMIN_INITIAL_LOGIN
      ? { login: value.ADMIN_INITIAL_LOGIN, password: value.ADMIN_INITIAL_PASSWORD }
      : undefined,
    metricsToken: value.METRICS_TOKEN,
    demoLoyaltyToken: dev?.demoLoyaltyToken,
  };
}

function allowEntries(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

const hostName = Joi.string().hostname();

/** Addresses are read by net.isIP only: short or hex spellings (127.1, 0x7f000001) are not taken. */
function parseAllowEntry(
  entry: string,
): { host: string } | { subnet: OutboundAllowList['subnets'][number] } | undefined {
  const [address = '', prefixText, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version !== 0 && rest.length === 0) {
    const max = version === 4 ? 32 : 128;
    const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
    if (!(prefix >= 0 && prefix <= max)) return undefined;
    return { subnet: { network: address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' } };
  }
  const host = entry.toLowerCase().replace(/\.$/, '');
  // A name made only of digits and dots is an address spelled in a way we do not read.
  if (prefixText !== undefined || /^[\d.]+$/.test(host) || hostName.validate(host).error) return undefined;
  return { host };
}

function parseAllowList(text: string): OutboundAllowList {
  const allow: OutboundAllowList = { hosts: [], subnets: [] };
  for (const parsed of allowEntries(text).map(parseAllowEntry)) {
    if (parsed && 'host' in parsed) allow.hosts.push(parsed.host);
    else if (parsed) allow.subnets.push(parsed.subnet);
  }
  return allow;
}

function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function stripTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
