import { expect } from 'chai';
import nock from 'nock';
import type { Page } from 'playwright-core';
import { customerRepository } from '../../app/ledger/customer-repository.js';
import { tenantRepository } from '../../app/tenants/tenant-repository.js';
import { HOUR_MS } from '../../app/txlog/loyalty-api-stats.js';
import { transactionLog } from '../../db/schema/index.js';
import { createTestAdmin, TEST_PASSWORD } from '../helpers/admin.js';
import { seedAdminDemo, seedProviderTenantInTrouble } from '../helpers/admin-demo-data.js';
import { dropReadBodiesBefore } from '../../app/txlog/log-retention.js';
import { artifactPath, launchBrowser } from '../helpers/browser.js';
import { counterpartyMeta, createProviderTenant, retailStore, type TestTenant } from '../helpers/tenants.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/** Opens an admin page, signing in first when the session has not started yet. */
async function openSignedIn(page: Page, url: string): Promise<void> {
  await page.goto(url);
  if (!page.url().includes('/admin/login')) return;
  await page.fill('#login', 'anna');
  await page.fill('#password', TEST_PASSWORD);
  await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('/admin/login')), page.click('button[type=submit]')]);
}

/** A screenshot at 1280 px and at a phone's 390 px (full page), named `<name>.png` and `<name>-390.png`. */
async function shootBothWidths(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: artifactPath(`${name}.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 800 });
  await page.screenshot({ path: artifactPath(`${name}-390.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
}

/**
 * Support staff's path in a real Chromium: sign in, see the dashboard, filter the log down to one sale
 * and open it; open a shop stuck halfway live. Screenshots land in test-artifacts/ (docs/admin-log.png and
 * docs/admin-tenant.png in docs/decisions.md are two of them).
 */
describe('Admin UI in a real browser', function () {
  this.timeout(60_000);
  let t: TestApp;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let flowers: TestTenant;

  before(async () => {
    t = await startTestApp({ quietLogs: true });
    await createTestAdmin(t, 'anna');
    flowers = (await seedAdminDemo(t, '0042')).tenant;
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
    expect(await page.textContent('section.stats'))
      .to.contain('клиент не найден')
      .and.contain('сбоев');
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
  it('when the till asked about a customer i-bonus does not know, then the 404 row shows the i-bonus call behind it and the request filter finds both', async () => {
    const shop = createProviderTenant(
      t,
      'ibonus',
      { ibonus: { baseUrl: 'https://i-bonus.example.test', maxPaidRatePercents: 50, spendRatePointsToRouble: 1 } },
      { ibonus: { login: 'shop', password: 'shop-password' } },
    );
    tenantRepository.update(t.storage.db, shop.accountId, { accountName: 'Цветочная лавка' });
    nock('https://i-bonus.example.test').get('/ext/api/v1/clients/').query(true).reply(200, []);
    const balance = await shop.api.post('/counterparty/detail', {
      retailStore,
      meta: counterpartyMeta(),
      name: 'Ольга',
      phone: '+7 912 000-11-22',
    });
    expect(balance.status, JSON.stringify(balance.data)).to.equal(404);
    nock.cleanAll();
    // A successful catch-up window whose summary sits in the message column: a grey note, not a red error.
    t.services.txlog.record({
      tenantId: shop.accountId,
      kind: 'catch-up',
      endpoint: 'Перерыв в запросах кассы',
      ok: true,
      errorMessage: 'Касса молчала с 10:00 до 10:40. Продаж покупателям программы, не дошедших до сервиса: 1.',
    });
    t.flushLog();

    const page = await browser.context.newPage();
    await openSignedIn(page, `${t.baseUrl}/admin/log?tenant=${encodeURIComponent('Цветочная')}`);
    const rows = page.locator('table.grid--log tbody tr');
    const tillRow = rows.filter({ hasText: 'Баланс покупателя' });
    expect(await tillRow.textContent(), "the till's words in the list").to.contain('Клиент не найден в i-bonus');
    expect(await tillRow.locator('.badge').textContent()).to.equal('404');
    const note = rows.filter({ hasText: 'Перерыв в запросах кассы' });
    const colour = (row: typeof note) =>
      row.locator('td:nth-child(4) div.small').evaluate((el) => getComputedStyle(el).color);
    // Neither the window note nor «клиент не найден» is painted as a failure.
    expect(await colour(tillRow), 'the 404 reads as the note does').to.equal(await colour(note));
    expect(await note.getAttribute('class')).to.not.contain('is-error');
    expect(await tillRow.getAttribute('class')).to.not.contain('is-error');
    await shootBothWidths(page, 'admin-log-not-found');

    await Promise.all([page.waitForURL(/\/admin\/log\/\d+$/), tillRow.locator('a').first().click()]);
    expect(await page.textContent('h1'))
      .to.contain('Баланс покупателя')
      .and.contain('404');
    const linked = page.locator('#linked table.grid--log tbody tr');
    const behind = linked.filter({ hasText: 'i-bonus: поиск клиента' });
    expect(await behind.count(), 'the i-bonus call behind the 404, by its request id').to.equal(1);
    await shootBothWidths(page, 'admin-log-detail-request');

    // The request id on the page is a link to the log filtered by it; the filter form shows it.
    const requestId = (await page.locator('dd a.mono', { hasText: /^[0-9a-f-]{20,}$/ }).textContent())!.trim();
    await Promise.all([page.waitForURL(/request=/), page.locator('dd a.mono', { hasText: requestId }).click()]);
    expect(await page.inputValue('input[name=request]')).to.equal(requestId);
    const texts = await page.locator('table.grid--log tbody tr').allTextContents();
    expect(texts).to.have.length(2);
    expect(texts.join(' ')).to.contain('Баланс покупателя').and.contain('i-bonus: поиск клиента');

    // Typed into the filter by hand, as support does with an id from a screenshot, it finds the same rows.
    await page.goto(`${t.baseUrl}/admin/log`);
    await page.fill('input[name=request]', requestId);
    await Promise.all([page.waitForURL(/request=/), page.click('.filter-form button[type=submit]')]);
    expect(await page.locator('table.grid--log tbody tr').count()).to.equal(2);
    await page.close();
  });

  it('when support blocks a gift card, then a second button confirms it; an admin unblocks it; a bad card is refused under its field', async () => {
    const page = await browser.context.newPage();
    await openSignedIn(page, `${t.baseUrl}/admin/tenants/${flowers.accountId}/gift-cards`);
    await page.fill('#gc-number', 'GC-7');
    await page.fill('#gc-amount', '10,999');
    await page.click('form.gift-card-issue button[type=submit]');
    expect(await page.textContent('[data-error-for=amount]')).to.contain('Номинал, ₽');
    expect(await page.getAttribute('#gc-amount', 'aria-invalid')).to.equal('true');
    expect(await page.inputValue('#gc-number'), 'what was typed stays').to.equal('GC-7');
    await shootBothWidths(page, 'admin-gift-card-error');

    await page.fill('#gc-amount', '1500');
    await Promise.all([page.waitForURL(/gift-cards$/), page.click('form.gift-card-issue button[type=submit]')]);
    const card = page.locator('table.grid tbody tr', { hasText: 'GC-7' });
    const confirm = card.getByRole('button', { name: 'Заблокировать карту GC-7' });
    expect(await confirm.isVisible(), 'hidden until «Заблокировать…» is opened').to.equal(false);
    await card.locator('summary', { hasText: 'Заблокировать…' }).click();
    expect(await confirm.isVisible()).to.equal(true);
    expect(await card.textContent()).to.contain('перестанет приниматься на кассе');
    await shootBothWidths(page, 'admin-gift-card-confirm');
    await Promise.all([page.waitForURL(/gift-cards$/), confirm.click()]);
    expect(await page.textContent('[data-flash]')).to.contain('Подарочная карта GC-7 заблокирована.');
    expect(await card.textContent()).to.contain('заблокирована');
    expect((await flowers.api.get('/giftcard', { params: { name: 'GC-7' } })).data.status).to.equal('INVALID');

    await Promise.all([page.waitForURL(/gift-cards$/), card.getByRole('button', { name: 'Разблокировать' }).click()]);
    expect(await page.textContent('[data-flash]')).to.contain('снова действует');
    expect((await flowers.api.get('/giftcard', { params: { name: 'GC-7' } })).data).to.include({
      status: 'CAN_BE_USED',
      currentBalance: 150000,
    });
    await page.close();
  });

  it('when support takes more points than a customer has, then the customer page says so under «Баллы», with its navigation', async () => {
    const customer = customerRepository.search(t.storage.db, flowers.accountId, 'Анна')[0]!;
    const page = await browser.context.newPage();
    await openSignedIn(page, `${t.baseUrl}/admin/tenants/${flowers.accountId}/customers/${customer.id}`);
    await page.fill('#points', '-50000');
    await page.fill('#reason', 'Списание по ошибке кассира');
    await page.click('button:has-text("Провести")');
    expect(await page.textContent('[data-error-for=points]')).to.contain('Нельзя списать');
    expect(await page.getAttribute('#points', 'aria-invalid')).to.equal('true');
    expect(await page.locator('header.topbar').isVisible(), 'not a bare error page').to.equal(true);
    expect(await page.inputValue('#reason')).to.equal('Списание по ошибке кассира');
    await shootBothWidths(page, 'admin-customer-adjustment-error');
    await page.close();
  });

  it('when the service has run for one hour, then the dashboard lines show their points', async () => {
    const fresh = await startTestApp({ quietLogs: true });
    try {
      await createTestAdmin(fresh, 'anna');
      const hour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
      fresh.storage.db.transaction((tx) => {
        for (let i = 0; i < 18; i++) {
          const unknown = i % 6 === 0;
          tx.insert(transactionLog)
            .values({
              at: hour + i,
              kind: 'loyalty-api',
              endpoint: unknown ? 'POST /counterparty/detail' : 'POST /retaildemand/recalc',
              httpStatus: unknown ? 404 : 200,
              ok: !unknown,
              durationMs: 20 + i,
            })
            .run();
        }
      });
      const page = await browser.context.newPage();
      await page.goto(`${fresh.baseUrl}/admin/login`);
      await page.fill('#login', 'anna');
      await page.fill('#password', TEST_PASSWORD);
      await Promise.all([page.waitForURL('**/admin/dashboard'), page.click('button[type=submit]')]);
      const markers = page.locator('circle.chart__marker');
      // The failure line (0 %), the «клиент не найден» line (17 %) and the latency line: one point each.
      expect(await markers.count()).to.equal(3);
      for (const marker of await markers.all()) {
        const box = (await marker.boundingBox())!;
        expect(box.width, 'drawn large enough to see').to.be.greaterThan(4);
        expect(await marker.evaluate((el) => getComputedStyle(el).stroke)).to.not.equal('none');
      }
      expect(await page.textContent('section.stats'))
        .to.match(/0\s%\s*сбоев \(0\)/)
        .and.match(/клиент не найден \(3\)/);
      await shootBothWidths(page, 'admin-dashboard-one-hour');
      await page.close();
    } finally {
      await fresh.close();
    }
  });
});
