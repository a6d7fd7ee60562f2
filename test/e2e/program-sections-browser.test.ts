import { expect } from 'chai';
import type { TierRules } from '../../app/ledger/tier-rules.js';
import { artifactPath, launchBrowser } from '../helpers/browser.js';
import { startMoyskladWorld, type MoyskladWorld } from '../helpers/moysklad-world.js';

const TIERS: TierRules = {
  enabled: true,
  windowDays: 365,
  levels: [
    { name: 'Бронза', thresholdKopecks: 0, earnRateRoublesToPoint: 10 },
    { name: 'Серебро', thresholdKopecks: 1_000_000, earnRateRoublesToPoint: 5 },
  ],
};

/**
 * The program's feature sections in a real Chromium, as the owner sees them with their own values: one
 * section each for expiry, tiers and birthdays, each with an example in roubles, under the note that
 * changing rules never rewrites history. Screenshot: test-artifacts/iframe-program.png.
 */
describe('The program’s feature sections in a real browser', function () {
  this.timeout(90_000);
  let w: MoyskladWorld;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;

  before(async () => {
    w = await startMoyskladWorld({});
    w.configure('ledger', {
      ledger: {
        earnRateRoublesToPoint: 10,
        pointsLifetimeDays: 180,
        welcomeLifetimeDays: 30,
        birthdayEnabled: true,
        birthdayPoints: 500,
        birthdayDaysBefore: 3,
        birthdayDaysAfter: 7,
        birthdayEarnMultiplier: 2,
        birthdayMinMemberDays: 30,
      },
      tiers: TIERS,
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await w?.close();
  });

  it('when the owner opens the settings, then expiry, tiers and birthdays each explain themselves with the owner’s numbers', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${w.t.baseUrl}/iframe?contextKey=${w.fake.issueContextKey(w.account.accountId)}`);
    expect(await page.locator('#expiry [data-expiry-example]').textContent()).to.match(
      /^Например: Покупка на 1 000 ₽ сегодня → 100 баллов, их можно потратить до \d\d\.\d\d включительно\.$/,
    );
    expect(await page.locator('#tiers [data-tier-example]').textContent()).to.equal(
      'Например: Покупка на 1 000 ₽ → 200 баллов (уровень «Серебро»).',
    );
    expect(await page.locator('#birthdays [data-birthday-example]').textContent()).to.equal(
      'Например: Покупка на 1 000 ₽ в день рождения, за 3 дня до него или 7 дней после → 200 баллов (×2). В подарок — 500 баллов раз в год тем, кто в программе не меньше 30 дней до дня рождения.',
    );
    expect(await page.isChecked('#f-ledger-birthdayEnabled')).to.equal(true);
    expect(await page.inputValue('#f-ledger-birthdayMinMemberDays')).to.equal('30');
    expect(await page.inputValue('#f-ledger-birthdayEarnMultiplier')).to.equal('2');
    expect(await page.locator('[data-history-note]').isVisible()).to.equal(true);

    const top = (await page.locator('[data-history-note]').boundingBox())!;
    const bottom = (await page.locator('#birthdays').boundingBox())!;
    await page.screenshot({
      path: artifactPath('iframe-program.png'),
      fullPage: true,
      clip: { x: 0, y: top.y - 8, width: bottom.x + bottom.width + 16, height: bottom.y + bottom.height - top.y + 16 },
    });
  });
});
