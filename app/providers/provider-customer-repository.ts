import { randomUUID } from 'node:crypto';
import { and, desc, eq, or, sql } from 'drizzle-orm';
import { providerCustomers, type ProviderCustomer, type ProviderKind } from '../../db/schema/index.js';
import { normalizePhone } from '../locale/phone.js';
import { preparedOnce, type DbOrTx } from '../storage/database.js';

/** A customer as a provider describes them; ids are strings whatever the provider uses. */
export interface FoundCustomer {
  providerId: string;
  name: string;
  /** Any format: stored as 11 digits starting with 7 when it is a Russian number. */
  phone?: string;
  email?: string;
  cardNumber?: string;
  birthDate?: string;
}

/** Plain reads and writes of the UUID ↔ provider id mapping, scoped to one tenant and provider. */
export const providerCustomerRepository = {
  /** By our UUID or by the linked МойСклад id: the till sends either as meta.id. */
  findByAnyId(tx: DbOrTx, tenantId: string, provider: ProviderKind, id: string): ProviderCustomer | undefined {
    const query = preparedOnce(tx, 'providerCustomerByAnyId', () =>
      tx
        .select()
        .from(providerCustomers)
        .where(
          and(
            ofTenantAndProvider(),
            or(eq(providerCustomers.id, sql.placeholder('id')), eq(providerCustomers.msId, sql.placeholder('id'))),
          ),
        )
        .orderBy(desc(providerCustomers.updatedAt))
        .prepare(),
    );
    return query.get({ tenantId, provider, id });
  },

  findByProviderId(
    tx: DbOrTx,
    tenantId: string,
    provider: ProviderKind,
    providerId: string,
  ): ProviderCustomer | undefined {
    const query = preparedOnce(tx, 'providerCustomerByProviderId', () =>
      tx
        .select()
        .from(providerCustomers)
        .where(and(ofTenantAndProvider(), eq(providerCustomers.providerId, sql.placeholder('providerId'))))
        .prepare(),
    );
    return query.get({ tenantId, provider, providerId });
  },

  /**
   * Inserts or refreshes the row for this provider id, keeping our UUID; links msId when given.
   * An unchanged customer is not written again: the till's every recalc passes here.
   */
  upsert(tx: DbOrTx, tenantId: string, provider: ProviderKind, found: FoundCustomer, msId?: string): ProviderCustomer {
    const fields = {
      name: found.name,
      phone: found.phone ? normalizePhone(found.phone) : null,
      email: found.email?.toLowerCase() ?? null,
      ...(found.cardNumber ? { cardNumber: found.cardNumber } : {}),
      ...(msId ? { msId } : {}),
    };
    const existing = this.findByProviderId(tx, tenantId, provider, found.providerId);
    if (existing && Object.entries(fields).every(([key, value]) => existing[key as keyof ProviderCustomer] === value))
      return existing;
    const now = new Date();
    return tx
      .insert(providerCustomers)
      .values({
        id: randomUUID(),
        tenantId,
        provider,
        providerId: found.providerId,
        createdAt: now,
        updatedAt: now,
        ...fields,
      })
      .onConflictDoUpdate({
        target: [providerCustomers.tenantId, providerCustomers.provider, providerCustomers.providerId],
        set: { ...fields, updatedAt: now },
      })
      .returning()
      .get();
  },
};

/** The prepared queries' scope: one tenant's customers of one provider. */
function ofTenantAndProvider() {
  return and(
    eq(providerCustomers.tenantId, sql.placeholder('tenantId')),
    eq(providerCustomers.provider, sql.placeholder('provider')),
  );
}
