import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import nock from 'nock';
import { tenants, transactionLog, verificationCodes, type Tenant } from '../../../db/schema/index.js';
import { SecretBox } from '../../../app/crypto/secret-box.js';
import { BusinessRuleError, UpstreamError, ValidationError } from '../../../app/errors.js';
import { VerificationCodes } from '../../../app/ledger/verification-codes.js';
import { SmsGateway } from '../../../app/sms/sms-gateway.js';
import { openStorage, type Storage } from '../../../app/storage/database.js';
import { sealProviderSecrets } from '../../../app/tenants/tenant-settings.js';
import { TransactionLog } from '../../../app/txlog/transaction-log.js';
import { memoryLogger } from '../../helpers/memory-logger.js';

const GATEWAY = 'https://sms.gateway.test';
const HOOK = `${GATEWAY}/send?key=gateway-secret`;
const PHONE = '+7 912 345-67-89';

const box = new SecretBox(randomBytes(32));

/** A tenant with its SMS gateway sealed in its secrets, as the settings form stores it (or in plain settings, as before). */
function insertTenant(
  storage: Storage,
  accountId: string,
  codeWebhookUrl?: string,
  stored: 'sealed' | 'plain' = 'sealed',
): Tenant {
  const now = new Date();
  const sealed = codeWebhookUrl && stored === 'sealed';
  return storage.db
    .insert(tenants)
    .values({
      accountId,
      appId: 'app',
      accountName: accountId,
      status: 'Activated',
      lastCause: 'Install',
      settings: codeWebhookUrl && !sealed ? { ledger: { codeWebhookUrl } } : {},
      providerSecretsEnc: sealed
        ? sealProviderSecrets(box, accountId, { smsGateway: { webhookUrl: codeWebhookUrl } })
        : null,
      createdAt: now,
      updatedAt: now,
    })
    .returning()
    .get();
}

describe('VerificationCodes', () => {
  let dir: string;
  let storage: Storage;
  let clock: Date;
  let logs: () => string;
  let codes: VerificationCodes;
  let tenant: Tenant;

  let txlog: TransactionLog;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'codes-'));
    storage = openStorage(join(dir, 'test.sqlite'));
    clock = new Date('2025-03-01T10:00:00Z');
    const memory = memoryLogger();
    logs = memory.text;
    txlog = new TransactionLog(storage.db);
    codes = new VerificationCodes(storage.db, {
      logger: memory.logger,
      box,
      sms: new SmsGateway({ logger: memory.logger, txlog, timeoutMs: 100 }),
      now: () => clock,
    });
    tenant = insertTenant(storage, 'tenant-a', HOOK);
  });

  afterEach(() => {
    storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function gatewayAccepts(seen: unknown[] = []) {
    return nock(GATEWAY)
      .post('/send', (body: unknown) => {
        seen.push(body);
        return true;
      })
      .query({ key: 'gateway-secret' })
      .reply(200, { ok: true });
  }

  async function refusal(promise: Promise<unknown>): Promise<unknown> {
    try {
      await promise;
    } catch (error) {
      return error;
    }
    expect.fail('expected a refusal');
  }

  it('when a code is sent, then the gateway gets phone, code and a Russian message and the reply carries the code', async () => {
    const seen: unknown[] = [];
    const scope = gatewayAccepts(seen);
    const answer = await codes.send(tenant, 'spending', PHONE);
    expect(scope.isDone()).to.equal(true);
    expect(answer.verificationCode).to.match(/^\d{6}$/);
    expect(answer.timeForRepeat).to.equal(60);
    expect(answer.messageForCashier).to.equal('Код отправлен на номер ***6789');
    expect(answer.messageForCashier!.length).to.be.at.most(140);
    const body = seen[0] as { phone: string; code: string; message: string };
    expect(body.phone).to.equal('+79123456789');
    expect(body.code).to.equal(answer.verificationCode);
    expect(body.message).to.include(answer.verificationCode).and.to.match(/Код/);
  });

  it('when a code is stored, then only a salted hash is kept, never the code itself', async () => {
    gatewayAccepts();
    const { verificationCode } = await codes.send(tenant, 'registration', PHONE);
    const rows = storage.db.select().from(verificationCodes).all();
    expect(rows).to.have.length(1);
    const row = rows[0]!;
    expect(row.phone).to.equal('79123456789');
    expect(row.purpose).to.equal('registration');
    expect(row.codeHash).to.match(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).to.not.include(verificationCode);
    expect(row.expiresAt.getTime() - row.createdAt.getTime()).to.equal(5 * 60_000);
  });

  it('when a code is sent, then neither the logs nor the transaction log contain it or the gateway key', async () => {
    gatewayAccepts();
    const { verificationCode } = await codes.send(tenant, 'spending', PHONE);
    txlog.flush();
    const entries = storage.db.select().from(transactionLog).all();
    expect(entries).to.have.length(1);
    const entry = entries[0]!;
    expect(entry.kind).to.equal('provider');
    expect(entry.tenantId).to.equal('tenant-a');
    expect(entry.endpoint).to.include('sms-gateway');
    expect(entry.requestBody).to.be.a('string');
    expect(JSON.parse(entry.requestBody!)).to.have.property('code', '[скрыто]');
    expect(JSON.stringify(entry)).to.not.include(verificationCode).and.to.not.include('gateway-secret');
    expect(logs()).to.not.include(verificationCode).and.to.not.include('gateway-secret');
  });

  it('when the gateway echoes the code and its key in an error, then no log, log row or error detail carries them', async () => {
    let sent = '';
    nock(GATEWAY)
      .post('/send', (body: { code: string }) => {
        sent = body.code;
        return true;
      })
      .query({ key: 'gateway-secret' })
      .reply(400, (_uri, body) => ({
        error: `code ${(body as { code: string }).code} refused for key=gateway-secret`,
      }));
    const error = (await refusal(codes.send(tenant, 'spending', PHONE))) as UpstreamError;
    expect(error).to.be.instanceOf(UpstreamError);
    expect(sent).to.match(/^\d{6}$/);
    txlog.flush();
    const entries = storage.db.select().from(transactionLog).all();
    expect(entries).to.have.length(1);
    expect(entries[0]!.responseBody).to.include('refused for key=[скрыто]');
    for (const text of [JSON.stringify(entries), logs(), JSON.stringify(error.details), error.message]) {
      expect(text).to.not.include(sent).and.to.not.include('gateway-secret');
    }
  });

  it('when a second code is asked inside 60 s, then no SMS goes out and the cashier is told how long to wait', async () => {
    gatewayAccepts();
    await codes.send(tenant, 'spending', PHONE);
    clock = new Date(clock.getTime() + 15_000);
    const error = await refusal(codes.send(tenant, 'spending', '89123456789'));
    expect(error).to.be.instanceOf(BusinessRuleError);
    expect((error as Error).message).to.equal('Код уже отправлен, повторить можно через 45 с');
    expect(nock.pendingMocks()).to.have.length(0);
  });

  it('when the repeat window is open for one purpose or phone, then another purpose or phone is not held back', async () => {
    gatewayAccepts();
    gatewayAccepts();
    await codes.send(tenant, 'spending', PHONE);
    await codes.send(tenant, 'registration', PHONE);
    gatewayAccepts();
    await codes.send(tenant, 'spending', '+7 912 000-00-01');
  });

  it('when 60 s have passed, then a new code is sent and the old one stops working', async () => {
    gatewayAccepts();
    const first = await codes.send(tenant, 'spending', PHONE);
    clock = new Date(clock.getTime() + 60_000);
    gatewayAccepts();
    const second = await codes.send(tenant, 'spending', PHONE);
    expect(codes.verify('tenant-a', 'spending', PHONE, second.verificationCode)).to.equal(true);
    if (first.verificationCode !== second.verificationCode) {
      expect(codes.verify('tenant-a', 'spending', PHONE, first.verificationCode)).to.equal(false);
    }
  });

  it('when the phone is missing or not a phone, then a ValidationError names the phone parameter', async () => {
    for (const phone of [undefined, '', 'не знаю', '123']) {
      const error = await refusal(codes.send(tenant, 'registration', phone));
      expect(error).to.be.instanceOf(ValidationError);
      expect((error as ValidationError).parameter).to.equal('phone');
      expect((error as Error).message).to.match(/^Укажите телефон покупателя/);
    }
  });

  it('when the gateway URL is still in plain settings from before it was sealed, then codes are still sent there', async () => {
    const older = insertTenant(storage, 'tenant-older', HOOK, 'plain');
    const scope = gatewayAccepts();
    await codes.send(older, 'spending', PHONE);
    expect(scope.isDone()).to.equal(true);
  });

  it('when the store has no SMS gateway, then the cashier is told the owner must set it up and nothing is stored', async () => {
    const bare = insertTenant(storage, 'tenant-bare');
    const error = await refusal(codes.send(bare, 'spending', PHONE));
    expect(error).to.be.instanceOf(BusinessRuleError);
    expect((error as Error).message)
      .to.match(/SMS-коды для магазина не настроены/)
      .and.to.match(/настройках приложения/);
    expect(storage.db.select().from(verificationCodes).all()).to.have.length(0);
  });

  it('when the gateway answers 500, then an UpstreamError asks to retry later and the repeat window is not started', async () => {
    nock(GATEWAY).post('/send').query(true).reply(500, { error: 'boom' });
    const error = await refusal(codes.send(tenant, 'spending', PHONE));
    expect(error).to.be.instanceOf(UpstreamError);
    expect((error as Error).message).to.match(/^Не удалось отправить SMS.*повторите позже/);
    expect((error as UpstreamError).upstreamStatus).to.equal(500);
    expect(storage.db.select().from(verificationCodes).all()).to.have.length(0);
    gatewayAccepts();
    const answer = await codes.send(tenant, 'spending', PHONE);
    expect(answer.verificationCode).to.match(/^\d{6}$/);
  });

  it('when the gateway refuses with 400, then an UpstreamError marked definite is thrown', async () => {
    nock(GATEWAY).post('/send').query(true).reply(400, { error: 'bad phone' });
    const error = await refusal(codes.send(tenant, 'spending', PHONE));
    expect(error).to.be.instanceOf(UpstreamError);
    expect((error as UpstreamError).definite).to.equal(true);
  });

  it('when the gateway is slower than the time-out, then an UpstreamError is thrown and no code is kept', async () => {
    nock(GATEWAY).post('/send').query(true).delay(500).reply(200, { ok: true });
    const started = Date.now();
    const error = await refusal(codes.send(tenant, 'spending', PHONE));
    expect(Date.now() - started).to.be.below(450);
    expect(error).to.be.instanceOf(UpstreamError);
    expect((error as Error).message).to.match(/^Не удалось отправить SMS/);
    expect(storage.db.select().from(verificationCodes).all()).to.have.length(0);
  });

  describe('verify', () => {
    it('when the right code is given in time, then it verifies once', async () => {
      gatewayAccepts();
      const { verificationCode } = await codes.send(tenant, 'spending', PHONE);
      expect(codes.verify('tenant-a', 'spending', '8 (912) 345-67-89', verificationCode)).to.equal(true);
      expect(codes.verify('tenant-a', 'spending', PHONE, verificationCode)).to.equal(false);
    });

    it('when a wrong code, another purpose or another tenant is given, then it does not verify', async () => {
      gatewayAccepts();
      const { verificationCode } = await codes.send(tenant, 'spending', PHONE);
      const wrong = String((Number(verificationCode) + 1) % 1_000_000).padStart(6, '0');
      expect(codes.verify('tenant-a', 'spending', PHONE, wrong)).to.equal(false);
      expect(codes.verify('tenant-a', 'registration', PHONE, verificationCode)).to.equal(false);
      expect(codes.verify('tenant-b', 'spending', PHONE, verificationCode)).to.equal(false);
      expect(codes.verify('tenant-a', 'spending', PHONE, 'abcdef')).to.equal(false);
      expect(codes.verify('tenant-a', 'spending', PHONE, verificationCode)).to.equal(true);
    });

    it('when the code is older than 5 minutes, then it does not verify', async () => {
      gatewayAccepts();
      const { verificationCode } = await codes.send(tenant, 'spending', PHONE);
      clock = new Date(clock.getTime() + 5 * 60_000);
      expect(codes.verify('tenant-a', 'spending', PHONE, verificationCode)).to.equal(false);
    });
  });
});
