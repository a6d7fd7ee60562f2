import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { and, eq } from 'drizzle-orm';
import { customers, iframeSessions, ledgerAdjustments, transactionLog } from '../../../db/schema/index.js';
import type { TierRules } from '../../../app/ledger/tier-rules.js';
import { startMoyskladWorld, type MoyskladWorld } from '../../helpers/moysklad-world.js';
import { textOf } from '../../helpers/iframe.js';
import { BREAD, openWidget, sellTo, tillOf } from '../../helpers/widget.js';

const TIERS: TierRules = {
  enabled: true,
  windowDays: 365,
  levels: [
    { name: 'Бронза', thresholdKopecks: 0, earnRateRoublesToPoint: 10 },
    { name: 'Серебро', thresholdKopecks: 1_000_000, earnRateRoublesToPoint: 5 },
  ],
};

/**
 * The counterparty widget over HTTP, as МойСклад's page and the widget's script use it: the contextKey
 * exchange, the card asked for after `Open`, isolation between accounts, and who may adjust points.
 */
describe('Counterparty widget: the customer’s points on МойСклад’s counterparty page', function () {
  this.timeout(30_000);
  let w: MoyskladWorld;
  let admin: string;
  let cashier: string;
  const maria = randomUUID();

  before(async () => {
    w = await startMoyskladWorld({ products: [BREAD] });
    [admin, cashier] = w.account.employees.map((e) => e.id) as [string, string];
    // Earned points wait a day and live ten: every lot is "soon" and some are pending.
    w.configure('ledger', {
      ledger: { earnRateRoublesToPoint: 10, postponedBonusesDelayDays: 1, pointsLifetimeDays: 10 },
      tiers: TIERS,
    });
    for (let i = 1; i <= 6; i++) await sellTo(w, maria, 1000, `Ч-000${i}`);
  });
  after(() => w?.close());

  const customerRow = () =>
    w.t.storage.db
      .select()
      .from(customers)
      .where(and(eq(customers.tenantId, w.account.accountId), eq(customers.msId, maria)))
      .get()!;

  it('when МойСклад loads the widget with a contextKey, then it continues on a cookieless session framed only by МойСклад', async () => {
    const contextKey = w.fake.issueContextKey(w.account.accountId, admin);
    const opened = await w.t.http.get(`/widget/counterparty?contextKey=${contextKey}`, { maxRedirects: 0 });
    expect(opened.status).to.equal(303);
    expect(opened.headers['set-cookie']).to.equal(undefined);
    const page = await w.t.http.get<string>(opened.headers.location as string, { responseType: 'text' });
    expect(page.status).to.equal(200);
    expect(page.headers['set-cookie']).to.equal(undefined);
    expect(page.headers['x-frame-options']).to.equal(undefined);
    expect(page.headers['content-security-policy']).to.include(
      `frame-ancestors ${w.t.config.moysklad.frameAncestors.join(' ')}`,
    );
    // The page obeys `Open` only from the origins that may frame it, and is exactly the declared size.
    expect(page.data).to.include(
      `data-host-origins="${JSON.stringify(w.t.config.moysklad.frameAncestors).replace(/"/g, '&#34;')}"`,
    );
    expect(page.data).to.include('style="width: 400px; height: 300px"');
    // The one-time key cannot open a second session.
    const again = await w.t.http.get(`/widget/counterparty?contextKey=${contextKey}`, { maxRedirects: 0 });
    expect(again.status).to.equal(401);
  });

  it('when `Open` names a counterparty with purchases, then the card shows balance, pending, soon-expiring points, the level and the last 5 operations with receipts', async () => {
    const widget = await openWidget(w, w.account.accountId, cashier);
    const card = await widget.card(maria);
    expect(card.status).to.equal(200);
    const text = textOf(card.data);
    // 6 sales of 1 000 ₽ at 10 ₽ a point: 600 points, all still pending for a day.
    expect(customerRow().balance).to.equal(600);
    expect(text).to.include('Мария Иванова');
    expect(text).to.match(/Баланс 600 баллов списать можно 0/);
    expect(text).to.match(/Ожидают 600 баллов ещё не доступны/);
    expect(text).to.match(/Скоро сгорят 600 баллов срок \d\d\.\d\d/);
    expect(text).to.include('Уровень «Бронза» · до «Серебро» ещё 4 000 ₽');
    const operations = card.data.match(/<tr data-operation>/g) ?? [];
    expect(operations).to.have.length(5);
    // Newest first, each with its date and receipt; the oldest sale is left out.
    expect(text).to.match(/\d\d\.\d\d\.\d\d Начисление за продажу · чек Ч-0006 \+100/);
    expect(text).to.include('чек Ч-0002');
    expect(text).to.not.include('чек Ч-0001');
    // A cashier reads only.
    expect(card.data).to.not.include('data-adjust-form');
  });

  it('when `Open` names a counterparty that never bought with points, then a short note and nothing else', async () => {
    const widget = await openWidget(w, w.account.accountId, admin);
    const card = await widget.card(randomUUID());
    expect(card.status).to.equal(200);
    expect(textOf(card.data).trim()).to.equal('Клиент ещё не покупал с бонусами.');
    expect(card.data).to.not.include('data-adjust-form');
  });

  it("when another account's employee opens a counterparty of this account, then nothing of it is shown, whatever the page sends", async () => {
    const other = w.fake.addAccount({ accountName: 'Чужой магазин', products: [BREAD] });
    await w.fake.install(w.t.baseUrl, other.accountId);
    const stranger = await openWidget(w, other.accountId, other.employees[0]!.id);
    // An administrator there, with a customer of their own whose card gives them a valid form.
    const own = randomUUID();
    await sellTo(w, own, 500, 'Ч-9', tillOf(w, other.accountId));
    const ownCard = (await stranger.card(own)).data;
    expect(ownCard).to.include('data-adjust-form');
    // The account is the session's: an account id in the query changes nothing.
    const card = await stranger.card(maria, { accountId: w.account.accountId });
    expect(card.status).to.equal(200);
    expect(textOf(card.data).trim()).to.equal('Клиент ещё не покупал с бонусами.');
    expect(card.data).to.not.include('Мария');
    expect(card.data).to.not.include('600');
    // Nor can they adjust it.
    const before = customerRow().balance;
    const adjusted = await stranger.adjust(maria, { points: '1000', reason: 'Чужая корректировка' }, ownCard);
    expect(adjusted.status).to.equal(404);
    expect(customerRow().balance).to.equal(before);
  });

  it('when the employee is not an account administrator, then no adjustment form and a forged POST changes nothing', async () => {
    const widget = await openWidget(w, w.account.accountId, cashier);
    const card = await widget.card(maria);
    expect(card.data).to.not.include('data-adjust-form');
    const before = customerRow().balance;
    // Even with the session's CSRF token (the page never shows it to them), the rights decide.
    const session = w.t.storage.db.select().from(iframeSessions).where(eq(iframeSessions.employeeId, cashier)).all();
    const csrf = session.at(-1)!.csrfToken!;
    const forged = `${card.data}<input type="hidden" name="_csrf" value="${csrf}">`;
    const res = await widget.adjust(maria, { points: '500', reason: 'Подарок от кассира' }, forged);
    expect(res.status).to.equal(403);
    expect(textOf(res.data)).to.include('Корректировать баллы могут только администраторы аккаунта МоегоСклада.');
    expect(customerRow().balance).to.equal(before);
  });

  it('when an administrator adjusts without a reason, then the form says so and nothing changes', async () => {
    const widget = await openWidget(w, w.account.accountId, admin);
    const before = customerRow().balance;
    const res = await widget.adjust(maria, { points: '50', reason: '' });
    expect(res.status).to.equal(422);
    expect(res.data).to.match(/data-mode="form"/);
    expect(textOf(res.data)).to.match(/Причина/);
    expect(customerRow().balance).to.equal(before);
  });

  it('when the POST lacks the page’s CSRF token, then it is refused and nothing changes', async () => {
    const widget = await openWidget(w, w.account.accountId, admin);
    const before = customerRow().balance;
    const card = (await widget.card(maria)).data.replace(/name="_csrf" value="[^"]*"/, 'name="_csrf" value="forged"');
    const res = await widget.adjust(maria, { points: '50', reason: 'Без токена страницы' }, card);
    expect(res.status).to.equal(403);
    expect(customerRow().balance).to.equal(before);
  });

  it('when an administrator adjusts with a reason and clicks twice, then the points change once, with the reason and who in the log', async () => {
    const widget = await openWidget(w, w.account.accountId, admin);
    const card = (await widget.card(maria)).data;
    expect(card).to.include('data-adjust-form');
    const before = customerRow().balance;
    const first = await widget.adjust(maria, { points: '-40', reason: 'Ошибка кассира, чек Ч-0003' }, card);
    expect(first.status).to.equal(200);
    expect(textOf(first.data)).to.include(`Готово: теперь ${before - 40} баллов.`);
    // The same form sent again (a double click): applied once.
    const second = await widget.adjust(maria, { points: '-40', reason: 'Ошибка кассира, чек Ч-0003' }, card);
    expect(second.status).to.equal(200);
    expect(textOf(second.data)).to.include('Эта корректировка уже проведена.');
    expect(customerRow().balance).to.equal(before - 40);

    const rows = w.t.storage.db
      .select()
      .from(ledgerAdjustments)
      .where(eq(ledgerAdjustments.customerId, customerRow().id))
      .all();
    expect(rows.map((r) => [r.points, r.reason, r.adminLogin])).to.deep.equal([
      [-40, 'Ошибка кассира, чек Ч-0003', 'МойСклад: Анна Владелец'],
    ]);
    w.t.flushLog();
    const logged = w.t.storage.db
      .select()
      .from(transactionLog)
      .where(and(eq(transactionLog.tenantId, w.account.accountId), eq(transactionLog.endpoint, 'ledger.adjust')))
      .all();
    expect(logged).to.have.length(1);
    // The new operation is on the card at once.
    expect(textOf(first.data)).to.match(/Ручная корректировка · Ошибка кассира, чек Ч-0003 −40/);
  });
});
