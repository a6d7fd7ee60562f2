import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { endpointTitle } from '../../../app/txlog/endpoint-names.js';
import nock from 'nock';
import { tenantRepository } from '../../../app/tenants/tenant-repository.js';
import { signedInAdmin, type AdminClient } from '../../helpers/admin.js';
import { textOf } from '../../helpers/iframe.js';
import { createProviderTenant, createTestTenant, retailStore, type TestTenant } from '../../helpers/tenants.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';

const IBONUS = {
  ibonus: { baseUrl: 'https://i-bonus.example.test', maxPaidRatePercents: 50, spendRatePointsToRouble: 1 },
};
const SECRETS = { ibonus: { login: 'shop', password: 'shop-password' } };

/**
 * The log as support reads it: Russian names for what happened, rows of one request together, shops by
 * name; and no English word on the pages around it.
 */
describe('Admin log: names, request ids and shops', () => {
  let t: TestApp;
  let shop: TestTenant;
  let support: AdminClient;

  beforeEach(async () => {
    t = await startTestApp();
    shop = createProviderTenant(t, 'ibonus', IBONUS, SECRETS);
    tenantRepository.update(t.storage.db, shop.accountId, { accountName: 'Цветочная лавка' });
    support = await signedInAdmin(t, 'boris', 'support');
  });
  afterEach(async () => {
    nock.cleanAll();
    await t.close();
  });

  /** A till's search that asks i-bonus behind it: two rows with one request id. */
  const searchAtTill = async () => {
    nock('https://i-bonus.example.test').get('/ext/api/v1/clients/').query(true).reply(200, []);
    const search = await shop.api.get('/counterparty', {
      params: { search: '79123456789', retailStoreId: retailStore.meta.id },
    });
    expect(search.status, JSON.stringify(search.data)).to.equal(200);
    t.flushLog();
  };
  const rowIds = (html: string) => [...html.matchAll(/href="\/admin\/log\/(\d+)"/g)].map((m) => Number(m[1]));

  it('when a successful row carries a note, then it reads as a note, not as an error', async () => {
    const note = 'Скидка не применена к 1 поз.: табак.';
    t.services.txlog.record({
      kind: 'loyalty-api',
      endpoint: 'POST /retaildemand/recalc',
      ok: true,
      httpStatus: 200,
      tenantId: shop.accountId,
      errorMessage: note,
    });
    t.flushLog();
    const list = (await support.get('/admin/log')).data as string;
    expect(list).to.contain(note);
    expect(list, 'no red error text for a 200').not.to.match(/class="[^"]*error-text[^"]*">Скидка не применена/);
    const [id] = rowIds(list);
    const detail = textOf((await support.get(`/admin/log/${id}`)).data);
    expect(detail).to.contain(`Примечание ${note}`).and.not.contain(`Ошибка ${note}`);
  });

  it('when a till call asked the provider, then its page links the provider call by request id and the request filter shows both', async () => {
    await searchAtTill();
    const list = (await support.get('/admin/log')).data;
    const [providerId, tillId] = rowIds(list);
    expect(textOf(list)).to.contain('Поиск покупателя').and.contain('i-bonus: поиск клиента');

    const till = (await support.get(`/admin/log/${tillId}`)).data;
    expect(textOf(till)).to.contain('Поиск покупателя');
    const linked = /<section[^>]*id="linked"[\s\S]*?<\/section>/.exec(till)?.[0] ?? '';
    expect(rowIds(linked), 'the i-bonus call behind the search').to.include(providerId);
    const requestId = /href="\/admin\/log\?request=([^"]+)"/.exec(till)![1]!;

    const byRequest = (await support.get(`/admin/log?request=${requestId}`)).data;
    expect(rowIds(byRequest).sort()).to.deep.equal([providerId, tillId].sort());
  });

  it('when the till asked about a customer i-bonus does not know, then the 404 row says so as the till did, in grey, not as a failure', async () => {
    nock('https://i-bonus.example.test').get('/ext/api/v1/clients/').query(true).reply(200, []);
    const balance = await shop.api.post('/counterparty/detail', {
      retailStore,
      meta: { href: '', id: '6f1c2d3e-0000-4000-8000-000000000001' },
      phone: '+7 912 000-11-22',
    });
    expect(balance.status).to.equal(404);
    t.flushLog();
    const list = (await support.get('/admin/log')).data;
    const row = /<tr class="[^"]*">(?:(?!<\/tr>)[\s\S])*?Баланс покупателя[\s\S]*?<\/tr>/.exec(list)![0];
    expect(textOf(row)).to.contain('404').and.contain(balance.data.errors[0].error_message);
    expect(row, '«клиент не найден» is an answer the till expects').to.not.match(/is-error|error-text|badge--error/);
    const detail = textOf((await support.get(`/admin/log/${rowIds(row)[0]}`)).data);
    expect(detail).to.contain(`Ответ кассе ${balance.data.errors[0].error_message}`).and.not.contain('Ошибка');
  });

  it('when the type list is opened, then it names endpoints in Russian and never shows an id or a raw path', async () => {
    await searchAtTill();
    await support.get('/admin/log.csv'); // an admin action: «log.export»
    t.flushLog();
    const html = (await support.get('/admin/log')).data;
    const select = /<select name="type">[\s\S]*?<\/select>/.exec(html)![0];
    expect(select).to.contain('>Продажа<').and.contain('>i-bonus: поиск клиента<').and.contain('>Выгрузка журнала<');
    expect(select).to.not.match(/\/ext\/api|GET |POST |log\.export|auth\.login/);
    expect(select).to.not.contain(shop.accountId);

    const rows = textOf(/<tbody>[\s\S]*<\/tbody>/.exec(html)![0]);
    expect(rows)
      .to.contain('Выгрузка журнала')
      .and.not.match(/log\.export|GET ibonus/);

    const chosen = (await support.get('/admin/log?type=provider|ibonus-clients')).data;
    expect(rowIds(chosen)).to.have.length(1);
    expect(textOf(chosen)).to.contain('i-bonus: поиск клиента');
  });

  it('when a shop is typed by a part of its name, then the log shows its rows; an unknown or ambiguous one says so', async () => {
    await searchAtTill();
    tenantRepository.update(t.storage.db, createTestTenant(t).accountId, { accountName: 'Цветы у дома' });
    const byName = (await support.get(`/admin/log?tenant=${encodeURIComponent('цветочная')}`)).data;
    expect(rowIds(byName)).to.have.length(2);
    expect(byName).to.contain('<option value="Цветочная лавка">');

    const unknown = textOf((await support.get(`/admin/log?tenant=${encodeURIComponent('Аптека')}`)).data);
    expect(unknown).to.contain('Магазина с названием или id «Аптека» сейчас нет').and.contain('Записей нет');
    const several = textOf((await support.get(`/admin/log?tenant=${encodeURIComponent('цвет')}`)).data);
    expect(several).to.contain('подходят несколько магазинов').and.contain('«Цветы у дома»');
  });

  it('when the dashboard and a tenant page are opened, then the lifecycle event and the latency are named in Russian', async () => {
    const tenantPage = textOf((await support.get(`/admin/tenants/${shop.accountId}`)).data);
    expect(tenantPage).to.contain('последнее событие: установка').and.not.contain('Install');
    const dashboard = textOf((await support.get('/admin/dashboard')).data);
    expect(dashboard).to.contain('95 % ответов быстрее').and.not.contain('p95');
  });

  it('when any admin action is audited, then the log has a Russian name for it', () => {
    // Every action id written in the code («gift-card.block», «user.role»…); `user.${action}` is block and unblock.
    const ids = new Set(['user.block', 'user.unblock']);
    for (const file of readdirSync('app', { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(join('app', file), 'utf8');
      if (!/recordAdminAction|audit\(/.test(text)) continue;
      for (const match of text.matchAll(/'((?:auth|log|ledger|gift-card|go-live|outbox|user)\.[a-z-]+)'/g))
        ids.add(match[1]!);
    }
    expect(ids.size).to.be.greaterThan(10);
    for (const id of ids) expect(endpointTitle('admin', id), id).to.not.equal('Другой запрос');
  });
});
