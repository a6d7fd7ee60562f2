import { expect } from 'chai';
import { TimeZone } from '../../../app/admin/time-zone.js';
import { outboxRepository } from '../../../app/outbox/outbox-repository.js';
import { UNKNOWN_OUTCOME_REASON } from '../../../app/outbox/outbox.js';
import { generalReturnReason } from '../../../app/providers/general/general-return-reason.js';
import { tenantRepository } from '../../../app/tenants/tenant-repository.js';
import { signedInAdmin, type AdminClient } from '../../helpers/admin.js';
import { adminRows, outboxItem, outboxRow, outboxSection } from '../../helpers/admin-tenants.js';
import { textOf } from '../../helpers/iframe.js';
import { createProviderTenant, createTestTenant, type TestTenant } from '../../helpers/tenants.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';

const IBONUS = {
  ibonus: { baseUrl: 'https://i-bonus.example.test/api', maxPaidRatePercents: 50, spendRatePointsToRouble: 1 },
};
const SECRETS = { ibonus: { login: 'shop', password: 'shop-password' } };
const REFUSED = 'Не доставлено: Нельзя списать больше 100 баллов';

/**
 * The outbox on the admin pages: the waiting count in the tenant list, the items on the tenant page, and
 * retrying or abandoning one. Items are added through Outbox.enqueue (as the adapters add them) and moved
 * to the status a case needs; the worker is not running, so nothing moves by itself.
 */
describe('Admin tenant page: the outbox', () => {
  let t: TestApp;
  let shop: TestTenant;
  let admin: AdminClient;
  let support: AdminClient;
  const page = () => `/admin/tenants/${shop.accountId}`;
  const item = (id: number) => outboxRepository.find(t.storage.db, id)!;

  beforeEach(async () => {
    t = await startTestApp();
    shop = createProviderTenant(t, 'ibonus', IBONUS, SECRETS);
    tenantRepository.update(t.storage.db, shop.accountId, { accountName: 'Цветочная лавка' });
    admin = await signedInAdmin(t, 'anna', 'admin');
    support = await signedInAdmin(t, 'boris', 'support');
  });
  afterEach(async () => t.close());

  /** The list row of a tenant, by its name. */
  const listRow = (html: string, name: string) =>
    new RegExp(`<tr>\\s*<td>\\s*<a href="[^"]+">${name}</a>[\\s\\S]*?</tr>`).exec(html)![0];

  it('when tenants have items waiting, then the list counts them per tenant and marks the one whose item needs support', async () => {
    for (const status of ['pending', 'pending', 'sending', 'needs_support', 'delivered', 'abandoned'] as const)
      outboxItem(t, shop.accountId, { status });
    const calm = createProviderTenant(t, 'ibonus', IBONUS, SECRETS);
    tenantRepository.update(t.storage.db, calm.accountId, { accountName: 'Книжный' });
    outboxItem(t, calm.accountId, { status: 'delivered' });
    tenantRepository.update(t.storage.db, createTestTenant(t).accountId, { accountName: 'Аптека' });

    const html = (await support.get('/admin/tenants')).data;
    expect(html).to.contain('<th class="num">В очереди</th>');
    const busy = listRow(html, 'Цветочная лавка');
    expect(busy, 'pending and sending count; failed, delivered and abandoned do not').to.contain(
      'data-outbox-waiting="3"',
    );
    expect(busy).to.contain('требует внимания').and.contain(`href="/admin/tenants/${shop.accountId}#outbox"`);
    const quiet = listRow(html, 'Книжный');
    expect(quiet).to.contain('data-outbox-waiting="0"').and.not.contain('требует внимания');
    expect(textOf(listRow(html, 'Аптека')).trim(), 'the built-in ledger has no outbox').to.match(/ —$/);
  });

  it('when a tenant is opened, then its waiting, sending and failed items show their state, reason, attempts, next attempt and log link, with the payload masked', async () => {
    const tz = new TimeZone(t.config.timeZone);
    const nextAttemptAt = Date.now() + 5 * 60_000;
    const waiting = outboxItem(t, shop.accountId, {
      status: 'pending',
      attempts: 2,
      nextAttemptAt,
      lastError: 'ECONNREFUSED to +7 912 345-67-89',
      documentName: '0041',
    });
    const sending = outboxItem(t, shop.accountId, { status: 'sending', attempts: 1, documentName: '0043' });
    const failed = outboxItem(t, shop.accountId, {
      status: 'needs_support',
      attempts: 1,
      supportReason: REFUSED,
      kind: 'return',
      documentName: '0042-В',
    });
    const delivered = outboxItem(t, shop.accountId, { status: 'delivered', documentName: '0040' });

    const html = (await support.get(page())).data;
    const section = outboxSection(html);
    expect(section).to.contain('Очередь отправки в систему лояльности');
    expect(outboxRow(section, delivered.id), 'delivered items are in the log, not here').to.equal('');

    const waitingRow = textOf(outboxRow(section, waiting.id));
    expect(waitingRow).to.contain('Продажа 0041').and.contain('ждёт отправки').and.contain(tz.dateTime(nextAttemptAt));
    expect(waitingRow).to.match(/ 2 /).and.contain('ECONNREFUSED to ***6789');
    expect(outboxRow(section, waiting.id)).to.contain(
      `href="/admin/log?tenant=${shop.accountId}&amp;sale=${waiting.saleKey}"`,
    );

    const failedRow = outboxRow(section, failed.id);
    expect(textOf(failedRow)).to.contain('Возврат 0042-В').and.contain('требует внимания').and.contain(REFUSED);
    expect(failedRow).to.contain(`/outbox/${failed.id}/retry`).and.not.contain(`/outbox/${failed.id}/abandon`);

    const sendingRow = outboxRow(section, sending.id);
    expect(textOf(sendingRow)).to.contain('отправляется').and.contain('идёт попытка');
    expect(sendingRow, 'an attempt under way is left alone').to.not.contain('<form');

    expect(section, 'the payload, masked').to.contain('&#34;phone&#34;: &#34;***6789&#34;');
    expect(section).to.not.contain('9123456789').and.not.contain('912 345');
  });

  it('when support retries a failed item, then it is due now with its reason cleared, and both the outbox and the admin audit name who did it', async () => {
    const failed = outboxItem(t, shop.accountId, {
      status: 'needs_support',
      supportReason: REFUSED,
      nextAttemptAt: Date.now() + 3_600_000,
    });
    await support.get(page());
    const before = Date.now();
    const response = await support.post(`${page()}/outbox/${failed.id}/retry`);
    expect(response.status).to.equal(303);
    expect(item(failed.id)).to.include({ status: 'pending', supportReason: null });
    expect(item(failed.id).nextAttemptAt).to.be.within(before - 1000, Date.now());

    const after = await support.get(page());
    expect(textOf(after.data)).to.contain('Продажа 0042: отправка повторяется сейчас.');
    const [row] = adminRows(t, shop.accountId, 'outbox.retry');
    expect(row).to.include({ ok: true, saleKey: failed.saleKey, documentName: '0042' });
    expect(row!.request).to.include({ by: 'boris', outboxId: failed.id });
    t.flushLog();
    const logged = (await support.get(`/admin/log?tenant=${shop.accountId}&sale=${failed.saleKey}`)).data;
    expect(logged, 'the retry is next to the sale in the log')
      .to.contain('Очередь: отправить сейчас')
      .and.contain('Продажа: повтор вручную')
      .and.not.contain('outbox.retry');
  });

  describe('an item of unknown outcome', () => {
    const unknownItem = () =>
      outboxItem(t, shop.accountId, { status: 'needs_support', supportReason: UNKNOWN_OUTCOME_REASON, attempts: 1 });

    it('when support opens it, then there is no resend button, only a note that an admin decides; a forged POST is refused', async () => {
      const unknown = unknownItem();
      const row = outboxRow((await support.get(page())).data, unknown.id);
      expect(textOf(row)).to.contain('Исход неизвестен: повторить отправку может только администратор.');
      expect(row).to.not.contain(`/outbox/${unknown.id}/retry`).and.not.contain('/resend-unknown');

      await support.post(`${page()}/outbox/${unknown.id}/retry`);
      expect(textOf((await support.get(page())).data)).to.contain('Отправить её снова может только администратор');
      expect(
        (await support.post(`${page()}/outbox/${unknown.id}/resend-unknown`, { confirm: 'double-spend-risk' })).status,
      ).to.equal(403);
      expect(item(unknown.id)).to.include({ status: 'needs_support', supportReason: UNKNOWN_OUTCOME_REASON });
      expect(adminRows(t, shop.accountId).map((r) => `${r.endpoint} ${r.ok}`)).to.deep.equal(['outbox.retry false']);
    });

    it('when an admin resends it, then the form names the double-spend risk, and nothing moves until they confirm it', async () => {
      const unknown = unknownItem();
      const row = outboxRow((await admin.get(page())).data, unknown.id);
      expect(row).to.contain(`/outbox/${unknown.id}/resend-unknown`).and.not.contain(`/outbox/${unknown.id}/retry`);
      expect(textOf(row)).to.contain('баллы спишутся или начислятся дважды');
      expect(row).to.match(/<input type="checkbox" name="confirm" value="double-spend-risk" required>/);

      await admin.post(`${page()}/outbox/${unknown.id}/retry`);
      await admin.post(`${page()}/outbox/${unknown.id}/resend-unknown`, {});
      expect(textOf((await admin.get(page())).data)).to.contain('Отметьте, что понимаете риск двойного проведения.');
      await admin.post(`${page()}/outbox/${unknown.id}/resend-unknown`, { confirm: 'yes' });
      expect(item(unknown.id)).to.include({ status: 'needs_support', supportReason: UNKNOWN_OUTCOME_REASON });

      const before = Date.now();
      expect(
        (await admin.post(`${page()}/outbox/${unknown.id}/resend-unknown`, { confirm: 'double-spend-risk' })).status,
      ).to.equal(303);
      expect(item(unknown.id)).to.include({ status: 'pending', supportReason: null });
      expect(item(unknown.id).nextAttemptAt).to.be.at.least(before - 1000);
      expect(textOf((await admin.get(page())).data)).to.contain('отправляется повторно по вашему подтверждению');
      const [resent] = adminRows(t, shop.accountId, 'outbox.resend-unknown');
      expect(resent!.request).to.include({ by: 'anna', outboxId: unknown.id, confirmed: 'double-spend-risk' });
    });
  });

  it('when an admin abandons an item with a reason, then it is abandoned for good with the reason (phone masked) and audited', async () => {
    const failed = outboxItem(t, shop.accountId, { status: 'needs_support', supportReason: REFUSED });
    await admin.get(page());
    const reason = 'Покупатель +7 912 345-67-89 вернул товар, баллы поправлены в i-bonus вручную';
    expect((await admin.post(`${page()}/outbox/${failed.id}/abandon`, { reason })).status).to.equal(303);

    expect(item(failed.id)).to.include({
      status: 'abandoned',
      supportReason: 'Покупатель ***6789 вернул товар, баллы поправлены в i-bonus вручную',
    });
    const after = await admin.get(page());
    expect(textOf(after.data)).to.contain('Продажа 0042: отправка отменена. Причина записана в журнал.');
    expect(outboxRow(after.data, failed.id), 'abandoned items leave the list').to.equal('');
    const [row] = adminRows(t, shop.accountId, 'outbox.abandon');
    expect(row).to.include({ ok: true, saleKey: failed.saleKey });
    expect(row!.request).to.include({
      by: 'anna',
      outboxId: failed.id,
      reason: 'Покупатель ***6789 вернул товар, баллы поправлены в i-bonus вручную',
    });
  });

  it('when the reason is missing or too short, then nothing is abandoned and the form says so next to the item', async () => {
    const failed = outboxItem(t, shop.accountId, { status: 'needs_support', supportReason: REFUSED });
    await admin.get(page());
    for (const reason of ['', '   ', 'ок']) {
      const response = await admin.post(`${page()}/outbox/${failed.id}/abandon`, { reason });
      expect(response.status, JSON.stringify(reason)).to.equal(422);
      const row = outboxRow(response.data, failed.id);
      expect(row, 'the form stays open').to.contain('<details class="abandon" open>');
      expect(textOf(row)).to.match(
        reason.trim()
          ? /Поле «Причина» короче 5 символов/
          : /Поле «Причина» не должно быть пустым|Не указано обязательное поле «Причина»/,
      );
    }
    expect(item(failed.id)).to.include({ status: 'needs_support', supportReason: REFUSED });
    expect(adminRows(t, shop.accountId, 'outbox.abandon')).to.deep.equal([]);
  });

  it('when support tries to abandon an item, then it is forbidden and the item stays; support sees no abandon form', async () => {
    const failed = outboxItem(t, shop.accountId, { status: 'needs_support', supportReason: REFUSED });
    const html = (await support.get(page())).data;
    expect(outboxRow(html, failed.id)).to.not.contain('/abandon');
    expect(
      (await support.post(`${page()}/outbox/${failed.id}/abandon`, { reason: 'надоело ждать доставки' })).status,
    ).to.equal(403);
    expect(item(failed.id)).to.include({ status: 'needs_support' });
  });

  it('when an outbox action is posted without the CSRF token, then it is refused and the item stays', async () => {
    const failed = outboxItem(t, shop.accountId, { status: 'needs_support', supportReason: REFUSED });
    await admin.get(page());
    expect((await admin.post(`${page()}/outbox/${failed.id}/retry`, {}, { csrf: false })).status).to.equal(403);
    expect(
      (await admin.post(`${page()}/outbox/${failed.id}/abandon`, { reason: 'проверено вручную' }, { csrf: false }))
        .status,
    ).to.equal(403);
    expect(item(failed.id)).to.include({ status: 'needs_support', supportReason: REFUSED });
    expect(adminRows(t, shop.accountId)).to.deep.equal([]);
  });

  it('when the item was already delivered, or belongs to another tenant, then the action is refused in Russian and changes nothing', async () => {
    const delivered = outboxItem(t, shop.accountId, { status: 'delivered' });
    const other = createProviderTenant(t, 'ibonus', IBONUS, SECRETS);
    const foreign = outboxItem(t, other.accountId, { status: 'needs_support', supportReason: REFUSED });
    await admin.get(page());

    await admin.post(`${page()}/outbox/${delivered.id}/retry`);
    expect(textOf((await admin.get(page())).data)).to.contain('Запись уже обработана.');
    await admin.post(`${page()}/outbox/${foreign.id}/abandon`, { reason: 'чужая запись, проверка' });
    expect(textOf((await admin.get(page())).data)).to.contain('Такой записи в очереди нет.');

    expect(item(delivered.id).status).to.equal('delivered');
    expect(item(foreign.id).status).to.equal('needs_support');
    expect(adminRows(t, shop.accountId).map((r) => `${r.endpoint} ${r.ok}`)).to.deep.equal([
      'outbox.retry false',
      'outbox.abandon false',
    ]);
  });

  it('when a tenant has more items than one page holds, then «Старее» shows the rest', async () => {
    const ids = Array.from({ length: 51 }, (_, i) => outboxItem(t, shop.accountId, { documentName: `N-${i}` }).id);
    const first = (await support.get(page())).data;
    expect(outboxRow(first, ids[50]!)).to.not.equal('');
    expect(outboxRow(first, ids[0]!)).to.equal('');
    const older = /href="([^"]*outboxBefore=\d+)#outbox"/.exec(first)![1]!.replace(/&amp;/g, '&');
    const second = (await support.get(older)).data;
    expect(outboxRow(second, ids[0]!)).to.not.equal('');
    expect(outboxRow(second, ids[1]!)).to.equal('');
  });

  it('when a return the general API cannot take needs support, then its text names the button it has, and the returns section points to it', async () => {
    const { id } = outboxItem(t, shop.accountId, {
      provider: 'general',
      kind: 'return',
      status: 'needs_support',
      supportReason: generalReturnReason(undefined, 70_000),
    });
    const html = (await admin.get(page())).data;
    const row = outboxRow(html, id);
    expect(textOf(row)).to.contain('нажмите «Отменить…»').and.not.contain('закройте запись');
    expect(row).to.contain('Отменить…').and.not.contain('Отправить сейчас');
    const returns = /<section class="panel" id="returns">[\s\S]*?<\/section>/.exec(html)![0];
    expect(textOf(returns)).to.contain('1 возврат в очереди отправки выше').and.not.contain('Таких нет');
  });
});
