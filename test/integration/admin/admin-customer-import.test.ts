import { expect } from 'chai';
import { customerRepository } from '../../../app/ledger/customer-repository.js';
import { AdminClient, signedInAdmin } from '../../helpers/admin.js';
import { generatedCustomerFile, windows1251 } from '../../helpers/customer-files.js';
import { decode, textOf } from '../../helpers/iframe.js';
import { createTestTenant, type TestTenant } from '../../helpers/tenants.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';

describe('customer import in the admin', () => {
  let t: TestApp;
  let tenant: TestTenant;
  beforeEach(async () => {
    t = await startTestApp();
    tenant = createTestTenant(t);
  });
  afterEach(async () => {
    await t.services.customerImport.settled();
    await t.close();
  });

  const pagePath = () => `/admin/tenants/${tenant.accountId}/import`;

  async function openPage(client: AdminClient) {
    const page = await client.get(pagePath());
    const headers = /data-headers="([^"]*)"/.exec(page.data)?.[1];
    return { page, headers: headers ? (JSON.parse(decode(headers)) as Record<string, string>) : {} };
  }

  const send = (client: AdminClient, path: string, headers: Record<string, string>, body: Buffer) =>
    client.http.post<string>(`${pagePath()}/${path}`, body, {
      headers: {
        ...headers,
        cookie: client.cookieHeader,
        'Content-Type': 'text/csv',
        Accept: 'application/json',
        'X-File-Name': 'maxma.csv',
      },
    });

  it('when an admin imports a file, then the customers get their balances and the page lists the run', async () => {
    const admin = await signedInAdmin(t, 'anna', 'admin');
    const { headers } = await openPage(admin);
    const bytes = windows1251(generatedCustomerFile(10));
    const checked = await send(admin, 'check', headers, bytes);
    expect(checked.status).to.equal(200);
    expect(JSON.parse(checked.data).report).to.include({ created: 10 });
    const started = await send(admin, 'start', headers, bytes);
    expect(started.status).to.equal(202);
    await t.services.customerImport.settled();
    const customer = customerRepository.findByPhone(t.storage.db, tenant.accountId, '79000000009')!;
    expect(customer.balance).to.equal(9);

    const page = textOf((await admin.get(pagePath())).data);
    expect(page).to.contain('Последние переносы');
    expect(page).to.contain('maxma.csv');
    const history = textOf((await admin.get(`/admin/tenants/${tenant.accountId}/customers/${customer.id}`)).data);
    expect(history).to.contain('Перенос баланса из файла');
    expect(history).to.contain('строка 11');
  });

  it('when support staff try to import, then they are refused and see the page read-only', async () => {
    const support = await signedInAdmin(t, 'boris', 'support');
    const { page } = await openPage(support);
    expect(page.status).to.equal(200);
    expect(textOf(page.data)).to.contain('Переносить покупателей могут только администраторы');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.data)![1]!;
    const res = await send(support, 'start', { 'X-CSRF-Token': token }, windows1251(generatedCustomerFile(2)));
    expect(res.status).to.equal(403);
    await t.services.customerImport.settled();
    expect(customerRepository.findByPhone(t.storage.db, tenant.accountId, '79000000001')).to.equal(undefined);
  });
});
