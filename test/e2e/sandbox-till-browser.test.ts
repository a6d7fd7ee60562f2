import { expect } from 'chai';
import type { FrameLocator, Page } from 'playwright-core';
import { artifactPath, SAVE_BUTTON } from '../helpers/browser.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { startSandboxInBrowser } from './sandbox-in-browser.js';

/**
 * The sandbox till on the built-in ledger, in a real Chromium: after each step the cashier reads a
 * receipt as МойСклад's till shows it (lines, discounts, points, the text to print), and the raw
 * LoyaltyAPI JSON waits in a closed fold under it.
 */
describe('The sandbox till shows a receipt, in a real browser', function () {
  this.timeout(90_000);
  let sandbox: Sandbox;
  let page: Page;
  let frame: FrameLocator;
  let close: (() => Promise<void>) | undefined;

  const text = async (selector: string) => ((await page.locator(selector).textContent()) ?? '').trim();
  const texts = async (selector: string) => (await page.locator(selector).allTextContents()).map((t) => t.trim());
  const pressAtTill = async (button: string, status: number) => {
    await page.getByRole('button', { name: button, exact: true }).click();
    await page.locator('[data-till-result] .badge', { hasText: `HTTP ${status}` }).waitFor();
  };

  before(async () => {
    ({ sandbox, page, frame, close } = await startSandboxInBrowser());
    await page.goto(sandbox.embedUrl);
    await frame.getByRole('button', { name: SAVE_BUTTON }).click();
    await frame.getByText('Готово: касса работает с бонусами.').waitFor();
  });
  after(() => close?.());

  it('when the cashier sells to the demo customer spending 300 points, then the receipt shows the lines, the discount, the points spent and earned and the receipt text, the JSON folded', async () => {
    await page.goto(sandbox.tillUrl);
    expect(await page.getByLabel('Телефон покупателя').inputValue()).to.equal('+7 900 000-00-01');
    await page.getByLabel('Списать баллы').check();
    await page.getByLabel('Сколько баллов').fill('300');
    await pressAtTill('Продать', 201);

    const sale = JSON.parse(await text('[data-till-request]'));
    const recalc = JSON.parse((await page.locator('[data-till-json] pre').nth(1).textContent()) ?? '');
    expect(sale.bonusProgram.bonusValueToSpend).to.equal(300);
    expect(sale.bonusProgram.bonusValueToEarn, 'the demo program earns while spending').to.be.greaterThan(0);

    // One receipt line per position the sale recorded: the recalc may split one to come out exact.
    const names = await texts('[data-receipt-line] .receipt__name');
    expect(names).to.deep.equal(sale.positions.map((p: { name: string }) => p.name));
    expect(names).to.include.members(['Кофе в зёрнах', 'Молоко', 'Сигареты «Ява»']);
    const coffee = page.locator('[data-receipt-line]', { hasText: 'Кофе в зёрнах' });
    expect(await coffee.locator('.receipt__qty').textContent()).to.equal('1 × 890,00 ₽');
    expect(await coffee.locator('[data-receipt-line-discount]').textContent()).to.match(
      /^скидка \d+,\d\d ₽ \(\d+,\d+ %\)$/,
    );
    const cigarettes = page.locator('[data-receipt-line]', { hasText: 'Сигареты «Ява»' });
    expect(await cigarettes.locator('[data-receipt-line-discount]').count(), 'tobacco is never discounted').to.equal(0);
    expect(await cigarettes.locator('[data-receipt-line-sum]').textContent()).to.equal('230,00 ₽');

    // 890 + 2 × 95,50 + 230 = 1 311 ₽; 300 points paid 300 ₽ of it.
    expect(await text('[data-receipt-before]')).to.equal('1 311,00 ₽');
    expect(await text('[data-receipt-discount]')).to.equal('−300,00 ₽');
    expect(await text('[data-receipt-total]')).to.equal('1 011,00 ₽');
    expect(await text('[data-receipt] .receipt__total dt')).to.equal('К оплате');
    expect(await text('[data-receipt-spent]')).to.equal('300 баллов (300,00 ₽)');
    const earned = sale.bonusProgram.bonusValueToEarn as number;
    expect(await text('[data-receipt-earned]')).to.match(new RegExp(`^${earned} балл(а|ов)?$`));
    expect(await text('[data-receipt-balance-before]')).to.equal('1 600 баллов');
    expect(await text('[data-receipt-balance-after]')).to.match(/^1 \d{3} балл/);

    // The text the loyalty system gives the till to print, line breaks kept.
    const printed = await page.locator('[data-receipt-text]').innerText();
    expect(printed).to.equal(recalc.bonusProgram.receiptExtraInfo);
    expect(printed).to.contain('Уровень «Серебро»').and.contain('\n');

    // The raw JSON of both calls is there, folded: the cashier's view comes first.
    const fold = page.locator('[data-till-json]');
    expect(await fold.evaluate((details: HTMLDetailsElement) => details.open)).to.equal(false);
    expect(await page.locator('[data-till-request]').isVisible()).to.equal(false);
    expect(await fold.locator('summary').textContent())
      .to.contain('POST /retaildemand/recalc → 200')
      .and.contain('POST /retaildemand → 201');
    await page.screenshot({ path: artifactPath('sandbox-till-receipt.png'), fullPage: true });
    await fold.locator('summary').click();
    expect(await page.locator('[data-till-request]').isVisible()).to.equal(true);
  });

  it('when the cashier returns that sale, then the receipt reads «К возврату» and says which points the system gives back and takes back', async () => {
    await pressAtTill('Вернуть последнюю продажу', 201);
    expect(await text('[data-receipt] .receipt__total dt')).to.equal('К возврату');
    expect(await text('[data-receipt-total]')).to.equal('1 011,00 ₽');
    expect(await text('[data-till-note]')).to.match(
      /^Баллы пересчитает система лояльности: вернёт списанные 300 баллов и снимет начисленные \d+ балл/,
    );
  });

  it('when the app refuses the till, then the cashier reads its message, not JSON', async () => {
    const token = sandbox.account.loyalty!.token;
    sandbox.account.loyalty!.token = 'not-the-token';
    try {
      await pressAtTill('Рассчитать', 401);
    } finally {
      sandbox.account.loyalty!.token = token;
    }
    expect(await text('[data-till-error]')).to.equal(
      'Бонусы недоступны: попросите владельца магазина проверить приложение в МоёмСкладе.',
    );
    expect(await page.locator('[data-receipt]').count()).to.equal(0);
    expect(await page.locator('[data-till-response]').isVisible(), 'the refusal body is folded').to.equal(false);
  });

  it('when the till is opened on a 390 px phone, then nothing runs off the side and the receipt comes right after the form', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.goto(sandbox.tillUrl);
      await page.getByLabel('Списать баллы').check();
      await pressAtTill('Продать', 201);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(390);
      const form = (await page.locator('form').boundingBox())!;
      const receipt = (await page.locator('[data-receipt]').boundingBox())!;
      const customers = (await page.locator('#customers-title').boundingBox())!;
      expect(receipt.y, 'the receipt under the form').to.be.greaterThan(form.y + form.height);
      expect(customers.y, 'the cheat sheet after the receipt').to.be.greaterThan(receipt.y + receipt.height);
      expect(receipt.x + receipt.width).to.be.at.most(390);
      await page.screenshot({ path: artifactPath('sandbox-till-receipt-390.png'), fullPage: true });
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });
});
