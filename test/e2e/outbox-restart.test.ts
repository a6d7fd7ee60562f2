import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { expect } from 'chai';
import { outbox, type OutboxRow } from '../../db/schema/index.js';
import { SecretBox } from '../../app/crypto/secret-box.js';
import { AUTH_HEADER } from '../../app/loyalty-api/loyalty-handlers.js';
import { openStorage } from '../../app/storage/database.js';
import { issueLoyaltyToken } from '../../app/tenants/loyalty-token.js';
import { tenantRepository } from '../../app/tenants/tenant-repository.js';
import { sealProviderSecrets } from '../../app/tenants/tenant-settings.js';
import { FAKE_POINT, startGeneralApiFake, type GeneralApiFake } from '../fakes/general-api-fake.js';
import { freePort } from '../helpers/loopback-server.js';
import { spawnServer, type ServerProcess } from '../helpers/server-process.js';
import { counterpartyMeta, position, retailStore } from '../helpers/tenants.js';
import { waitFor } from '../helpers/wait-for.js';

const API_KEY = 'restart-key';

describe('The outbox across a killed process', () => {
  let dir: string;
  let fake: GeneralApiFake;
  let server: ServerProcess | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'outbox-restart-'));
    fake = await startGeneralApiFake({ apiKey: API_KEY });
  });
  afterEach(async () => {
    server?.child.kill('SIGKILL');
    await server?.exited;
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the process is killed with a sale waiting and started again, then the sale is delivered exactly once', async () => {
    const databasePath = join(dir, 'bridge.sqlite');
    const encryptionKey = randomBytes(32);
    const token = createGeneralTenant(databasePath, encryptionKey, fake.url);
    const port = await freePort();
    const env = {
      DATA_DIR: dir,
      DATABASE_PATH: databasePath,
      ENCRYPTION_KEY: encryptionKey.toString('base64'),
      PORT: String(port),
      LOG_LEVEL: 'error',
      // The next attempt comes 2–4 s after a failure: the kill lands between attempts, never during one
      // (a kill mid-attempt is the claim-expiry case, tested in the outbox's own tests).
      OUTBOX_RETRY_BASE_MS: '4000',
      OUTBOX_RETRY_MAX_MS: '4000',
      OUTBOUND_ALLOW_HOSTS: '127.0.0.1',
    };
    const start = async () => {
      server = spawnServer(env);
      await server.waitForOutput('is listening');
    };
    const rows = () => {
      const storage = openStorage(databasePath, { migrate: false });
      try {
        return storage.db.select().from(outbox).all();
      } finally {
        storage.close();
      }
    };
    const only = (): OutboxRow => {
      const all = rows();
      expect(all).to.have.length(1);
      return all[0]!;
    };

    fake.state.down = true;
    await start();
    const sale = await axios.post(`http://127.0.0.1:${port}/loyalty-api/retaildemand`, saleBody(), {
      headers: { [AUTH_HEADER]: token },
      validateStatus: () => true,
    });
    expect(sale.status, JSON.stringify(sale.data)).to.equal(201);
    await waitFor('a failed attempt', () => only().attempts >= 1 && only().status === 'pending');

    server!.child.kill('SIGKILL');
    await server!.exited;
    const beforeRestart = only();
    expect(beforeRestart.status).to.equal('pending');
    expect(fake.state.retails).to.have.length(0);

    fake.state.down = false;
    await start();
    await waitFor('delivery after the restart', () => only().status === 'delivered');
    server!.child.kill('SIGTERM');
    expect(await server!.exited).to.equal(0);

    expect(fake.state.retails).to.deep.equal([
      { client: 'client-cashback', point: FAKE_POINT, amount: 1000, spend: 0, earn: 100, total: 1000 },
    ]);
    expect(only().attempts).to.equal(beforeRestart.attempts + 1);
  });
});

/** A tenant on the general API, written straight into the database file the server will open. */
function createGeneralTenant(databasePath: string, encryptionKey: Buffer, baseUrl: string): string {
  const box = new SecretBox(encryptionKey);
  const storage = openStorage(databasePath);
  const accountId = randomUUID();
  const issued = issueLoyaltyToken(box, accountId);
  const now = new Date();
  tenantRepository.insert(storage.db, {
    accountId,
    appId: randomUUID(),
    accountName: 'Магазин с general API',
    status: 'Activated',
    lastCause: 'Install',
    loyaltyTokenHash: issued.hash,
    loyaltyTokenEnc: issued.sealed,
    backend: 'general',
    settings: { general: { baseUrl }, storePoints: { [retailStore.meta.id]: FAKE_POINT } },
    providerSecretsEnc: sealProviderSecrets(box, accountId, { general: { apiKey: API_KEY } }),
    configuredAt: now,
    createdAt: now,
    updatedAt: now,
  });
  storage.close();
  return issued.token;
}

/** A 1000 ₽ cash sale that spends nothing: the provider will credit 10 %. */
function saleBody() {
  const id = randomUUID();
  const p = position(1000);
  return {
    retailStore,
    name: 'K-0001',
    moment: '2026-11-23 10:00:00',
    meta: { href: `https://api.moysklad.ru/api/remap/1.2/entity/retaildemand/${id}`, id },
    agent: { meta: counterpartyMeta(), phone: '+7 920 123-45-67' },
    positions: [{ ...p, discountPercent: 0, discountedPrice: 1000 }],
    bonusProgram: { bonusValueToSpend: 0, bonusValueToEarn: 100 },
    cashSum: 1000,
    noCashSum: 0,
  };
}
