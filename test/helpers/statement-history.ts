import { randomUUID } from 'node:crypto';
import type { LedgerEntryKind } from '../../db/schema/index.js';
import { customerRepository } from '../../app/ledger/customer-repository.js';
import { ledgerEntriesRepository } from '../../app/ledger/ledger-entry-repository.js';
import { moscowMonthBounds, type MoscowMonth } from '../../app/locale/moscow-day.js';
import type { Db } from '../../app/storage/database.js';

const DAY_MS = 86_400_000;

/**
 * A month of a shop's points, entry by entry, for the statement's pages: 1 000 points held before it,
 * then in it +500 earned, +100 welcome, +50 birthday, −300 spent, −40 expired, −25 and +10 by a return,
 * −5 by support, and 200 earned on its last day that become spendable only 14 days later.
 * Closing: 1 000 + 500 + 150 − 300 − 40 − 15 − 5 + 200 = 1 490, pending 200. `scale` multiplies every figure.
 */
export function seedStatementMonth(db: Db, tenantId: string, month: MoscowMonth, scale = 1): string {
  const { start, end } = moscowMonthBounds(month);
  const customerId = randomUUID();
  const now = new Date(start - 10 * DAY_MS);
  db.transaction((tx) => {
    customerRepository.insert(tx, {
      id: customerId,
      tenantId,
      name: 'Покупатель',
      searchName: 'покупатель',
      createdAt: now,
      updatedAt: now,
    });
    const add = (kind: string, points: number, at: number, availableAt = at) =>
      ledgerEntriesRepository.append(
        tx,
        { tenantId, customerId, kind: kind as LedgerEntryKind, points: points * scale, availableAt },
        new Date(at),
      );
    add('earn', 1000, start - DAY_MS);
    add('earn', 500, start + DAY_MS);
    add('welcome', 100, start + 2 * DAY_MS);
    add('birthday', 50, start + 3 * DAY_MS);
    add('spend', -300, start + 4 * DAY_MS);
    add('expire', -40, start);
    add('return-earn', -25, start + 5 * DAY_MS);
    add('return-spend', 10, start + 5 * DAY_MS);
    add('adjustment', -5, start + 6 * DAY_MS);
    add('earn', 200, end - 1, end + 14 * DAY_MS);
    // The next month's first moment belongs to the next month.
    add('spend', -1, end);
  });
  return customerId;
}
