import { sql } from 'drizzle-orm';
import { birthdayGrants } from '../../db/schema/index.js';
import type { DbOrTx } from '../storage/database.js';
import { statement } from '../storage/statements.js';

/** A customer whose birthday falls on one of the dates asked for, with the year of that birthday. */
export interface BirthdayCandidate {
  customerId: string;
  msId: string | null;
  birthDate: string;
  year: number;
  /** When the customer was registered with us (customers.created_at, epoch ms). */
  registeredAt: number;
}

/** A calendar day a birthday may fall on (MM-DD) and the year of that birthday. */
export interface BirthdayDay {
  md: string;
  year: number;
}

const UPDATE_BIRTH_DATE = 'update customers set birth_date = ? where id = ?';

/** Birth dates and the once-a-year birthday grants; callers decide the transaction. */
export const birthdayRepository = {
  /**
   * Up to `limit` customers of a tenant, after `afterId` in id order, whose birthday (customers.birthday,
   * MM-DD) is one of `days` and who have no grant for that birthday's year: one indexed read per day.
   */
  candidates(tx: DbOrTx, tenantId: string, days: BirthdayDay[], afterId: string, limit: number): BirthdayCandidate[] {
    return tx.all<BirthdayCandidate>(sql`
      select c.id as customerId, c.ms_id as msId, c.birth_date as birthDate,
             json_extract(d.value, '$.year') as year, c.created_at as registeredAt
      from json_each(${JSON.stringify(days)}) d
      join customers c on c.tenant_id = ${tenantId} and c.birthday = json_extract(d.value, '$.md')
      where c.id > ${afterId}
        and not exists (
          select 1 from birthday_grants g
          where g.customer_id = c.id and g.year = json_extract(d.value, '$.year')
        )
      order by c.id
      limit ${limit}`);
  },

  /**
   * Claims a customer's gift for one birthday year: true when this call inserted the row. Run in the
   * transaction that writes the entry; the unique (customer, year) refuses a second one, whoever tries.
   */
  claim(
    tx: DbOrTx,
    row: { tenantId: string; customerId: string; year: number; birthDate: string; points: number },
    now: number,
  ): boolean {
    return (
      tx
        .insert(birthdayGrants)
        .values({ ...row, entryId: null, createdAt: now })
        .onConflictDoNothing()
        .run().changes === 1
    );
  },

  /** The entry the claimed gift became. */
  recordEntry(tx: DbOrTx, customerId: string, year: number, entryId: number): void {
    tx.run(sql`update birthday_grants set entry_id = ${entryId} where customer_id = ${customerId} and year = ${year}`);
  },

  /** Years a customer was given birthday points in, newest first: support's view and the tests'. */
  yearsOf(tx: DbOrTx, customerId: string): Array<{ year: number; points: number; birthDate: string }> {
    return tx.all(
      sql`select year, points, birth_date as birthDate from birthday_grants where customer_id = ${customerId} order by year desc`,
    );
  },

  /** A later call's birth date: the till's row is the customer's card in МойСклад. */
  setBirthDate(tx: DbOrTx, customerId: string, birthDate: string): void {
    statement(tx, UPDATE_BIRTH_DATE).run(birthDate, customerId);
  },
};
