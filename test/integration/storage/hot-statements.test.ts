import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { and, desc, eq, gt, inArray, or, sql } from 'drizzle-orm';
import {
  catalogFolders,
  catalogGoods,
  customers,
  ledgerEntries,
  saleReturns,
  sales,
  tenants,
  type NewCustomer,
  type NewTenant,
} from '../../../db/schema/index.js';
import { catalogRepository } from '../../../app/catalog/catalog-repository.js';
import { customerRepository } from '../../../app/ledger/customer-repository.js';
import { ledgerEntriesRepository } from '../../../app/ledger/ledger-entry-repository.js';
import { saleRepository } from '../../../app/ledger/sale-repository.js';
import { immediate, openStorage, type Storage } from '../../../app/storage/database.js';
import { insertRow, statement } from '../../../app/storage/statements.js';
import { tenantRepository } from '../../../app/tenants/tenant-repository.js';

/**
 * The till's hot reads and writes run on raw statements prepared once (app/storage/statements.ts). Each
 * one must give and store exactly what drizzle gave and stored: booleans, JSON columns, Dates, defaults.
 */
describe('Hot statements', () => {
  let dir: string;
  let storage: Storage;
  const tenantId = randomUUID();
  const created = new Date('2026-11-23T10:00:00.123Z');

  const tenantRow = (accountId: string, extra: Partial<NewTenant> = {}): NewTenant => ({
    accountId,
    appId: 'app',
    accountName: 'Магазин',
    status: 'Activated',
    lastCause: 'Install',
    createdAt: created,
    updatedAt: created,
    ...extra,
  });

  const customerRow = (extra: Partial<NewCustomer> = {}): NewCustomer => ({
    id: randomUUID(),
    tenantId,
    msId: randomUUID(),
    phone: '79123456789',
    cardNumber: '2000123',
    name: 'Анна',
    searchName: 'анна',
    sex: 'FEMALE',
    createdAt: created,
    updatedAt: created,
    ...extra,
  });

  /** What drizzle reads back for a row, without the columns that differ by construction between twins. */
  const drizzleRow = <T extends Record<string, unknown>>(row: T | undefined, ...omit: string[]) =>
    Object.fromEntries(Object.entries(row ?? {}).filter(([key]) => !omit.includes(key)));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hot-statements-'));
    storage = openStorage(join(dir, 'hot.sqlite'));
    storage.db.insert(tenants).values(tenantRow(tenantId)).run();
  });
  afterEach(() => {
    storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when a tenant is found by its current or pending token, then it equals drizzle’s row, JSON, booleans and dates included', () => {
    const { db } = storage;
    const full = randomUUID();
    db.insert(tenants)
      .values(
        tenantRow(full, {
          loyaltyTokenHash: 'current-hash',
          pendingLoyaltyTokenHash: 'pending-hash',
          subscription: { tariff: 'Базовый', trial: false },
          settings: { ledger: { maxPaidRatePercents: 50, agentTags: ['вип'] } },
          goLive: { step: 'loyalty', error: null },
          externalSearch: true,
          configuredAt: created,
        }),
      )
      .run();
    db.insert(tenants)
      .values(tenantRow(randomUUID(), { loyaltyTokenHash: 'bare-hash' }))
      .run();
    const expected = (hash: string) =>
      db
        .select()
        .from(tenants)
        .where(or(eq(tenants.loyaltyTokenHash, hash), eq(tenants.pendingLoyaltyTokenHash, hash)))
        .get();

    for (const hash of ['current-hash', 'pending-hash', 'bare-hash']) {
      const found = tenantRepository.findByLoyaltyTokenHash(db, hash);
      expect(found, hash).to.deep.equal(expected(hash));
    }
    expect(tenantRepository.findByLoyaltyTokenHash(db, 'current-hash')!.configuredAt).to.be.instanceOf(Date);
    expect(tenantRepository.findByLoyaltyTokenHash(db, 'bare-hash')!.externalSearch).to.equal(false);
    expect(tenantRepository.findByLoyaltyTokenHash(db, 'unknown')).to.equal(undefined);
  });

  it('when a customer is inserted, found and marked welcomed, then rows equal what drizzle writes and reads', () => {
    const { db } = storage;
    const raw = customerRow({ email: 'anna@example.ru', birthDate: '1990-01-02' });
    const twin = customerRow({ email: 'anna@example.ru', birthDate: '1990-01-02', phone: '79000000000' });
    customerRepository.insert(db, raw);
    db.insert(customers).values(twin).run();
    const byDrizzle = (id: string) => db.select().from(customers).where(eq(customers.id, id)).get();
    // Defaults (balance 0, welcomeGranted false) and the Date columns are written alike.
    expect(drizzleRow(byDrizzle(raw.id), 'id', 'msId', 'phone')).to.deep.equal(
      drizzleRow(byDrizzle(twin.id), 'id', 'msId', 'phone'),
    );

    const expected = byDrizzle(raw.id);
    expect(customerRepository.findById(db, tenantId, raw.id)).to.deep.equal(expected);
    expect(customerRepository.findById(db, tenantId, raw.msId!)).to.deep.equal(expected);
    expect(customerRepository.findByMsId(db, tenantId, raw.msId!)).to.deep.equal(expected);
    expect(customerRepository.findByPhone(db, tenantId, '+7 912 345-67-89')).to.deep.equal(expected);
    expect(customerRepository.findByCard(db, tenantId, ' 2000123 ')).to.deep.equal(expected);
    expect(customerRepository.findById(db, randomUUID(), raw.id), 'another tenant').to.equal(undefined);

    customerRepository.markWelcomeGranted(db, raw.id);
    expect(byDrizzle(raw.id)!.welcomeGranted).to.equal(true);
    expect(customerRepository.findById(db, tenantId, raw.id)).to.deep.equal(byDrizzle(raw.id));
  });

  it('when entries are appended, then entries and balance equal drizzle’s, and pending is drizzle’s sum', () => {
    const { db } = storage;
    const customer = customerRow();
    customerRepository.insert(db, customer);
    const now = new Date('2026-11-23T11:00:00Z');
    const later = now.getTime() + 86_400_000;
    immediate(db, (tx) => {
      ledgerEntriesRepository.append(tx, { tenantId, customerId: customer.id, points: 300, kind: 'earn' }, now);
      ledgerEntriesRepository.append(
        tx,
        { tenantId, customerId: customer.id, points: 70, kind: 'earn', saleId: 's1', availableAt: later },
        now,
      );
      ledgerEntriesRepository.append(tx, { tenantId, customerId: customer.id, points: -20, kind: 'spend' }, now);
    });
    const entries = db
      .select()
      .from(ledgerEntries)
      .where(eq(ledgerEntries.customerId, customer.id))
      .orderBy(ledgerEntries.id)
      .all();
    expect(entries.map((e) => drizzleRow(e, 'id'))).to.deep.equal([
      {
        tenantId,
        customerId: customer.id,
        points: 300,
        kind: 'earn',
        saleId: null,
        returnId: null,
        availableAt: now.getTime(),
        createdAt: now.getTime(),
      },
      {
        tenantId,
        customerId: customer.id,
        points: 70,
        kind: 'earn',
        saleId: 's1',
        returnId: null,
        availableAt: later,
        createdAt: now.getTime(),
      },
      {
        tenantId,
        customerId: customer.id,
        points: -20,
        kind: 'spend',
        saleId: null,
        returnId: null,
        availableAt: now.getTime(),
        createdAt: now.getTime(),
      },
    ]);
    const stored = db.select().from(customers).where(eq(customers.id, customer.id)).get()!;
    expect(stored.balance).to.equal(350);
    expect(stored.updatedAt).to.deep.equal(now);

    const drizzlePending = db
      .select({ total: sql<number>`coalesce(sum(${ledgerEntries.points}), 0)` })
      .from(ledgerEntries)
      .where(and(eq(ledgerEntries.customerId, customer.id), gt(ledgerEntries.availableAt, now.getTime())))
      .get()!.total;
    expect(ledgerEntriesRepository.pending(db, customer.id, now))
      .to.equal(drizzlePending)
      .and.to.equal(70);
    expect(ledgerEntriesRepository.pending(db, randomUUID(), now), 'no entries').to.equal(0);
  });

  it('when a sale and its returns are written and read, then rows equal drizzle’s, positions JSON and dates included', () => {
    const { db } = storage;
    const customer = customerRow();
    customerRepository.insert(db, customer);
    const positions = [
      { echo: { assortment: { meta: { id: 'p1' } } }, priceKopecks: 34990, quantityThousandths: 2000 },
    ];
    const sale = (saleKey: string) => ({
      id: randomUUID(),
      tenantId,
      saleKey,
      msId: 'ms-sale',
      name: '00012',
      moment: '2026-11-23 12:00:00',
      retailStoreId: 'store',
      customerId: customer.id,
      totalKopecks: 69980,
      paidKopecks: 69980,
      discountKopecks: 0,
      cashKopecks: 69980,
      noCashKopecks: 0,
      giftCardKopecks: 0,
      pointsSpent: 0,
      pointsEarned: 69,
      earnAvailableAt: created.getTime(),
      positions,
      createdAt: created,
    });
    const raw = sale('key-raw');
    const twin = sale('key-twin');
    saleRepository.insert(db, raw);
    db.insert(sales)
      .values({ ...twin, msId: 'ms-twin' })
      .run();
    const saleByDrizzle = (id: string) => db.select().from(sales).where(eq(sales.id, id)).get();
    expect(drizzleRow(saleByDrizzle(raw.id), 'id', 'saleKey', 'msId')).to.deep.equal(
      drizzleRow(saleByDrizzle(twin.id), 'id', 'saleKey', 'msId'),
    );
    expect(saleRepository.findByKey(db, tenantId, 'key-raw')).to.deep.equal(saleByDrizzle(raw.id));
    expect(saleRepository.findByKey(db, tenantId, 'key-raw')!.positions).to.deep.equal(positions);
    expect(saleRepository.findForReturn(db, tenantId, 'ms-sale')).to.deep.equal(saleByDrizzle(raw.id));
    expect(saleRepository.findForReturn(db, tenantId, 'key-twin'), 'by our key').to.deep.equal(saleByDrizzle(twin.id));

    saleRepository.recordReversal(db, raw.id, { returnedKopecks: 100, earnedReversed: 1, spentReversed: 0 });
    expect(saleByDrizzle(raw.id)).to.include({ returnedKopecks: 100, earnedReversed: 1, spentReversed: 0 });

    // One return with every defaulted column omitted, one with them given: as drizzle writes both.
    const bare = {
      tenantId,
      msId: null,
      name: 'В-1',
      moment: null,
      retailStoreId: null,
      saleMsId: 'ms-sale',
      saleId: raw.id,
      customerId: customer.id,
      amountKopecks: 100,
      cashKopecks: 100,
      noCashKopecks: 0,
      positions,
    };
    const full = {
      ...bare,
      earnedTakenBack: 1,
      spentGivenBack: 2,
      uncollectedPoints: 3,
      needsSupport: true,
      supportReason: 'почему',
    };
    const returns = [
      { ...bare, id: randomUUID(), returnKey: 'r1', createdAt: new Date(created.getTime() + 1) },
      { ...full, id: randomUUID(), returnKey: 'r2', createdAt: new Date(created.getTime() + 2) },
    ];
    for (const row of returns) {
      saleRepository.insertReturn(db, row);
      db.insert(saleReturns)
        .values({ ...row, id: randomUUID(), returnKey: `${row.returnKey}-twin`, saleId: twin.id })
        .run();
    }
    const returnsByDrizzle = (saleId: string) =>
      db.select().from(saleReturns).where(eq(saleReturns.saleId, saleId)).orderBy(saleReturns.createdAt).all();
    expect(returnsByDrizzle(raw.id).map((r) => drizzleRow(r, 'id', 'returnKey', 'saleId'))).to.deep.equal(
      returnsByDrizzle(twin.id).map((r) => drizzleRow(r, 'id', 'returnKey', 'saleId')),
    );
    expect(returnsByDrizzle(raw.id)[0]).to.include({ needsSupport: false, earnedTakenBack: 0 });
    expect(saleRepository.returnsOfSale(db, raw.id)).to.deep.equal(returnsByDrizzle(raw.id));
    expect(saleRepository.findReturnByKey(db, tenantId, 'r2')).to.deep.equal(returnsByDrizzle(raw.id)[1]);
    expect(saleRepository.findReturnByKey(db, tenantId, 'nope')).to.equal(undefined);
  });

  it('when a column with an SQL default is omitted, then SQLite writes that default, as drizzle does', () => {
    const { db } = storage;
    const row = {
      tenantId,
      returnKey: 'no-positions',
      amountKopecks: 0,
      cashKopecks: 0,
      noCashKopecks: 0,
      createdAt: created,
    };
    insertRow(db, saleReturns, { ...row, id: 'raw' });
    db.insert(saleReturns)
      .values({ ...row, id: 'drizzle', returnKey: 'no-positions-twin' })
      .run();
    const read = (id: string) =>
      drizzleRow(db.select().from(saleReturns).where(eq(saleReturns.id, id)).get(), 'id', 'returnKey');
    expect(read('raw')).to.deep.equal(read('drizzle'));
    expect(read('raw').positions).to.deep.equal([]);
  });

  it('when a statement runs inside a transaction or a savepoint that rolls back, then its write goes with it', () => {
    const { db, sqlite } = storage;
    const customer = customerRow();
    customerRepository.insert(db, customer);
    const now = new Date();
    expect(() =>
      immediate(db, (tx) => {
        tx.transaction((savepoint) => {
          ledgerEntriesRepository.append(
            savepoint,
            { tenantId, customerId: customer.id, points: 5, kind: 'earn' },
            now,
          );
          expect(customerRepository.findById(savepoint, tenantId, customer.id)!.balance, 'seen inside').to.equal(5);
          throw new Error('refused');
        });
      }),
    ).to.throw('refused');
    expect(customerRepository.findById(db, tenantId, customer.id)!.balance).to.equal(0);
    expect(ledgerEntriesRepository.sum(db, customer.id)).to.equal(0);
    // Prepared once: the same statement object serves the database and every transaction on it.
    const select = 'select 1 as one';
    immediate(db, (tx) => expect(statement(tx, select)).to.equal(statement(db, select)));
    expect(statement(db, select).database).to.equal(sqlite);
  });

  it('when the newest of several sales with one МойСклад id is asked for a return, then it is the one drizzle picks', () => {
    const { db } = storage;
    for (const [key, at] of [
      ['old', 1],
      ['new', 3],
      ['mid', 2],
    ] as const) {
      saleRepository.insert(db, {
        id: key,
        tenantId,
        saleKey: key,
        msId: 'same',
        totalKopecks: 1,
        paidKopecks: 1,
        discountKopecks: 0,
        cashKopecks: 1,
        noCashKopecks: 0,
        giftCardKopecks: 0,
        pointsSpent: 0,
        pointsEarned: 0,
        earnAvailableAt: 0,
        positions: [],
        createdAt: new Date(at),
      });
    }
    const drizzle = db
      .select()
      .from(sales)
      .where(and(eq(sales.tenantId, tenantId), eq(sales.msId, 'same')))
      .orderBy(desc(sales.createdAt))
      .get();
    expect(saleRepository.findForReturn(db, tenantId, 'same'))
      .to.deep.equal(drizzle)
      .and.to.include({ id: 'new' });
  });

  it('when goods and folders are looked up by many ids, then the rows are drizzle’s, whatever the count, repeats or other tenants', () => {
    const { db } = storage;
    const other = randomUUID();
    db.insert(tenants).values(tenantRow(other)).run();
    const goods = Array.from({ length: 700 }, (_, i) => ({
      id: `good-${i}`,
      kind: i % 3 === 0 ? ('variant' as const) : ('product' as const),
      productId: i % 3 === 0 ? `good-${i + 1}` : null,
      syncId: i % 2 === 0 ? `sync-${i}` : null,
      trackingType: i % 5 === 0 ? 'TOBACCO' : null,
      discountProhibited: i % 7 === 0,
      folderId: i % 4 === 0 ? `folder-${i % 40}` : null,
      seenAt: 1_000 + i,
    }));
    catalogRepository.upsertGoods(db, tenantId, goods);
    catalogRepository.upsertGoods(db, other, goods.slice(0, 10));
    catalogRepository.upsertFolders(
      db,
      tenantId,
      Array.from({ length: 40 }, (_, i) => ({
        id: `folder-${i}`,
        parentId: i > 0 ? `folder-${i - 1}` : null,
        name: `Папка ${i}`,
        pathName: '',
        seenAt: 1,
      })),
    );
    const byId = <T extends { id: string }>(rows: T[]) => [...rows].sort((a, b) => a.id.localeCompare(b.id));
    // Past the old 500-id chunks, with repeats and ids nobody has.
    const ids = [...Array.from({ length: 900 }, (_, i) => `good-${i}`), 'good-1', 'good-2', 'nope'];
    const syncIds = [...Array.from({ length: 800 }, (_, i) => `sync-${i}`), 'sync-0'];
    const folderIds = ['folder-3', 'folder-3', 'folder-39', 'nope'];

    const goodsByDrizzle = (column: typeof catalogGoods.id | typeof catalogGoods.syncId, values: string[]) =>
      db
        .select()
        .from(catalogGoods)
        .where(and(eq(catalogGoods.tenantId, tenantId), inArray(column, values)))
        .all();
    const found = catalogRepository.goodsByIds(db, tenantId, ids);
    expect(found).to.have.length(700);
    expect(byId(found)).to.deep.equal(byId(goodsByDrizzle(catalogGoods.id, ids)));
    expect(found.find((g) => g.id === 'good-0')).to.include({ discountProhibited: true, kind: 'variant' });
    const bySync = catalogRepository.goodsBySyncIds(db, tenantId, syncIds);
    expect(bySync).to.have.length(350);
    expect(byId(bySync)).to.deep.equal(byId(goodsByDrizzle(catalogGoods.syncId, syncIds)));
    const folders = catalogRepository.foldersByIds(db, tenantId, folderIds);
    expect(byId(folders)).to.deep.equal(
      byId(
        db
          .select()
          .from(catalogFolders)
          .where(and(eq(catalogFolders.tenantId, tenantId), inArray(catalogFolders.id, folderIds)))
          .all(),
      ),
    );
    expect(folders.map((f) => f.id).sort()).to.deep.equal(['folder-3', 'folder-39']);
    expect(catalogRepository.goodsByIds(db, tenantId, [])).to.deep.equal([]);
    expect(catalogRepository.goodsBySyncIds(db, tenantId, [])).to.deep.equal([]);
    expect(catalogRepository.foldersByIds(db, tenantId, [])).to.deep.equal([]);
  });
});
