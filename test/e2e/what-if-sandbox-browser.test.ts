import { expect } from 'chai';
import type { FrameLocator, Page } from 'playwright-core';
import { artifactPath } from '../helpers/browser.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { startSandboxInBrowser } from './sandbox-in-browser.js';

/**
 * «Проверить на моих продажах» where an owner would first try it: the sandbox's МойСклад page, its
 * settings iframe, third-party cookies blocked, and the sandbox account's own past sales.
 */
describe('What-if in the sandbox, in a real browser', function () {
  this.timeout(90_000);
  let sandbox: Sandbox;
  let page: Page;
  let frame: FrameLocator;
  let close: (() => Promise<void>) | undefined;

  before(async () => {
    ({ sandbox, page, frame, close } = await startSandboxInBrowser());
  });
  after(() => close?.());

  it('when the owner checks proposed rules on 90 days, then both rule sets are shown over the same sales', async () => {
    await page.goto(sandbox.embedUrl);
    await frame.locator('#f-ledger-maxPaidRatePercents').fill('10');
    const section = frame.locator('#what-if');
    await section.locator('#f-whatIfDays').selectOption('90');
    await section.getByRole('button', { name: 'Проверить на моих продажах' }).click();
    await frame.locator('[data-what-if-result]').waitFor({ timeout: 60_000 });

    const cells = (key: string) => frame.locator(`[data-row="${key}"] td`).allTextContents();
    const [, proposedRevenue, currentRevenue] = await cells('revenue');
    expect(proposedRevenue, 'the same sales under both rule sets').to.equal(currentRevenue);
    expect(Number(proposedRevenue!.replace(/\D/g, '')), 'the sandbox has sales to replay').to.be.greaterThan(0);
    const rules = await frame.locator('[data-what-if-result] tbody tr').first().locator('td').allTextContents();
    const [, proposed, current] = rules.map((text) => text.replace(/\u00a0/g, ' '));
    expect(proposed).to.contain('до 10 % чека');
    expect(current).not.to.contain('до 10 % чека');
    const [, proposedDiscount, currentDiscount] = await cells('discount');
    expect(proposedDiscount, 'a lower cap gives less discount').not.to.equal(currentDiscount);
    await page.screenshot({ path: artifactPath('what-if-sandbox.png'), fullPage: true });
  });
});
