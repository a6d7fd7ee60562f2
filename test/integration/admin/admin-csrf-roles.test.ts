import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { adminUserRepository } from '../../../app/admin/auth/admin-user-repository.js';
import { customerRepository } from '../../../app/ledger/customer-repository.js';
import { AdminClient, createTestAdmin, signedInAdmin, TEST_PASSWORD } from '../../helpers/admin.js';
import { counterpartyMeta, createTestTenant, position, type TestTenant } from '../../helpers/tenants.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';

/** A ledger customer with points: registered and given one sale through the LoyaltyAPI, as a till would. */
async function customerWithPoints(tenant: TestTenant, phone = '+7 912 345-67-89') {
  const msId = randomUUID();
  const created = await tenant.api.post('/counterparty', { meta: counterpartyMeta(msId), name: 'Анна', phone });
  expect(created.status).to.equal(201);
  const sale = await tenant.api.post('/retaildemand', {
    meta: { id: randomUUID(), href: '' },
    name: '00042',
    agent: { meta: counterpartyMeta(msId) },
    positions: [position(1000, 1)],
    cashSum: 1000,
    noCashSum: 0,
  });
  expect(sale.status).to.equal(201);
  return created.data.id as string;
}

describe('Admin CSRF protection', () => {
  let t: TestApp;
  let client: AdminClient;
  beforeEach(async () => {
    t = await startTestApp();
    client = await signedInAdmin(t, 'anna');
    await client.get('/admin/users');
  });
  afterEach(async () => t.close());

  const createUser = (form: Record<string, string>, options?: { csrf?: boolean }) =>
    client.post('/admin/users', { login: 'boris', password: TEST_PASSWORD, role: 'support', ...form }, options);

  it('when a POST has no token, then it is refused with 403 and changes nothing', async () => {
    const response = await createUser({}, { csrf: false });
    expect(response.status).to.equal(403);
    expect(response.data).to.contain('Форма устарела');
    expect(adminUserRepository.findByLogin(t.storage.db, 'boris')).to.equal(undefined);
  });

  it("when a POST carries a wrong token or another session's token, then it is refused", async () => {
    expect((await createUser({ _csrf: 'a'.repeat(64) })).status).to.equal(403);
    const other = await signedInAdmin(t, 'vera');
    await other.get('/admin/users');
    const othersToken = /name="_csrf" value="([^"]+)"/.exec((await other.get('/admin/users')).data)![1]!;
    expect((await createUser({ _csrf: othersToken })).status).to.equal(403);
    expect(adminUserRepository.findByLogin(t.storage.db, 'boris')).to.equal(undefined);
  });

  it('when a POST carries the token of its session, then it is done', async () => {
    expect((await createUser({})).status).to.equal(303);
    expect(adminUserRepository.findByLogin(t.storage.db, 'boris')?.role).to.equal('support');
  });

  it('when the login form is posted without a token, then the sign-in is refused (no login CSRF)', async () => {
    await createTestAdmin(t, 'boris');
    const fresh = new AdminClient(t.baseUrl);
    await fresh.get('/admin/login');
    expect(
      (await fresh.post('/admin/login', { login: 'boris', password: TEST_PASSWORD }, { csrf: false })).status,
    ).to.equal(403);
  });

  it('when logout is posted without a token, then the session stays', async () => {
    expect((await client.post('/admin/logout', {}, { csrf: false })).status).to.equal(403);
    expect((await client.get('/admin/dashboard')).status).to.equal(200);
  });
});

describe('Admin roles', () => {
  let t: TestApp;
  let tenant: TestTenant;
  let customerId: string;
  beforeEach(async () => {
    t = await startTestApp();
    tenant = createTestTenant(t);
    customerId = await customerWithPoints(tenant);
  });
  afterEach(async () => t.close());

  const customerPage = () => `/admin/tenants/${tenant.accountId}/customers/${customerId}`;
  const balance = () => customerRepository.findById(t.storage.db, tenant.accountId, customerId)!.balance;

  it('when support opens user management, then it is forbidden; the menu does not offer it', async () => {
    const support = await signedInAdmin(t, 'boris', 'support');
    const dashboard = await support.get('/admin/dashboard');
    expect(dashboard.data).to.not.contain('href="/admin/users"');
    expect((await support.get('/admin/users')).status).to.equal(403);
    expect(
      (await support.post('/admin/users', { login: 'mallory', password: TEST_PASSWORD, role: 'admin' })).status,
    ).to.equal(403);
    expect(adminUserRepository.findByLogin(t.storage.db, 'mallory')).to.equal(undefined);
  });

  it('when support posts a balance adjustment, then it is forbidden and the balance stays', async () => {
    const support = await signedInAdmin(t, 'boris', 'support');
    const page = await support.get(customerPage());
    expect(page.status).to.equal(200);
    expect(page.data, 'support sees no adjustment form').to.not.contain('Ручная корректировка');
    const before = balance();
    const response = await support.post(`${customerPage()}/adjustments`, {
      points: 500,
      reason: 'хочу бонусов',
      requestKey: randomUUID(),
    });
    expect(response.status).to.equal(403);
    expect(balance()).to.equal(before);
  });

  it('when an admin posts a balance adjustment, then it is applied', async () => {
    const admin = await signedInAdmin(t, 'anna', 'admin');
    await admin.get(customerPage());
    const before = balance();
    expect(
      (
        await admin.post(`${customerPage()}/adjustments`, {
          points: 25,
          reason: 'компенсация за сбой кассы',
          requestKey: randomUUID(),
        })
      ).status,
    ).to.equal(303);
    expect(balance()).to.equal(before + 25);
  });

  it('when support blocks a gift card (a safe action), then it is blocked; issuing one needs an admin', async () => {
    const admin = await signedInAdmin(t, 'anna', 'admin');
    await admin.get(`/admin/tenants/${tenant.accountId}/gift-cards`);
    expect(
      (
        await admin.post(`/admin/tenants/${tenant.accountId}/gift-cards`, {
          number: 'GC-100',
          amount: '1500,50',
          expires: '',
        })
      ).status,
    ).to.equal(303);
    const card = await tenant.api.get('/giftcard', { params: { name: 'GC-100' } });
    expect(card.data).to.include({ status: 'CAN_BE_USED', currentBalance: 150050 });

    const support = await signedInAdmin(t, 'boris', 'support');
    const page = await support.get(`/admin/tenants/${tenant.accountId}/gift-cards`);
    expect(
      (await support.post(`/admin/tenants/${tenant.accountId}/gift-cards`, { number: 'GC-101', amount: '100' })).status,
    ).to.equal(403);
    const blockAction = /action="([^"]+\/block)"/.exec(page.data)![1]!;
    expect((await support.post(blockAction)).status).to.equal(303);
    expect((await tenant.api.get('/giftcard', { params: { name: 'GC-100' } })).data.status).to.equal('INVALID');
  });

  it('when the last active admin would be demoted or blocked, then it is refused', async () => {
    const admin = await signedInAdmin(t, 'anna', 'admin');
    await admin.get('/admin/users');
    const anna = adminUserRepository.findByLogin(t.storage.db, 'anna')!;
    const demote = await admin.post(`/admin/users/${anna.id}/role`, { role: 'support' });
    expect(demote.status).to.equal(422);
    expect(demote.data).to.contain('последний действующий администратор');
    expect((await admin.post(`/admin/users/${anna.id}/block`)).status).to.equal(422);
    expect(adminUserRepository.findByLogin(t.storage.db, 'anna')).to.include({ role: 'admin', blocked: false });
  });

  it("when an admin's role is changed to support, then their open session ends and the next one is support", async () => {
    const anna = await signedInAdmin(t, 'anna', 'admin');
    const vera = await signedInAdmin(t, 'vera', 'admin');
    await anna.get('/admin/users');
    const veraId = adminUserRepository.findByLogin(t.storage.db, 'vera')!.id;
    expect((await anna.post(`/admin/users/${veraId}/role`, { role: 'support' })).status).to.equal(303);
    expect((await vera.get('/admin/users')).status).to.equal(303);
    await vera.signIn('vera');
    expect((await vera.get('/admin/users')).status).to.equal(403);
  });
});
