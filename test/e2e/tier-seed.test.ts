import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { asc, eq } from 'drizzle-orm';
import { customers, tierLevelChanges } from '../../db/schema/index.js';
import type { TierRules } from '../../app/ledger/tier-rules.js';
import { tenantRepository } from '../../app/tenants/tenant-repository.js';
import { tierRepository } from '../../app/ledger/tier-repository.js';
import { seedProgressText } from '../../app/go-live/tier-seed.js';
import { immediate } from '../../app/storage/database.js';
import type { FakeProduct, FakeRetailDemand } from '../fakes/moysklad-fake.js';
import { counterpartyMeta, retailStore } from '../helpers/tenants.js';
import { hiddenValue, textOf } from '../helpers/iframe.js';
import { goodsLine, startMoyskladWorld, type MoyskladWorld } from '../helpers/moysklad-world.js';
import { waitFor } from '../helpers/wait-for.js';

const DAY_MS = 86_400_000;
const COFFEE: FakeProduct = { id: randomUUID(), name: 'Кофе' };
const TIERS: TierRules = {
  enabled: true,
  windowDays: 365,
  levels: [
    { name: 'Бронза', thresholdKopecks: 0, earnRateRoublesToPoint: 10 },
    { name: 'Серебро', thresholdKopecks: 1_000_000, earnRateRoublesToPoint: 5 },
    { name: 'Золото', thresholdKopecks: 3_000_000, earnRateRoublesToPoint: 2 },
  ],
};

describe('Tiers seeded from МойСклад history (fake МойСклад)', () => {
  let w: MoyskladWorld;
  afterEach(async () => w.close());

  // A: 2 000 sales of 20 ₽ (40 000 ₽, Gold), registered with us before seeding. B: 499 of 25 ₽ (12 475 ₽,
  // Silver), plus an offline sale the till sent us later (skipped: ours). C: 10 of 1 500 ₽, unknown to us.
  const A = randomUUID();
  const B = randomUUID();
  const C = randomUUID();
  const offlineSaleId = randomUUID();
  const now = Date.now();
  const history = (): FakeRetailDemand[] => {
    const rows: FakeRetailDemand[] = [];
    const add = (agentId: string | undefined, n: number, sumKopecks: number, extra: Partial<FakeRetailDemand> = {}) => {
      for (let i = 0; i < n; i++) {
        rows.push({ id: randomUUID(), agentId, momentMs: now - ((i % 300) + 1) * DAY_MS, sumKopecks, ...extra });
      }
    };
    add(A, 2000, 2_000);
    add(B, 499, 2_500);
    add(C, 10, 150_000);
    add(undefined, 1, 500_000); // nobody's
    add(B, 1, 10_000_000, { momentMs: now - 400 * DAY_MS }); // older than the window
    add(B, 1, 10_000_000, { applicable: false }); // a draft
    add(C, 1, 10_000_000, { momentMs: now + DAY_MS }); // after our first sale: ours count from then
    rows.push({ id: offlineSaleId, agentId: B, momentMs: now - 2 * DAY_MS, sumKopecks: 500_000 });
    return rows;
  };

  const row = (msId: string) => w.t.storage.db.select().from(customers).where(eq(customers.msId, msId)).get();
  const changes = (customerId: string) =>
    w.t.storage.db
      .select()
      .from(tierLevelChanges)
      .where(eq(tierLevelChanges.customerId, customerId))
      .orderBy(asc(tierLevelChanges.id))
      .all();

  it('when the owner loads the history, then sales are paged past a 429, each customer gets the level it gives, and nothing counts twice', async () => {
    w = await startMoyskladWorld({ retailDemands: history(), products: [COFFEE] });
    const accountId = w.account.accountId;
    w.configure('ledger', { ledger: { receiptTemplate: '' }, tiers: TIERS });
    // A is a customer of ours already; B's offline sale reaches us now (its document is in the history too).
    const tenant = tenantRepository.find(w.t.storage.db, accountId)!;
    await w.t.services.backends.for(tenant).createCustomer(tenant, { msId: A, name: 'Анна' });
    const offline = await w.till.post('/retaildemand', {
      retailStore,
      meta: { href: '', id: offlineSaleId },
      agent: { meta: counterpartyMeta(B) },
      positions: [goodsLine(w.fake, COFFEE, 5_000)],
      cashSum: 5_000,
      noCashSum: 0,
    });
    expect(offline.status, JSON.stringify(offline.data)).to.equal(201);

    // The owner opens the settings and loads the history; МойСклад answers the first page with a 429.
    w.fake.rateLimitNext('GET', '/entity/retaildemand', 10);
    const opened = await w.t.http.get(`/iframe?contextKey=${w.fake.issueContextKey(accountId)}`, { maxRedirects: 0 });
    const session = new URL(opened.headers.location as string, w.t.baseUrl).searchParams.get('session')!;
    const page = await w.t.http.get(`/iframe?session=${encodeURIComponent(session)}`, { responseType: 'text' });
    expect(textOf(page.data)).to.include('История ещё не загружалась');
    const asked = await w.t.http.post(
      '/iframe/tier-seed',
      new URLSearchParams({ session, _csrf: hiddenValue(page.data, '_csrf')! }).toString(),
      { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, responseType: 'text' },
    );
    expect(asked.status).to.equal(200);
    expect(textOf(asked.data)).to.include('Загружаем историю покупок из МоегоСклада');

    const progress = async () =>
      (await w.t.http.get(`/iframe/tier-seed?session=${encodeURIComponent(session)}`)).data as {
        status: string;
        text: string;
      };
    await waitFor('the history is loaded', async () => (await progress()).status === 'done');
    const done = await progress();
    // Read: every applied sale in the window before our first one (2 000 + 499 + 10 + 1 nobody's + 1 offline).
    expect(done.text).to.match(/^История загружена .*: 2\s511 продаж с .* по .*, из них с покупателем — 2\s509 на /);

    const pages = w.fake.state.requests.filter((r) => r.path.endsWith('/entity/retaildemand')).map((r) => r.query);
    expect(pages.map((q) => q!.offset)).to.deep.equal(['0', '0', '1000', '2000']);
    expect(String(pages[0]!.filter)).to.match(
      /^moment>=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d;moment<\d{4}-\d\d-\d\d \d\d:\d\d:\d\d;applicable=true$/,
    );
    expect(pages[0]!.order).to.equal('moment,asc;id,asc');

    // The tier job is woken by the seeding: A to Gold, B to Silver (its offline sale counted once, as ours).
    await waitFor('levels are recomputed', () => row(A)?.tierLevel === 2 && row(B)?.tierLevel === 1);
    expect(row(A)).to.include({ tierTotalKopecks: 4_000_000 });
    expect(row(B)).to.include({ tierTotalKopecks: 499 * 2_500 + 500_000 });
    expect(changes(row(A)!.id).map((c) => [c.fromName, c.toName, c.reason])).to.deep.equal([
      ['Бронза', 'Золото', 'seed'],
    ]);

    // C is new to us: the till already sees the level the history gives, and the sale registering them agrees.
    const recalc = await w.till.post('/retaildemand/recalc', {
      retailStore,
      agent: { meta: counterpartyMeta(C) },
      positions: [goodsLine(w.fake, COFFEE, 1_000)],
      bonusProgram: { transactionType: 'EARNING' },
    });
    expect(recalc.status, JSON.stringify(recalc.data)).to.equal(200);
    expect(recalc.data.bonusProgram.bonusValueToEarn, '1 000 ₽ at Silver').to.equal(200);
    expect(recalc.data.bonusProgram.receiptExtraInfo).to.equal('Уровень «Серебро». До уровня «Золото» 15 000 ₽');
  });

  it('when a seeding was cut short by a reload, then the next process resumes it from the page it reached', async () => {
    w = await startMoyskladWorld({ retailDemands: history(), products: [COFFEE] });
    const accountId = w.account.accountId;
    w.configure('ledger', { ledger: {}, tiers: TIERS });
    // What a process left behind when it stopped after the first page: running, its claim run out.
    immediate(w.t.storage.db, (tx) => {
      tierRepository.ensureJobState(tx, accountId, now);
      tierRepository.updateJob(tx, accountId, {
        seedStatus: 'running',
        seedFrom: now - 365 * DAY_MS,
        seedUntil: now,
        seedOffset: 1000,
        seedKept: 0,
        seedClaimedUntil: now - 1,
      });
    });
    expect(await w.t.services.tierSeed.resumeAbandoned()).to.equal(1);
    const offsets = w.fake.state.requests
      .filter((r) => r.path.endsWith('/entity/retaildemand'))
      .map((r) => r.query!.offset);
    expect(offsets).to.deep.equal(['1000', '2000']);
    expect(w.t.services.tierSeed.progress(accountId)).to.include({ status: 'done', read: 2511 });
    expect(await w.t.services.tierSeed.resumeAbandoned(), 'nothing left to resume').to.equal(0);
  });

  it('when МойСклад keeps failing, then the seeding stops with its reason for the owner and can be asked for again', async () => {
    w = await startMoyskladWorld({ retailDemands: history(), products: [COFFEE] });
    const accountId = w.account.accountId;
    w.configure('ledger', { ledger: {}, tiers: TIERS });
    w.fake.failNext({ method: 'GET', pathEnds: '/entity/retaildemand', answer: 403 });
    expect(w.t.services.tierSeed.request(accountId)).to.equal('started');
    await waitFor('the seeding fails', () => w.t.services.tierSeed.progress(accountId).status === 'failed');
    const failed = w.t.services.tierSeed.progress(accountId);
    expect(failed.error).to.match(/^МойСклад отказал \(чтение розничных продаж\), HTTP 403/);
    expect(seedProgressText(failed, 365)).to.match(/^Не удалось загрузить историю: МойСклад отказал .* ещё раз\.$/);

    expect(w.t.services.tierSeed.request(accountId)).to.equal('started');
    await waitFor('the second seeding is done', () => w.t.services.tierSeed.progress(accountId).status === 'done');
  });
});
