import { deflateSync } from 'node:zlib';
import { expect } from 'chai';
import { and, eq } from 'drizzle-orm';
import {
  customerImportEntries,
  customers,
  ledgerEntries,
  ledgerLots,
  transactionLog,
  type Tenant,
} from '../../../db/schema/index.js';
import { PayloadTooLargeError, ValidationError } from '../../../app/errors.js';
import { MAX_IMPORT_BYTES, readCustomerFile } from '../../../app/ledger/customer-file.js';
import { BirthdayJob } from '../../../app/ledger/birthdays.js';
import { CustomerImport } from '../../../app/ledger/customer-import.js';
import {
  IMPORT_CHUNK_ROWS,
  unpackChunk,
  type ImportReport,
  type ImportRequest,
} from '../../../app/ledger/customer-import-rows.js';
import { customerRepository } from '../../../app/ledger/customer-repository.js';
import { guessPreset, type ColumnMapping } from '../../../app/ledger/import-presets.js';
import { lotExpiresAt } from '../../../app/ledger/point-lots.js';
import { pointsStatement } from '../../../app/ledger/points-statement.js';
import { moscowMonthOf } from '../../../app/locale/moscow-day.js';
import { TransactionLog } from '../../../app/txlog/transaction-log.js';
import { generatedCustomerFile, utf8WithBom, windows1251 } from '../../helpers/customer-files.js';
import { memoryLogger } from '../../helpers/memory-logger.js';
import { openLedgerFixture, type LedgerFixture } from './ledger-fixture.js';

const HEADER = 'Телефон;Номер карты;ФИО;Email;Дата рождения;Баланс';

describe('customer import into the built-in ledger', () => {
  let f: LedgerFixture;
  let txlog: TransactionLog;
  let importer: CustomerImport;
  let tenant: Tenant;

  beforeEach(() => {
    f = openLedgerFixture();
    txlog = new TransactionLog(f.storage.db);
    importer = new CustomerImport(f.storage.db, txlog, undefined, { now: () => f.clock.now });
    tenant = f.tenant({ spendRatePointsToRouble: 4, pointsLifetimeDays: 180 });
  });
  afterEach(async () => {
    await importer.settled();
    txlog.flush();
    f.close();
  });

  const fileOf = (lines: string[], encode: (text: string) => Buffer = (t) => Buffer.from(t)) =>
    readCustomerFile(encode(`${[HEADER, ...lines].join('\n')}\n`));

  async function request(bytesOrFile: Buffer | Awaited<ReturnType<typeof readCustomerFile>>, mapping?: ColumnMapping) {
    const file = Buffer.isBuffer(bytesOrFile) ? await readCustomerFile(bytesOrFile) : bytesOrFile;
    return { tenant, file, mapping: mapping ?? guessPreset(file.header).mapping, by: 'admin@support' };
  }

  async function imported(req: ImportRequest) {
    const id = await importer.start(req);
    await importer.settled();
    return importer.progress(tenant.accountId, id)!;
  }

  const countsOf = (report: ImportReport) => ({
    rows: report.rows,
    created: report.created,
    updated: report.updated,
    unchanged: report.unchanged,
    skipped: report.skipped,
    points: report.pointsPosted,
  });
  const progressCounts = (p: NonNullable<ReturnType<CustomerImport['progress']>>) => ({
    rows: p.rows,
    created: p.created,
    updated: p.updated,
    unchanged: p.unchanged,
    skipped: p.skipped,
    points: p.points,
  });

  describe('reading the file', () => {
    it('when the file is Windows-1251 with ";", then its Russian text and separator are read', async () => {
      const file = await fileOf(['8 912 345-67-89;C1;Иванова Мария;m@ya.ru;01.02.1990;150'], windows1251);
      expect(file.encoding).to.equal('windows-1251');
      expect(file.separator).to.equal(';');
      expect(file.header).to.deep.equal(['Телефон', 'Номер карты', 'ФИО', 'Email', 'Дата рождения', 'Баланс']);
      expect(file.rows[0]!.cells[2]).to.equal('Иванова Мария');
    });

    it('when the file is UTF-8 with a BOM and ",", then the first title carries no BOM', async () => {
      const file = await readCustomerFile(utf8WithBom('Телефон,Баланс\n"+7 912 345 67 89","1 200"\n'));
      expect(file.encoding).to.equal('utf-8');
      expect(file.separator).to.equal(',');
      expect(file.header).to.deep.equal(['Телефон', 'Баланс']);
      expect(file.rows).to.deep.equal([{ line: 2, cells: ['+7 912 345 67 89', '1 200'] }]);
    });

    it('when the file is over the cap, then it is refused before reading', async () => {
      const error = await readCustomerFile(Buffer.alloc(MAX_IMPORT_BYTES + 1, 0x41)).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(PayloadTooLargeError);
      expect((error as Error).message).to.match(/Файл больше 20 МБ/);
    });

    it('when a quote is never closed, then the owner is told the file is not CSV', async () => {
      const error = await readCustomerFile(Buffer.from('Телефон;Баланс\n"79123456789;10\n')).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ValidationError);
    });
  });

  describe('presets', () => {
    it('when the header is a UDS export, then UDS is chosen and its columns mapped', () => {
      const { preset, mapping } = guessPreset(['UID', 'Имя', 'Телефон', 'Баллы', 'Статус', 'Дата рождения']);
      expect(preset.id).to.equal('uds');
      expect(mapping).to.deep.equal({ phone: 2, card: 0, name: 1, birthday: 5, balance: 3, level: 4 });
    });

    it('when the header is a MAXMA export, then MAXMA is chosen', () => {
      const { preset, mapping } = guessPreset(['Клиент', 'Телефон', 'Номер карты', 'Бонусный баланс', 'Уровень']);
      expect(preset.id).to.equal('maxma');
      expect(mapping).to.include({ name: 0, phone: 1, card: 2, balance: 3, level: 4 });
    });

    it('when the header is a БонусПлюс export, then БонусПлюс is chosen', () => {
      const { preset, mapping } = guessPreset(['Покупатель', 'Телефон', 'Штрихкод карты', 'Баланс бонусов']);
      expect(preset.id).to.equal('bonusplus');
      expect(mapping).to.include({ name: 0, phone: 1, card: 2, balance: 3 });
    });

    it('when the header is the shop own, then the free mapping finds the usual titles in any case', () => {
      const { preset, mapping } = guessPreset(['PHONE', ' Баланс ', 'e-mail']);
      expect(preset.id).to.equal('free');
      expect(mapping).to.deep.equal({ phone: 0, balance: 1, email: 2 });
    });

    it('when the mapping names neither phone nor card, then the owner is asked for one', async () => {
      const req = await request(Buffer.from('Имя;Баланс\nМария;10\n'));
      const error = await importer.dryRun({ ...req, mapping: { name: 0, balance: 1 } }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ValidationError);
    });
  });

  describe('the report', () => {
    it('when rows repeat a phone or a card, or carry a bad phone or balance, then each gets a line with its row', async () => {
      const file = await fileOf([
        '+7 912 000-00-01;C1;Первая;;;100',
        '8 (912) 000-00-01;C2;Тот же телефон;;;50',
        '+7 912 000-00-03;C1;Та же карта;;;50',
        '12345;C4;Плохой телефон;;;10',
        ';;Ни телефона, ни карты;;;10',
        '+7 912 000-00-06;C6;Плохой баланс;;;-5',
        '+7 912 000-00-07;C7;Плохая почта;not-an-email;31.02.1990;10,5',
      ]);
      const report = await importer.dryRun(await request(file));
      expect(report).to.include({ rows: 7, created: 2, skipped: 5, duplicatesInFile: 2, badPhones: 1 });
      expect(report.problems.map((p) => [p.line, p.skipped])).to.deep.equal([
        [3, true],
        [4, true],
        [5, true],
        [6, true],
        [7, true],
        [8, false],
        [8, false],
        [8, false],
      ]);
      expect(report.problems[0]!.message).to.equal('тот же телефон, что в строке 2, строка пропущена');
      expect(report.problems[1]!.message).to.equal('та же карта, что в строке 2, строка пропущена');
      expect(report.problems[2]!.message).to.match(/телефон «12345» не похож на российский номер/);
    });

    it('when the points are summed, then their value is at the tenant spend rate in kopecks', async () => {
      // 4 points = 1 ₽: 110 points are 27,50 ₽.
      const report = await importer.dryRun(
        await request(await fileOf(['+7 912 000-00-01;;;;;100', '+7 912 000-00-02;;;;;10'])),
      );
      expect(report).to.include({ pointsInFile: 110, pointsInFileKopecks: 2750, pointsPosted: 110 });
    });
  });

  describe('importing', () => {
    it('when a new customer is imported, then an import entry holds the balance as a lot of the earned lifetime', async () => {
      const progress = await imported(
        await request(await fileOf(['+7 912 345-67-89;C1;Иванова Мария;M@Ya.ru;01.02.1990;150'])),
      );
      expect(progress).to.include({ status: 'done', created: 1, points: 150, doneRows: 1 });
      const customer = customerRepository.findByPhone(f.storage.db, tenant.accountId, '79123456789')!;
      expect(customer).to.include({
        name: 'Иванова Мария',
        cardNumber: 'C1',
        email: 'm@ya.ru',
        birthDate: '1990-02-01',
        balance: 150,
        welcomeGranted: true,
      });
      const entries = f.storage.db.select().from(ledgerEntries).where(eq(ledgerEntries.customerId, customer.id)).all();
      expect(entries.map((e) => [e.kind, e.points])).to.deep.equal([['import', 150]]);
      const lot = f.storage.db.select().from(ledgerLots).where(eq(ledgerLots.entryId, entries[0]!.id)).get();
      expect(lot?.expiresAt).to.equal(
        lotExpiresAt({ pointsLifetimeDays: 180, welcomeLifetimeDays: 0 }, 'earned', f.clock.now.getTime()),
      );
    });

    it('when points are imported, then the statement shows them on their own line', async () => {
      await imported(await request(await fileOf(['79120000001;;;;;100', '79120000002;;;;;20'])));
      const month = moscowMonthOf(f.clock.now.getTime());
      const statement = pointsStatement(f.storage.db, tenant, month, f.clock.now.getTime() + 1);
      expect(statement.lines.find((line) => line.key === 'imported')).to.include({ points: 120, kopecks: 3000 });
      expect(statement.lines.find((line) => line.key === 'other')?.points ?? 0).to.equal(0);
    });

    it('when the customer exists, then the file balance becomes theirs through the difference', async () => {
      const richer = await f.customerWith(tenant, 300, { phone: '+79120000001' });
      const poorer = await f.customerWith(tenant, 20, { phone: '+79120000002' });
      const progress = await imported(await request(await fileOf(['79120000001;;;;;100', '79120000002;;;;;50'])));
      expect(progress).to.include({ created: 0, updated: 2, points: -200 + 30 });
      expect(f.books(richer)).to.deep.equal({ balance: 100, entries: 100 });
      expect(f.books(poorer)).to.deep.equal({ balance: 50, entries: 50 });
    });

    it('when the card is known and the phone is not, then the card finds the customer and the phone is filled in', async () => {
      const { id } = await f.ledger.createCustomer(tenant, { name: 'Мария', discountCardNumber: 'C9' });
      const report = await importer.dryRun(await request(await fileOf(['79120000009;C9;;;;40'])));
      expect(report).to.include({ updated: 1, matchedByCard: 1, matchedByPhone: 0 });
      await imported(await request(await fileOf(['79120000009;C9;;;;40'])));
      expect(customerRepository.findById(f.storage.db, tenant.accountId, id)).to.include({
        phone: '79120000009',
        balance: 40,
      });
    });

    it('when the phone and the card name two customers, then the row is skipped with a line', async () => {
      await f.ledger.createCustomer(tenant, { name: 'A', phone: '+79120000001' });
      await f.ledger.createCustomer(tenant, { name: 'B', discountCardNumber: 'C2' });
      const progress = await imported(await request(await fileOf(['79120000001;C2;;;;40'])));
      expect(progress).to.include({ skipped: 1, updated: 0, created: 0 });
    });

    it('when the same file is imported twice, then the second changes nothing', async () => {
      const bytes = windows1251(generatedCustomerFile(50));
      const first = await imported(await request(bytes));
      const entriesAfterFirst = f.storage.db.select().from(ledgerEntries).all().length;
      const second = await imported(await request(bytes));
      expect(first).to.include({ created: 50, unchanged: 0 });
      expect(second).to.include({ created: 0, updated: 0, unchanged: 50, points: 0 });
      expect(f.storage.db.select().from(ledgerEntries).all()).to.have.length(entriesAfterFirst);
      expect(
        f.storage.db.select().from(customers).where(eq(customers.tenantId, tenant.accountId)).all(),
      ).to.have.length(50);
    });

    it('when a customer spent since the import, then importing the same file again does not give the points back', async () => {
      const bytes = Buffer.from(`${HEADER}\n79120000001;;;;;100\n`);
      await imported(await request(bytes));
      const customer = customerRepository.findByPhone(f.storage.db, tenant.accountId, '79120000001')!;
      f.storage.db.update(customers).set({ balance: 60 }).where(eq(customers.id, customer.id)).run();
      const again = await imported(await request(bytes));
      expect(again).to.include({ unchanged: 1, points: 0 });
      expect(customerRepository.findById(f.storage.db, tenant.accountId, customer.id)!.balance).to.equal(60);
    });

    it('when another file is imported later, then it sets the balance again: each file is its own key', async () => {
      await imported(await request(Buffer.from(`${HEADER}\n79120000001;;;;;100\n`)));
      const later = await imported(await request(Buffer.from(`${HEADER}\n79120000001;;;;;130\n`)));
      expect(later).to.include({ updated: 1, points: 30 });
      const keys = f.storage.db.select().from(customerImportEntries).all();
      expect(new Set(keys.map((k) => k.fileHash)).size).to.equal(2);
    });

    it('when the dry run is followed by the import, then their counts and points are equal', async () => {
      await f.customerWith(tenant, 300, { phone: '+79000000001' });
      await f.ledger.createCustomer(tenant, { name: 'Карта', discountCardNumber: 'C7' });
      const text = generatedCustomerFile(IMPORT_CHUNK_ROWS * 2 + 17, {
        balance: (i) => (i % 50 === 0 ? -1 : i),
      })
        .replace('C3\r', 'C2\r')
        .replace('+7 (900) 000-00-05', '123');
      const req = await request(windows1251(text));
      const dry = await importer.dryRun(req);
      const run = await imported(req);
      expect(dry.skipped).to.be.greaterThan(0);
      expect(dry.updated).to.be.greaterThan(0);
      expect(countsOf(dry)).to.deep.equal(progressCounts(run));
      const dryAgain = await importer.dryRun(req);
      expect(countsOf(dryAgain)).to.deep.equal(progressCounts(await imported(req)));
    });

    it('when the import ends, then one log row says who imported which file and what it did', async () => {
      const bytes = Buffer.from(`${HEADER}\n79120000001;;;;;100\n12;;;;;5\n`);
      const req = await request(bytes);
      await imported({ ...req, fileName: 'uds.csv' });
      txlog.flush();
      const rows = f.storage.db
        .select()
        .from(transactionLog)
        .where(and(eq(transactionLog.tenantId, tenant.accountId), eq(transactionLog.endpoint, 'ledger.import')))
        .all();
      expect(rows).to.have.length(1);
      expect(rows[0]).to.include({ kind: 'admin', pointsEarned: 100 });
      expect(JSON.parse(rows[0]!.requestBody!)).to.deep.include({
        by: 'admin@support',
        fileHash: req.file.hash,
        fileName: 'uds.csv',
        rows: 2,
      });
      expect(JSON.parse(rows[0]!.responseBody!)).to.include({ created: 1, skipped: 1, badNumbers: 1 });
    });

    it('when two tenants import the same phones, then each gets its own customers', async () => {
      const other = f.tenant();
      await f.ledger.createCustomer(other, { name: 'Чужой', phone: '+79120000001' });
      const report = await importer.dryRun(await request(Buffer.from(`${HEADER}\n79120000001;;;;;100\n`)));
      expect(report).to.include({ created: 1, updated: 0 });
      await imported(await request(Buffer.from(`${HEADER}\n79120000001;;;;;100\n`)));
      expect(customerRepository.findByPhone(f.storage.db, other.accountId, '79120000001')!.balance).to.equal(0);
      expect(importer.progress(other.accountId, 1)).to.equal(undefined);
    });

    it('when a file of 5,000 rows is imported, then every customer is there with the file balance', async () => {
      const progress = await imported(await request(windows1251(generatedCustomerFile(5000))));
      expect(progress).to.include({ status: 'done', created: 5000, doneRows: 5000 });
      const total = f.storage.db.select().from(customers).where(eq(customers.tenantId, tenant.accountId)).all();
      expect(total.reduce((sum, c) => sum + c.balance, 0)).to.equal(progress.points);
    });
  });

  // The fixture's clock: 2026-11-23 13:00 in Moscow.
  describe('the date the customer joined the previous program («В программе с»)', () => {
    const JOINED = `${HEADER};Дата регистрации`;
    const joinedFile = (lines: string[]) => Buffer.from(`${[JOINED, ...lines].join('\n')}\n`);
    const createdAt = (phone: string) =>
      customerRepository.findByPhone(f.storage.db, tenant.accountId, phone)!.createdAt.getTime();
    const moscowMidnight = (iso: string) => Date.parse(`${iso}T00:00:00+03:00`);

    it('when a preset meets a registration column, then it maps it to «В программе с»', () => {
      const { preset, mapping } = guessPreset(['UID', 'Телефон', 'Баллы', 'Дата регистрации']);
      expect(preset.id).to.equal('uds');
      expect(mapping).to.include({ joined: 3 });
      expect(guessPreset(['Phone', 'Registered']).mapping).to.include({ joined: 1 });
    });

    it('when the dates come in the birthday formats, then each new customer counts from the start of that Moscow day', async () => {
      const progress = await imported(
        await request(
          joinedFile([
            '79120000001;;;;;0;15.03.2021',
            '79120000002;;;;;0;2021-03-15',
            '79120000003;;;;;0;15/03/2021',
            '79120000004;;;;;0;2021-03-15 10:30:00',
            '79120000005;;;;;0;23.11.2026',
          ]),
        ),
      );
      expect(progress).to.include({ created: 5, skipped: 0 });
      for (const phone of ['79120000001', '79120000002', '79120000003', '79120000004']) {
        expect(createdAt(phone), phone).to.equal(moscowMidnight('2021-03-15'));
      }
      expect(createdAt('79120000005'), 'today').to.equal(moscowMidnight('2026-11-23'));
    });

    it('when a date is unreadable or in the future, then the row is imported without it and a line says so; the dry run counts as without the column', async () => {
      const rows = ['79120000001;;;;;10;давно', '79120000002;;;;;20;24.11.2026', '79120000003;;;;;30;01.01.2020'];
      const report = await importer.dryRun(await request(joinedFile(rows)));
      expect(report.problems).to.deep.equal([
        { line: 2, message: 'дата «давно» в столбце «В программе с» не распознана, не перенесена', skipped: false },
        {
          line: 3,
          message: 'дата «24.11.2026» в столбце «В программе с» ещё не наступила, не перенесена',
          skipped: false,
        },
      ]);
      const without = await importer.dryRun(
        await request(Buffer.from(`${[HEADER, ...rows.map((r) => r.replace(/;[^;]*$/, ''))].join('\n')}\n`)),
      );
      expect(countsOf(report)).to.deep.equal(countsOf(without));

      expect(await imported(await request(joinedFile(rows)))).to.include({ created: 3, skipped: 0 });
      expect(createdAt('79120000001')).to.equal(f.clock.now.getTime());
      expect(createdAt('79120000002')).to.equal(f.clock.now.getTime());
      expect(createdAt('79120000003')).to.equal(moscowMidnight('2020-01-01'));
    });

    it('when the gift waits 30 days, then a customer who joined the old program 2 years ago gets it, one imported without the column does not', async () => {
      tenant = f.tenant({
        birthdayEnabled: true,
        birthdayPoints: 500,
        birthdayDaysBefore: 3,
        birthdayDaysAfter: 7,
        birthdayMinMemberDays: 30,
      });
      await imported(await request(joinedFile(['79120000001;;;;25.11.1990;0;23.11.2024'])));
      await imported(await request(Buffer.from(`${HEADER}\n79120000002;;;;25.11.1990;0\n`)));

      const job = new BirthdayJob({ db: f.storage.db, logger: memoryLogger().logger, now: () => f.clock.now });
      expect(await job.runOnce()).to.deep.equal({ granted: 1 });
      const gifts = f.storage.db.select().from(ledgerEntries).where(eq(ledgerEntries.kind, 'birthday')).all();
      const longStanding = customerRepository.findByPhone(f.storage.db, tenant.accountId, '79120000001')!;
      expect(gifts.map((g) => [g.customerId, g.points])).to.deep.equal([[longStanding.id, 500]]);
    });

    it('when the customer exists, then the file moves their start earlier and never later', async () => {
      await f.ledger.createCustomer(tenant, { name: 'На кассе', phone: '+79120000001' });
      const registered = createdAt('79120000001');
      await imported(await request(joinedFile(['79120000001;;;;;0;31.12.2026'])));
      expect(createdAt('79120000001'), 'a future date is refused').to.equal(registered);

      await imported(await request(joinedFile(['79120000001;;;;;10;10.01.2025'])));
      expect(createdAt('79120000001')).to.equal(moscowMidnight('2025-01-10'));
      await imported(await request(joinedFile(['79120000001;;;;;20;01.06.2026'])));
      expect(createdAt('79120000001'), 'a later date leaves it').to.equal(moscowMidnight('2025-01-10'));
      await imported(await request(Buffer.from(`${HEADER}\n79120000001;;;;;30\n`)));
      expect(createdAt('79120000001'), 'no column leaves it').to.equal(moscowMidnight('2025-01-10'));
      await imported(await request(joinedFile(['79120000001;;;;;40;01.01.2020'])));
      expect(createdAt('79120000001')).to.equal(moscowMidnight('2020-01-01'));
    });

    it('when the same file is imported again, then nothing changes', async () => {
      await f.ledger.createCustomer(tenant, { name: 'На кассе', phone: '+79120000002' });
      const bytes = joinedFile(['79120000001;;;;;100;01.02.2023', '79120000002;;;;;50;01.03.2023']);
      expect(await imported(await request(bytes))).to.include({ created: 1, updated: 1 });
      const before = f.storage.db.select().from(customers).where(eq(customers.tenantId, tenant.accountId)).all();
      expect(before.map((c) => c.createdAt.getTime()).sort()).to.deep.equal([
        moscowMidnight('2023-02-01'),
        moscowMidnight('2023-03-01'),
      ]);
      f.clock.now = new Date('2026-12-01T10:00:00Z');
      expect(await imported(await request(bytes))).to.include({ created: 0, updated: 0, unchanged: 2, points: 0 });
      const after = f.storage.db.select().from(customers).where(eq(customers.tenantId, tenant.accountId)).all();
      expect(after).to.deep.equal(before);
    });

    it('when a run was stored by the code before this field, then its rows resume with no join date', () => {
      const stored = deflateSync(JSON.stringify([[2, '79120000001', 'C1', 'Мария', null, '1990-02-01', 100, null]]));
      expect(unpackChunk(stored)).to.deep.equal([
        {
          line: 2,
          phone: '79120000001',
          card: 'C1',
          name: 'Мария',
          email: null,
          birthDate: '1990-02-01',
          balance: 100,
          tierLevel: null,
          joinedAt: null,
        },
      ]);
    });
  });
});
