import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { FakeCounterparty, FakeProduct, FakeRetailDemand } from '../fakes/moysklad-fake.js';
import { artifactPath, launchBrowser, pageProblems } from '../helpers/browser.js';
import { startMoyskladWorld, type MoyskladWorld } from '../helpers/moysklad-world.js';

const DAY_MS = 86_400_000;
const GOODS: FakeProduct[] = [
  { id: randomUUID(), name: 'Кофе' },
  { id: randomUUID(), name: 'Круассан' },
  { id: randomUUID(), name: 'Сигареты', trackingType: 'TOBACCO' },
];

/**
 * «Проверить на моих продажах» in a real Chromium: the owner changes the rules in the form, starts the
 * check, the page's script follows the run (МойСклад pauses it once with a 429) and shows both rule
 * sets side by side. The screenshot lands in test-artifacts/what-if.png (docs/what-if.png is a copy).
 */
describe('What-if in a real browser', function () {
  this.timeout(90_000);
  let w: MoyskladWorld;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;

  before(async () => {
    const now = Date.now();
    const people: FakeCounterparty[] = Array.from({ length: 40 }, (_, i) => ({
      id: randomUUID(),
      name: `Покупатель ${i + 1}`,
      tags: [],
    }));
    const sales: FakeRetailDemand[] = Array.from({ length: 640 }, (_, i) => {
      const positions = [
        { assortmentId: GOODS[0]!.id, quantity: 1 + (i % 3), priceKopecks: 18_000 + (i % 5) * 2_000 },
        { assortmentId: GOODS[1]!.id, quantity: 1, priceKopecks: 9_500 },
        ...(i % 4 === 0 ? [{ assortmentId: GOODS[2]!.id, quantity: 1, priceKopecks: 23_000 }] : []),
      ];
      return {
        id: randomUUID(),
        agentId: i % 3 === 0 ? undefined : people[(i * 7) % people.length]!.id,
        momentMs: now - 89 * DAY_MS + i * 3 * 3_600_000,
        sumKopecks: positions.reduce((s, p) => s + p.quantity * p.priceKopecks, 0),
        positions,
      };
    });
    w = await startMoyskladWorld({ products: GOODS, counterparties: people, retailDemands: sales });
    w.configure('ledger', {
      ledger: { earnRateRoublesToPoint: 20, maxPaidRatePercents: 20, receiptTemplate: 'Баллов: {balanceAfter}' },
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await w?.close();
  });

  it('when the owner checks new rules on 90 days of sales, then the page follows the run and shows both side by side', async () => {
    const page = await browser.context.newPage();
    const broken = pageProblems(page);
    await page.goto(`${w.t.baseUrl}/iframe?contextKey=${w.fake.issueContextKey(w.account.accountId)}`);
    await page.fill('#f-ledger-earnRateRoublesToPoint', '10');
    await page.fill('#f-ledger-maxPaidRatePercents', '30');
    await page.fill('#f-ledger-pointsLifetimeDays', '30');
    const section = page.locator('#what-if');
    await section.locator('#f-whatIfDays').selectOption('90');
    // МойСклад makes the first page wait a second and a half: the page shows the run under way first.
    w.fake.rateLimitNext('GET', '/entity/retaildemand', 1500);
    await section.getByRole('button', { name: 'Проверить на моих продажах' }).click();
    await page.waitForURL('**/iframe/what-if?**');
    await page.locator('#what-if-run[data-run-status="running"]').waitFor();
    // The script reloads the page once the run is over.
    await page.locator('[data-what-if-result]').waitFor({ timeout: 30_000 });

    const cells = async (key: string) => page.locator(`[data-row="${key}"] td`).allTextContents();
    expect((await cells('discount-share'))[0]).to.equal('Скидка, % выручки');
    const [, proposedRevenue, currentRevenue] = await cells('revenue');
    expect(proposedRevenue).to.equal(currentRevenue);
    const rules = await page.locator('[data-what-if-result] tbody tr').first().locator('td').allTextContents();
    const spaced = rules.map((text) => text.replace(/\u00a0/g, ' '));
    expect(spaced[1]).to.equal('1 балл за 10 ₽ · 1 балл = 1 ₽ · до 30 % чека · сгорают через 30 дней');
    expect(spaced[2]).to.equal('1 балл за 20 ₽ · 1 балл = 1 ₽ · до 20 % чека · не сгорают');
    expect(await page.locator('[data-what-if-runs] tbody tr').count()).to.equal(1);
    await page.screenshot({ path: artifactPath('what-if.png'), fullPage: true });
    expect(broken, 'nothing refused by the CSP or broken in the page').to.deep.equal([]);
  });
});
