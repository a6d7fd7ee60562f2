import { and, eq, or, sql } from 'drizzle-orm';
import { customers, type Customer, type NewCustomer } from '../../db/schema/index.js';
import type { CustomerFields, CustomerRef } from '../loyalty/backend.js';
import { preparedOnce, type DbOrTx } from '../storage/database.js';
import { normalizePhone } from '../locale/phone.js';

export const SEARCH_LIMIT = 20;

/** Plain reads and writes of ledger customers, always scoped to one tenant. */
export const customerRepository = {
  /** By our UUID or by the МойСклад id: the till sends either as meta.id. */
  findById(tx: DbOrTx, tenantId: string, id: string): Customer | undefined {
    const byColumn = (column: typeof customers.msId | typeof customers.id) =>
      tx
        .select()
        .from(customers)
        .where(and(eq(customers.tenantId, sql.placeholder('tenantId')), eq(column, sql.placeholder('id'))))
        .prepare();
    const byMsId = preparedOnce(tx, 'customerByMsId', () => byColumn(customers.msId));
    const byOwnId = preparedOnce(tx, 'customerById', () => byColumn(customers.id));
    return byMsId.get({ tenantId, id }) ?? byOwnId.get({ tenantId, id });
  },

  findByMsId(tx: DbOrTx, tenantId: string, msId: string): Customer | undefined {
    return tx
      .select()
      .from(customers)
      .where(and(eq(customers.tenantId, tenantId), eq(customers.msId, msId)))
      .get();
  },

  findByPhone(tx: DbOrTx, tenantId: string, phone: string): Customer | undefined {
    const normalized = normalizePhone(phone);
    if (normalized === null) return undefined;
    return tx
      .select()
      .from(customers)
      .where(and(eq(customers.tenantId, tenantId), eq(customers.phone, normalized)))
      .get();
  },

  findByCard(tx: DbOrTx, tenantId: string, card: string): Customer | undefined {
    return tx
      .select()
      .from(customers)
      .where(and(eq(customers.tenantId, tenantId), eq(customers.cardNumber, card.trim())))
      .get();
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

  insert(tx: DbOrTx, row: NewCustomer): void {
    tx.insert(customers).values(row).run();
  },

  setBalance(tx: DbOrTx, id: string, balance: number, now: Date): void {
    tx.update(customers).set({ balance, updatedAt: now }).where(eq(customers.id, id)).run();
  },

  markWelcomeGranted(tx: DbOrTx, id: string): void {
    tx.update(customers).set({ welcomeGranted: true }).where(eq(customers.id, id)).run();
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
    birthDate: fields.birthDate ?? null,
    sex: fields.sex ?? null,
  };
}

function legalName(fields: CustomerFields): string {
  return [fields.legalLastName, fields.legalFirstName, fields.legalMiddleName].filter(Boolean).join(' ');
}
