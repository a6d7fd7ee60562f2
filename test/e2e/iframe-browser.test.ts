import { expect } from 'chai';
import type { FrameLocator, Page } from 'playwright-core';
import { hashToken } from '../../app/crypto/secret-box.js';
import { goLiveStateOf } from '../../app/go-live/go-live-state.js';
import { tenantRepository } from '../../app/tenants/tenant-repository.js';
import { artifactPath, SAVE_BUTTON } from '../helpers/browser.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { startSandboxInBrowser } from './sandbox-in-browser.js';

/**
 * The store owner's whole path in a real Chromium with third-party cookies blocked: МойСклад's page
 * (here the sandbox's, on 127.0.0.1) frames the app (on localhost, another site), the owner fills
 * the form, checks the connection, imports the rules, saves, and the till then works.
 */
describe('Settings iframe in a real browser, framed from another site with third-party cookies blocked', function () {
  this.timeout(90_000);
  let sandbox: Sandbox;
  let page: Page;
  let frame: FrameLocator;
  let close: (() => Promise<void>) | undefined;

  before(async () => {
    ({ sandbox, page, frame, close } = await startSandboxInBrowser());
  });
  after(() => close?.());

  it("when the form changes height, then МойСклад's page is told each height and the window follows it", async () => {
    await page.goto(sandbox.embedUrl);
    await frame.getByRole('heading', { name: 'Настройки' }).waitFor();
    const iframe = page.locator('iframe[data-app-iframe]');
    const contentHeight = () =>
      frame.locator('html').evaluate((html) => Math.ceil(html.getBoundingClientRect().height));
    const posted = async () => Number(await iframe.getAttribute('data-content-height'));
    const follows = async () => {
      const height = await contentHeight();
      await page.waitForFunction(
        (h) => document.querySelector('iframe[data-app-iframe]')?.getAttribute('data-content-height') === String(h),
        height,
      );
      expect(await posted()).to.equal(height);
      expect((await iframe.boundingBox())!.height).to.be.closeTo(Math.max(768, height), 2);
      return height;
    };
    const ledgerForm = await follows();
    expect(ledgerForm, 'the form is taller than the 768 px window').to.be.greaterThan(768);
    // Another system shows other sections: the content height changes, and МойСклад hears of it.
    await frame.getByText('i-bonus.me', { exact: true }).click();
    const ibonusForm = await follows();
    expect(ibonusForm).to.not.equal(ledgerForm);
    await frame.getByText('Встроенная бонусная программа').click();
    expect(await follows()).to.equal(ledgerForm);

    // Before the first save the owner reads what going live does to the account's discounts.
    expect(await frame.locator('[data-discount-warning]').textContent()).to.equal(
      'После сохранения эта программа станет системой скидок аккаунта, и к её чекам МойСклад не будет применять другие скидки.',
    );
  });

  it('when a section is saved with errors, then all of them come at once, outlined in red, listed at the top, with focus on the first', async () => {
    await page.goto(sandbox.embedUrl);
    await frame.getByRole('heading', { name: 'Настройки' }).waitFor();
    const appUrl = page
      .frames()
      .find((f) => f.url().startsWith(sandbox.appUrl))!
      .url();
    await frame.getByText('i-bonus.me', { exact: true }).click();
    // The usual address is offered as a value the owner may change, not as a grey example; here it is wiped.
    expect(await frame.locator('#f-ibonus-baseUrl').inputValue()).to.equal('https://lk.i-bonus.me');
    await frame.locator('#f-ibonus-baseUrl').fill('');
    await frame.getByRole('button', { name: SAVE_BUTTON }).click();
    const summary = frame.locator('#error-summary');
    await summary.waitFor();
    expect(await summary.locator('a').evaluateAll((links) => links.map((a) => a.getAttribute('href')))).to.deep.equal([
      '#f-ibonus-baseUrl',
      '#f-ibonus-login',
      '#f-ibonus-password',
    ]);
    const address = frame.locator('#f-ibonus-baseUrl');
    expect(await address.evaluate((el) => el === document.activeElement), 'focus on the first field at fault').to.equal(
      true,
    );
    // The outline is the theme's danger colour, not the plain border that used to win on specificity.
    const colours = await address.evaluate((el) => {
      const probe = document.createElement('span');
      probe.style.color = 'var(--ms-danger)';
      document.body.append(probe);
      const danger = getComputedStyle(probe).color;
      probe.remove();
      const valid = document.getElementById('f-ibonus-maxPaidRatePercents')!;
      return { border: getComputedStyle(el).borderTopColor, danger, valid: getComputedStyle(valid).borderTopColor };
    });
    expect(colours.border).to.equal(colours.danger);
    expect(colours.valid).to.not.equal(colours.danger);
    await page.screenshot({ path: artifactPath('iframe-form-errors.png') });

    // At a phone's width (the app's page on its own) the labels go above the fields instead of squeezing them.
    const narrow = await page.context().newPage();
    await narrow.setViewportSize({ width: 420, height: 900 });
    await narrow.goto(appUrl);
    await narrow.getByText('i-bonus.me', { exact: true }).click();
    await narrow.getByRole('button', { name: SAVE_BUTTON }).click();
    await narrow.locator('#error-summary').waitFor();
    const widths = await narrow.locator('#f-ibonus-baseUrl').evaluate((el) => ({
      input: el.getBoundingClientRect().width,
      page: document.documentElement.clientWidth,
    }));
    expect(widths.input / widths.page, 'the input takes the width').to.be.greaterThan(0.8);
    await narrow.screenshot({ path: artifactPath('iframe-form-errors-420.png'), fullPage: true });
    await narrow.close();
  });

  it('when the owner fills and saves the form, then the account goes live in МойСклад and the till works', async () => {
    expect(new URL(sandbox.embedUrl).hostname).to.not.equal(new URL(sandbox.appUrl).hostname);
    await page.goto(sandbox.embedUrl);
    await frame.getByRole('heading', { name: 'Настройки' }).waitFor();
    expect(await frame.locator('[data-live]').getAttribute('data-live')).to.equal('false');

    // The REST API system with the key missing: errors next to the fields.
    await frame.getByText('Своя система по REST API').click();
    await frame.getByLabel('Адрес API').fill(sandbox.providers.general.url);
    await frame.getByRole('button', { name: SAVE_BUTTON }).click();
    await frame.locator('[data-error-for="general.apiKey"]').waitFor();
    expect(await frame.locator('[data-error-for="general.apiKey"]').textContent()).to.equal(
      'Укажите ключ API, выданный системой лояльности.',
    );
    await page.screenshot({ path: artifactPath('iframe-form-error.png') });

    // With the key and a store mapped, «Проверить подключение» asks the provider (fetch, no cookies).
    await frame.getByLabel('Ключ API').fill(sandbox.providers.general.apiKey);
    expect(
      await frame.locator('[data-error-for="general.apiKey"]').count(),
      'an edited field drops its old error',
    ).to.equal(0);
    await frame.getByLabel('Точка по умолчанию').fill(sandbox.providers.general.point);
    await frame.getByLabel('Магазин на Ленина').fill(sandbox.providers.general.point);
    await frame.getByRole('button', { name: 'Проверить подключение' }).click();
    await frame.locator('.check-result--ok').waitFor();
    expect(await frame.locator('#check-result').textContent()).to.include('Подключение работает');
    await page.screenshot({ path: artifactPath('iframe-form-general.png') });

    // Back to the built-in ledger, with the rules of the account's МойСклад bonus program.
    await frame.getByText('Встроенная бонусная программа').click();
    await frame
      .getByLabel('Перенести правила из МоегоСклада')
      .selectOption({ label: 'Бонусы за покупки — всем покупателям' });
    await frame.getByRole('button', { name: 'Заполнить правила' }).click();
    await frame.getByText('Правила программы «Бонусы за покупки» подставлены').waitFor();
    expect(await frame.locator('#f-ledger-earnRateRoublesToPoint').inputValue()).to.equal('7');
    expect(await frame.locator('#f-ledger-spendRatePointsToRouble').inputValue()).to.equal('4');
    await page.screenshot({ path: artifactPath('iframe-form.png') });
    await frame.getByText('В системе лояльности', { exact: true }).click();

    const save = frame.locator('[data-action="save"]');
    expect(await save.textContent()).to.equal('Сохранить и подключить');
    await save.click();
    await frame.getByText('Готово: касса работает с бонусами.').waitFor();
    expect(await frame.locator('[data-live]').getAttribute('data-live')).to.equal('true');
    expect(await frame.locator('[data-discount-warning]').count(), 'warned before the first save only').to.equal(0);
    expect(await save.textContent(), 'live: a save only sends what changed').to.equal('Сохранить');
    await page.screenshot({ path: artifactPath('iframe-live.png') });

    // What МойСклад now holds, and what we stored.
    const account = sandbox.moysklad.state.accounts.get(sandbox.account.accountId)!;
    const tenant = tenantRepository.find(sandbox.storage.db, sandbox.account.accountId)!;
    expect(account.loyalty).to.deep.include({ url: `${sandbox.appUrl}/loyalty-api`, externalSearch: true });
    expect(hashToken(account.loyalty!.token)).to.equal(tenant.loyaltyTokenHash);
    expect(account.status).to.equal('Activated');
    expect(sandbox.moysklad.state.requests.filter((r) => r.path.endsWith('/status')).map((r) => r.body)).to.deep.equal([
      { status: 'Activated' },
    ]);
    expect(tenant).to.include({ status: 'Activated', backend: 'ledger', externalSearch: true });
    expect(tenant.configuredAt).to.be.instanceOf(Date);
    expect(goLiveStateOf(tenant).pending).to.equal(null);
    expect(tenant.settings).to.have.nested.property('ledger.earnRateRoublesToPoint', 7);

    // Reloading the frame keeps working without any cookie.
    const appFrame = page.frames().find((f) => f.url().startsWith(sandbox.appUrl))!;
    await appFrame.goto(appFrame.url());
    await frame.getByText('Касса подключена').waitFor();
    expect(await page.context().cookies(sandbox.appUrl)).to.deep.equal([]);

    // The till sells through the LoyaltyAPI with the token МойСклад received.
    await page.goto(sandbox.tillUrl);
    await page.getByText('Касса подключена').waitFor();
    await page.getByRole('button', { name: 'Продать' }).click();
    await page.locator('.badge', { hasText: 'HTTP 201' }).waitFor();
    await page.getByRole('button', { name: 'Баланс' }).click();
    await page.locator('.badge', { hasText: 'HTTP 200' }).waitFor();
    expect(await page.locator('[data-till-response]').textContent()).to.match(/"agentBonusBalance": \d+/);
    await page.getByRole('button', { name: 'Вернуть последнюю продажу' }).click();
    await page
      .getByRole('heading', { name: /Возврат продажи № 00001/ })
      .locator('.badge', { hasText: 'HTTP 201' })
      .waitFor();
  });

  it('when the settings are saved, then each section is folded to a line of its values, and an error inside a fold opens it and takes focus', async () => {
    await page.goto(sandbox.embedUrl);
    await frame.getByRole('heading', { name: 'Настройки' }).waitFor();
    const isOpen = (id: string) => frame.locator(`#${id}`).evaluate((el) => (el as HTMLDetailsElement).open);
    const folds = [
      'go-live',
      'rules',
      'customer-search',
      'expiry',
      'tiers',
      'birthdays',
      'catch-up',
      'restricted-goods',
    ];
    for (const id of folds) expect(await isOpen(id), id).to.equal(false);
    expect(await frame.locator('#rules [data-summary]').textContent()).to.match(
      /^1 балл за каждые 7 ₽, 4 балла = 1 ₽ скидки, баллами до \d+ % чека$/,
    );
    expect(await frame.locator('#expiry [data-summary]').textContent()).to.equal('через 180 дней');
    expect(await frame.locator('#customer-search [data-summary]').textContent()).to.equal('в системе лояльности');
    expect(await frame.locator('#f-ledger-pointsLifetimeDays').isVisible(), 'folded fields are hidden').to.equal(false);

    // A wrong value typed into one fold: after the save only that fold is open, with focus on the field.
    await frame.locator('#expiry > summary').click();
    await frame.locator('#f-ledger-pointsLifetimeDays').fill('-5');
    await frame.getByRole('button', { name: SAVE_BUTTON }).click();
    await frame.locator('#error-summary').waitFor();
    const field = frame.locator('#f-ledger-pointsLifetimeDays');
    const focused = () => field.evaluate((el) => el === document.activeElement);
    expect(await isOpen('expiry')).to.equal(true);
    expect(await focused(), 'focus on the field at fault').to.equal(true);
    expect(await isOpen('rules')).to.equal(false);
    await page.screenshot({ path: artifactPath('iframe-fold-error.png') });

    // Folded again by hand, the summary's link still opens the fold and focuses the field.
    await frame.locator('#expiry > summary').click();
    expect(await field.isVisible()).to.equal(false);
    await frame.locator('#error-summary a[href="#f-ledger-pointsLifetimeDays"]').click();
    expect(await isOpen('expiry')).to.equal(true);
    expect(await focused()).to.equal(true);
  });

  it('when an employee without admin rights opens the app, then the form is read-only and says why', async () => {
    await page.goto(`${sandbox.embedUrl}/?as=cashier`);
    await frame.locator('[data-read-only]').waitFor();
    expect(await frame.locator('[data-read-only]').textContent()).to.include('Только для чтения');
    expect(await frame.getByRole('button', { name: SAVE_BUTTON }).count(), 'no active-looking save').to.equal(0);
    // Disabled fields look disabled: not the white of an editable one.
    const background = await frame
      .locator('#f-ledger-earnRateRoublesToPoint')
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(background).to.not.equal('rgb(255, 255, 255)');
    await page.screenshot({ path: artifactPath('iframe-read-only.png') });
  });

  it('when МойСклад refuses the settings, then the owner sees why and «Повторить» finishes the job', async () => {
    await page.goto(sandbox.embedUrl);
    sandbox.moysklad.failNext({
      method: 'PATCH',
      pathEnds: '/loyalty',
      answer: 400,
      body: { errors: [{ error: 'Решение не поддерживает программу лояльности', code: 2006 }] },
    });
    await frame.locator('#customer-search > summary').click();
    await frame.getByText('В МоёмСкладе', { exact: true }).click();
    await frame.getByRole('button', { name: SAVE_BUTTON }).click();
    await frame.getByText('МойСклад не принял изменения').waitFor();
    expect(await frame.locator('#go-live').getAttribute('open'), 'the steps show after an action').to.equal('');
    expect(await frame.locator('#go-live [data-step="loyalty"]').textContent()).to.include(
      'Решение не поддерживает программу лояльности',
    );
    await page.screenshot({ path: artifactPath('iframe-moysklad-refused.png') });

    await frame.getByRole('button', { name: 'Повторить' }).click();
    await frame.getByText('Готово: касса работает с бонусами.').waitFor();
    expect(sandbox.moysklad.state.accounts.get(sandbox.account.accountId)!.loyalty!.externalSearch).to.equal(false);
  });
});
