import { expect } from 'chai';
import { signedInAdmin, type AdminClient } from '../../helpers/admin.js';
import { textOf } from '../../helpers/iframe.js';
import { counterpartyMeta, createTestTenant, type TestTenant } from '../../helpers/tenants.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';

/** The customers tab as support opens it with a log row in hand: recent customers first, and the log's last four digits. */
describe('Admin customers: recent ones and the last four digits', () => {
  let t: TestApp;
  let shop: TestTenant;
  let support: AdminClient;
  const list = async (q?: string) =>
    textOf(
      (await support.get(`/admin/tenants/${shop.accountId}/customers${q ? `?q=${encodeURIComponent(q)}` : ''}`)).data,
    );

  beforeEach(async () => {
    t = await startTestApp();
    shop = createTestTenant(t);
    support = await signedInAdmin(t, 'boris', 'support');
    for (const [name, phone] of [
      ['Анна', '79123456789'],
      ['Борис', '79001112233'],
    ] as const) {
      const created = await shop.api.post('/counterparty', { meta: counterpartyMeta(), name, phone });
      expect(created.status, JSON.stringify(created.data)).to.equal(201);
    }
  });
  afterEach(async () => t.close());

  it('when the tab opens before any search, then the recent customers are listed', async () => {
    const page = await list();
    expect(page).to.contain('Недавние покупатели').and.contain('Анна').and.contain('Борис');
    expect(page).to.not.contain('9123456789');
  });

  it('when support types the last four digits the log shows, then the customer with that phone ending is found', async () => {
    for (const typed of ['6789', '***6789']) {
      const page = await list(typed);
      expect(page, typed).to.contain('Анна').and.not.contain('Борис');
    }
    expect(await list('0000')).to.contain('Никого не нашли');
  });
});
