import { expect } from 'chai';
import type { FrameLocator, Page } from 'playwright-core';
import { artifactPath } from '../helpers/browser.js';
import { windows1251 } from '../helpers/customer-files.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { startSandboxInBrowser } from './sandbox-in-browser.js';

/** A MAXMA-like export as Russian Excel saves it: Windows-1251, ';', with a repeated phone and a bad one. */
const EXPORT = [
  'Клиент;Телефон;Номер карты;Email;Дата рождения;Бонусный баланс;Уровень;Дата регистрации',
  'Иванова Мария;+7 912 345-67-89;2000001;maria@example.ru;14.03.1988;1 250;;12.05.2021',
  'Петров Сергей;8 (903) 111-22-33;2000002;;;430;;',
  'Сидорова Анна;+7 912 345-67-89;2000003;;;90;;',
  'Кузнецов Олег;12-34-56;2000004;;;15;;',
  'Смирнова Ольга;+7 916 555-44-33;2000005;olga@example.ru;01.12.1979;2 000;;2019-09-01',
].join('\r\n');

/**
 * The owner's switching kit in a real Chromium inside the sandbox's МойСклад page, third-party cookies
 * blocked: choose the export, read the mapping and the dry run, import, and see it done.
 */
describe('Customer import in the settings iframe, in a real browser', function () {
  this.timeout(90_000);
  let sandbox: Sandbox;
  let page: Page;
  let frame: FrameLocator;
  let close: (() => Promise<void>) | undefined;

  before(async () => {
    ({ sandbox, page, frame, close } = await startSandboxInBrowser());
  });
  after(() => close?.());

  /** The iframe once МойСклад's page has grown it to the content's height (iframe-height.js). */
  async function shot(name: string) {
    const height = await frame.locator('html').evaluate((html) => Math.ceil(html.getBoundingClientRect().height));
    await page.setViewportSize({ width: 1280, height: height + 120 });
    await page.waitForFunction(
      (h) => document.querySelector('iframe[data-app-iframe]')?.getAttribute('data-content-height') === String(h),
      height,
    );
    await page.locator('iframe[data-app-iframe]').screenshot({ path: artifactPath(name) });
  }

  it('when the owner chooses an export, then the mapping and the dry run show, and the import ends done', async () => {
    await page.goto(sandbox.embedUrl);
    await frame.locator('[data-import-link]').click();
    await frame.getByRole('heading', { name: 'Перенос покупателей и баллов из файла' }).waitFor();
    await frame
      .locator('#import-file')
      .setInputFiles({ name: 'maxma-export.csv', mimeType: 'text/csv', buffer: windows1251(EXPORT) });
    await frame.locator('[data-import-report]:not([hidden])').waitFor();

    expect(await frame.locator('[data-import-preset]').inputValue()).to.equal('maxma');
    expect(await frame.locator('select[name="balance"]').inputValue()).to.equal('5');
    expect(await frame.locator('select[name="joined"]').inputValue()).to.equal('7');
    expect(await frame.locator('[data-import-fields]').textContent()).to.contain('В программе с');
    expect(await frame.locator('[data-import-file-facts]').textContent()).to.contain('Windows-1251');
    const problems = await frame.locator('[data-import-problems]').textContent();
    expect(problems).to.contain('Строка 4: тот же телефон, что в строке 2');
    expect(problems).to.contain('Строка 5: телефон «12-34-56» не похож на российский номер');
    expect(await frame.locator('[data-import-start]').textContent()).to.equal('Перенести 3 покупателей');
    await shot('customer-import.png');

    page.once('dialog', (dialog) => void dialog.accept());
    await frame.locator('[data-import-start]').click();
    await frame.locator('.import-status--ok', { hasText: 'Готово' }).waitFor();
    expect(await frame.locator('[data-import-status]').textContent()).to.contain('новых покупателей 3');
    await shot('customer-import-done.png');
  });
});
