import type { Customer, Tenant } from '../../db/schema/index.js';
import { NotFoundError, RegistrationCodeRequiredError, ValidationError } from '../errors.js';
import type {
  CustomerFields,
  CustomerRef,
  CustomerView,
  GiftCardView,
  LoyaltyBackend,
  NewCustomerInput,
  RecalcRequest,
  RecalcResult,
  ReturnRequest,
  SaleConflict,
  SaleRequest,
  SpendingCodeRequest,
  VerificationAnswer,
} from '../loyalty/backend.js';
import { immediate, type Db, type DbOrTx } from '../storage/database.js';
import { GroupCommit, type GroupCommitOptions } from '../storage/group-commit.js';
import { customerRepository as customers } from './customer-repository.js';
import { spendablePoints } from './ledger-entry-repository.js';
import { CUSTOMER_NOT_FOUND, recalcReceipt } from './recalc.js';
import { inAudience, ledgerRulesOf, type LedgerRules } from './rules.js';
import { registerCustomer } from './registration.js';
import { tierRulesOf } from './tier-rules.js';
import { applySale, repeatConflict } from './sale.js';
import { saleRepository } from './sale-repository.js';
import type { Audience, CustomerTagSource, GiftCardBook, LedgerContext } from './ledger-context.js';
import { applyReturn } from './sale-return.js';
import { normalizePhone } from '../locale/phone.js';
import { parseBirthDate } from '../locale/birth-date.js';
import { rememberBirthDate } from './birthdays.js';
import { isAnonymous } from '../loyalty/anonymous-receipt.js';

export interface CodeSender {
  send(tenant: Tenant, purpose: 'registration' | 'spending', phone: string | undefined): Promise<VerificationAnswer>;
}

/** The built-in points ledger in our own SQLite database: the embedded default loyalty system. */
export class LedgerBackend implements LoyaltyBackend {
  private readonly now: () => Date;
  /** Sales and returns share commits (and their fsync); each one still succeeds or fails alone. */
  private readonly commits: GroupCommit;

  constructor(
    private readonly db: Db,
    private readonly deps: {
      codes: CodeSender;
      giftCards: GiftCardBook;
      /** МойСклад's counterparty tags, for a program with an audience; without them nobody is found in it. */
      customerTags?: CustomerTagSource;
      now?: () => Date;
      groupCommit?: GroupCommitOptions;
    },
  ) {
    this.now = deps.now ?? (() => new Date());
    this.commits = new GroupCommit(db, deps.groupCommit);
  }

  /**
   * Idempotent on msId: a repeated registration returns the same customer and no second welcome. With
   * confirmation by code on, an UNCHECKED new customer is refused with LoyaltyAPI's 412 (28001).
   */
  async createCustomer(tenant: Tenant, input: NewCustomerInput): Promise<{ id: string }> {
    if (input.phone && normalizePhone(input.phone) === null) {
      throw new ValidationError('Неверный номер телефона: укажите его как +7 912 345-67-89', { parameter: 'phone' });
    }
    const ctx = this.context(tenant);
    const member = await this.welcomeAudience(tenant, ctx.rules, input.msId);
    return immediate(this.db, (tx) => {
      const existing = input.msId ? customers.findByMsId(tx, ctx.tenantId, input.msId) : undefined;
      if (existing) return { id: rememberBirthDate(tx, existing, input.birthDate).id };
      // The till asks the customer for a code (POST /counterparty/verify) and sends the creation again as CHECKED.
      if (ctx.rules.confirmRegistrationByCode && input.statusCheck === 'UNCHECKED') {
        throw new RegistrationCodeRequiredError();
      }
      return { id: registerCustomer(tx, ctx, input, member).id };
    });
  }

  async searchCustomers(tenant: Tenant, search: string): Promise<CustomerView[]> {
    return customers.search(this.db, tenant.accountId, search).map(toView);
  }

  /** The till sends the customer's card with it: a birth date changed in МойСклад is written (rarely: only then). */
  async balance(tenant: Tenant, ref: CustomerRef): Promise<number> {
    const customer = this.findCustomer(tenant, ref);
    const birthDate = ref.birthDate ? parseBirthDate(ref.birthDate) : null;
    if (birthDate && birthDate !== customer.birthDate)
      immediate(this.db, (tx) => rememberBirthDate(tx, customer, birthDate));
    return spendablePoints(this.db, customer, this.now());
  }

  async sendRegistrationCode(tenant: Tenant, customer: CustomerFields): Promise<VerificationAnswer> {
    return this.deps.codes.send(tenant, 'registration', customer.phone);
  }

  async sendSpendingCode(tenant: Tenant, request: SpendingCodeRequest): Promise<VerificationAnswer> {
    // The till's phone is sent as written (any format, often with its own +); only our stored
    // 11 digits need the + put in front.
    const stored = request.phone ? undefined : this.findCustomer(tenant, { id: request.counterpartyId }).phone;
    return this.deps.codes.send(tenant, 'spending', request.phone || (stored ? `+${stored}` : undefined));
  }

  async recalc(tenant: Tenant, request: RecalcRequest): Promise<RecalcResult> {
    const { tenantId, rules, now, tiers } = this.context(tenant);
    const audience = await this.audience(tenant, rules, request.agent);
    return recalcReceipt(this.db, tenantId, rules, request, now, audience, tiers);
  }

  /**
   * A repeat of an applied sale changes nothing; one with other content is reported (SaleConflict).
   * Sales and returns arriving together share one commit (GroupCommit); each resolves once it is durable.
   */
  async createSale(tenant: Tenant, request: SaleRequest): Promise<SaleConflict | undefined> {
    const ctx = this.context(tenant);
    const audience = await this.audience(tenant, ctx.rules, request.agent);
    return this.commits.run((tx) => {
      if (applySale(tx, ctx, this.deps.giftCards, request, audience)) return undefined;
      const recorded = saleRepository.findByKey(tx, ctx.tenantId, request.saleKey);
      // A sale the catch-up job credited from МойСклад's copy: the till's late copy is the same sale, told apart
      // only by how the two sides write it (prices, payments), so it changes nothing and is no conflict.
      return recorded && recorded.caughtUpAt === null ? repeatConflict(tx, ctx.tenantId, recorded, request) : undefined;
    });
  }

  /**
   * A sale the till made while it could not reach us, read later from МойСклад (app/catch-up): applied
   * by the same path and under the same sale key as the till's own, earning only (nothing was spent or
   * paid by our gift cards without us), and marked as caught up. Applied at most once: false when the key
   * (or, for a copy without an id, its number and moment) is there already. `log` writes its log row in
   * the sale's own transaction.
   */
  async catchUpSale(
    tenant: Tenant,
    request: SaleRequest,
    log: (tx: DbOrTx, sale: { pointsEarned: number; customerId: string | null }) => void,
  ): Promise<boolean> {
    const ctx = this.context(tenant);
    const audience = await this.audience(tenant, ctx.rules, request.agent);
    const earning = { ...request, pointsToSpend: 0, pointsToEarn: 0, giftCards: [] };
    return this.commits.run((tx) => {
      if (!applySale(tx, ctx, this.deps.giftCards, earning, audience, { caughtUpAt: ctx.now.getTime() })) return false;
      log(tx, saleRepository.findByKey(tx, ctx.tenantId, request.saleKey)!);
      return true;
    });
  }

  async createReturn(tenant: Tenant, request: ReturnRequest): Promise<void> {
    const ctx = this.context(tenant);
    await this.commits.run((tx) => applyReturn(tx, ctx, request));
  }

  async giftCard(tenant: Tenant, name: string, _retailStoreId?: string): Promise<GiftCardView> {
    return this.deps.giftCards.find(this.db, tenant.accountId, name, this.now());
  }

  private context(tenant: Tenant): LedgerContext {
    return { tenantId: tenant.accountId, rules: ledgerRulesOf(tenant), now: this.now(), tiers: tierRulesOf(tenant) };
  }

  /**
   * A program for some customers only asks МойСклад for the customer's tags (cached, within the
   * till's patience). The counterparty is named by МойСклад's id: the one we stored, else the till's.
   */
  private async audience(tenant: Tenant, rules: LedgerRules, ref: CustomerRef | undefined): Promise<Audience> {
    if (rules.allAgents || !ref || isAnonymous(ref)) return { member: true };
    const customer = customers.resolve(this.db, tenant.accountId, ref);
    const counterpartyId = customer?.msId ?? (customer ? undefined : ref.id);
    const tags =
      counterpartyId && this.deps.customerTags
        ? await this.deps.customerTags.tagsOf(tenant, counterpartyId)
        : undefined;
    return { member: inAudience(rules, tags) };
  }

  /**
   * Welcome points on registration follow the audience too. Tags are asked only when such points could be
   * given; a customer МойСклад names by no id has no tags to check, so is outside a tagged program.
   */
  private async welcomeAudience(tenant: Tenant, rules: LedgerRules, msId: string | undefined): Promise<Audience> {
    const welcomes = rules.active && rules.welcomeBonusesEnabled && rules.welcomeBonusesMode === 'REGISTRATION';
    if (!welcomes || rules.allAgents) return { member: true };
    return msId ? this.audience(tenant, rules, { id: msId }) : { member: false };
  }

  private findCustomer(tenant: Tenant, ref: CustomerRef): Customer {
    const customer = customers.resolve(this.db, tenant.accountId, ref);
    if (!customer) throw new NotFoundError(CUSTOMER_NOT_FOUND);
    return customer;
  }
}

function toView(c: Customer): CustomerView {
  const optional = {
    msId: c.msId,
    discountCardNumber: c.cardNumber,
    phone: c.phone ? `+${c.phone}` : null,
    email: c.email,
    legalFirstName: c.legalFirstName,
    legalMiddleName: c.legalMiddleName,
    legalLastName: c.legalLastName,
    birthDate: c.birthDate,
    sex: c.sex,
  };
  // МойСклад wants absent fields left out rather than null.
  const present = Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== null)) as Partial<CustomerView>;
  return { id: c.id, name: c.name, ...present };
}
