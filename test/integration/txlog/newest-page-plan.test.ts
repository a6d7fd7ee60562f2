import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { openStorage, type Storage } from '../../../app/storage/database.js';
import { TransactionLog } from '../../../app/txlog/transaction-log.js';

/**
 * One page of the newest rows must stay fast at 10 million rows: the plan must walk an index
 * backwards and stop after the page, never sort the table (no "USE TEMP B-TREE").
 */
describe('Transaction log page queries', () => {
  let storage: Storage;
  before(() => {
    storage = openStorage(join(mkdtempSync(join(tmpdir(), 'txlog-')), 'log.sqlite'));
    const log = new TransactionLog(storage.db);
    for (let i = 0; i < 500; i++) {
      log.record({
        tenantId: `t${i % 100}`,
        kind: i % 2 ? 'loyalty-api' : 'vendor-api',
        endpoint: 'POST /retaildemand',
        ok: i % 7 !== 0,
        httpStatus: 201,
      });
    }
    log.flush();
    storage.sqlite.exec('ANALYZE');
  });
  after(() => storage.close());

  const plan = (sql: string, ...params: unknown[]) =>
    (storage.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>)
      .map((row) => row.detail)
      .join(' | ');

  it('when the newest page is read, then the primary key is walked and nothing is sorted', () => {
    const detail = plan('select * from transaction_log order by id desc limit 50');
    expect(detail).to.match(/SCAN transaction_log/);
    expect(detail).to.not.match(/TEMP B-TREE/);
  });

  it('when the next page is read by keyset, then it seeks by primary key', () => {
    expect(plan('select * from transaction_log where id < ? order by id desc limit 50', 1000))
      .to.match(/USING INTEGER PRIMARY KEY/)
      .and.not.match(/TEMP B-TREE/);
  });

  it("when one tenant's newest page is read, then the tenant index serves it without sorting", () => {
    const detail = plan(
      'select * from transaction_log where tenant_id = ? and id < ? order by id desc limit 50',
      't1',
      1000,
    );
    expect(detail).to.match(/txlog_tenant_idx/);
    expect(detail).to.not.match(/TEMP B-TREE/);
  });

  it('when rows are read back, then they come newest first with the recorded facts', () => {
    const rows = storage.sqlite
      .prepare('select id, tenant_id from transaction_log order by id desc limit 2')
      .all() as Array<{ id: number; tenant_id: string }>;
    expect(rows[0]!.id).to.be.greaterThan(rows[1]!.id);
    expect(rows[0]!.tenant_id).to.equal('t99');
  });
});
