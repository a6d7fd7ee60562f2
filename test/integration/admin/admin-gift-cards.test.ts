import { expect } from 'chai';
import { and, eq } from 'drizzle-orm';
import { transactionLog } from '../../../db/schema/index.js';
import { signedInAdmin, type AdminClient } from '../../helpers/admin.js';
import { textOf } from '../../helpers/iframe.js';
import { createTestTenant, type TestTenant } from '../../helpers/tenants.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';

/** The gift cards page of a ledger shop: blocking asks first, a block can be undone, errors sit by their field. */
describe('Admin gift cards', () => {
  let t: TestApp;
  let tenant: TestTenant;
  let admin: AdminClient;
  const page = () => `/admin/tenants/${tenant.accountId}/gift-cards`;

  beforeEach(async () => {
    t = await startTestApp();
    tenant = createTestTenant(t);
    admin = await signedInAdmin(t, 'anna', 'admin');
    await admin.get(page());
    expect((await admin.post(page(), { number: 'GC-100', amount: '1500', expires: '' })).status).to.equal(303);
  });
  afterEach(async () => t.close());

  const tillSees = async (number = 'GC-100') => (await tenant.api.get('/giftcard', { params: { name: number } })).data;
  const audited = (action: string) => {
    t.flushLog();
    return t.storage.db
      .select()
      .from(transactionLog)
      .where(and(eq(transactionLog.kind, 'admin'), eq(transactionLog.endpoint, action)))
      .all();
  };
  const formAction = (html: string, verb: string) => new RegExp(`action="([^"]+/${verb})"`).exec(html)?.[1];

  it('when support opens the list, then blocking sits behind a confirmation that says what it does', async () => {
    const html = (await admin.get(page())).data;
    // The block form only shows once «Заблокировать…» is opened: a second, deliberate click, without any script.
    const confirm = /<details class="abandon gift-card-block"[^>]*>([\s\S]*?)<\/details>/.exec(html)?.[1];
    expect(confirm, 'a <details> around the block form').to.be.a('string');
    expect(confirm).to.contain('<summary class="button button--danger">Заблокировать…</summary>');
    expect(confirm).to.match(/action="[^"]+\/block"/);
    expect(textOf(confirm!)).to.contain('перестанет приниматься на кассе').and.contain('Заблокировать карту GC-100');
  });

  it('when a card is blocked twice, then the till sees it as invalid and the log has one block', async () => {
    const support = await signedInAdmin(t, 'boris', 'support');
    const block = formAction((await support.get(page())).data, 'block')!;
    const first = await support.post(block);
    expect(first.status).to.equal(303);
    expect((await tillSees()).status).to.equal('INVALID');

    const again = await support.post(block);
    expect(again.status, 'a repeated click is not an error').to.equal(303);
    expect(textOf((await support.get(page())).data)).to.contain('Подарочная карта GC-100 уже заблокирована.');
    expect(audited('gift-card.block')).to.have.length(1);
  });

  it('when an admin unblocks a blocked card, then the till can take it again with its balance, once', async () => {
    await admin.post(formAction((await admin.get(page())).data, 'block')!);
    const html = (await admin.get(page())).data;
    expect(formAction(html, 'block'), 'a blocked card offers no block').to.equal(undefined);
    const unblock = formAction(html, 'unblock');
    expect(textOf(html)).to.contain('Разблокировать');

    expect((await admin.post(unblock!)).status).to.equal(303);
    expect(textOf((await admin.get(page())).data)).to.contain('Подарочная карта GC-100 снова действует.');
    expect(await tillSees()).to.include({ status: 'CAN_BE_USED', currentBalance: 150000, initialBalance: 150000 });
    expect((await admin.post(unblock!)).status).to.equal(303);
    expect(textOf((await admin.get(page())).data)).to.contain('Подарочная карта GC-100 не заблокирована.');
    expect(audited('gift-card.unblock')).to.have.length(1);
  });

  it('when support tries to unblock, then it is refused: a card blocked as lost goes back only through an admin', async () => {
    await admin.post(formAction((await admin.get(page())).data, 'block')!);
    const support = await signedInAdmin(t, 'boris', 'support');
    const html = (await support.get(page())).data;
    expect(formAction(html, 'unblock')).to.equal(undefined);
    const unblock = formAction((await admin.get(page())).data, 'unblock')!;
    expect((await support.post(unblock)).status).to.equal(403);
    expect((await tillSees()).status).to.equal('INVALID');
  });

  it('when an issued card is refused, then each error sits under its field with the typed values kept', async () => {
    const bad = await admin.post(page(), { number: 'GC-100', amount: '10,999', expires: '2001-01-01' });
    expect(bad.status).to.equal(422);
    const amountError = /<p class="field__error" id="gc-amount-error" data-error-for="amount">([^<]+)<\/p>/.exec(
      bad.data,
    );
    expect(amountError?.[1]).to.contain('Номинал, ₽');
    expect(bad.data).to.match(/id="gc-amount"[^>]*aria-invalid="true"/);
    expect(bad.data).to.not.match(/class="alert alert--error"/);

    // Past the form's own checks, the card itself is refused: a number already issued, a date already gone.
    const taken = await admin.post(page(), { number: 'GC-100', amount: '500', expires: '' });
    expect(taken.status).to.equal(422);
    expect(taken.data).to.match(/data-error-for="number">Подарочная карта GC-100 уже выпущена\.<\/p>/);
    expect(taken.data).to.match(/id="gc-amount"[^>]*value="500"/);
    const past = await admin.post(page(), { number: 'GC-200', amount: '500', expires: '2001-01-01' });
    expect(past.status).to.equal(422);
    expect(past.data).to.match(/data-error-for="expires">Дата окончания уже прошла\.<\/p>/);
    expect(past.data, 'the page with its navigation, not a bare error page')
      .to.contain('class="topbar"')
      .and.contain('class="tabs"');
  });
});
