import { expect } from 'chai';
import { moscowMonthOf, shiftMonth } from '../../../app/locale/moscow-day.js';
import { accountWithIframe, openIframe, startIframeTestApp, textOf, type IframeClient } from '../../helpers/iframe.js';
import { seedStatementMonth } from '../../helpers/statement-history.js';
import type { TestApp } from '../../helpers/test-app.js';
import { tenantRepository } from '../../../app/tenants/tenant-repository.js';

/** The points in a row of the page's statement table. */
function rowPoints(html: string, key: string): number | undefined {
  const match = new RegExp(`data-row="${key}">[\\s\\S]*?data-points="(-?\\d+)"`).exec(html);
  return match ? Number(match[1]) : undefined;
}

function rowKopecks(html: string, key: string): number | undefined {
  const match = new RegExp(`data-row="${key}">[\\s\\S]*?data-kopecks="(-?\\d+)"`).exec(html);
  return match ? Number(match[1]) : undefined;
}

describe('Settings iframe: «Баллы и обязательства»', () => {
  let t: TestApp;
  let accountId: string;
  let client: IframeClient;
  const month = shiftMonth(moscowMonthOf(Date.now()), -2);
  const get = (path: string, token = client.token, query: Record<string, string> = {}) =>
    t.http.get<string>(`${path}?${new URLSearchParams({ session: token, ...query })}`, { responseType: 'text' });

  before(async () => {
    t = await startIframeTestApp();
  });
  after(() => t.close());
  beforeEach(async () => {
    ({ accountId, client } = await accountWithIframe(t));
    seedStatementMonth(t.storage.db, accountId, month);
  });

  it('when the owner opens a past month, then every line is shown and opening plus the lines is the closing', async () => {
    expect(client.page.data).to.match(/href="\/iframe\/statement\?session=[^"]+" data-action="statement"/);
    const res = await get('/iframe/statement', client.token, { month });
    expect(res.status).to.equal(200);
    const html = res.data;
    const expected: Record<string, number> = {
      opening: 1000,
      earned: 700,
      welcome: 150,
      spent: -300,
      expired: -40,
      returns: -15,
      adjusted: -5,
      closing: 1490,
      pending: 200,
    };
    for (const [key, points] of Object.entries(expected)) expect(rowPoints(html, key), key).to.equal(points);
    expect(rowPoints(html, 'other'), 'no other line when nothing landed there').to.equal(undefined);
    // At 1 point = 1 ₽ the roubles are the points.
    expect(rowKopecks(html, 'closing')).to.equal(149_000);
    const text = textOf(html);
    expect(text).to.include('Начислено за покупки +700 +700,00 ₽');
    expect(text).to.include('Списано в покупках −300 −300,00 ₽');
    expect(text).to.include('Подарочные карты — отдельный долг в рублях');
    expect(html).to.include(`value="${month}"`);
    // Links keep the session in the URL: no cookie is ever needed.
    expect(res.headers['set-cookie']).to.equal(undefined);
    expect(html).to.match(/href="\/iframe\/statement\.csv\?session=[^"&]+&amp;month=\d{4}-\d{2}"/);
  });

  it('when the spend rate is 3 points per rouble, then roubles are rounded down yet the column still adds up', async () => {
    const tenant = tenantRepository.find(t.storage.db, accountId)!;
    const ledger = { ...(tenant.settings as { ledger?: object }).ledger, spendRatePointsToRouble: 3 };
    tenantRepository.update(t.storage.db, accountId, { settings: { ...tenant.settings, ledger } });
    const html = (await get('/iframe/statement', client.token, { month })).data;
    expect(rowKopecks(html, 'opening')).to.equal(33_333);
    expect(rowKopecks(html, 'closing')).to.equal(49_666);
    const keys = ['earned', 'welcome', 'spent', 'expired', 'returns', 'adjusted'];
    const moved = keys.reduce((sum, key) => sum + rowKopecks(html, key)!, 0);
    expect(rowKopecks(html, 'opening')! + moved).to.equal(rowKopecks(html, 'closing'));
  });

  it('when the owner downloads the CSV, then it is UTF-8 with a BOM and ";" and has the same figures', async () => {
    const res = await t.http.get<ArrayBuffer>(
      `/iframe/statement.csv?${new URLSearchParams({ session: client.token, month })}`,
      { responseType: 'arraybuffer' },
    );
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.equal('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).to.equal(`attachment; filename=statement-${month}.csv`);
    const bytes = Buffer.from(res.data);
    expect([...bytes.subarray(0, 3)], 'UTF-8 BOM').to.deep.equal([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').split('\r\n');
    expect(lines[0]).to.equal('Баллы и обязательства;Магазин у дома');
    expect(lines).to.include('Статья;Баллы;Рубли');
    expect(lines).to.include('Списано в покупках;-300;-300,00');
    expect(lines).to.include('Подарено: приветственные и ко дню рождения;150;150,00');
    expect(lines.find((l) => l.startsWith('Остаток на конец месяца'))).to.match(/;1490;1490,00$/);
    expect(lines).to.include('Из начисленных с отсрочкой ещё не доступно;200;200,00');
  });

  it('when no month is given or a future one, then the current month is shown, without a next link', async () => {
    const current = moscowMonthOf(Date.now());
    for (const query of [{}, { month: shiftMonth(current, 3) }]) {
      const html = (await get('/iframe/statement', client.token, query as Record<string, string>)).data;
      expect(html).to.include(`data-statement="${current}"`);
      expect(html).to.include('месяц не закончился');
      expect(html).not.to.include('data-month-link="next"');
      // The seeded month is over: everything it left is the opening balance of the months after.
      expect(rowPoints(html, 'closing')).to.equal(1489);
    }
  });

  it('when the month is malformed, then the page says so with 400', async () => {
    const res = await t.http.get(`/iframe/statement?session=${encodeURIComponent(client.token)}&month=2026-13`, {
      responseType: 'text',
    });
    expect(res.status).to.equal(400);
    expect(textOf(res.data)).to.include('Неверный формат поля «Месяц»');
  });

  it('when an employee without admin rights opens it, then 403 and no figures, and the settings page has no link', async () => {
    const employee = await openIframe(t, accountId, { admin: false });
    expect(employee.page.data).not.to.include('data-action="statement"');
    for (const path of ['/iframe/statement', '/iframe/statement.csv']) {
      const res = await get(path, employee.token, { month });
      expect(res.status, path).to.equal(403);
      expect(res.data).not.to.include('1490');
      expect(textOf(res.data)).to.include('Баллы и обязательства видят только администраторы');
    }
  });

  it('when two shops have points, then each sees only its own', async () => {
    const other = await accountWithIframe(t);
    const html = (await get('/iframe/statement', other.client.token, { month })).data;
    expect(rowPoints(html, 'opening')).to.equal(0);
    expect(rowPoints(html, 'closing')).to.equal(0);
    const csv = (await get('/iframe/statement.csv', other.client.token, { month })).data;
    expect(csv).not.to.include('1490');
  });

  it('when there is no session or a forged one, then nothing is shown', async () => {
    for (const path of ['/iframe/statement', '/iframe/statement.csv']) {
      const bare = await t.http.get<string>(path, { responseType: 'text' });
      expect(bare.status).to.not.equal(200);
      expect(bare.data).not.to.include('data-statement');
      const forged = await get(path, `${client.token.slice(0, -4)}AAAA`, { month });
      expect(forged.status).to.not.equal(200);
      expect(forged.data).not.to.include('1490');
    }
  });
});
