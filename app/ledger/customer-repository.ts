import { and, desc, eq, or, sql } from 'drizzle-orm';
import { customers, type Customer, type NewCustomer } from '../../db/schema/index.js';
import type { CustomerFields, CustomerRef } from '../loyalty/backend.js';
import type { DbOrTx } from '../storage/database.js';
import { columnsOf, insertRow, rowOf, statement } from '../storage/statements.js';
import { normalizePhone } from '../locale/phone.js';
import { parseBirthDate } from '../locale/birth-date.js';

export const SEARCH_LIMIT = 20;

// The till's lookups and the sale's writes run on statements prepared once (app/storage/statements.ts).
const BY_MS_ID = `select ${columnsOf(customers)} from customers where tenant_id = ? and ms_id = ?`;
const BY_OWN_ID = `select ${columnsOf(customers)} from customers where tenant_id = ? and id = ?`;
const BY_PHONE = `select ${columnsOf(customers)} from customers where tenant_id = ? and phone = ?`;
const BY_CARD = `select ${columnsOf(customers)} from customers where tenant_id = ? and card_number = ?`;
const MARK_WELCOME_GRANTED = 'update customers set welcome_granted = 1 where id = ?';

/** Plain reads and writes of ledger customers, always scoped to one tenant. */
export const customerRepository = {
  /** By our UUID or by the МойСклад id: the till sends either as meta.id. */
  findById(tx: DbOrTx, tenantId: string, id: string): Customer | undefined {
    return (
      rowOf(customers, statement(tx, BY_MS_ID).get(tenantId, id)) ??
      rowOf(customers, statement(tx, BY_OWN_ID).get(tenantId, id))
    );
  },

  findByMsId(tx: DbOrTx, tenantId: string, msId: string): Customer | undefined {
    return rowOf(customers, statement(tx, BY_MS_ID).get(tenantId, msId));
  },

  findByPhone(tx: DbOrTx, tenantId: string, phone: string): Customer | undefined {
    const normalized = normalizePhone(phone);
    if (normalized === null) return undefined;
    return rowOf(customers, statement(tx, BY_PHONE).get(tenantId, normalized));
  },

  findByCard(tx: DbOrTx, tenantId: string, card: string): Customer | undefined {
    return rowOf(customers, statement(tx, BY_CARD).get(tenantId, card.trim()));
  },

  /** Mapping first (id / msId), then phone, then card. */
  resolve(tx: DbOrTx, tenantId: string, ref: CustomerRef): Customer | undefined {
    return (
      (ref.id ? this.findById(tx, tenantId, ref.id) : undefined) ??
      (ref.phone ? this.findByPhone(tx, tenantId, ref.phone) : undefined) ??
      (ref.discountCardNumber ? this.findByCard(tx, tenantId, ref.discountCardNumber) : undefined)
    );
  },

  /** Phone (any format) exactly; otherwise card, e-mail or a name fragment. */
  search(tx: DbOrTx, tenantId: string, text: string): Customer[] {
    const query = text.trim();
    if (query === '') return [];
    const phone = normalizePhone(query);
    const byTenant = eq(customers.tenantId, tenantId);
    if (phone !== null) {
      return tx
        .select()
        .from(customers)
        .where(and(byTenant, eq(customers.phone, phone)))
        .limit(SEARCH_LIMIT)
        .all();
    }
    // The admin log shows a phone as its last four digits («***4567»): those find it, as does a card number.
    const last4 = /^\**\s*(\d{4})$/.exec(query)?.[1];
    if (last4 !== undefined) {
      return tx
        .select()
        .from(customers)
        .where(and(byTenant, or(sql`substr(${customers.phone}, -4) = ${last4}`, eq(customers.cardNumber, query))))
        .limit(SEARCH_LIMIT)
        .all();
    }
    const lower = query.toLowerCase();
    const fragment = `%${lower.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return tx
      .select()
      .from(customers)
      .where(
        and(
          byTenant,
          or(
            eq(customers.cardNumber, query),
            eq(customers.email, lower),
            // A typed % or _ is a literal, not a wildcard.
            sql`${customers.searchName} like ${fragment} escape '\\'`,
          ),
        ),
      )
      .limit(SEARCH_LIMIT)
      .all();
  },

  /** The customers whose balance or data changed last: what support usually came about. */
  recent(tx: DbOrTx, tenantId: string, limit = SEARCH_LIMIT): Customer[] {
    return tx
      .select()
      .from(customers)
      .where(eq(customers.tenantId, tenantId))
      .orderBy(desc(customers.updatedAt))
      .limit(limit)
      .all();
  },

  insert(tx: DbOrTx, row: NewCustomer): void {
    insertRow(tx, customers, row);
  },

  setBalance(tx: DbOrTx, id: string, balance: number, now: Date): void {
    tx.update(customers).set({ balance, updatedAt: now }).where(eq(customers.id, id)).run();
  },

  markWelcomeGranted(tx: DbOrTx, id: string): void {
    statement(tx, MARK_WELCOME_GRANTED).run(id);
  },
};

/** Customer fields as we store them: phone as 11 digits, e-mail lowercased, names searchable. */
export function storedFields(fields: CustomerFields) {
  const name = fields.name?.trim() || legalName(fields) || 'Покупатель';
  const phone = fields.phone ? normalizePhone(fields.phone) : null;
  return {
    name,
    searchName: [name, fields.legalLastName, fields.legalFirstName, fields.legalMiddleName]
      .filter(Boolean)
      .join(' ')
      .toLowerCase(),
    phone,
    email: fields.email?.trim().toLowerCase() || null,
    cardNumber: fields.discountCardNumber?.trim() || null,
    legalFirstName: fields.legalFirstName ?? null,
    legalMiddleName: fields.legalMiddleName ?? null,
    legalLastName: fields.legalLastName ?? null,
    birthDate: fields.birthDate ? parseBirthDate(fields.birthDate) : null,
    sex: fields.sex ?? null,
  };
}

function legalName(fields: CustomerFields): string {
  return [fields.legalLastName, fields.legalFirstName, fields.legalMiddleName].filter(Boolean).join(' ');
}
