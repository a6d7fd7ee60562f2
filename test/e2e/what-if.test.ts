import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import { customers, ledgerEntries, whatIfRuns } from '../../db/schema/index.js';
import { LedgerReplay, type ReplayReceipt, type ReplayTotals } from '../../app/ledger/replay.js';
import { DEFAULT_LEDGER_RULES, type LedgerRules } from '../../app/ledger/rules.js';
import { TIERS_OFF } from '../../app/ledger/tier-rules.js';
import { RESTARTED } from '../../app/what-if/what-if.js';
import { immediate } from '../../app/storage/database.js';
import type { FakeProduct, FakeRetailDemand, FakeRetailDemandLine } from '../fakes/moysklad-fake.js';
import { hiddenValue, textOf, VALID_FORMS } from '../helpers/iframe.js';
import { startMoyskladWorld, type MoyskladWorld } from '../helpers/moysklad-world.js';
import { waitFor } from '../helpers/wait-for.js';

const DAY_MS = 86_400_000;
const COFFEE: FakeProduct = { id: randomUUID(), name: 'Кофе' };
const CIGARETTES: FakeProduct = { id: randomUUID(), name: 'Сигареты', trackingType: 'TOBACCO' };
const MEDICINE: FakeProduct = { id: randomUUID(), name: 'Лекарство', discountProhibited: true };
const A = randomUUID();
const B = randomUUID();
const RETAIL = randomUUID();

/** Saved now: 1 point per 10 ₽, up to 30 %. Proposed in the form: 1 point per 5 ₽, up to 50 %. */
const SAVED: Partial<LedgerRules> = { earnRateRoublesToPoint: 10, maxPaidRatePercents: 30, receiptTemplate: '' };
const PROPOSED_FORM = {
  ...VALID_FORMS.ledger,
  'ledger.earnRateRoublesToPoint': '5',
  'ledger.maxPaidRatePercents': '50',
};

const line = (product: FakeProduct, priceKopecks: number, quantity = 1): FakeRetailDemandLine => ({
  assortmentId: product.id,
  quantity,
  priceKopecks,
});

/** 250 sales over 80 days (three pages of 100): A and B buy coffee, cigarettes and medicine; strangers buy too. */
function history(now: number): FakeRetailDemand[] {
  const rows: FakeRetailDemand[] = [];
  for (let i = 0; i < 250; i++) {
    const agentId = [A, B, RETAIL, A, undefined][i % 5];
    const positions = [line(COFFEE, 30_000 + (i % 7) * 1_000, 2), line(CIGARETTES, 25_000)];
    if (i % 3 === 0) positions.push(line(MEDICINE, 12_345, 1.5));
    const sumKopecks = positions.reduce((s, p) => s + Math.round(p.quantity * p.priceKopecks), 0);
    rows.push({ id: randomUUID(), agentId, momentMs: now - 80 * DAY_MS + i * 7 * 3_600_000, sumKopecks, positions });
  }
  rows.push({ id: randomUUID(), agentId: A, momentMs: now - 95 * DAY_MS, sumKopecks: 9_000_000 }); // too old
  rows.push({ id: randomUUID(), agentId: A, momentMs: now - DAY_MS, sumKopecks: 9_000_000, applicable: false }); // a draft
  return rows;
}

/** What the replay must come to, from the test's own reading of the history: lines marked as the till would. */
function expectedTotals(rows: FakeRetailDemand[], rules: LedgerRules, fromMs: number, untilMs: number): ReplayTotals {
  const replay = new LedgerReplay({ ledger: rules, tiers: TIERS_OFF });
  const kept = rows
    .filter((d) => (d.applicable ?? true) && d.momentMs >= fromMs && d.momentMs < untilMs)
    .sort((a, b) => a.momentMs - b.momentMs);
  for (const d of kept) {
    const receipt: ReplayReceipt = {
      momentMs: d.momentMs,
      ...(d.agentId && d.agentId !== RETAIL ? { customerId: d.agentId } : {}),
      positions: (d.positions ?? []).map((p) => ({
        quantityMilli: Math.round(p.quantity * 1000),
        priceKopecks: p.priceKopecks,
        echo: {},
        rule:
          p.assortmentId === CIGARETTES.id
            ? { discount: false, earn: false }
            : p.assortmentId === MEDICINE.id
              ? { discount: false, earn: true }
              : { discount: true, earn: true },
      })),
    };
    replay.sale(receipt);
  }
  return replay.finish(untilMs);
}

describe('What-if on the shop’s own sales (fake МойСклад)', () => {
  let w: MoyskladWorld;
  afterEach(async () => w.close());

  const open = async (employeeId?: string) => {
    const opened = await w.t.http.get(`/iframe?contextKey=${w.fake.issueContextKey(w.account.accountId, employeeId)}`, {
      maxRedirects: 0,
    });
    const session = new URL(opened.headers.location as string, w.t.baseUrl).searchParams.get('session')!;
    const page = await w.t.http.get(`/iframe?session=${encodeURIComponent(session)}`, { responseType: 'text' });
    return { session, csrf: hiddenValue(page.data, '_csrf')!, html: page.data as string };
  };
  const start = (session: string, csrf: string, form: Record<string, string>) =>
    w.t.http.post('/iframe/what-if', new URLSearchParams({ ...form, session, _csrf: csrf }).toString(), {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      maxRedirects: 0,
      responseType: 'text',
      validateStatus: () => true,
    });
  const status = async (session: string, runId: string) =>
    w.t.http.get(`/iframe/what-if/status?session=${encodeURIComponent(session)}&run=${runId}`, {
      validateStatus: () => true,
    });

  it('when the owner checks the form’s rules on 90 days, then sales are paged past a 429 with positions and customers, restricted goods count as at the till, and both rule sets are kept side by side', async () => {
    const now = Date.now();
    const rows = history(now);
    w = await startMoyskladWorld({
      products: [COFFEE, CIGARETTES, MEDICINE],
      counterparties: [
        { id: A, name: 'Анна', tags: [] },
        { id: B, name: 'Борис', tags: ['vip'] },
        { id: RETAIL, name: 'Розничный покупатель', tags: [] },
      ],
      retailDemands: rows,
    });
    w.configure('ledger', { ledger: SAVED });
    // An expanded sale shows two positions in place; the rest is read from its positions list.
    w.fake.state.expandedPositionsLimit = 2;
    w.fake.rateLimitNext('GET', '/entity/retaildemand', 10);

    const { session, csrf, html } = await open();
    expect(textOf(html)).to.include('Проверить на моих продажах');
    const started = await start(session, csrf, { ...PROPOSED_FORM, whatIfDays: '90', whatIfShare: '100' });
    expect(started.status, started.data).to.equal(303);
    const location = new URL(started.headers.location as string, w.t.baseUrl);
    expect(location.pathname).to.equal('/iframe/what-if');
    const runId = location.searchParams.get('run')!;
    await waitFor('the run is done', async () => (await status(session, runId)).data.status !== 'running', 20_000);
    expect((await status(session, runId)).data).to.include({ status: 'done', percent: 100 });

    const lists = w.fake.state.requests.filter((r) => r.path.endsWith('/entity/retaildemand')).map((r) => r.query!);
    expect(lists.map((q) => q.offset)).to.deep.equal(['0', '0', '100', '200']);
    expect(lists.every((q) => q.limit === '100' && q.expand === 'positions,agent')).to.equal(true);
    const positionReads = w.fake.state.requests.filter((r) => r.path.endsWith('/positions'));
    expect(positionReads).to.have.length(84); // the sales with medicine: 3 positions, 2 shown in place

    const run = w.t.storage.db.select().from(whatIfRuns).where(eq(whatIfRuns.id, runId)).get()!;
    const proposedRules = { ...DEFAULT_LEDGER_RULES, ...SAVED, receiptTemplate: 'Баллов: {balanceAfter}' };
    const proposed = expectedTotals(
      rows,
      { ...proposedRules, earnRateRoublesToPoint: 5, maxPaidRatePercents: 50 },
      run.fromMs,
      run.untilMs,
    );
    const current = expectedTotals(rows, { ...DEFAULT_LEDGER_RULES, ...SAVED }, run.fromMs, run.untilMs);
    expect(run.proposedTotals).to.deep.equal(proposed);
    expect(run.currentTotals).to.deep.equal(current);
    expect(proposed.receipts).to.equal(250);
    expect(proposed.customers, 'the retail customer is nobody').to.equal(2);
    expect(proposed.discountKopecks).to.be.greaterThan(current.discountKopecks);

    // Nothing reached the ledger.
    const tenantId = w.account.accountId;
    expect(w.t.storage.db.select().from(customers).where(eq(customers.tenantId, tenantId)).all()).to.be.empty;
    expect(w.t.storage.db.select().from(ledgerEntries).where(eq(ledgerEntries.tenantId, tenantId)).all()).to.be.empty;

    const page = await w.t.http.get(`/iframe/what-if?session=${encodeURIComponent(session)}&run=${runId}`, {
      responseType: 'text',
    });
    const text = textOf(page.data);
    expect(text).to.include('Новые правила Сохранённые правила');
    expect(text).to.include('1 балл за 5 ₽ · 1 балл = 1 ₽ · до 50 % чека');
    expect(text).to.include('Скидка, % выручки');
    expect(text).to.include('Прошлые проверки');
  });

  it('when an employee without admin rights starts a check or opens one, then 403 like the statement; another account never sees a run', async () => {
    w = await startMoyskladWorld({ products: [COFFEE], retailDemands: [] });
    w.configure('ledger', { ledger: SAVED });
    const cashier = w.account.employees.find((e) => !e.isAdmin)!;
    const asCashier = await open(cashier.id);
    expect(asCashier.html).not.to.include('data-what-if-list');
    expect(textOf(asCashier.html)).to.include('Проверки и их результаты видят только администраторы');
    const refused = await start(asCashier.session, asCashier.csrf, { ...PROPOSED_FORM, whatIfDays: '30' });
    expect(refused.status).to.equal(403);
    expect(w.t.storage.db.select().from(whatIfRuns).all()).to.be.empty;

    const owner = await open();
    const started = await start(owner.session, owner.csrf, { ...PROPOSED_FORM, whatIfDays: '30' });
    expect(started.status).to.equal(303);
    const runId = new URL(started.headers.location as string, w.t.baseUrl).searchParams.get('run')!;
    expect(owner.html).to.include('data-what-if-list');
    await waitFor('the run is done', async () => (await status(owner.session, runId)).data.status === 'done');
    const ownersList = await w.t.http.get(`/iframe/what-if?session=${encodeURIComponent(owner.session)}`, {
      responseType: 'text',
    });
    expect(ownersList.status).to.equal(200);
    expect(ownersList.data).to.include(runId);
    // What the shop would owe under other rules is the owner's business, as «Баллы и обязательства» is.
    expect((await status(asCashier.session, runId)).status).to.equal(403);
    for (const query of ['', `&run=${runId}`]) {
      const page = await w.t.http.get(`/iframe/what-if?session=${encodeURIComponent(asCashier.session)}${query}`, {
        responseType: 'text',
        validateStatus: () => true,
      });
      expect(page.status, query).to.equal(403);
      expect(page.data, query).not.to.include(runId);
      expect(textOf(page.data), query).to.include('Проверки на продажах видят только администраторы');
    }

    const other = w.fake.addAccount({ products: [COFFEE] });
    await w.fake.install(w.t.baseUrl, other.accountId);
    const opened = await w.t.http.get(`/iframe?contextKey=${w.fake.issueContextKey(other.accountId)}`, {
      maxRedirects: 0,
    });
    const stranger = new URL(opened.headers.location as string, w.t.baseUrl).searchParams.get('session')!;
    expect((await status(stranger, runId)).status).to.equal(404);
    const list = await w.t.http.get(`/iframe/what-if?session=${encodeURIComponent(stranger)}`, {
      responseType: 'text',
    });
    expect(list.data).not.to.include(runId);
    expect(textOf(list.data)).to.include('Проверок ещё не было');
  });

  it('when the process that ran a check went away, then the check reads as failed and a new one starts', async () => {
    w = await startMoyskladWorld({ products: [COFFEE], retailDemands: [] });
    w.configure('ledger', { ledger: SAVED });
    const tenantId = w.account.accountId;
    const lost = randomUUID();
    const long = Date.now() - 60 * 60_000;
    immediate(w.t.storage.db, (tx) =>
      tx
        .insert(whatIfRuns)
        .values({
          id: lost,
          tenantId,
          status: 'running',
          days: 30,
          fromMs: long - 30 * DAY_MS,
          untilMs: long,
          spendSharePercent: 100,
          proposedRules: { ledger: DEFAULT_LEDGER_RULES },
          currentRules: { ledger: DEFAULT_LEDGER_RULES },
          read: 300,
          size: 1000,
          createdAt: long,
          heartbeatAt: long,
        })
        .run(),
    );
    const owner = await open();
    expect((await status(owner.session, lost)).data).to.deep.include({ status: 'failed' });
    expect((await status(owner.session, lost)).data.progress).to.include(RESTARTED);
    const started = await start(owner.session, owner.csrf, { ...PROPOSED_FORM, whatIfDays: '60' });
    const runId = new URL(started.headers.location as string, w.t.baseUrl).searchParams.get('run')!;
    expect(runId).to.not.equal(lost);
    await waitFor('the new run is done', async () => (await status(owner.session, runId)).data.status === 'done');
  });
});
