import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import nock from 'nock';
import { transactionLog } from '../../db/schema/index.js';
import { createHttpClient, describeFailure } from '../../app/http/outbound-client.js';
import { createLogger, runWithRequestContext } from '../../app/logging/logger.js';
import { memoryLogger } from '../helpers/memory-logger.js';
import { openStorage, type Storage } from '../../app/storage/database.js';
import { TransactionLog } from '../../app/txlog/transaction-log.js';
import { rejectionOf } from '../helpers/rejection.js';

const ORIGIN = 'https://provider.outbound.test';
const logger = createLogger({ level: 'error', silent: true });

describe('The outbound HTTP client', () => {
  let dir: string;
  let storage: Storage;
  let txlog: TransactionLog;
  const client = (options: { timeoutMs?: number; isExpectedAnswer?: (data: unknown) => boolean } = {}) =>
    createHttpClient({
      name: 'test-provider',
      kind: 'provider',
      destination: 'operator',
      baseURL: ORIGIN,
      timeoutMs: options.timeoutMs ?? 5000,
      logger,
      txlog,
      isExpectedAnswer: options.isExpectedAnswer,
    });
  const rows = () => {
    txlog.flush();
    return storage.db.select().from(transactionLog).all();
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'outbound-'));
    storage = openStorage(join(dir, 'outbound.sqlite'));
    txlog = new TransactionLog(storage.db);
  });
  afterEach(() => {
    storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the caller is handling a sale, then the call is logged with its tenant, sale key and document name', async () => {
    nock(ORIGIN).post('/retail').reply(200, { ok: true });
    await runWithRequestContext(
      { requestId: 'r-1', accountId: 'tenant-1', saleKey: 'sale-1', documentName: '00042' },
      () => client().post('/retail', { spend: 1 }),
    );
    expect(rows().map((r) => [r.tenantId, r.saleKey, r.documentName, r.requestId, r.ok])).to.deep.equal([
      ['tenant-1', 'sale-1', '00042', 'r-1', true],
    ]);
  });

  it('when a 200 answer is not the documented shape, then the log row says it failed', async () => {
    nock(ORIGIN).post('/retail').reply(200, { success: false, spend: 'no' });
    const answer = await client({ isExpectedAnswer: (data) => (data as { success?: boolean }).success === true }).post(
      '/retail',
      {},
    );
    expect(answer.status).to.equal(200);
    expect(rows().map((r) => [r.ok, r.httpStatus, r.errorMessage])).to.deep.equal([[false, 200, 'unexpected answer']]);
  });

  it("when the till's deadline comes before the call's own time-out, then the call ends at the deadline", async () => {
    nock(ORIGIN).get('/slow').delay(2000).reply(200, {});
    const error = await runWithRequestContext({ requestId: 'r-2', deadlineAt: Date.now() + 50 }, () =>
      rejectionOf(client({ timeoutMs: 5000 }).get('/slow')),
    );
    expect(describeFailure(error).type).to.equal('timeout');
  });

  it('when the deadline has already passed, then the call fails as a time-out instead of waiting', async () => {
    nock(ORIGIN).get('/late').delay(500).reply(200, {});
    const error = await runWithRequestContext({ requestId: 'r-3', deadlineAt: Date.now() - 1 }, () =>
      rejectionOf(client().get('/late')),
    );
    expect(describeFailure(error).type).to.equal('timeout');
  });

  it('when a provider echoes the API key in its error, then neither the log row, the log line nor the error the caller gets carries it', async () => {
    const key = 'live-key-5f1e9a7c';
    const memory = memoryLogger();
    nock(ORIGIN)
      .post('/retail')
      .reply(500, { message: `apikey ${key} is not valid for point p1`, echo: { header: key } });
    const http = createHttpClient({
      name: 'test-provider',
      kind: 'provider',
      destination: 'operator',
      baseURL: ORIGIN,
      timeoutMs: 5000,
      logger: memory.logger,
      txlog,
      headers: { apikey: key },
      secrets: [key],
    });
    const error = (await rejectionOf(http.post('/retail', { note: `typed ${key} by mistake` }))) as {
      response: { data: unknown };
      message: string;
    };
    expect(JSON.stringify(error.response.data)).to.not.include(key);
    expect(describeFailure(error).body).to.deep.equal({
      message: 'apikey [скрыто] is not valid for point p1',
      echo: { header: '[скрыто]' },
    });
    const [row] = rows();
    expect(JSON.stringify(row)).to.not.include(key);
    expect(row!.responseBody).to.include('apikey [скрыто] is not valid');
    expect(memory.text()).to.not.include(key);
  });

  it('when a 200 answer is not the documented one and echoes a secret, then the body the caller reads no longer has it', async () => {
    nock(ORIGIN).post('/retail').reply(200, { success: false, client: 'password hunter2-xyz rejected' });
    const http = createHttpClient({
      name: 'test-provider',
      kind: 'provider',
      destination: 'operator',
      baseURL: ORIGIN,
      timeoutMs: 5000,
      logger,
      txlog,
      secrets: ['hunter2-xyz'],
      isExpectedAnswer: (data) => (data as { success?: boolean }).success === true,
    });
    const answer = await http.post('/retail', {});
    expect(answer.data).to.deep.equal({ success: false, client: 'password [скрыто] rejected' });
    expect(JSON.stringify(rows())).to.not.include('hunter2-xyz');
  });

  it('when a call is made outside any request, then it is filed under the tenant the client was made for', async () => {
    nock(ORIGIN).post('/send').reply(200, {});
    await createHttpClient({
      name: 'sms',
      kind: 'provider',
      destination: 'operator',
      baseURL: ORIGIN,
      timeoutMs: 5000,
      logger,
      txlog,
      tenantId: 'tenant-9',
    }).post('/send', {});
    expect(rows().map((r) => r.tenantId)).to.deep.equal(['tenant-9']);
  });
});
