import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxiosError } from 'axios';
import { expect } from 'chai';
import type { OutboxRow } from '../../../db/schema/index.js';
import { UpstreamError } from '../../../app/errors.js';
import { createLogger } from '../../../app/logging/logger.js';
import type { DeliveryResult, OutboxDelivery } from '../../../app/outbox/outbox-delivery.js';
import { outboxRepository } from '../../../app/outbox/outbox-repository.js';
import { OutboxWorker } from '../../../app/outbox/outbox-worker.js';
import { Outbox, type DeliveryFor } from '../../../app/outbox/outbox.js';
import { openStorage, type Storage } from '../../../app/storage/database.js';
import { insertTenantRow } from '../../helpers/tenants.js';
import { TransactionLog } from '../../../app/txlog/transaction-log.js';
import { waitFor } from '../../helpers/wait-for.js';

const logger = createLogger({ level: 'error', silent: true });

/** What one provider received: every call, and the ones it accepted. */
class CountingDelivery implements OutboxDelivery {
  readonly calls: string[] = [];
  readonly accepted: string[] = [];
  /** Fails the next calls with "not applied". */
  failNext = 0;
  /** Holds the next call until this settles. */
  holdNext?: Promise<void>;
  constructor(readonly resendIsSafe: boolean) {}
  async deliver(item: OutboxRow): Promise<DeliveryResult> {
    this.calls.push(item.operationKey);
    const hold = this.holdNext ?? new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
    this.holdNext = undefined;
    await hold;
    if (this.failNext > 0) {
      this.failNext--;
      const cause = new AxiosError('connect ECONNREFUSED', 'ECONNREFUSED');
      throw new UpstreamError('Система лояльности не отвечает.', { cause });
    }
    this.accepted.push(item.operationKey);
    return { answer: { ok: true } };
  }
}

/**
 * During a pm2 reload two processes run the outbox on one SQLite file for a while, each with its own
 * connection. Here each "process" is an Outbox on its own connection to the same file.
 */
describe('Two outbox workers on one database file (a reload overlap)', () => {
  let dir: string;
  let connections: Storage[];
  let clock: number;

  const connect = () => {
    const storage = openStorage(join(dir, 'bridge.sqlite'));
    connections.push(storage);
    return storage;
  };
  const outboxOn = (storage: Storage, deliveryFor: DeliveryFor, now?: () => number) =>
    new Outbox(
      storage.db,
      { txlog: new TransactionLog(storage.db), logger, deliveryFor },
      { retryBaseMs: 5, retryMaxMs: 20, giveUpAfterMs: 3_600_000, claimMs: 60_000, now },
    );
  const addTenant = (storage: Storage) => insertTenantRow(storage.db, { backend: 'ibonus' });
  const add = (box: Outbox, storage: Storage, tenantId: string, operationKey: string, customerKey = 'c1') =>
    box.enqueue(storage.db, tenantId, {
      provider: 'ibonus',
      kind: 'sale',
      operationKey,
      saleKey: operationKey,
      customerKey,
      payload: {},
    });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'outbox-overlap-'));
    connections = [];
    clock = 1_700_000_000_000;
  });
  afterEach(() => {
    for (const storage of connections) storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when two workers run the same queue at once, then every entry is accepted exactly once, in each customer’s order', async () => {
    const [one, two] = [connect(), connect()];
    const provider = new CountingDelivery(true);
    provider.failNext = 10;
    const boxes = [outboxOn(one, () => provider), outboxOn(two, () => provider)];
    const tenants = [addTenant(one), addTenant(one), addTenant(one)];
    const expected: string[] = [];
    for (let i = 0; i < 60; i++) {
      const key = `sale-${i}`;
      add(boxes[0]!, one, tenants[i % 3]!, key, `customer-${i % 7}`);
      expected.push(key);
    }
    const workers = boxes.map((box) => new OutboxWorker(box, logger));
    for (const worker of workers) worker.start();
    await waitFor('every entry accepted', () => provider.accepted.length >= expected.length, 15_000);
    await Promise.all(workers.map((worker) => worker.stop()));

    expect([...provider.accepted].sort()).to.deep.equal([...expected].sort());
    // A customer is a (tenant, customer key) pair: i % 3 and i % 7, so i % 21 names one.
    for (let line = 0; line < 21; line++) {
      const theirs = expected.filter((_, i) => i % 21 === line);
      expect(provider.accepted.filter((key) => theirs.includes(key))).to.deep.equal(theirs);
    }
  });

  it('when another worker settles a run-out claim and sends the entry while this one settles it too, then the entry is sent once', async () => {
    const [one, two] = [connect(), connect()];
    const provider = new CountingDelivery(true);
    let release!: () => void;
    const first = outboxOn(
      one,
      () => provider,
      () => clock,
    );
    let overlapped = false;
    // The second process reads the run-out claims, then (between that read and its own write) the first
    // process settles the same claim and starts a fresh attempt: the interleaving two processes can produce.
    const second = outboxOn(
      two,
      () => {
        if (!overlapped) {
          overlapped = true;
          provider.holdNext = new Promise((resolve) => (release = resolve));
          for (const row of first.due(10)) void first.attempt(row);
        }
        return provider;
      },
      () => clock,
    );
    const tenantId = addTenant(one);
    const { id } = add(first, one, tenantId, 'sale-1');
    outboxRepository.claim(one.db, id, clock, clock + 60_000);
    clock += 60_001;

    await second.deliverDue();
    expect(provider.calls, 'the first process sends it once').to.deep.equal(['sale-1']);
    release();
    await waitFor('the delivery recorded', () => outboxRepository.find(one.db, id)!.status === 'delivered');
    await second.deliverDue();
    expect(provider.calls).to.deep.equal(['sale-1']);
    expect(outboxRepository.find(two.db, id)).to.include({ status: 'delivered', attempts: 2 });
  });

  it('when another worker’s attempt failed and set a later retry after this one listed the entry, then this one does not send it early', async () => {
    const [one, two] = [connect(), connect()];
    const provider = new CountingDelivery(false);
    const boxes = [
      outboxOn(
        one,
        () => provider,
        () => clock,
      ),
      outboxOn(
        two,
        () => provider,
        () => clock,
      ),
    ];
    const tenantId = addTenant(one);
    const { id } = add(boxes[0]!, one, tenantId, 'sale-1');

    const listedByFirst = boxes[0]!.due(10);
    provider.failNext = 1;
    await boxes[1]!.deliverDue();
    expect(outboxRepository.find(one.db, id)!.status).to.equal('pending');
    for (const row of listedByFirst) await boxes[0]!.attempt(row);

    expect(provider.calls, 'one attempt, then the back-off').to.deep.equal(['sale-1']);
    expect(outboxRepository.find(one.db, id)).to.include({ status: 'pending', attempts: 1 });
  });
});
