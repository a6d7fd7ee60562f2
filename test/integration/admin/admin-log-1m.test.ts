import { expect } from 'chai';
import { AdminClient, signedInAdmin } from '../../helpers/admin.js';
import { seededRow, seedTenantId, seedTransactionLog } from '../../helpers/log-seed.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { logPage, pageQuery, PAGE_SIZE, type LogCursor, type LogFilter } from '../../../app/txlog/log-query.js';

const ROWS = 1_000_000;
const DAY_MS = 86_400_000;

/**
 * The admin log at a million rows: every filter's page query must walk an index in id order and stop
 * after one page (no sort of the matches, no OFFSET, no scan of the table), and the pages a filter yields
 * must be exactly the matching rows, newest first, whichever way they are paged.
 */
describe('Admin transaction log at 1M rows', function () {
  this.timeout(120_000);
  let t: TestApp;
  let now: number;

  before(async () => {
    t = await startTestApp({ quietLogs: true });
    now = Date.now();
    seedTransactionLog(t.storage.sqlite, ROWS, now);
  });
  after(async () => t.close());

  const plan = (filter: LogFilter, cursor?: LogCursor) => {
    const { sql, params } = pageQuery(t.storage.db, filter, cursor, PAGE_SIZE + 1).toSQL();
    return (t.storage.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>)
      .map((r) => r.detail)
      .join(' | ');
  };

  /** The matching ids the slow, obvious way: a full scan with plain conditions. */
  const bruteForce = (where: string, ...params: unknown[]) =>
    (
      t.storage.sqlite
        .prepare(`select id from transaction_log where ${where} order by id desc`)
        .all(...params) as Array<{ id: number }>
    ).map((r) => r.id);

  const walkOlder = (filter: LogFilter) => {
    const ids: number[] = [];
    let cursor: LogCursor;
    for (let pages = 0; pages < 1000; pages++) {
      const page = logPage(t.storage.db, filter, cursor);
      ids.push(...page.rows.map((r) => r.id));
      if (page.older === undefined) return ids;
      cursor = { before: page.older };
    }
    throw new Error('too many pages');
  };

  const middle = () => ({ from: new Date(now - 40 * DAY_MS), to: new Date(now - 39 * DAY_MS) });

  const cases: Array<{ name: string; filter: () => LogFilter; cursor?: LogCursor; index: RegExp }> = [
    { name: 'the newest page', filter: () => ({}), index: /SCAN transaction_log$/ },
    { name: 'a deep page', filter: () => ({}), cursor: { before: 1000 }, index: /USING INTEGER PRIMARY KEY/ },
    {
      name: 'newer rows after a cursor',
      filter: () => ({}),
      cursor: { after: 500_000 },
      index: /USING INTEGER PRIMARY KEY/,
    },
    { name: 'one tenant', filter: () => ({ tenantId: seedTenantId(7) }), index: /txlog_tenant_idx/ },
    {
      name: 'one tenant, deep',
      filter: () => ({ tenantId: seedTenantId(7) }),
      cursor: { before: 2000 },
      index: /txlog_tenant_idx/,
    },
    { name: 'a kind', filter: () => ({ kind: 'admin' }), index: /txlog_kind_id_idx/ },
    {
      name: 'a kind and endpoint',
      filter: () => ({ kind: 'loyalty-api', endpoint: 'POST /retailsalesreturn' }),
      index: /txlog_kind_idx/,
    },
    { name: 'errors only', filter: () => ({ status: 'error' }), index: /txlog_errors_idx/ },
    {
      name: "one tenant's errors",
      filter: () => ({ tenantId: seedTenantId(7), status: 'error' }),
      index: /txlog_tenant_errors_idx/,
    },
    { name: 'a sale or return number', filter: () => ({ documentName: 'S-424246' }), index: /txlog_document_idx/ },
    { name: 'a sale key', filter: () => ({ saleKey: 'sale-424246' }), index: /txlog_sale_key_idx/ },
    { name: 'phone last digits', filter: () => ({ phoneLast4: '0042' }), index: /txlog_phone_idx/ },
    { name: 'a card', filter: () => ({ cardNumber: 'C4242' }), index: /txlog_card_idx/ },
    { name: 'a date range', filter: middle, index: /USING INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)/ },
    {
      name: 'a tenant in a date range',
      filter: () => ({ ...middle(), tenantId: seedTenantId(7) }),
      index: /txlog_tenant_idx \(tenant_id=\? AND id>\? AND id<\?\)/,
    },
  ];

  for (const planned of [false, true]) {
    describe(planned ? 'after ANALYZE (the hourly PRAGMA optimize)' : 'on a fresh database without statistics', () => {
      before(() => {
        if (planned) t.storage.sqlite.exec('ANALYZE');
      });
      for (const c of cases) {
        it(`when the page is ${c.name}, then the query walks ${c.index.source.replace(/\\/g, '')} without sorting`, () => {
          const detail = plan(c.filter(), c.cursor);
          expect(detail).to.match(c.index);
          expect(detail, detail).to.not.match(/TEMP B-TREE/);
        });
      }
    });
  }

  it("when one tenant's errors are paged to the end, then the pages are exactly the matching rows, newest first", () => {
    const ids = walkOlder({ tenantId: seedTenantId(7), status: 'error' });
    expect(ids).to.deep.equal(bruteForce('tenant_id = ? and ok = 0', seedTenantId(7)));
    expect(ids.length).to.be.greaterThan(2 * PAGE_SIZE);
  });

  it('when a phone ending is paged, then every row has it and none is missing', () => {
    expect(walkOlder({ phoneLast4: '0042' })).to.deep.equal(bruteForce('phone_last4 = ?', '0042'));
  });

  it('when a date range is paged, then it holds exactly the rows recorded inside it', () => {
    const { from, to } = middle();
    const ids = walkOlder({ from, to, kind: 'loyalty-api', endpoint: 'POST /retailsalesreturn' });
    expect(ids).to.deep.equal(
      bruteForce(
        "at >= ? and at < ? and kind = 'loyalty-api' and endpoint = 'POST /retailsalesreturn'",
        from.getTime(),
        to.getTime(),
      ),
    );
    expect(ids.length).to.be.greaterThan(PAGE_SIZE);
  });

  it('when paging back to newer rows, then the same pages come back in the same order', () => {
    const filter: LogFilter = { tenantId: seedTenantId(11) };
    const first = logPage(t.storage.db, filter);
    const second = logPage(t.storage.db, filter, { before: first.older! });
    const third = logPage(t.storage.db, filter, { before: second.older! });
    const backToSecond = logPage(t.storage.db, filter, { after: third.newer! });
    expect(backToSecond.rows.map((r) => r.id)).to.deep.equal(second.rows.map((r) => r.id));
    const backToFirst = logPage(t.storage.db, filter, { after: backToSecond.newer! });
    expect(backToFirst.rows.map((r) => r.id)).to.deep.equal(first.rows.map((r) => r.id));
    expect(backToFirst.newer, 'the newest page has nothing newer').to.equal(undefined);
    expect(first.newer).to.equal(undefined);
  });

  it('when a deep page is read, then it holds the rows just below the cursor', () => {
    const page = logPage(t.storage.db, {}, { before: 1000 });
    expect(page.rows.map((r) => r.id)).to.deep.equal(Array.from({ length: PAGE_SIZE }, (_, k) => 999 - k));
    expect(page.rows[0]).to.include({
      documentName: seededRow(998, ROWS, now).documentName,
      endpoint: seededRow(998, ROWS, now).endpoint,
    });
  });

  describe('through HTTP', () => {
    let client: AdminClient;
    before(async () => {
      client = await signedInAdmin(t);
    });

    it('when support filters by a sale number, then the page lists that sale and its detail opens', async () => {
      const page = await client.get(`/admin/log?doc=S-424246&tenant=${seedTenantId(424246)}`);
      expect(page.status).to.equal(200);
      const links = [...page.data.matchAll(/href="\/admin\/log\/(\d+)"/g)].map((m) => Number(m[1]));
      expect(links).to.deep.equal([424247]);
      const detail = await client.get(`/admin/log/${links[0]}`);
      expect(detail.status).to.equal(200);
      expect(detail.data).to.contain('Продажа').and.contain('POST /retaildemand').and.contain('sale-424246');
    });

    it('when the oldest page is reached, then there is no "older" link, and the first page has no "newer" one', async () => {
      const first = await client.get('/admin/log?type=admin');
      expect(first.data).to.contain('Старее').and.not.contain('Новее');
      const oldest = await client.get('/admin/log?type=admin&before=200');
      expect(oldest.data).to.contain('Новее').and.not.contain('Старее →');
    });

    it("when a tenant's log is exported, then the CSV streams every matching row, newest first, and the export is audited", async () => {
      const csv = await client.get(`/admin/log.csv?tenant=${seedTenantId(7)}`);
      expect(csv.headers['content-disposition']).to.match(/^attachment; filename="transaction-log-\d{12}\.csv"$/);
      const lines = csv.data
        .replace(/^\uFEFF/, '')
        .trimEnd()
        .split('\r\n');
      const ids = lines.slice(1).map((line) => Number(line.split(';')[0]));
      // The seeded rows; the export's own audit row may land in the log while it streams.
      expect(ids.filter((id) => id <= ROWS)).to.deep.equal(
        bruteForce('tenant_id = ? and id <= ?', seedTenantId(7), ROWS),
      );
      t.flushLog();
      expect(
        bruteForce("kind = 'admin' and endpoint = 'log.export' and tenant_id = ?", seedTenantId(7)),
      ).to.have.length(1);
    });

    it('when the filter is malformed, then the page says what to fix instead of failing', async () => {
      const page = await client.get('/admin/log?phone=12&from=yesterday');
      expect(page.status).to.equal(200);
      expect(page.data).to.contain('введите хотя бы 4 последние цифры');
      expect(page.data).to.contain('Записей нет.');
    });
  });
});
