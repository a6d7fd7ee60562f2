import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { openStorage, type Storage } from '../../../app/storage/database.js';
import { BATCH_ROWS, TransactionLog, type LogEntry } from '../../../app/txlog/transaction-log.js';

const recalcEntry = (i: number): LogEntry => ({
  tenantId: 'shop',
  kind: 'loyalty-api',
  endpoint: 'POST /retaildemand/recalc',
  httpStatus: 200,
  ok: true,
  read: true,
  customerId: `customer-${i}`,
  receiptText: `Чек ${i}`,
  request: { positions: Array.from({ length: 20 }, (_, n) => ({ n, name: `Товар ${n}`, price: 100 + i })) },
  response: { bonusProgram: { bonusValueToSpend: i } },
});

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('Writing the transaction log', () => {
  let dir: string;
  let storage: Storage;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'txlog-batches-'));
    storage = openStorage(join(dir, 'log.sqlite'));
  });
  afterEach(() => {
    storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const count = (where = '1') =>
    storage.sqlite.prepare(`select count(*) from transaction_log where ${where}`).pluck().get() as number;

  it('when more than a batch of rows is queued, then each write commits at most a batch and the rest follow on later turns without being asked', async () => {
    const log = new TransactionLog(storage.db);
    for (let i = 0; i < 2 * BATCH_ROWS + 50; i++) log.record(recalcEntry(i));
    expect(BATCH_ROWS).to.be.at.most(100);
    expect(count(), 'nothing is written while the calls are being answered').to.equal(0);

    log.writeStep();
    expect(count(), 'one step, one batch').to.equal(BATCH_ROWS);
    expect(log.queueLength).to.equal(BATCH_ROWS + 50);

    await nextTurn();
    expect(count(), 'a full batch waiting goes on the next turn').to.equal(2 * BATCH_ROWS);
    await nextTurn();
    expect(count(), 'a partial batch waits for the timer').to.equal(2 * BATCH_ROWS);

    log.flush();
    expect(count()).to.equal(2 * BATCH_ROWS + 50);
    expect(log.queueLength).to.equal(0);
    const ids = storage.sqlite.prepare('select customer_id from transaction_log order by id').pluck().all();
    expect(ids, 'in the order recorded').to.deep.equal(
      Array.from({ length: 2 * BATCH_ROWS + 50 }, (_, i) => `customer-${i}`),
    );
  });
});
