import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { openStorage, type Storage } from '../../../app/storage/database.js';
import { dropReadBodiesBefore } from '../../../app/txlog/log-retention.js';
import { transactionLogStorage } from '../../../app/txlog/log-storage.js';
import { TransactionLog, type LogEntry } from '../../../app/txlog/transaction-log.js';

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

describe('Dropping the bodies of old successful reads', () => {
  let dir: string;
  let path: string;
  let storage: Storage;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'txlog-drop-'));
    path = join(dir, 'log.sqlite');
    storage = openStorage(path);
  });
  afterEach(() => {
    storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const count = (where = '1') =>
    storage.sqlite.prepare(`select count(*) from transaction_log where ${where}`).pluck().get() as number;

  it('when two processes drop expired read bodies at once, then each row loses its bodies once, keeps its id and facts, and no other row changes', async () => {
    const log = new TransactionLog(storage.db);
    for (let i = 0; i < 1200; i++) {
      log.record(recalcEntry(i));
      if (i % 3 === 0) log.record({ kind: 'loyalty-api', endpoint: 'POST /retaildemand', ok: true, request: { i } });
    }
    log.flush();
    const before = transactionLogStorage(storage.sqlite);
    expect(before.expiringBodyBytes).to.be.greaterThan(0);
    const facts = () =>
      storage.sqlite.prepare('select id, customer_id, receipt_text from transaction_log order by id').all();
    const factsBefore = facts();

    const other = openStorage(path, { migrate: false });
    try {
      const cutoff = new Date(Date.now() + 1000);
      const [mine, theirs] = await Promise.all([
        dropReadBodiesBefore(storage.db, cutoff),
        dropReadBodiesBefore(other.db, cutoff),
      ]);
      expect(mine + theirs).to.equal(1200);
      expect(mine, 'both took part').to.be.greaterThan(0);
      expect(theirs, 'both took part').to.be.greaterThan(0);
    } finally {
      other.close();
    }

    expect(count('read_bodies = 1')).to.equal(0);
    expect(
      count("read_bodies = 0 and request_body is null and response_body is null and receipt_text like 'Чек %'"),
    ).to.equal(1200);
    expect(count("endpoint = 'POST /retaildemand' and request_body is not null and read_bodies is null")).to.equal(400);
    expect(facts()).to.deep.equal(factsBefore);

    const after = transactionLogStorage(storage.sqlite);
    expect(after.expiringBodyBytes).to.equal(0);
    expect(after.bytes, 'the dropped bodies no longer take pages').to.be.below(before.bytes / 2);
    expect(after.pageBytes, 'the pages they took are free for new rows').to.be.below(before.pageBytes / 2);
  });
});
