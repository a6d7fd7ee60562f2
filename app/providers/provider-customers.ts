import type { ProviderCustomer, ProviderKind } from '../../db/schema/index.js';
import type { CustomerRef, CustomerView } from '../loyalty/backend.js';
import type { Db } from '../storage/database.js';
import { normalizePhone } from '../locale/phone.js';
import { providerCustomerRepository, type FoundCustomer } from './provider-customer-repository.js';

export type { FoundCustomer } from './provider-customer-repository.js';

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
