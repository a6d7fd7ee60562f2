import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { and, eq } from 'drizzle-orm';
import { ledgerEntriesRepository } from '../../../app/ledger/ledger-entry-repository.js';
import { adjustBalance } from '../../../app/ledger/manual-adjustment.js';
import { customerRepository } from '../../../app/ledger/customer-repository.js';
import { MAX_POINTS } from '../../../app/receipt/bounds.js';
import { ledgerAdjustments, ledgerEntries, transactionLog } from '../../../db/schema/index.js';
import { signedInAdmin, type AdminClient } from '../../helpers/admin.js';
import { counterpartyMeta, createTestTenant, type TestTenant } from '../../helpers/tenants.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';

describe('Manual balance adjustment', () => {
  let t: TestApp;
  let tenant: TestTenant;
  let customerId: string;
  let admin: AdminClient;
  const page = () => `/admin/tenants/${tenant.accountId}/customers/${customerId}`;

  beforeEach(async () => {
    t = await startTestApp();
    tenant = createTestTenant(t, {
      welcomeBonusesEnabled: true,
      welcomeBonusesValue: 100,
      welcomeBonusesMode: 'REGISTRATION',
    });
    const created = await tenant.api.post('/counterparty', {
      meta: counterpartyMeta(),
      name: 'Анна',
      phone: '+7 912 000-11-22',
    });
    customerId = created.data.id;
    admin = await signedInAdmin(t, 'anna');
  });
  afterEach(async () => t.close());

  const balance = () => customerRepository.findById(t.storage.db, tenant.accountId, customerId)!.balance;
  const auditRows = () =>
    t.storage.db
      .select()
      .from(transactionLog)
      .where(and(eq(transactionLog.kind, 'admin'), eq(transactionLog.endpoint, 'ledger.adjust')))
      .all();

  it('when an admin adjusts a balance, then the entry, who and why, and the audit log row are all written', async () => {
    await admin.get(page());
    const response = await admin.post(`${page()}/adjustments`, {
      points: -30,
      reason: 'Ошибочное начисление, заявка 118',
      requestKey: randomUUID(),
    });
    expect(response.status).to.equal(303);
    expect((await admin.get(page())).data)
      .to.contain('Баланс скорректирован: теперь 70 баллов.')
      .and.contain('Ошибочное начисление, заявка 118');

    expect(balance()).to.equal(70);
    expect(ledgerEntriesRepository.sum(t.storage.db, customerId), 'balance is still the sum of entries').to.equal(70);
    const entry = t.storage.db.select().from(ledgerEntries).where(eq(ledgerEntries.kind, 'adjustment')).get()!;
    expect(entry).to.include({ customerId, points: -30, tenantId: tenant.accountId });
    const adjustment = t.storage.db.select().from(ledgerAdjustments).get()!;
    expect(adjustment).to.include({
      entryId: entry.id,
      points: -30,
      reason: 'Ошибочное начисление, заявка 118',
      adminLogin: 'anna',
    });

    const [audit] = auditRows();
    expect(audit).to.include({ tenantId: tenant.accountId, customerId, ok: true, pointsSpent: 30, phoneLast4: '1122' });
    expect(JSON.parse(audit!.requestBody!)).to.deep.equal({
      points: -30,
      reason: 'Ошибочное начисление, заявка 118',
      by: 'anna',
    });
    expect(JSON.parse(audit!.responseBody!)).to.include({ balanceBefore: 100, balanceAfter: 70 });
  });

  it('when the same form is submitted twice, then the balance moves once', async () => {
    await admin.get(page());
    const form = { points: 10, reason: 'Компенсация', requestKey: randomUUID() };
    await admin.post(`${page()}/adjustments`, form);
    await admin.post(`${page()}/adjustments`, form);
    expect(balance()).to.equal(110);
    expect(auditRows()).to.have.length(1);
    expect((await admin.get(page())).data).to.contain('Эта корректировка уже проведена.');
  });

  it('when the reason is missing or the points are zero, then the form says so and nothing changes', async () => {
    await admin.get(page());
    const noReason = await admin.post(`${page()}/adjustments`, { points: 10, reason: '  ', requestKey: randomUUID() });
    expect(noReason.status).to.equal(422);
    expect(noReason.data).to.contain('Причина');
    const zero = await admin.post(`${page()}/adjustments`, {
      points: 0,
      reason: 'Проверка формы',
      requestKey: randomUUID(),
    });
    expect(zero.status).to.equal(422);
    expect(zero.data).to.contain('не ноль');
    expect(balance()).to.equal(100);
    expect(auditRows()).to.have.length(0);
  });

  it('when more points are taken than the balance holds, then it is refused and nothing is written', () => {
    expect(() =>
      adjustBalance(t.storage.db, t.services.txlog, {
        tenantId: tenant.accountId,
        customerId,
        points: -101,
        reason: 'Списание',
        adminLogin: 'anna',
        requestKey: randomUUID(),
      }),
    ).to.throw('Нельзя списать 101 балл: на балансе 100 баллов.');
    expect(balance()).to.equal(100);
    expect(t.storage.db.select().from(ledgerAdjustments).all()).to.have.length(0);
    t.flushLog();
    expect(auditRows()).to.have.length(0);
  });

  it('when support takes more points than the balance holds in the form, then the customer page says so next to the field', async () => {
    await admin.get(page());
    const refused = await admin.post(`${page()}/adjustments`, {
      points: -150,
      reason: 'Списание по ошибке кассы',
      requestKey: randomUUID(),
    });
    expect(refused.status).to.equal(422);
    // The same page with its navigation, the typed values kept, the refusal under the points field.
    expect(refused.data).to.contain('Ручная корректировка').and.contain('value="-150"');
    expect(refused.data).to.match(
      /<p class="field__error" id="points-error" data-error-for="points">Нельзя списать 150 баллов: на балансе 100 баллов\.<\/p>/,
    );
    expect(balance()).to.equal(100);
  });

  it('when an adjustment would take a balance past the bound, then it is refused and nothing is written', () => {
    ledgerEntriesRepository.append(
      t.storage.db,
      { tenantId: tenant.accountId, customerId, points: MAX_POINTS - 100 - 10, kind: 'adjustment' },
      new Date(),
    );
    const adjust = (points: number) =>
      adjustBalance(t.storage.db, t.services.txlog, {
        tenantId: tenant.accountId,
        customerId,
        points,
        reason: 'Начисление',
        adminLogin: 'anna',
        requestKey: randomUUID(),
      });
    expect(() => adjust(11)).to.throw(/Нельзя начислить 11 баллов: баланс превысил бы/);
    expect(balance()).to.equal(MAX_POINTS - 10);
    expect(adjust(10).balance).to.equal(MAX_POINTS);
  });

  it('when the audit row cannot be written, then the adjustment rolls back with it', () => {
    const failingLog = {
      record: () => {
        throw new Error('disk full');
      },
    } as unknown as typeof t.services.txlog;
    expect(() =>
      adjustBalance(t.storage.db, failingLog, {
        tenantId: tenant.accountId,
        customerId,
        points: 50,
        reason: 'Компенсация',
        adminLogin: 'anna',
        requestKey: randomUUID(),
      }),
    ).to.throw('disk full');
    expect(balance()).to.equal(100);
    expect(t.storage.db.select().from(ledgerAdjustments).all()).to.have.length(0);
  });
});
