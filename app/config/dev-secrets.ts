import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DevSecrets {
  appId: string;
  appUid: string;
  secretKey: string;
  sessionSecret: string;
  encryptionKey: string;
  demoLoyaltyToken: string;
}

/**
 * Development only: secrets are generated on first run and kept, so encrypted data and the demo
 * tenant's token survive restarts. Production never reaches this (config demands real values).
 */
export function loadOrCreateDevSecrets(dataDir: string): DevSecrets {
  const file = join(dataDir, 'dev-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
  const secrets: DevSecrets = {
    appId: randomUUID(),
    appUid: 'loyalty-bridge.dev',
    secretKey: randomBytes(32).toString('base64url'),
    sessionSecret: randomBytes(32).toString('base64url'),
    encryptionKey: randomBytes(32).toString('base64'),
    demoLoyaltyToken: randomBytes(24).toString('base64url'),
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
