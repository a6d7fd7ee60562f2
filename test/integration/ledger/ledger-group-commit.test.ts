import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import { customers, sales } from '../../../db/schema/index.js';
import { BusinessRuleError } from '../../../app/errors.js';
import { item, openLedgerFixture, REFUSED_GIFT_CARD, sale, type LedgerFixture } from './ledger-fixture.js';

/** Sales sent together share one commit; each still succeeds or fails on its own. */
describe('LedgerBackend: sales sharing one commit', () => {
  let f: LedgerFixture;
  afterEach(() => f.close());

  /** Every batch holds exactly `jobs` sales or returns: the test decides who shares a commit. */
  const batchesOf = (jobs: number) => {
    f = openLedgerFixture({ groupCommit: { windowMs: 60_000, maxJobs: jobs } });
  };
  const salesOf = (saleKey: string) => f.storage.db.select().from(sales).where(eq(sales.saleKey, saleKey)).all();

  it('when one sale of a batch is refused after writing, then it leaves nothing and its neighbours commit', async () => {
    batchesOf(3);
    const shop = f.tenant({ maxPaidRatePercents: 100 });
    // Set-up sales go through the same batches: three customers with 100 points each, in one batch.
    const [anna, boris, vera] = await Promise.all([
      f.customerWith(shop, 100),
      f.customerWith(shop, 100),
      f.customerWith(shop, 100),
    ]);
    const spend = (id: string, extra = {}) =>
      sale({ id }, [{ ...item(10_000), discountedPriceKopecks: 7_000, discountPercent: 30 }], {
        pointsToSpend: 30,
        ...extra,
      });
    const refused = spend(boris!, { giftCards: [{ name: REFUSED_GIFT_CARD, paymentKopecks: 1000 }] });
    // A customer the ledger has never seen is registered inside the sale: a refusal must undo that too.
    const stranger = { id: randomUUID() };
    const strangerRefused = sale(stranger, [item(5_000)], {
      giftCards: [{ name: REFUSED_GIFT_CARD, paymentKopecks: 1 }],
    });

    const outcomes = await Promise.allSettled([
      f.ledger.createSale(shop, spend(anna!)),
      f.ledger.createSale(shop, refused),
      f.ledger.createSale(shop, spend(vera!)),
    ]);
    expect(outcomes.map((o) => o.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).to.be.instanceOf(BusinessRuleError);
    const [alone] = await Promise.allSettled([
      f.ledger.createSale(shop, strangerRefused),
      f.ledger.createSale(shop, sale({ id: anna! }, [item(10_000)])),
      f.ledger.createSale(shop, sale({ id: vera! }, [item(10_000)])),
    ]);
    expect(alone.status).to.equal('rejected');

    expect(salesOf(refused.saleKey), 'the refused sale is not recorded').to.have.length(0);
    expect(salesOf(strangerRefused.saleKey)).to.have.length(0);
    expect(f.storage.db.select().from(customers).where(eq(customers.msId, stranger.id)).all()).to.have.length(0);
    expect(f.books(boris!), 'nothing moved for the refused customer').to.deep.equal({ balance: 100, entries: 100 });
    // 100 − 30 spent on the first sale (which earns nothing: it spends), then 100 earned on the second.
    expect(f.books(anna!)).to.deep.equal({ balance: 170, entries: 170 });
    expect(f.books(vera!)).to.deep.equal({ balance: 170, entries: 170 });
    const everyone = f.storage.db.select().from(customers).all();
    for (const customer of everyone) {
      expect(f.books(customer.id), `balance = Σ entries for ${customer.id}`).to.deep.equal({
        balance: customer.balance,
        entries: customer.balance,
      });
    }
  });

  it('when the same sale key comes twice in one batch, then the second is a repeat and the sale is applied once', async () => {
    batchesOf(2);
    const shop = f.tenant();
    const { id } = await f.ledger.createCustomer(shop, { msId: randomUUID(), name: 'Покупатель' });
    const request = sale({ id }, [item(10_000)]);
    const answers = await Promise.all([
      f.ledger.createSale(shop, { ...request }),
      f.ledger.createSale(shop, { ...request }),
    ]);
    expect(answers, 'both answered like the first time, no conflict').to.deep.equal([undefined, undefined]);
    expect(salesOf(request.saleKey)).to.have.length(1);
    expect(f.books(id)).to.deep.equal({ balance: 100, entries: 100 });
  });
});
