import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { giftCardRedemptions, tenants } from '../../../db/schema/index.js';
import { BusinessRuleError, ConflictError } from '../../../app/errors.js';
import { GiftCards } from '../../../app/ledger/gift-cards.js';
import { immediate, openStorage, type Storage } from '../../../app/storage/database.js';
import { formatRoubles } from '../../../app/receipt/money.js';

const NOW = new Date('2025-03-01T10:00:00Z');

describe('GiftCards', () => {
  let dir: string;
  let storage: Storage;
  const cards = new GiftCards();

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gift-cards-'));
    storage = openStorage(join(dir, 'test.sqlite'));
    for (const accountId of ['tenant-a', 'tenant-b']) {
      storage.db
        .insert(tenants)
        .values({
          accountId,
          appId: 'app',
          accountName: accountId,
          status: 'Activated',
          lastCause: 'Install',
          createdAt: NOW,
          updatedAt: NOW,
        })
        .run();
    }
  });

  afterEach(() => {
    storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const issue = (number: string, initialKopecks: number, expiresAt?: Date, tenantId = 'tenant-a') =>
    immediate(storage.db, (tx) => cards.issue(tx, tenantId, { number, initialKopecks, expiresAt }));
  const find = (number: string, tenantId = 'tenant-a', now = NOW) => cards.find(storage.db, tenantId, number, now);
  const redeem = (saleId: string, payments: { name: string; paymentKopecks: number }[], tenantId = 'tenant-a') =>
    immediate(storage.db, (tx) => cards.redeem(tx, tenantId, saleId, payments, NOW));
  const refusal = (fn: () => void): Error => {
    try {
      fn();
    } catch (error) {
      return error as Error;
    }
    return expect.fail('expected a refusal');
  };

  describe('find', () => {
    it('when a card is new, then it is CAN_BE_USED with both balances in kopecks and the expiry in UTC', () => {
      issue('1234', 50_000, new Date('2025-12-31T20:59:59.500Z'));
      const view = find('1234');
      expect(view).to.deep.include({
        name: '1234',
        status: 'CAN_BE_USED',
        expireDate: '2025-12-31 20:59:59',
        currentBalanceKopecks: 50_000,
        initialBalanceKopecks: 50_000,
      });
      expect(view.id).to.be.a('string');
    });

    it('when the number is unknown or belongs to another tenant, then it is INVALID', () => {
      issue('1234', 50_000, undefined, 'tenant-b');
      expect(find('9999')).to.deep.equal({ name: '9999', status: 'INVALID' });
      expect(find('1234', 'tenant-a')).to.deep.equal({ name: '1234', status: 'INVALID' });
      expect(find('1234', 'tenant-b').status).to.equal('CAN_BE_USED');
    });

    it('when a card is blocked, then it is INVALID and reveals no balance', () => {
      issue('1234', 50_000);
      cards.block(storage.db, 'tenant-a', '1234');
      expect(find('1234')).to.deep.equal({ name: '1234', status: 'INVALID' });
    });

    it('when a blocked card is unblocked, then the till sees its real status and balance again', () => {
      issue('1234', 50_000);
      redeem('sale-1', [{ name: '1234', paymentKopecks: 20_000 }]);
      expect(cards.block(storage.db, 'tenant-a', '1234')).to.equal(true);
      expect(cards.block(storage.db, 'tenant-a', '1234'), 'blocked already').to.equal(false);
      expect(cards.unblock(storage.db, 'tenant-a', '1234')).to.equal(true);
      expect(cards.unblock(storage.db, 'tenant-a', '1234'), 'not blocked').to.equal(false);
      expect(find('1234')).to.deep.include({
        status: 'PARTIALLY_REDEEMED',
        currentBalanceKopecks: 30_000,
        initialBalanceKopecks: 50_000,
      });
      issue('5678', 50_000, new Date('2025-03-01T09:00:00Z'));
      cards.block(storage.db, 'tenant-a', '5678');
      cards.unblock(storage.db, 'tenant-a', '5678');
      expect(find('5678').status, 'an unblocked card past its date stays expired').to.equal('EXPIRED');
    });

    it('when a card is past its expiry, then it is EXPIRED', () => {
      issue('1234', 50_000, new Date('2025-03-01T09:59:59Z'));
      expect(find('1234').status).to.equal('EXPIRED');
      expect(find('1234', 'tenant-a', new Date('2025-03-01T09:00:00Z')).status).to.equal('CAN_BE_USED');
    });

    it('when part of the balance is spent, then it is PARTIALLY_REDEEMED; when all of it, REDEEMED', () => {
      issue('1234', 50_000);
      redeem('sale-1', [{ name: '1234', paymentKopecks: 35_000 }]);
      expect(find('1234')).to.deep.include({
        status: 'PARTIALLY_REDEEMED',
        currentBalanceKopecks: 15_000,
        initialBalanceKopecks: 50_000,
      });
      redeem('sale-2', [{ name: '1234', paymentKopecks: 15_000 }]);
      expect(find('1234')).to.deep.include({ status: 'REDEEMED', currentBalanceKopecks: 0 });
    });
  });

  describe('redeem', () => {
    it('when a card pays more than it holds, then the sale is refused with the balance in roubles and nothing changes', () => {
      issue('1234', 50_000);
      redeem('sale-1', [{ name: '1234', paymentKopecks: 35_000 }]);
      const error = refusal(() => redeem('sale-2', [{ name: '1234', paymentKopecks: 15_001 }]));
      expect(error).to.be.instanceOf(BusinessRuleError);
      expect(error.message).to.equal('На подарочной карте 1234 недостаточно средств: доступно 150,00 ₽');
      expect(find('1234').currentBalanceKopecks).to.equal(15_000);
      expect(storage.db.select().from(giftCardRedemptions).all()).to.have.length(1);
    });

    it('when one card of two cannot pay, then neither is charged', () => {
      issue('1111', 10_000);
      issue('2222', 10_000);
      const error = refusal(() =>
        redeem('sale-1', [
          { name: '1111', paymentKopecks: 5_000 },
          { name: '2222', paymentKopecks: 20_000 },
        ]),
      );
      expect(error).to.be.instanceOf(BusinessRuleError);
      expect(find('1111').currentBalanceKopecks).to.equal(10_000);
      expect(find('2222').currentBalanceKopecks).to.equal(10_000);
    });

    it('when the same card appears twice in one receipt, then both lines together must fit the balance', () => {
      issue('1234', 10_000);
      const error = refusal(() =>
        redeem('sale-1', [
          { name: '1234', paymentKopecks: 6_000 },
          { name: '1234', paymentKopecks: 6_000 },
        ]),
      );
      expect(error.message).to.match(/недостаточно средств: доступно 100,00 ₽/);
    });

    it('when the same sale comes twice, then the card is charged once', () => {
      issue('1234', 50_000);
      redeem('sale-1', [{ name: '1234', paymentKopecks: 20_000 }]);
      redeem('sale-1', [{ name: '1234', paymentKopecks: 20_000 }]);
      expect(find('1234').currentBalanceKopecks).to.equal(30_000);
      expect(storage.db.select().from(giftCardRedemptions).all()).to.have.length(1);
    });

    it('when a card is unknown, blocked or expired, then it cannot pay', () => {
      issue('2222', 10_000);
      cards.block(storage.db, 'tenant-a', '2222');
      issue('3333', 10_000, new Date('2025-01-01T00:00:00Z'));
      expect(refusal(() => redeem('s', [{ name: '1111', paymentKopecks: 100 }])).message).to.match(
        /не найдена или заблокирована/,
      );
      expect(refusal(() => redeem('s', [{ name: '2222', paymentKopecks: 100 }])).message).to.match(
        /не найдена или заблокирована/,
      );
      expect(refusal(() => redeem('s', [{ name: '3333', paymentKopecks: 100 }])).message).to.match(
        /Срок действия подарочной карты 3333 истёк/,
      );
    });

    it('when another tenant has a card with the same number, then only the own tenant card is charged', () => {
      issue('1234', 10_000, undefined, 'tenant-a');
      issue('1234', 10_000, undefined, 'tenant-b');
      redeem('sale-1', [{ name: '1234', paymentKopecks: 4_000 }], 'tenant-b');
      expect(find('1234', 'tenant-a').currentBalanceKopecks).to.equal(10_000);
      expect(find('1234', 'tenant-b').currentBalanceKopecks).to.equal(6_000);
      expect(() => redeem('sale-1', [{ name: '9999', paymentKopecks: 1 }], 'tenant-b')).to.throw(BusinessRuleError);
    });

    it('when the caller rolls its transaction back, then the card keeps its balance', () => {
      issue('1234', 10_000);
      expect(() =>
        immediate(storage.db, (tx) => {
          cards.redeem(tx, 'tenant-a', 'sale-1', [{ name: '1234', paymentKopecks: 4_000 }], NOW);
          throw new Error('points failed');
        }),
      ).to.throw('points failed');
      expect(find('1234').currentBalanceKopecks).to.equal(10_000);
    });
  });

  describe('issue and block', () => {
    it('when a number is issued twice for one tenant, then the second is refused', () => {
      issue('1234', 10_000);
      expect(() => issue('1234', 5_000)).to.throw(ConflictError);
    });

    it('when money is formatted for the cashier, then kopecks become roubles with a comma', () => {
      expect(formatRoubles(15_000)).to.equal('150,00 ₽');
      expect(formatRoubles(5)).to.equal('0,05 ₽');
      expect(formatRoubles(123_456_789)).to.equal('1 234 567,89 ₽');
    });
  });
});
