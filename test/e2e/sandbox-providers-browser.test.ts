import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { FrameLocator, Page } from 'playwright-core';
import { projectPath } from '../../app/project-root.js';
import { providerCustomerRepository } from '../../app/providers/provider-customer-repository.js';
import { tenantRepository } from '../../app/tenants/tenant-repository.js';
import { artifactPath, SAVE_BUTTON } from '../helpers/browser.js';
import { waitFor } from '../helpers/wait-for.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { startSandboxInBrowser } from './sandbox-in-browser.js';

/**
 * The sandbox with the external providers, in a real Chromium with third-party cookies blocked: the
 * owner copies a fake provider's address and credentials from the sandbox page into the settings
 * iframe, goes live, and the sandbox till sells through the provider; the outbox worker delivers.
 */
describe('The sandbox with the external providers, in a real browser', function () {
  this.timeout(90_000);
  let sandbox: Sandbox;
  let page: Page;
  let frame: FrameLocator;
  let close: (() => Promise<void>) | undefined;

  /** A value the sandbox page lists for the owner to copy. */
  const listed = async (key: string) => (await page.locator(`[data-sandbox="${key}"]`).textContent()) ?? '';
  const tillRequest = async () => JSON.parse((await page.locator('[data-till-request]').textContent()) ?? '{}');
  const tillResponse = async () => JSON.parse((await page.locator('[data-till-response]').textContent()) ?? '{}');
  const pressAtTill = async (button: string, status: number) => {
    await page.getByRole('button', { name: button, exact: true }).click();
    await page.locator('[data-till-result] .badge', { hasText: `HTTP ${status}` }).waitFor();
  };
  const saveAndGoLive = async () => {
    await frame.getByRole('button', { name: SAVE_BUTTON }).click();
    await frame.getByText('Готово: касса работает с бонусами.').waitFor();
    expect(await frame.locator('[data-live]').getAttribute('data-live')).to.equal('true');
  };
  const tenant = () => tenantRepository.find(sandbox.storage.db, sandbox.account.accountId)!;

  before(async () => {
    ({ sandbox, page, frame, close } = await startSandboxInBrowser());
  });
  after(() => close?.());

  it('when the owner connects the REST API with what the sandbox page lists, then a SPENDING recalc holds points and the delivered sale spends them through the hold', async () => {
    const { general } = sandbox.providers;
    await page.goto(sandbox.embedUrl);
    const typed = {
      url: await listed('general.url'),
      apiKey: await listed('general.apiKey'),
      point: await listed('general.point'),
    };
    expect(typed).to.deep.equal({ url: general.url, apiKey: general.apiKey, point: general.point });

    // The form starts empty: the owner types what the page lists, as they would a real provider's.
    await frame.getByText('Своя система по REST API').click();
    expect(await frame.getByLabel('Адрес API').inputValue()).to.equal('');
    await frame.getByLabel('Адрес API').fill(typed.url);
    await frame.getByLabel('Ключ API').fill(typed.apiKey);
    const store = sandbox.account.retailStores[0]!;
    await frame.getByLabel(store.name).fill(typed.point);
    await frame.getByText('В системе лояльности', { exact: true }).click();
    await frame.getByRole('button', { name: 'Проверить подключение' }).click();
    await frame.locator('.check-result--ok').waitFor();
    expect(await frame.locator('#check-result').textContent()).to.include('Подключение работает');
    await page.screenshot({ path: artifactPath('sandbox-general-form.png') });
    await saveAndGoLive();
    expect(tenant()).to.include({ backend: 'general', externalSearch: true });
    expect(tenant().settings.storePoints).to.deep.equal({ [store.id]: general.point });

    // At the till: Ivan's phone from the sandbox's list, spend as much as allowed.
    const ivan = sandbox.providers.customers.find((c) => c.system === 'general' && c.name === 'ИВАН')!;
    await page.goto(sandbox.tillUrl);
    await page.locator(`[data-fill-phone="${ivan.phone}"]`).click();
    expect(await page.getByLabel('Телефон покупателя').inputValue()).to.equal(ivan.phone);
    await page.getByLabel('Списать баллы').check();
    await pressAtTill('Рассчитать', 200);

    // 890 + 2 × 95.50 = 1081 ₽ (the cigarettes are never discounted), at most 50 % by points: 540 of
    // Ivan's 878, held for the sale.
    const recalc = await tillResponse();
    expect(recalc.bonusProgram).to.include({
      agentBonusBalance: 878,
      bonusValueToSpend: 540,
      agentBonusBalanceAfter: 338,
    });
    const cigarettes = recalc.positions.find((p: { name: string }) => p.name === 'Сигареты «Ява»');
    expect(cigarettes).to.include({ price: 230, discountedPrice: 230, discountPercent: 0 });
    expect(recalc.bonusProgram.receiptExtraInfo).to.contain(
      'Скидка баллами не применяется к 1 поз.: табак или товары без скидок.',
    );
    expect(general.fake.state.amounts[0], 'the provider is asked about the goods points may pay for').to.deep.equal({
      call: 'recalc',
      client: 'client-cashback',
      amount: 1081,
    });
    const mapped = providerCustomerRepository.findByProviderId(
      sandbox.storage.db,
      sandbox.account.accountId,
      'general',
      'client-cashback',
    )!;
    expect((await tillRequest()).agent.meta.id, 'the till names the customer by the id our search returned').to.equal(
      mapped.id,
    );
    expect(await page.locator('[data-till-customer]').textContent()).to.include(
      'Найден поиском в системе лояльности: ИВАН',
    );
    const holds = [...general.fake.state.holds.values()];
    expect(holds).to.have.length(1);
    expect(holds[0]).to.include({ client: 'client-cashback', point: general.point, amount: 540 });

    await pressAtTill('Продать', 201);
    await waitFor('the outbox worker delivers the sale', () => general.fake.state.retails.length === 1);
    expect(general.fake.state.retails[0]).to.deep.equal({
      client: 'client-cashback',
      point: general.point,
      amount: 1081,
      spend: 540,
      earn: 0,
      total: 541,
    });
    const retail = general.fake.state.requests.find((r) => r.path === '/integration/general/retail')!;
    expect(retail.body).to.deep.include({ hold: [holds[0]!.id] });
    expect(general.fake.state.holds.size, 'the hold was used by the sale').to.equal(0);
    expect(general.fake.state.clients.get('client-cashback')!.balance).to.equal(338);
    await page.screenshot({ path: artifactPath('sandbox-till-general-sale.png'), fullPage: true });
  });

  it('when the owner switches to i-bonus.me and the cashier sells with points, then i-bonus gets a sale order with our sale id as externalId, and the return a refund', async () => {
    const { ibonus } = sandbox.providers;
    await page.goto(sandbox.embedUrl);
    await frame.getByText('i-bonus.me', { exact: true }).click();
    await frame.getByLabel('Адрес i-bonus').fill(await listed('ibonus.url'));
    await frame.getByLabel('Логин i-bonus', { exact: true }).fill(await listed('ibonus.login'));
    await frame.getByLabel('Пароль i-bonus', { exact: true }).fill(await listed('ibonus.password'));
    // This time МойСклад searches its own counterparties: the till sends МойСклад's id with the phone.
    // The search was saved with the REST API, so its section is folded.
    await frame.locator('#customer-search > summary').click();
    await frame.getByText('В МоёмСкладе', { exact: true }).click();
    await frame.getByRole('button', { name: 'Проверить подключение' }).click();
    await frame.locator('.check-result--ok').waitFor();
    await saveAndGoLive();
    expect(tenant()).to.include({ backend: 'ibonus', externalSearch: false });

    // The till suggests a customer the account's system knows.
    const olga = sandbox.providers.customers.find((c) => c.system === 'ibonus' && c.name === 'Ольга')!;
    await page.goto(sandbox.tillUrl);
    expect(await page.getByLabel('Телефон покупателя').inputValue()).to.equal(olga.phone);
    await page.getByLabel('Списать баллы').check();
    await pressAtTill('Продать', 201);
    const sale = await tillRequest();
    expect(sale.bonusProgram.bonusValueToSpend, 'all of her 500 points: under half of 1081 ₽').to.equal(500);

    await waitFor('the outbox worker delivers the sale', () => ibonus.fake.state.orders.length === 1);
    const [order] = ibonus.fake.state.orders;
    expect(order!.outcome).to.equal('applied');
    expect(order!.body).to.deep.include({ amount: 500, currency: 'points' });
    expect((order!.body as { order: object }).order).to.include({
      receiptType: 'sale',
      externalId: sale.meta.id,
      customerPhone: '79123456789',
    });
    // 811 ₽ paid in money (the cigarettes at full price), 5 % awarded: i-bonus decides what it awards on.
    expect(ibonus.fake.state.clients.find((c) => c.name === 'Ольга')!.points).to.equal(40.55);
    await page.screenshot({ path: artifactPath('sandbox-till-ibonus-sale.png'), fullPage: true });

    await pressAtTill('Вернуть последнюю продажу', 201);
    await waitFor('the outbox worker delivers the refund', () => ibonus.fake.state.orders.length === 2);
    expect((ibonus.fake.state.orders[1]!.body as { order: object }).order).to.include({
      receiptType: 'refund',
      externalId: sale.meta.id,
    });
    expect(ibonus.fake.state.orders[1]!.outcome).to.equal('applied');
    expect(
      ibonus.fake.state.clients.find((c) => c.name === 'Ольга')!.points,
      'spent points back, awarded taken back',
    ).to.equal(500);
  });

  it('when the README tells a newcomer what to type, then it is what the sandbox fakes accept and the customers they hold', () => {
    const readme = readFileSync(projectPath('README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### See the whole flow'), readme.indexOf('## Status'));
    const { general, ibonus, customers } = sandbox.providers;
    for (const secret of [
      general.apiKey,
      general.point,
      ibonus.login,
      ibonus.password,
      sandbox.admin.login,
      sandbox.admin.password,
    ]) {
      expect(section).to.include(`\`${secret}\``);
    }
    for (const customer of customers) expect(section).to.include(customer.phone);
  });
});
