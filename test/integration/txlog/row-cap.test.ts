import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { prettyBody } from '../../../app/admin/log/log-bodies.js';
import { openStorage, type Storage } from '../../../app/storage/database.js';
import { TransactionLog } from '../../../app/txlog/transaction-log.js';

interface Row {
  endpoint: string;
  request_body: string;
  response_body: string;
  error_message: string;
  document_name: string;
}

describe('One transaction-log row', () => {
  let dir: string;
  let storage: Storage;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'txlog-cap-'));
    storage = openStorage(join(dir, 'log.sqlite'));
  });
  afterEach(() => {
    storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when a call carries a megabyte of body, a long path and a long error, then the row keeps about 34 KB and marks each cut', () => {
    const log = new TransactionLog(storage.db);
    const positions = Array.from({ length: 2000 }, (_, i) => ({ name: `Товар ${i}`, quantity: 1, price: 100 }));
    const request = { positions, padding: 'x'.repeat(1024 * 1024) };
    log.record({
      kind: 'loyalty-api',
      endpoint: `POST /${'a'.repeat(10_000)}`,
      ok: false,
      httpStatus: 400,
      documentName: 'N'.repeat(5000),
      errorMessage: 'Ошибка поставщика: '.repeat(1000),
      request,
      response: { echo: 'y'.repeat(100_000) },
    });
    log.flush();
    const row = storage.sqlite.prepare('select * from transaction_log').get() as Row;
    const stored = Object.values(row).reduce((sum: number, value) => sum + String(value ?? '').length, 0);
    expect(stored).to.be.below(36 * 1024);

    const requestLength = JSON.stringify(request).length;
    expect(row.request_body).to.match(new RegExp(`…\\[обрезано, было ${requestLength} символов\\]$`));
    expect(row.request_body.startsWith('{"positions":[{"name":"Товар 0"')).to.equal(true);
    expect(row.response_body).to.match(/…\[обрезано, было \d+ символов\]$/);
    expect(row.endpoint).to.match(/^POST \/a+…\[обрезано, было 10006 символов\]$/);
    expect(row.error_message).to.match(/^Ошибка поставщика: .*…\[обрезано/);
    expect(row.document_name.length).to.be.below(300);
    // The admin page shows a cut body as text, mark included.
    expect(prettyBody(row.request_body)).to.match(/обрезано, было \d+ символов\]$/);
  });

  it('when a body fits, then it is stored whole as JSON', () => {
    const log = new TransactionLog(storage.db);
    log.record({ kind: 'loyalty-api', endpoint: 'POST /retaildemand', ok: true, request: { name: '00012' } });
    log.flush();
    const row = storage.sqlite.prepare('select request_body from transaction_log').get() as Row;
    expect(JSON.parse(row.request_body)).to.deep.equal({ name: '00012' });
  });
});
