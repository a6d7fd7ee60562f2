import { expect } from 'chai';
import { createTestAdmin, TEST_PASSWORD } from '../helpers/admin.js';
import { seedAdminDemo, seedProviderTenantInTrouble } from '../helpers/admin-demo-data.js';
import { dropReadBodiesBefore } from '../../app/txlog/log-retention.js';
import { artifactPath, launchBrowser } from '../helpers/browser.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Support staff's path in a real Chromium: sign in, see the dashboard, filter the log down to one sale
 * and open it; open a shop stuck halfway live. Screenshots land in test-artifacts/ (docs/admin-log.png and
 * docs/admin-tenant.png in docs/decisions.md are two of them).
 */
describe('Admin UI in a real browser', function () {
  this.timeout(60_000);
  let t: TestApp;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;

  before(async () => {
    t = await startTestApp({ quietLogs: true });
    await createTestAdmin(t, 'anna');
    await seedAdminDemo(t, '0042');
    seedProviderTenantInTrouble(t);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await t.close();
  });

  it('when support signs in, filters the log to one sale and opens it, then they see the sale with its recalc and return; a stuck shop shows its steps and queue', async () => {
    const page = await browser.context.newPage();
    const blocked: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') blocked.push(message.text());
    });

    await page.goto(`${t.baseUrl}/admin`);
    expect(page.url()).to.contain('/admin/login');
    await page.fill('#login', 'anna');
    await page.fill('#password', TEST_PASSWORD);
    await Promise.all([page.waitForURL('**/admin/dashboard'), page.click('button[type=submit]')]);
    expect(await page.textContent('h1')).to.contain('Сводка за 7 дней');
    expect(await page.locator('svg.chart__svg rect').count(), 'the calls chart has bars').to.be.greaterThan(100);
    await page.screenshot({ path: artifactPath('admin-dashboard.png'), fullPage: true });

    // At a phone's width «Выйти» stays on the dark bar, not white on the white page; the tab has an icon.
    await page.setViewportSize({ width: 390, height: 800 });
    const bar = (await page.locator('header.topbar').boundingBox())!;
    const logout = (await page.getByRole('button', { name: 'Выйти' }).boundingBox())!;
    expect(logout.y + logout.height, '«Выйти» inside the bar').to.be.at.most(bar.y + bar.height);
    expect(logout.x + logout.width).to.be.at.most(390);
    await page.screenshot({ path: artifactPath('admin-dashboard-390.png') });
    await page.setViewportSize({ width: 1280, height: 900 });
    const icon = await page.locator('link[rel=icon]').getAttribute('href');
    expect((await page.request.get(`${t.baseUrl}${icon}`)).status()).to.equal(200);

    await page.click('.topbar__nav >> text=Журнал');
    await page.fill('input[name=doc]', '0042');
    await Promise.all([page.waitForURL('**/admin/log?**'), page.click('.filter-form button[type=submit]')]);
    const rows = page.locator('table.grid--log tbody tr');
    expect(await rows.count(), 'only the sale itself carries its number').to.equal(1);
    expect(await rows.first().textContent())
      .to.contain('Продажа')
      .and.contain('Цветы на Ленина')
      .and.not.contain('POST /retaildemand');
    await page.screenshot({ path: artifactPath('admin-log.png'), fullPage: true });

    await Promise.all([page.waitForURL(/\/admin\/log\/\d+$/), rows.first().locator('a').first().click()]);
    expect(await page.textContent('h1')).to.contain('Продажа');
    const body = await page.textContent('pre.body');
    expect(body).to.contain('"name": "0042"').and.not.contain('912 345');
    const linked = await page.locator('table.grid--log tbody').textContent();
    expect(linked, 'the recalc before it and the return after it').to.contain('Расчёт чека').and.contain('Возврат');
    await page.screenshot({ path: artifactPath('admin-log-detail.png'), fullPage: true });

    expect(blocked, 'nothing refused by the CSP or broken in the page').to.deep.equal([]);

    await page.click('.topbar__nav >> text=Магазины');
    const shopRow = page.locator('table.grid tbody tr', { hasText: 'Кофейня «Зерно»' });
    expect(
      await shopRow.locator('[data-outbox-waiting]').getAttribute('data-outbox-waiting'),
      'two sales wait for i-bonus',
    ).to.equal('2');
    await Promise.all([page.waitForURL(/\/admin\/tenants\/[^/]+$/), shopRow.locator('a').first().click()]);
    expect(await page.getAttribute('#go-live li[data-step=status]', 'data-state')).to.equal('failed');
    expect(await page.textContent('#go-live')).to.contain('Подписка на приложение не оплачена');
    expect(await page.locator('#outbox tbody tr').count()).to.equal(3);
    await page.click('#outbox tr.is-error details.payload summary');
    await page.screenshot({ path: artifactPath('admin-tenant.png'), fullPage: true });
    expect(blocked).to.deep.equal([]);
  });

  it('when support opens the recalc before a sale after its bodies were dropped, then the page shows what the till showed', async () => {
    // Eight days on, the hourly job has dropped the bodies of successful reads (LOG_READ_BODIES_DAYS = 7).
    expect(await dropReadBodiesBefore(t.storage.db, new Date(Date.now() + 8 * 86_400_000))).to.be.greaterThan(0);
    const page = await browser.context.newPage();
    await page.goto(`${t.baseUrl}/admin/log?doc=0042`);
    if (page.url().includes('/admin/login')) {
      await page.fill('#login', 'anna');
      await page.fill('#password', TEST_PASSWORD);
      await Promise.all([page.waitForURL('**/admin/log?**'), page.click('button[type=submit]')]);
    }
    await Promise.all([
      page.waitForURL(/\/admin\/log\/\d+$/),
      page.locator('table.grid--log tbody tr a').first().click(),
    ]);
    const recalc = page.locator('table.grid--log tbody tr', { hasText: 'Расчёт чека' });
    await Promise.all([page.waitForURL(/\/admin\/log\/\d+$/), recalc.locator('a').first().click()]);
    expect(await page.textContent('h1')).to.contain('Расчёт чека');
    const facts = await page.textContent('#till-facts');
    expect(facts).to.contain('Что показала касса').and.contain('Позиций в чеке').and.contain('1 900,00 ₽');
    expect(await page.textContent('#till-facts pre.receipt-text')).to.contain('Баллов было');
    expect(await page.textContent('#bodies-dropped')).to.contain('хранятся 7 дн.');
    expect(await page.locator('pre.body').count(), 'no body left to show').to.equal(0);
    await page.screenshot({ path: artifactPath('admin-log-recalc-facts.png'), fullPage: true });
  });
});
