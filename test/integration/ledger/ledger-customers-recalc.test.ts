import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { BusinessRuleError, NotFoundError, ValidationError } from '../../../app/errors.js';
import { item, openLedgerFixture, sale, type LedgerFixture } from './ledger-fixture.js';
import { receiptTotalKopecks, lineAmountKopecks } from '../../../app/receipt/positions.js';

describe('LedgerBackend: customers and recalc', () => {
  let f: LedgerFixture;
  beforeEach(() => {
    f = openLedgerFixture();
  });
  afterEach(() => f.close());

  describe('customers', () => {
    it('when the same msId is registered twice, then one customer exists and the welcome points are given once', async () => {
      const shop = f.tenant({
        welcomeBonusesEnabled: true,
        welcomeBonusesValue: 300,
        welcomeBonusesMode: 'REGISTRATION',
      });
      const msId = randomUUID();
      const first = await f.ledger.createCustomer(shop, { msId, name: 'Иванов Иван', phone: '+7 912 345-67-89' });
      const again = await f.ledger.createCustomer(shop, { msId, name: 'Иванов Иван', phone: '+7 912 345-67-89' });
      expect(again.id).to.equal(first.id);
      expect(await f.ledger.balance(shop, { id: msId })).to.equal(300);
      expect(f.books(first.id)).to.deep.equal({ balance: 300, entries: 300 });
    });

    it('when a customer is searched by phone, card, e-mail or name fragment, then they are found', async () => {
      const shop = f.tenant();
      const { id } = await f.ledger.createCustomer(shop, {
        msId: randomUUID(),
        name: 'Иванов Иван',
        phone: '8 (912) 345 67 89',
        discountCardNumber: '2000100',
        email: 'Ivan@Example.RU',
      });
      for (const query of ['+7 912 345-67-89', '9123456789', '2000100', 'ivan@example.ru', 'иВАН']) {
        const rows = await f.ledger.searchCustomers(shop, query);
        expect(
          rows.map((r) => r.id),
          query,
        ).to.deep.equal([id]);
      }
      expect(await f.ledger.searchCustomers(shop, 'Петров')).to.deep.equal([]);
      expect(await f.ledger.searchCustomers(shop, '%')).to.deep.equal([]);
    });

    it('when more than 20 customers match, then search returns 20', async () => {
      const shop = f.tenant();
      for (let i = 0; i < 25; i += 1) await f.ledger.createCustomer(shop, { msId: randomUUID(), name: `Смирнов ${i}` });
      expect(await f.ledger.searchCustomers(shop, 'смирнов')).to.have.length(20);
    });

    it('when the balance is asked by our id, МойСклад id, phone or card, then the same customer answers', async () => {
      const shop = f.tenant();
      const msId = randomUUID();
      const { id } = await f.ledger.createCustomer(shop, {
        msId,
        name: 'А',
        phone: '+79120000001',
        discountCardNumber: 'C-1',
      });
      await f.ledger.createSale(shop, sale({ id: msId }, [item(12_300)]));
      for (const ref of [
        { id },
        { id: msId },
        { id: randomUUID(), phone: '8 912 000 00 01' },
        { discountCardNumber: 'C-1' },
      ]) {
        expect(await f.ledger.balance(shop, ref)).to.equal(123);
      }
      const missing = await f.ledger.balance(shop, { id: randomUUID() }).catch((e: unknown) => e);
      expect(missing).to.be.instanceOf(NotFoundError);
    });

    it('when a phone cannot be read, then registration is refused with a message about the phone', async () => {
      const error = await f.ledger.createCustomer(f.tenant(), { name: 'А', phone: '12-34' }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ValidationError);
    });

    it("when tenant B searches or asks a balance, then tenant A's customers are invisible", async () => {
      const a = f.tenant();
      const b = f.tenant();
      const msId = randomUUID();
      const { id } = await f.ledger.createCustomer(a, {
        msId,
        name: 'Иванов',
        phone: '+79120000002',
        discountCardNumber: 'X1',
      });
      expect(await f.ledger.searchCustomers(b, 'Иванов')).to.deep.equal([]);
      expect(await f.ledger.searchCustomers(b, '+79120000002')).to.deep.equal([]);
      for (const ref of [{ id }, { id: msId }, { phone: '+79120000002' }, { discountCardNumber: 'X1' }]) {
        const error = await f.ledger.balance(b, ref).catch((e: unknown) => e);
        expect(error).to.be.instanceOf(NotFoundError);
      }
      // B's till naming A's customer registers a separate customer in B; A's points are untouched.
      await f.ledger.createSale(b, sale({ id }, [item(1000)]));
      expect(await f.ledger.balance(a, { id })).to.equal(0);
      const [inB] = await f.ledger.searchCustomers(b, 'Покупатель');
      expect(inB?.id).to.be.a('string').and.not.equal(id);
      expect(await f.ledger.balance(b, { id: inB!.id })).to.be.greaterThan(0);
    });

    it('when a sale names a customer the ledger has not seen, then the customer is registered and earns', async () => {
      const shop = f.tenant();
      const msId = randomUUID();
      await f.ledger.createSale(shop, sale({ id: msId, phone: '+79120000009' }, [item(1000)]));
      expect(await f.ledger.balance(shop, { id: msId })).to.be.greaterThan(0);
      expect(await f.ledger.balance(shop, { phone: '89120000009' })).to.be.greaterThan(0);
    });

    it('when a spending code is asked without a phone, then the code goes to the stored phone', async () => {
      const shop = f.tenant();
      const msId = randomUUID();
      await f.ledger.createCustomer(shop, { msId, name: 'А', phone: '89120000003' });
      await f.ledger.sendSpendingCode(shop, { counterpartyId: msId });
      expect(f.codesSent).to.deep.equal([{ purpose: 'spending', phone: '+79120000003' }]);
    });
  });

  describe('welcome points', () => {
    it('when the mode is FIRST_PURCHASE, then points arrive with the first sale only', async () => {
      const shop = f.tenant({
        welcomeBonusesEnabled: true,
        welcomeBonusesValue: 50,
        welcomeBonusesMode: 'FIRST_PURCHASE',
      });
      const { id } = await f.ledger.createCustomer(shop, { msId: randomUUID(), name: 'А' });
      expect(await f.ledger.balance(shop, { id })).to.equal(0);
      await f.ledger.createSale(shop, sale({ id }, [item(1000)]));
      await f.ledger.createSale(shop, sale({ id }, [item(1000)]));
      expect(await f.ledger.balance(shop, { id })).to.equal(50 + 10 + 10);
    });
  });

  describe('recalc', () => {
    it('when EARNING, then nothing is discounted and points are earned on the whole receipt', async () => {
      const shop = f.tenant({ earnRateRoublesToPoint: 7 });
      const id = await f.customerWith(shop, 100);
      const result = await f.ledger.recalc(shop, {
        agent: { id },
        positions: [item(10_000), item(4_050, 2)],
        transactionType: 'EARNING',
      });
      expect(result.paidByBonusPointsKopecks).to.equal(0);
      expect(result.positions.every((p) => p.discountedPriceKopecks === p.priceKopecks)).to.equal(true);
      expect(result.bonusValueToEarn).to.equal(Math.floor(181 / 7));
      expect(result.agentBonusBalance).to.equal(100);
      expect(result.agentBonusBalanceAfter).to.equal(100 + 25);
      expect(result.receiptExtraInfo).to.contain('Начислено: 25');
    });

    it('when SPENDING without a preference, then the maximum the rule allows is spent', async () => {
      const shop = f.tenant({ maxPaidRatePercents: 30, spendRatePointsToRouble: 1 });
      const id = await f.customerWith(shop, 1000);
      const positions = [item(33_333), item(10_001, 3)];
      const result = await f.ledger.recalc(shop, { agent: { id }, positions, transactionType: 'SPENDING' });
      const total = receiptTotalKopecks(positions);
      expect(result.bonusValueToSpend).to.equal(Math.floor(Math.floor(total * 0.3) / 100));
      expect(result.paidByBonusPointsKopecks).to.equal(result.bonusValueToSpend * 100);
      expect(discountOf(result.positions)).to.equal(result.paidByBonusPointsKopecks);
      expect(result.bonusValueToEarn).to.equal(0); // earnWhileRedeeming is off by default
      expect(result.agentBonusBalanceAfter).to.equal(1000 - result.bonusValueToSpend);
    });

    it('when SPENDING with a preference, then the smallest of preference, balance and rule is spent', async () => {
      const shop = f.tenant({ maxPaidRatePercents: 50, earnWhileRedeeming: true });
      const id = await f.customerWith(shop, 80);
      const positions = [item(20_000)];
      const spend = async (preferredPointsToSpend?: number) =>
        f.ledger.recalc(shop, { agent: { id }, positions, transactionType: 'SPENDING', preferredPointsToSpend });
      expect((await spend(30)).bonusValueToSpend).to.equal(30);
      expect((await spend(500)).bonusValueToSpend).to.equal(80);
      const result = await spend(30);
      expect(result.bonusValueToEarn).to.equal(170); // earned on the 170 ₽ paid in money
      expect(result.agentBonusBalanceAfter).to.equal(80 - 30 + 170);
    });

    it('when points per rouble do not divide 100, then only whole kopecks are spent', async () => {
      const shop = f.tenant({ spendRatePointsToRouble: 3, maxPaidRatePercents: 100 });
      const id = await f.customerWith(shop, 10);
      const result = await f.ledger.recalc(shop, {
        agent: { id },
        positions: [item(100_00)],
        transactionType: 'SPENDING',
      });
      expect(result.bonusValueToSpend).to.equal(9);
      expect(result.paidByBonusPointsKopecks).to.equal(300);
    });

    it('when points are postponed, then they are not spendable until the delay has passed', async () => {
      const shop = f.tenant({ postponedBonusesDelayDays: 14, maxPaidRatePercents: 100 });
      const { id } = await f.ledger.createCustomer(shop, { msId: randomUUID(), name: 'А' });
      const earning = await f.ledger.recalc(shop, {
        agent: { id },
        positions: [item(50_000)],
        transactionType: 'EARNING',
      });
      expect(earning.bonusValueToEarn).to.equal(500);
      expect(earning.agentBonusBalanceAfter).to.equal(0);
      await f.ledger.createSale(shop, sale({ id }, [item(50_000)]));
      expect(await f.ledger.balance(shop, { id })).to.equal(0);
      expect(
        (await f.ledger.recalc(shop, { agent: { id }, positions: [item(1000)], transactionType: 'SPENDING' }))
          .bonusValueToSpend,
      ).to.equal(0);
      const early = await f.ledger
        .createSale(shop, sale({ id }, [item(1000)], { pointsToSpend: 1 }))
        .catch((e: unknown) => e);
      expect(early).to.be.instanceOf(BusinessRuleError).with.property('message', 'Недостаточно баллов: доступно 0');
      f.clock.now = new Date(f.clock.now.getTime() + 14 * 86_400_000 + 1);
      expect(await f.ledger.balance(shop, { id })).to.equal(500);
    });

    it('when the program is inactive, then recalc gives no discount and earns nothing', async () => {
      const shop = f.tenant({ active: false });
      const id = await f.customerWith(shop, 100);
      const result = await f.ledger.recalc(shop, {
        agent: { id },
        positions: [item(10_000)],
        transactionType: 'SPENDING',
      });
      expect(result.paidByBonusPointsKopecks).to.equal(0);
      expect(result.bonusValueToEarn).to.equal(0);
    });

    it('when a spending code is required, then recalc asks the till to verify a spend', async () => {
      const shop = f.tenant({ requireSpendingCode: true });
      const id = await f.customerWith(shop, 100);
      const spending = await f.ledger.recalc(shop, {
        agent: { id },
        positions: [item(10_000)],
        transactionType: 'SPENDING',
      });
      const earning = await f.ledger.recalc(shop, {
        agent: { id },
        positions: [item(10_000)],
        transactionType: 'EARNING',
      });
      expect([spending.needVerification, earning.needVerification]).to.deep.equal([true, false]);
    });

    it('when the receipt is anonymous, then it passes unchanged; when the customer is unknown, then they have no points to spend', async () => {
      const shop = f.tenant();
      const anonymous = await f.ledger.recalc(shop, {
        agent: {},
        positions: [item(1000)],
        transactionType: 'SPENDING',
      });
      expect(anonymous).to.include({
        transactionType: 'EARNING',
        bonusValueToSpend: 0,
        bonusValueToEarn: 0,
        paidByBonusPointsKopecks: 0,
      });
      const unknown = await f.ledger.recalc(shop, {
        agent: { id: randomUUID() },
        positions: [item(100_000)],
        transactionType: 'SPENDING',
      });
      expect(unknown).to.include({ agentBonusBalance: 0, bonusValueToSpend: 0, paidByBonusPointsKopecks: 0 });
      expect(unknown.bonusValueToEarn, 'the sale will register them and they earn').to.be.greaterThan(0);
    });
  });
});

function discountOf(lines: { quantityMilli: number; priceKopecks: number; discountedPriceKopecks: number }[]): number {
  return lines.reduce(
    (s, l) =>
      s +
      lineAmountKopecks(l.quantityMilli, l.priceKopecks) -
      lineAmountKopecks(l.quantityMilli, l.discountedPriceKopecks),
    0,
  );
}
