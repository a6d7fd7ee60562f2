import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { safeUrl } from '../../../app/logging/safe-url.js';
import { TENANTS_PER_PAGE } from '../../../app/admin/tenants/tenant-list.js';
import { tenantRepository } from '../../../app/tenants/tenant-repository.js';
import { catalogRepository } from '../../../app/catalog/catalog-repository.js';
import { ACCESS_TOKEN_FIELD } from '../../../app/tenants/loyalty-token.js';
import { sealProviderSecrets } from '../../../app/tenants/tenant-settings.js';
import { signedInAdmin, type AdminClient } from '../../helpers/admin.js';
import { counterpartyMeta, createTestTenant } from '../../helpers/tenants.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';

describe('Admin tenant pages', () => {
  let t: TestApp;
  let admin: AdminClient;
  beforeEach(async () => {
    t = await startTestApp();
    admin = await signedInAdmin(t);
  });
  afterEach(async () => t.close());

  const rename = (accountId: string, accountName: string) =>
    tenantRepository.update(t.storage.db, accountId, { accountName });

  it('when the list is searched, then names match in any case (Cyrillic too) and ids by fragment', async () => {
    const shop = createTestTenant(t);
    rename(shop.accountId, 'Цветочная лавка');
    rename(createTestTenant(t).accountId, 'Книжный');
    for (const query of ['ЦВЕТОЧ', 'лавка', shop.accountId.slice(9, 18)]) {
      const page = await admin.get(`/admin/tenants?q=${encodeURIComponent(query)}`);
      expect(page.data, query).to.contain('Цветочная лавка').and.not.contain('Книжный');
      expect(page.data).to.contain('Найдено: 1.');
    }
  });

  it('when a tenant has LoyaltyAPI calls, then the list shows the last call and the 24-hour failure rate', async () => {
    const shop = createTestTenant(t);
    rename(shop.accountId, 'Аптека');
    const unknown = await shop.api.post('/counterparty/detail', { meta: counterpartyMeta() });
    expect(unknown.status, '«клиент не найден»: an answer, not a failure').to.equal(404);
    expect((await shop.api.post('/retaildemand', {})).status, 'a sale without a body: a failure').to.equal(400);
    await shop.api.post('/counterparty', { meta: counterpartyMeta(), name: 'Анна' });
    t.flushLog();
    const page = await admin.get('/admin/tenants?q=Аптека');
    const row = /<tr>\s*<td>\s*<a href="\/admin\/tenants\/[^"]+">Аптека[\s\S]*?<\/tr>/.exec(page.data)![0];
    expect(row).to.contain('Работает').and.contain('Встроенная бонусная программа').and.not.contain('не было');
    expect(row).to.contain('<td class="num">3</td>').and.contain('<td class="num is-bad">33\u00a0%</td>');
  });

  it(`when there are more than ${TENANTS_PER_PAGE} tenants, then the next page continues after the last name`, async () => {
    for (let i = 0; i < TENANTS_PER_PAGE + 3; i++)
      rename(createTestTenant(t).accountId, `Магазин ${String(i).padStart(2, '0')}`);
    const first = await admin.get('/admin/tenants');
    expect(first.data)
      .to.contain('Магазин 00')
      .and.contain(`Магазин ${TENANTS_PER_PAGE - 1}`)
      .and.not.contain(`Магазин ${TENANTS_PER_PAGE}`);
    const next = /href="(\/admin\/tenants\?[^"]*after=[^"]+)"/.exec(first.data)![1]!.replace(/&amp;/g, '&');
    const second = await admin.get(next);
    expect(second.data)
      .to.contain(`Магазин ${TENANTS_PER_PAGE}`)
      .and.contain(`Магазин ${TENANTS_PER_PAGE + 2}`)
      .and.not.contain('Магазин 00<');
  });

  it('when a tenant is opened, then secrets are only "задан", settings are readable, and the store mapping is listed', async () => {
    const shop = createTestTenant(t);
    tenantRepository.update(t.storage.db, shop.accountId, {
      backend: 'ibonus',
      settings: {
        ibonus: { baseUrl: 'https://i-bonus.example.test/api', maxPaidRatePercents: 40, spendRatePointsToRouble: 2 },
        storePoints: { [randomUUID()]: 'point-7' },
        whenProviderDown: 'no-discount',
      },
      providerSecretsEnc: sealProviderSecrets(t.services.box, shop.accountId, {
        ibonus: { login: 'shop-login', password: 'shop-password' },
      }),
    });
    const page = await admin.get(`/admin/tenants/${shop.accountId}`);
    expect(page.status).to.equal(200);
    expect(page.data)
      .to.contain('<dt>Логин i-bonus</dt><dd>задан</dd>')
      .and.contain('<dt>Пароль i-bonus</dt><dd>задан</dd>');
    expect(page.data).to.contain('<dt>Токен доступа к JSON API МоегоСклада</dt><dd>не задан</dd>');
    expect(page.data).to.contain('не больше 40 % чека').and.contain('продавать без скидки').and.contain('point-7');
    expect(page.data).to.contain('<dt>Курс списания i-bonus</dt><dd>2 балла = 1 ₽</dd>');
    expect(page.data).to.contain('<dt>Если система лояльности недоступна</dt>').and.not.contain('провайдер');
    expect(page.data).to.not.contain('shop-login').and.not.contain('shop-password');
  });

  it("when a tenant's goods were read, then its page shows the cache's age and size and how it keeps current", async () => {
    const shop = createTestTenant(t);
    const db = t.storage.db;
    tenantRepository.update(db, shop.accountId, {
      accessTokenEnc: t.services.box.seal('access', shop.accountId, ACCESS_TOKEN_FIELD),
    });
    const before = await admin.get(`/admin/tenants/${shop.accountId}`);
    expect(before.data).to.match(/data-goods-age>ещё не загружено</);

    catalogRepository.upsertGoods(db, shop.accountId, [
      { id: 'p1', kind: 'product', trackingType: 'TOBACCO', seenAt: 1 },
      { id: 'p2', kind: 'product', seenAt: 1 },
      { id: 'v1', kind: 'variant', productId: 'p2', seenAt: 1 },
    ]);
    catalogRepository.claim(db, shop.accountId, 1, 2);
    catalogRepository.recordWebhooks(db, shop.accountId, 'unavailable', 'МойСклад отказал, HTTP 403');
    catalogRepository.recordRun(db, shop.accountId, { now: Date.now() - 5 * 60_000, nextRunAt: 0, filled: true });
    const page = await admin.get(`/admin/tenants/${shop.accountId}`);
    expect(page.data).to.match(/data-goods-age>[^<]*\(5 мин назад\)</);
    expect(page.data).to.contain('2 товаров, услуг и комплектов, 1 модификаций, 0 групп');
    expect(page.data).to.contain('<dt>Без скидки баллами сейчас</dt><dd>1</dd>');
    expect(page.data).to.contain('вебхуки недоступны (МойСклад отказал, HTTP 403), полное обновление раз в час');
  });

  it('when a configured address carries a credential, then only its host and short path are shown', () => {
    expect(safeUrl('https://user:pass@sms.example.test/send?token=abc#x')).to.equal(
      'https://sms.example.test/send (часть адреса скрыта)',
    );
    expect(safeUrl('https://api.example.test/v1/0123456789abcdef0123/purchase')).to.equal(
      'https://api.example.test/v1/…/purchase',
    );
    expect(safeUrl('https://api.example.test/')).to.equal('https://api.example.test');
    expect(safeUrl('not a url')).to.equal('задан (неверный адрес)');
  });
});
