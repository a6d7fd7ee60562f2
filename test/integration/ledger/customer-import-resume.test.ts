import { spawn } from 'node:child_process';
import { inflateSync } from 'node:zlib';
import { expect } from 'chai';
import { and, count, eq, sum } from 'drizzle-orm';
import {
  customerImportChunks,
  customerImportEntries,
  customerImports,
  customers,
  transactionLog,
  type Tenant,
} from '../../../db/schema/index.js';
import { PayloadTooLargeError } from '../../../app/errors.js';
import { readCustomerFile } from '../../../app/ledger/customer-file.js';
import { CustomerImport, RESUME_WITHIN_MS } from '../../../app/ledger/customer-import.js';
import { IMPORT_CHUNK_ROWS } from '../../../app/ledger/customer-import-rows.js';
import { guessPreset } from '../../../app/ledger/import-presets.js';
import type { Logger } from '../../../app/logging/logger.js';
import { PROJECT_ROOT } from '../../../app/project-root.js';
import { TransactionLog } from '../../../app/txlog/transaction-log.js';
import { generatedCustomerFile } from '../../helpers/customer-files.js';
import { runJobInTwoProcesses } from '../../helpers/job-in-two-processes.js';
import { memoryLogger } from '../../helpers/memory-logger.js';
import { waitFor } from '../../helpers/wait-for.js';
import { openLedgerFixture, type LedgerFixture } from './ledger-fixture.js';

const ROWS = 1000;
/** Σ of the generated file's balances (i % 1000 for i < 1000). */
const FILE_POINTS = (ROWS * (ROWS - 1)) / 2;
const MINUTE_MS = 60_000;

describe('customer import resumed after its process went away', () => {
  let f: LedgerFixture;
  let txlog: TransactionLog;
  let tenant: Tenant;
  const importers: CustomerImport[] = [];

  beforeEach(() => {
    f = openLedgerFixture();
    txlog = new TransactionLog(f.storage.db);
    tenant = f.tenant({ pointsLifetimeDays: 180 });
  });
  afterEach(async () => {
    for (const importer of importers.splice(0)) await importer.stop();
    txlog.flush();
    f.close();
  });

  function importerWith(options: ConstructorParameters<typeof CustomerImport>[3] = {}, logger?: Logger) {
    const importer = new CustomerImport(f.storage.db, txlog, logger, { now: () => f.clock.now, ...options });
    importers.push(importer);
    return importer;
  }

  async function requestOf(rows = ROWS) {
    const file = await readCustomerFile(Buffer.from(generatedCustomerFile(rows)));
    return { tenant, file, mapping: guessPreset(file.header).mapping, by: 'admin@support', fileName: 'clients.csv' };
  }

  const later = (ms: number) => (f.clock.now = new Date(f.clock.now.getTime() + ms));
  const db = () => f.storage.db;
  const runOf = () => db().select().from(customerImports).get()!;
  const storedChunks = () => db().select({ n: count() }).from(customerImportChunks).get()!.n;

  /** Every row of the file exactly once: one customer each with the file's balance, one import key each. */
  function expectEveryRowOnce() {
    const made = db()
      .select({ n: count(), points: sum(customers.balance) })
      .from(customers)
      .where(eq(customers.tenantId, tenant.accountId))
      .get()!;
    expect(made.n, 'customers').to.equal(ROWS);
    expect(Number(made.points), 'their points').to.equal(FILE_POINTS);
    const keys = db().select({ n: count() }).from(customerImportEntries).get()!.n;
    expect(keys, 'import keys').to.equal(ROWS);
    expect(runOf()).to.include({ status: 'done', doneRows: ROWS, created: ROWS, updated: 0, unchanged: 0 });
    expect(runOf().points).to.equal(FILE_POINTS);
    expect(storedChunks(), 'the stored rows are gone').to.equal(0);
    txlog.flush();
    const logged = db()
      .select()
      .from(transactionLog)
      .where(and(eq(transactionLog.tenantId, tenant.accountId), eq(transactionLog.endpoint, 'ledger.import')))
      .all();
    expect(logged, 'one log row for the run').to.have.length(1);
    expect(JSON.parse(logged[0]!.responseBody!)).to.include({ created: ROWS, pointsPosted: FILE_POINTS });
  }

  /** A process that imports `chunks` chunks of a 1000-row file and is killed (SIGKILL) before the next. */
  async function crashMidway(chunks: number) {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'test/helpers/customer-import-crash-process.ts',
        f.storage.sqlite.name,
        f.clock.now.toISOString(),
        tenant.accountId,
        String(ROWS),
        String(chunks),
      ],
      { cwd: PROJECT_ROOT },
    );
    let output = '';
    child.stdout.on('data', (data) => (output += data));
    child.stderr.on('data', (data) => (output += data));
    const signal = await new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    expect(signal, output).to.equal('SIGKILL');
    expect(runOf()).to.include({ status: 'running', doneRows: chunks * IMPORT_CHUNK_ROWS });
    expect(storedChunks()).to.equal(ROWS / IMPORT_CHUNK_ROWS - chunks);
  }

  it('when the process is killed after some chunks, then the job resumes the run and every row is imported once', async () => {
    await crashMidway(3);
    const importer = importerWith();
    expect(await importer.resumeStopped(), 'not before the run goes stale').to.equal(0);
    expect(importer.progress(tenant.accountId, runOf().id)).to.include({ status: 'running', waiting: false });

    later(3 * MINUTE_MS);
    expect(importer.progress(tenant.accountId, runOf().id), 'the page says it will continue').to.include({
      status: 'running',
      waiting: true,
    });
    expect(await importer.resumeStopped()).to.equal(1);
    await importer.settled();
    expectEveryRowOnce();
    expect(importer.progress(tenant.accountId, runOf().id)).to.include({ status: 'done', waiting: false });
  });

  it('when two processes resume the same stopped run at once, then one takes it and each row is imported once', async () => {
    await crashMidway(2);
    later(3 * MINUTE_MS);
    const outcomes = await runJobInTwoProcesses(
      'test/helpers/customer-import-resume-process.ts',
      f.storage.sqlite.name,
      f.clock.now,
    );
    expect(outcomes.map((o) => o.resumed).sort()).to.deep.equal([0, 1]);
    expectEveryRowOnce();
  });

  it('when a stopping process lets its run go, then another resumes it at once, without waiting for it to go stale', async () => {
    let chunks = 0;
    const first = importerWith({
      pause: async () => {
        // The stop signal comes while the third chunk is about to run: that chunk still commits.
        if (++chunks === 3) void first.stop();
      },
    });
    const id = await first.start(await requestOf());
    await first.settled();
    expect(runOf()).to.include({ status: 'running', doneRows: 3 * IMPORT_CHUNK_ROWS, claim: null });
    expect(first.progress(tenant.accountId, id)).to.include({ status: 'running', waiting: true });

    const second = importerWith();
    expect(await second.resumeStopped()).to.equal(1);
    await second.settled();
    expectEveryRowOnce();
  });

  it('when a process that looked stopped goes on after another took its run over, then it writes nothing more', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let chunks = 0;
    const { logger, text } = memoryLogger();
    // Stuck before its fourth chunk (a long pause, a frozen VM) until the test lets it go on.
    const slow = importerWith({ pause: () => (++chunks === 4 ? held : Promise.resolve()) }, logger);
    await slow.start(await requestOf());
    await waitFor('three chunks in', () => runOf().doneRows === 3 * IMPORT_CHUNK_ROWS);
    expect(await importerWith().resumeStopped(), 'a run whose process is alive is not taken').to.equal(0);

    later(3 * MINUTE_MS);
    const done: number[] = [];
    let otherChunks = 0;
    const other = importerWith({
      // With the run taken over and a chunk of it done, the slow process wakes up and tries to go on.
      pause: async () => {
        if (++otherChunks !== 2) return;
        done.push(runOf().doneRows);
        release();
        await slow.settled();
        done.push(runOf().doneRows);
      },
    });
    expect(await other.resumeStopped()).to.equal(1);
    await other.settled();
    expect(done[1], 'rows the slow process imported after it lost the run').to.equal(done[0]);
    expect(text()).to.contain('customer import taken over by another process');
    expectEveryRowOnce();
  });

  it('when a stopped run is older than a day, then it is given up on: failed, with its stored rows dropped', async () => {
    await crashMidway(1);
    later(RESUME_WITHIN_MS + MINUTE_MS);
    const importer = importerWith();
    expect(importer.progress(tenant.accountId, runOf().id)).to.include({ status: 'stopped', waiting: false });
    expect(await importer.resumeStopped()).to.equal(0);
    expect(runOf()).to.include({ status: 'failed', claim: null });
    expect(runOf().error).to.match(/Загрузите тот же файл ещё раз/);
    expect(storedChunks()).to.equal(0);
  });

  it('when a run is stored, then its rows hold the mapped fields only, and none are left once it is done', async () => {
    const file = await readCustomerFile(
      Buffer.from('Телефон;Паспорт;Баланс\r\n+7 912 345-67-89;4510 123456;150\r\n+7 912 345-67-90;4510 654321;20\r\n'),
    );
    let stored = '';
    const importer = importerWith({
      pause: async () => {
        const chunk = db().select().from(customerImportChunks).get();
        if (chunk) stored = inflateSync(chunk.rows).toString('utf8');
      },
    });
    await importer.start({ tenant, file, mapping: guessPreset(file.header).mapping, by: 'admin@support' });
    await importer.settled();
    expect(JSON.parse(stored)).to.deep.equal([
      [2, '79123456789', null, null, null, null, 150, null, null],
      [3, '79123456790', null, null, null, null, 20, null, null],
    ]);
    expect(storedChunks()).to.equal(0);
    expect(runOf()).to.include({ status: 'done', created: 2 });
  });

  it('when the stored rows would be larger than an upload may be, then the import is refused before it starts', async () => {
    const importer = importerWith({ maxStoredBytes: 1000 });
    const error = await importer.start(await requestOf()).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(PayloadTooLargeError);
    expect((error as Error).message).to.match(/Разделите его на части/);
    expect(db().select().from(customerImports).all()).to.have.length(0);
    expect(storedChunks()).to.equal(0);
  });
});
