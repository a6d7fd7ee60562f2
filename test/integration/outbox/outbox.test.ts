import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxiosError, type AxiosResponse } from 'axios';
import { expect } from 'chai';
import { asc, eq } from 'drizzle-orm';
import { outbox, transactionLog, type OutboxRow } from '../../../db/schema/index.js';
import {
  BusinessRuleError,
  ForbiddenError,
  NotFoundError,
  UpstreamError,
  ValidationError,
} from '../../../app/errors.js';
import { createLogger } from '../../../app/logging/logger.js';
import type { DeliveryResult, OutboxDelivery, OutboxEntry } from '../../../app/outbox/outbox-delivery.js';
import { outboxRepository } from '../../../app/outbox/outbox-repository.js';
import { OutboxWorker } from '../../../app/outbox/outbox-worker.js';
import { Outbox, UNKNOWN_OUTCOME_REASON } from '../../../app/outbox/outbox.js';
import { openStorage, type Storage } from '../../../app/storage/database.js';
import { insertTenantRow } from '../../helpers/tenants.js';
import { TransactionLog } from '../../../app/txlog/transaction-log.js';
import { waitFor } from '../../helpers/wait-for.js';

const logger = createLogger({ level: 'error', silent: true });
const BASE_MS = 1000;
const GIVE_UP_MS = 3_600_000;

/** A provider adapter whose answers the test scripts: each call takes the next outcome. */
class ScriptedDelivery implements OutboxDelivery {
  readonly sent: string[] = [];
  private readonly script: Array<Error | DeliveryResult> = [];
  constructor(readonly resendIsSafe: boolean) {}
  then(...outcomes: Array<Error | DeliveryResult>): this {
    this.script.push(...outcomes);
    return this;
  }
  async deliver(item: OutboxRow): Promise<DeliveryResult> {
    this.sent.push(item.operationKey);
    const next = this.script.shift() ?? { pointsSpent: 0, answer: { ok: true } };
    if (next instanceof Error) throw next;
    return next;
  }
}

function axiosFailure(code: string, status?: number): UpstreamError {
  const response =
    status === undefined ? undefined : ({ status, data: '', headers: {}, statusText: '', config: {} } as AxiosResponse);
  const cause = new AxiosError(`failed: ${code}`, code, undefined, undefined, response);
  return new UpstreamError('Система лояльности не отвечает.', { cause, upstreamStatus: status });
}

const notApplied = () => axiosFailure('ECONNREFUSED');
const timedOut = () => axiosFailure('ECONNABORTED');
const reset = () => axiosFailure('ECONNRESET');

describe('Outbox', () => {
  let dir: string;
  let storage: Storage;
  let txlog: TransactionLog;
  let clock: number;
  let delivery: ScriptedDelivery;
  let box: Outbox;
  let tenantId: string;

  const build = (resendIsSafe: boolean) => {
    delivery = new ScriptedDelivery(resendIsSafe);
    box = new Outbox(
      storage.db,
      { txlog, logger, deliveryFor: () => delivery },
      {
        retryBaseMs: BASE_MS,
        retryMaxMs: 8 * BASE_MS,
        giveUpAfterMs: GIVE_UP_MS,
        claimMs: 60_000,
        now: () => clock,
        random: () => 1,
      },
    );
  };
  const add = (operationKey: string, customerKey = 'customer-1', extra: Partial<OutboxEntry> = {}, tenant = tenantId) =>
    box.enqueue(storage.db, tenant, {
      provider: 'ibonus',
      kind: 'sale',
      operationKey,
      saleKey: operationKey,
      documentName: `№ ${operationKey}`,
      customerKey,
      payload: { spend: 10 },
      ...extra,
    });
  const row = (id: number) => outboxRepository.find(storage.db, id)!;
  const addTenant = () => insertTenantRow(storage.db, { backend: 'ibonus' });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    storage = openStorage(join(dir, 'outbox.sqlite'));
    txlog = new TransactionLog(storage.db);
    clock = 1_700_000_000_000;
    tenantId = addTenant();
    build(true);
  });
  afterEach(() => {
    storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the same document is added twice, then there is one entry', () => {
    const first = add('sale-1');
    const again = add('sale-1');
    expect(again.id).to.equal(first.id);
    expect(storage.db.select().from(outbox).all()).to.have.length(1);
  });

  it("when a customer's earlier entry is still waiting, then their later one waits too while other customers' go out", async () => {
    const a1 = add('a-1', 'customer-a');
    const a2 = add('a-2', 'customer-a');
    const b1 = add('b-1', 'customer-b');
    delivery.then(notApplied());
    await box.deliverDue();
    expect(delivery.sent).to.deep.equal(['a-1', 'b-1']);
    expect([row(a1.id).status, row(a2.id).status, row(b1.id).status]).to.deep.equal([
      'pending',
      'pending',
      'delivered',
    ]);

    clock += BASE_MS;
    await box.deliverDue();
    await box.deliverDue();
    expect(delivery.sent).to.deep.equal(['a-1', 'b-1', 'a-1', 'a-2']);
    expect(row(a2.id).status).to.equal('delivered');
  });

  it('when the provider cannot be reached, then the entry waits base × 2^n (capped) and goes to support after the give-up time', async () => {
    const { id } = add('sale-1');
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      delivery.then(notApplied());
      await box.deliverDue();
      waits.push(row(id).nextAttemptAt - clock);
      clock = row(id).nextAttemptAt;
    }
    expect(waits).to.deep.equal([1000, 2000, 4000, 8000, 8000]);
    expect(row(id)).to.include({ status: 'pending', attempts: 5 });
    expect(row(id).lastError).to.include('ECONNREFUSED');

    clock += GIVE_UP_MS;
    delivery.then(axiosFailure('ERR_BAD_RESPONSE', 503));
    await box.deliverDue();
    expect(row(id).status).to.equal('needs_support');
    expect(row(id).supportReason).to.match(/^Не доставлено за 1 ч/);
  });

  it('when the provider refuses, then the entry goes to support with the reason and is never tried again', async () => {
    const { id } = add('sale-1');
    delivery.then(new BusinessRuleError('Нельзя списать больше 100 баллов'));
    await box.deliverDue();
    clock += GIVE_UP_MS;
    await box.deliverDue();
    expect(delivery.sent).to.deep.equal(['sale-1']);
    expect(row(id)).to.include({
      status: 'needs_support',
      supportReason: 'Не доставлено: Нельзя списать больше 100 баллов',
      attempts: 1,
    });
  });

  for (const [name, failure] of [
    ['times out', timedOut],
    ['is reset mid-call', reset],
  ] as const) {
    it(`when a call ${name}, then a provider that recognises repeats gets it again, and one that does not goes to support`, async () => {
      const safe = add('sale-safe');
      delivery.then(failure());
      await box.deliverDue();
      expect(row(safe.id).status).to.equal('pending');

      build(false);
      const unsafe = add('sale-unsafe', 'customer-2');
      delivery.then(failure());
      await box.deliverDue();
      expect(row(unsafe.id)).to.include({ status: 'needs_support', supportReason: UNKNOWN_OUTCOME_REASON });
    });
  }

  it('when the process stopped during an attempt, then the claim runs out and the entry is resent only where that is safe', async () => {
    const safe = add('sale-safe', 'customer-1');
    const claimed = (id: number) => outboxRepository.claim(storage.db, id, clock, clock + 60_000);
    expect(claimed(safe.id)).to.include({ status: 'sending', attempts: 1 });
    expect(claimed(safe.id), 'a claimed entry cannot be claimed twice').to.equal(undefined);
    await box.deliverDue();
    expect(delivery.sent, 'the claim still holds').to.deep.equal([]);

    clock += 60_001;
    await box.deliverDue();
    expect(delivery.sent).to.deep.equal(['sale-safe']);
    expect(row(safe.id)).to.include({ status: 'delivered', attempts: 2 });

    build(false);
    const unsafe = add('sale-unsafe', 'customer-2');
    claimed(unsafe.id);
    clock += 60_001;
    await box.deliverDue();
    expect(delivery.sent).to.deep.equal([]);
    expect(row(unsafe.id)).to.include({ status: 'needs_support', supportReason: UNKNOWN_OUTCOME_REASON });
  });

  it('when entries are attempted, then every attempt is in the transaction log with the sale key and document name', async () => {
    add('sale-1');
    delivery.then(notApplied(), { pointsSpent: 10, pointsEarned: 3, answer: { accepted: true } });
    await box.deliverDue();
    clock += BASE_MS;
    await box.deliverDue();
    txlog.flush();
    const rows = storage.db
      .select()
      .from(transactionLog)
      .where(eq(transactionLog.kind, 'outbox'))
      .orderBy(asc(transactionLog.id))
      .all();
    expect(rows.map((r) => [r.endpoint, r.ok, r.saleKey, r.documentName, r.pointsSpent])).to.deep.equal([
      ['deliver sale ibonus', false, 'sale-1', '№ sale-1', null],
      ['deliver sale ibonus', true, 'sale-1', '№ sale-1', 10],
    ]);
    expect(rows[0]!.errorMessage).to.match(/^not-applied: /);
    expect(rows.every((r) => r.requestId?.startsWith('outbox-'))).to.equal(true);
  });

  describe("the admin UI's API", () => {
    it('when support lists and counts, then waiting and failed entries show per tenant, newest first, payload redacted', async () => {
      const other = addTenant();
      add('sale-1', 'c1', { payload: { customer: { phone: '+7 912 345-67-89' } } });
      add('sale-2', 'c2');
      add('sale-3', 'c3', { needsSupport: 'Нет возвратов' });
      add('other-1', 'c1', {}, other);
      delivery.then(notApplied());
      await box.deliverDue();

      expect(box.countWaitingByTenant()).to.deep.equal(new Map([[tenantId, 1]]));
      const listed = box.listItems(tenantId);
      expect(listed.map((i) => [i.documentName, i.status])).to.deep.equal([
        ['№ sale-3', 'needs_support'],
        ['№ sale-1', 'pending'],
      ]);
      expect(JSON.stringify(listed[1]!.payload)).to.include('***6789').and.not.include('345-67');
      expect(box.listItems(tenantId, { statuses: ['delivered'] }).map((i) => i.documentName)).to.deep.equal([
        '№ sale-2',
      ]);
      expect(box.listItems(tenantId, { limit: 1, beforeId: listed[0]!.id }).map((i) => i.documentName)).to.deep.equal([
        '№ sale-1',
      ]);
    });

    it('when support retries a failed entry, then it is sent at once; when they abandon one, the reason is kept and logged', async () => {
      let woken = 0;
      box.onDue = () => woken++;
      const failed = add('sale-1', 'c1');
      const given = add('sale-2', 'c2');
      delivery.then(new BusinessRuleError('Клиент не найден'), new BusinessRuleError('Клиент не найден'));
      await box.deliverDue();

      const retried = box.retryNow(tenantId, failed.id, 'support@shop');
      expect(retried).to.include({ status: 'pending', supportReason: null });
      expect(woken).to.equal(1);
      await box.deliverDue();
      expect(row(failed.id).status).to.equal('delivered');

      expect(() => box.abandon(tenantId, given.id, '  ', 'support@shop')).to.throw(ValidationError);
      const abandoned = box.abandon(tenantId, given.id, 'Баллы начислены вручную', 'support@shop');
      expect(abandoned).to.include({ status: 'abandoned', supportReason: 'Баллы начислены вручную' });
      await box.deliverDue();
      expect(delivery.sent).to.deep.equal(['sale-1', 'sale-2', 'sale-1']);

      txlog.flush();
      const actions = storage.db
        .select()
        .from(transactionLog)
        .where(eq(transactionLog.kind, 'outbox'))
        .orderBy(asc(transactionLog.id))
        .all()
        .filter((r) => !r.endpoint.startsWith('deliver'));
      expect(actions.map((r) => r.endpoint)).to.deep.equal(['retry sale ibonus', 'abandon sale ibonus']);
      expect(JSON.parse(actions[1]!.requestBody!).action).to.deep.equal({
        actor: 'support@shop',
        reason: 'Баллы начислены вручную',
      });
    });

    it('when an entry of unknown outcome is retried, then it is refused unless the double-spend risk is accepted, and the acceptance is logged', async () => {
      build(false);
      const unknown = add('sale-1');
      delivery.then(timedOut());
      await box.deliverDue();
      expect(box.listItems(tenantId)[0]).to.include({ id: unknown.id, unknownOutcome: true });

      expect(() => box.retryNow(tenantId, unknown.id, 'support@shop')).to.throw(ForbiddenError, /дважды/);
      expect(row(unknown.id)).to.include({ status: 'needs_support', supportReason: UNKNOWN_OUTCOME_REASON });

      const resent = box.retryNow(tenantId, unknown.id, 'admin@shop', { acceptDoubleSpendRisk: true });
      expect(resent).to.include({ status: 'pending', unknownOutcome: false });
      await box.deliverDue();
      expect(delivery.sent).to.deep.equal(['sale-1', 'sale-1']);
      txlog.flush();
      const retry = storage.db
        .select()
        .from(transactionLog)
        .where(eq(transactionLog.endpoint, 'retry sale ibonus'))
        .get()!;
      expect(JSON.parse(retry.requestBody!).action).to.deep.equal({
        actor: 'admin@shop',
        acceptedDoubleSpendRisk: true,
      });
    });

    it("when an entry is delivered, abandoned or another tenant's, then it cannot be retried or abandoned", async () => {
      const delivered = add('sale-1');
      await box.deliverDue();
      expect(() => box.retryNow(tenantId, delivered.id, 'x')).to.throw(ValidationError, 'Запись уже обработана.');
      expect(() => box.abandon(addTenant(), delivered.id, 'why', 'x')).to.throw(NotFoundError);
      expect(() => box.retryNow(tenantId, 99_999, 'x')).to.throw(NotFoundError);
    });
  });

  describe('OutboxWorker', () => {
    it('when started, then it delivers what is due and what is added later; stop waits for the attempt under way', async () => {
      build(true);
      box = new Outbox(
        storage.db,
        { txlog, logger, deliveryFor: () => delivery },
        { retryBaseMs: 10, retryMaxMs: 10, giveUpAfterMs: GIVE_UP_MS, claimMs: 60_000 },
      );
      const first = add('sale-1');
      const worker = new OutboxWorker(box, logger);
      worker.start();
      await waitFor('the first delivery', () => row(first.id).status === 'delivered');

      let release!: () => void;
      const slow = new Promise<DeliveryResult>((resolve) => (release = () => resolve({ answer: { late: true } })));
      delivery.deliver = async (item) => {
        delivery.sent.push(item.operationKey);
        return slow;
      };
      const second = add('sale-2');
      box.onDue();
      await waitFor('the second attempt to start', () => delivery.sent.includes('sale-2'));
      const stopped = worker.stop();
      release();
      await stopped;
      expect(row(second.id).status).to.equal('delivered');
    });

    it("when one tenant's provider hangs, then another tenant's sales still go out", async () => {
      const other = addTenant();
      const stuck = new ScriptedDelivery(true);
      let release!: () => void;
      stuck.deliver = async (item) => {
        stuck.sent.push(item.operationKey);
        await new Promise<void>((resolve) => (release = resolve));
        return {};
      };
      const fine = new ScriptedDelivery(true);
      box = new Outbox(
        storage.db,
        { txlog, logger, deliveryFor: (tenant) => (tenant === tenantId ? stuck : fine) },
        {
          retryBaseMs: 10,
          retryMaxMs: 10,
          giveUpAfterMs: GIVE_UP_MS,
          claimMs: 60_000,
        },
      );
      const worker = new OutboxWorker(box, logger);
      add('slow-1');
      worker.start();
      await waitFor('the slow attempt to start', () => stuck.sent.length === 1);
      const quick = add('quick-1', 'c1', {}, other);
      box.onDue();
      await waitFor("the other tenant's delivery", () => row(quick.id).status === 'delivered');
      expect(fine.sent).to.deep.equal(['quick-1']);
      release();
      await worker.stop();
    });

    it('when the tenant has no delivery for the entry, then it goes to support instead of failing the pass', async () => {
      box = new Outbox(
        storage.db,
        {
          txlog,
          logger,
          deliveryFor: () => {
            throw new NotFoundError('Аккаунт этой записи больше не существует.');
          },
        },
        {
          retryBaseMs: 10,
          retryMaxMs: 10,
          giveUpAfterMs: GIVE_UP_MS,
          claimMs: 60_000,
          now: () => clock,
        },
      );
      const { id } = add('sale-1');
      await box.deliverDue();
      expect(row(id)).to.include({
        status: 'needs_support',
        supportReason: 'Не доставлено: Аккаунт этой записи больше не существует.',
      });
    });
  });
});
