import { expect } from 'chai';
import axios from 'axios';
import type { FrameLocator, Page } from 'playwright-core';
import type { TenantSettings } from '../../app/tenants/tenant-settings.js';
import { tenantRepository } from '../../app/tenants/tenant-repository.js';
import { AUTH_HEADER } from '../../app/loyalty-api/loyalty-handlers.js';
import { WIDGET_HEIGHT_PX, WIDGET_WIDTH_PX } from '../../app/widget/card-view.js';
import { artifactPath, SAVE_BUTTON } from '../helpers/browser.js';
import { SANDBOX_COUNTERPARTIES, type Sandbox } from '../sandbox/sandbox.js';
import { moment, parseLines, remapMeta } from '../sandbox/till-documents.js';
import { startSandboxInBrowser } from './sandbox-in-browser.js';

/**
 * The counterparty widget in a real Chromium with third-party cookies blocked: the sandbox's МойСклад
 * counterparty page loads the widget once (contextKey), posts `Open` for each counterparty shown and waits
 * for `OpenFeedback`. Screenshot: test-artifacts/widget.png (docs/widget.png is a copy).
 */
describe('Counterparty widget in a real browser, inside the sandbox’s МойСклад page', function () {
  this.timeout(90_000);
  let sandbox: Sandbox;
  let page: Page;
  let frame: FrameLocator;
  let close: (() => Promise<void>) | undefined;
  const [maria, petr] = SANDBOX_COUNTERPARTIES as [
    (typeof SANDBOX_COUNTERPARTIES)[number],
    (typeof SANDBOX_COUNTERPARTIES)[number],
  ];

  before(async () => {
    ({ sandbox, page, close } = await startSandboxInBrowser());
    frame = page.frameLocator('iframe[data-widget-iframe]');
    // The owner goes live on the built-in ledger in the settings iframe.
    await page.goto(sandbox.embedUrl);
    const settings = page.frameLocator('iframe[data-app-iframe]');
    await settings.getByRole('button', { name: SAVE_BUTTON }).click();
    await settings.getByText('Готово: касса работает с бонусами.').waitFor();
    // Tiers, a day's wait and a short life for points, so the card has something in every box.
    const tenant = tenantRepository.find(sandbox.storage.db, sandbox.account.accountId)!;
    const stored = tenant.settings as TenantSettings;
    tenantRepository.update(sandbox.storage.db, tenant.accountId, {
      settings: {
        ...stored,
        ledger: { ...stored.ledger!, postponedBonusesDelayDays: 1, pointsLifetimeDays: 20 },
        tiers: {
          enabled: true,
          windowDays: 365,
          levels: [
            { name: 'Бронза', thresholdKopecks: 0, earnRateRoublesToPoint: 10 },
            { name: 'Серебро', thresholdKopecks: 1_000_000, earnRateRoublesToPoint: 5 },
          ],
        },
      },
    });
    // Maria buys six times at the till.
    const loyalty = sandbox.account.loyalty!;
    const till = axios.create({ baseURL: loyalty.url.replace(sandbox.config.publicBaseUrl, sandbox.appUrl) });
    for (let i = 1; i <= 6; i++) {
      const positions = parseLines(`Кофе в зёрнах; 1; ${400 + i * 50}`);
      const id = crypto.randomUUID();
      await till.post(
        '/retaildemand',
        {
          retailStore: { meta: remapMeta('retailstore', sandbox.account.retailStores[0]!.id) },
          meta: remapMeta('retaildemand', id),
          name: `0000${i}`,
          moment: moment(),
          agent: { meta: remapMeta('counterparty', maria.id), name: maria.name, phone: maria.phone },
          positions,
          cashSum: 400 + i * 50,
          noCashSum: 0,
        },
        { headers: { [AUTH_HEADER]: loyalty.token } },
      );
    }
  });
  after(() => close?.());

  /** МойСклад's page down to just below the widget. */
  const pageTop = async () => {
    const slot = (await page.locator('[data-widget-slot]').boundingBox())!;
    return { x: 0, y: 0, width: 1280, height: Math.ceil(slot.y + slot.height + 12) };
  };

  const fitsItsBox = async () => {
    const box = (await page.locator('iframe[data-widget-iframe]').boundingBox())!;
    expect([box.width, box.height]).to.deep.equal([WIDGET_WIDTH_PX, WIDGET_HEIGHT_PX]);
    const size = await frame
      .locator('html')
      .evaluate((html) => ({ width: html.scrollWidth, height: html.scrollHeight }));
    expect(size.width, 'no horizontal overflow').to.be.at.most(WIDGET_WIDTH_PX);
    expect(size.height, 'no vertical overflow').to.be.at.most(WIDGET_HEIGHT_PX);
    const content = await frame.locator('.wcard').evaluate((card) => card.scrollHeight);
    expect(content, 'the card itself fits the declared height').to.be.at.most(WIDGET_HEIGHT_PX - 16);
  };

  it('when the counterparty page opens, then the widget answers Open with OpenFeedback and shows the points, within 400 px by the declared height', async () => {
    await page.goto(`${sandbox.embedUrl}/counterparty`);
    await page.locator('[data-widget-slot][data-shown]').waitFor();
    expect(await page.locator('[data-widget-slot]').getAttribute('data-opening')).to.equal(null);
    const card = frame.locator('.wcard');
    expect(await card.getAttribute('data-card-for')).to.equal(maria.id);
    expect(await frame.locator('[data-name]').textContent()).to.equal('Мария Иванова');
    expect(await frame.locator('[data-level]').textContent()).to.match(/^Уровень «Бронза» · до «Серебро» ещё /);
    expect(await frame.locator('tr[data-operation]').count()).to.equal(5);
    expect(await frame.locator('tr[data-operation]').first().textContent()).to.match(/чек 00006/);
    await fitsItsBox();
    await page.screenshot({ path: artifactPath('widget.png'), clip: await pageTop() });
  });

  it('when an administrator adjusts with a reason and double-clicks, then the points change once and the form stays in the box', async () => {
    await page.goto(`${sandbox.embedUrl}/counterparty`);
    await page.locator('[data-widget-slot][data-shown]').waitFor();
    const balance = async () => (await frame.locator('[data-stat="Баланс"]').textContent())!.replace(/\D/g, '');
    const before = Number(await balance());
    await frame.getByRole('button', { name: 'Скорректировать баллы' }).click();
    await frame.getByRole('button', { name: 'Провести' }).click();
    // No reason: the server refuses, the form says why, in place.
    await frame.locator('[data-error-for="reason"]').waitFor();
    await fitsItsBox();
    await page.screenshot({ path: artifactPath('widget-form-error.png'), clip: await pageTop() });
    await frame.locator('input[name="points"]').fill('25');
    await frame.locator('input[name="reason"]').fill('Компенсация за задержку заказа');
    await frame.getByRole('button', { name: 'Провести' }).dblclick();
    await frame.locator('[data-notice]').waitFor();
    expect(await frame.locator('[data-notice]').textContent()).to.equal(`Готово: теперь ${before + 25} баллов.`);
    expect(Number(await balance())).to.equal(before + 25);
    await fitsItsBox();
  });

  it('when the user moves to another counterparty, then the cached widget gets a new Open and shows that one', async () => {
    await page.goto(`${sandbox.embedUrl}/counterparty`);
    await page.locator('[data-widget-slot][data-shown="1"]').waitFor();
    await page.locator(`[data-counterparty="${petr.id}"]`).click();
    await page.locator('[data-widget-slot][data-shown="2"]').waitFor();
    expect(await frame.locator('[data-empty]').textContent()).to.equal('Клиент ещё не покупал с бонусами.');
    await page.locator(`[data-counterparty="${maria.id}"]`).click();
    await page.locator('[data-widget-slot][data-shown="3"]').waitFor();
    expect(await frame.locator('[data-name]').textContent()).to.equal('Мария Иванова');
  });

  it('when an employee without admin rights opens it, then it is read-only', async () => {
    await page.goto(`${sandbox.embedUrl}/counterparty?as=cashier`);
    await page.locator('[data-widget-slot][data-shown]').waitFor();
    expect(await frame.locator('[data-name]').textContent()).to.equal('Мария Иванова');
    expect(await frame.getByRole('button', { name: 'Скорректировать баллы' }).count()).to.equal(0);
  });
});
