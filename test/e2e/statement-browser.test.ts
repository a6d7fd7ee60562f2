import { expect } from 'chai';
import { moscowMonthOf, shiftMonth } from '../../app/locale/moscow-day.js';
import { createTestAdmin, TEST_PASSWORD } from '../helpers/admin.js';
import { artifactPath, launchBrowser, pageProblems } from '../helpers/browser.js';
import { startMoyskladWorld, type MoyskladWorld } from '../helpers/moysklad-world.js';
import { seedStatementMonth } from '../helpers/statement-history.js';

/**
 * «Баллы и обязательства» in a real Chromium: the owner goes from the settings to the statement, picks
 * a month and downloads the CSV, all without a cookie; support sees the same on the tenant page.
 * Screenshots land in test-artifacts/ (statement-iframe.png, statement-admin.png).
 */
describe('Points statement in a real browser', function () {
  this.timeout(90_000);
  let w: MoyskladWorld;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  const month = shiftMonth(moscowMonthOf(Date.now()), -1);

  before(async () => {
    w = await startMoyskladWorld();
    w.configure('ledger', { ledger: {} });
    seedStatementMonth(w.t.storage.db, w.account.accountId, month, 37);
    browser = await launchBrowser({ blockThirdPartyCookies: true });
  });
  after(async () => {
    await browser?.close();
    await w?.close();
  });

  it('when the owner opens the statement and picks last month, then its lines, closing and CSV are there', async () => {
    const page = await browser.context.newPage();
    const broken = pageProblems(page);
    await page.goto(`${w.t.baseUrl}/iframe?contextKey=${w.fake.issueContextKey(w.account.accountId)}`);
    await Promise.all([page.waitForURL('**/iframe/statement?**'), page.click('[data-action="statement"]')]);
    expect(await page.locator('[data-statement]').getAttribute('data-statement')).to.equal(moscowMonthOf(Date.now()));

    await page.fill('#f-month', month);
    await Promise.all([page.waitForURL(`**month=${month}**`), page.click('[data-action="show-month"]')]);
    const cell = (row: string, column: number) =>
      page.locator(`[data-row="${row}"] td`).nth(column).textContent() as Promise<string>;
    expect(await cell('opening', 1)).to.equal('37\u00a0000');
    expect(await cell('spent', 1)).to.equal('−11\u00a0100');
    expect(await cell('closing', 2)).to.equal('55 130,00 ₽');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-action="csv"]')]);
    expect(download.suggestedFilename()).to.equal(`statement-${month}.csv`);
    expect(await browser.context.cookies(), 'no cookie was ever set').to.deep.equal([]);
    expect(broken, 'nothing refused by the CSP or broken in the page').to.deep.equal([]);
    await page.screenshot({ path: artifactPath('statement-iframe.png'), fullPage: true });
  });

  it('when support opens the tenant, then the statement tab shows the same month', async () => {
    await createTestAdmin(w.t, 'sveta', 'support');
    const page = await browser.context.newPage();
    await page.goto(`${w.t.baseUrl}/admin`);
    await page.fill('#login', 'sveta');
    await page.fill('#password', TEST_PASSWORD);
    await Promise.all([page.waitForURL('**/admin/dashboard'), page.click('button[type=submit]')]);
    await page.goto(`${w.t.baseUrl}/admin/tenants/${w.account.accountId}/statement?month=${month}`);
    expect(await page.locator('[data-row="closing"] td').nth(1).textContent()).to.equal('55\u00a0130');
    await page.screenshot({ path: artifactPath('statement-admin.png'), fullPage: true });
  });
});
