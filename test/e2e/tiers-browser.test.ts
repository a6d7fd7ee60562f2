import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import { customers } from '../../db/schema/index.js';
import type { TierRules } from '../../app/ledger/tier-rules.js';
import { tenantRepository } from '../../app/tenants/tenant-repository.js';
import type { FakeProduct, FakeRetailDemand } from '../fakes/moysklad-fake.js';
import { createTestAdmin, TEST_PASSWORD } from '../helpers/admin.js';
import { artifactPath, launchBrowser, pageProblems } from '../helpers/browser.js';
import { goodsLine, startMoyskladWorld, type MoyskladWorld } from '../helpers/moysklad-world.js';
import { counterpartyMeta, retailStore } from '../helpers/tenants.js';
import { waitFor } from '../helpers/wait-for.js';

const DAY_MS = 86_400_000;
const COFFEE: FakeProduct = { id: randomUUID(), name: 'Кофе' };
const TIERS: TierRules = {
  enabled: true,
  windowDays: 365,
  levels: [
    { name: 'Бронза', thresholdKopecks: 0, earnRateRoublesToPoint: 10 },
    { name: 'Серебро', thresholdKopecks: 1_000_000, earnRateRoublesToPoint: 5 },
    { name: 'Золото', thresholdKopecks: 3_000_000, earnRateRoublesToPoint: 2, maxPaidRatePercents: 50 },
  ],
};

/**
 * The tiers in a real Chromium: the owner's section of the settings, loading the history from МойСклад
 * with its progress followed by the page's script, and support's view of a customer's levels.
 * Screenshots land in test-artifacts/ (tiers-settings.png, tiers-admin-customer.png).
 */
describe('Tiers in a real browser', function () {
  this.timeout(90_000);
  let w: MoyskladWorld;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  const anna = randomUUID();

  before(async () => {
    const now = Date.now();
    // Anna bought 60 times for 450 ₽ over the year in МойСклад before the app: 27 000 ₽, Silver.
    const history: FakeRetailDemand[] = Array.from({ length: 60 }, (_, i) => ({
      id: randomUUID(),
      agentId: anna,
      momentMs: now - (i * 5 + 3) * DAY_MS,
      sumKopecks: 45_000,
    }));
    w = await startMoyskladWorld({ retailDemands: history, products: [COFFEE] });
    w.configure('ledger', { ledger: { receiptTemplate: 'Баллов: {balanceAfter}' }, tiers: TIERS });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await w?.close();
  });

  it('when the owner loads the history from the tiers section, then the page follows it to the end, and a purchase then moves Anna up', async () => {
    const page = await browser.context.newPage();
    const broken = pageProblems(page);
    await page.goto(`${w.t.baseUrl}/iframe?contextKey=${w.fake.issueContextKey(w.account.accountId)}`);
    const section = page.locator('#tiers');
    expect(await section.locator('[data-tier-example]').textContent()).to.equal(
      'Например: Покупка на 1 000 ₽ → 200 баллов (уровень «Серебро»).',
    );
    expect(await page.isChecked('#f-tiers-enabled')).to.equal(true);

    await section.getByRole('button', { name: 'Загрузить историю' }).click();
    await page.locator('[data-notice="info"]').waitFor();
    // The page's script polls the progress until the seeding is done.
    await page.locator('.tier-seed[data-seed-status="done"]').waitFor({ timeout: 20_000 });
    expect(await section.locator('[data-seed-text]').textContent()).to.match(
      /^История загружена .*: 60 продаж с .* по .*, из них с покупателем — 60 на 27\s000\s₽\. Уровни пересчитываются сами\.$/,
    );
    await section.screenshot({ path: artifactPath('tiers-settings.png') });

    // Anna comes to the till: the history made her Silver, and 4 000 ₽ takes her to Gold.
    const customer = () => w.t.storage.db.select().from(customers).where(eq(customers.msId, anna)).get();
    const sold = await w.till.post('/retaildemand', {
      retailStore,
      meta: { href: '', id: randomUUID() },
      agent: { meta: counterpartyMeta(anna) },
      positions: [goodsLine(w.fake, COFFEE, 4_000)],
      cashSum: 4_000,
      noCashSum: 0,
    });
    expect(sold.status, JSON.stringify(sold.data)).to.equal(201);
    await waitFor('Anna is Gold', () => customer()?.tierLevel === 2);
    expect(broken, 'nothing refused by the CSP or broken in the page').to.deep.equal([]);
  });

  it('when support opens Anna, then they see her level, what is left, and how she got there', async () => {
    await createTestAdmin(w.t, 'anna-support', 'support');
    const page = await browser.context.newPage();
    await page.goto(`${w.t.baseUrl}/admin`);
    await page.fill('#login', 'anna-support');
    await page.fill('#password', TEST_PASSWORD);
    await Promise.all([page.waitForURL('**/admin/dashboard'), page.click('button[type=submit]')]);
    const id = w.t.storage.db.select().from(customers).where(eq(customers.msId, anna)).get()!.id;
    const accountId = tenantRepository.find(w.t.storage.db, w.account.accountId)!.accountId;
    await page.goto(`${w.t.baseUrl}/admin/tenants/${accountId}/customers/${id}`);
    expect(await page.textContent('[data-tier-level]')).to.equal('Золото');
    const rows = await page.locator('[data-level-changes] tbody tr').allTextContents();
    expect(
      rows.map((row) =>
        row
          .replace(/\s+/g, ' ')
          .trim()
          .replace(/^\S+ \S+ /, ''),
      ),
    ).to.deep.equal([
      'Серебро Золото 31 000,00 ₽ Покупка',
      'Бронза Серебро 27 000,00 ₽ История покупок из МоегоСклада',
    ]);
    await page.screenshot({ path: artifactPath('tiers-admin-customer.png'), fullPage: true });
  });
});
