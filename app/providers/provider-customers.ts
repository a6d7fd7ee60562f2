import { randomUUID } from 'node:crypto';
import { and, desc, eq, or, sql } from 'drizzle-orm';
import { providerCustomers, type ProviderCustomer, type ProviderKind } from '../../db/schema/index.js';
import type { CustomerRef, CustomerView } from '../loyalty/backend.js';
import { preparedOnce, type Db, type DbOrTx } from '../storage/database.js';
import { normalizePhone } from '../locale/phone.js';

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

/**
 * Finds a provider's customer for a LoyaltyAPI reference: the mapping first (our UUID, then the
 * МойСклад id), then the provider itself by phone, card or e-mail. What the provider finds is
 * remembered, linked to the МойСклад id the till sent, so the next call needs no search.
 */
export class CustomerMapping {
  constructor(
    private readonly db: Db,
    private readonly tenantId: string,
    private readonly provider: ProviderKind,
  ) {}

  known(ref: CustomerRef): ProviderCustomer | undefined {
    return ref.id ? providerCustomerRepository.findByAnyId(this.db, this.tenantId, this.provider, ref.id) : undefined;
  }

  async resolve(
    ref: CustomerRef,
    lookup: (ref: CustomerRef) => Promise<FoundCustomer | undefined>,
  ): Promise<ProviderCustomer | undefined> {
    const known = this.known(ref);
    if (known) return known;
    if (!ref.phone && !ref.discountCardNumber && !ref.email) return undefined;
    const found = await lookup(ref);
    // An id we do not know is МойСклад's own: link it, so its next call finds the mapping.
    return found ? this.remember(found, ref.id) : undefined;
  }

  remember(found: FoundCustomer, msId?: string): ProviderCustomer {
    return providerCustomerRepository.upsert(this.db, this.tenantId, this.provider, found, msId);
  }

  /**
   * A stable key for ordering a customer's outbox entries, found without calling the provider.
   * The МойСклад id comes first: an entry added before the mapping existed was keyed by it.
   */
  lineKey(ref: CustomerRef | undefined): string {
    if (!ref) return 'anonymous';
    const known = this.known(ref);
    if (known) return known.msId ?? known.id;
    const phone = ref.phone ? normalizePhone(ref.phone) : null;
    return (
      ref.id ??
      (phone
        ? `phone:${phone}`
        : ref.discountCardNumber
          ? `card:${ref.discountCardNumber}`
          : ref.email
            ? `email:${ref.email.toLowerCase()}`
            : 'anonymous')
    );
  }
}

/** A mapped customer as МойСклад's search rows want it: our UUID as `id`, absent fields left out. */
export function customerView(customer: ProviderCustomer, extra: Pick<FoundCustomer, 'birthDate'> = {}): CustomerView {
  const view: CustomerView = { id: customer.id, name: customer.name };
  if (customer.msId) view.msId = customer.msId;
  if (customer.phone) view.phone = `+${customer.phone}`;
  if (customer.email) view.email = customer.email;
  if (customer.cardNumber) view.discountCardNumber = customer.cardNumber;
  if (extra.birthDate) view.birthDate = extra.birthDate;
  return view;
}
