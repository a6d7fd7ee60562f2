import { randomUUID } from 'node:crypto';
import type { BackendKind, Tenant } from '../../db/schema/index.js';
import { AppError, NotFoundError } from '../errors.js';
import type { IframeSession } from '../iframe/iframe-sessions.js';
import { customerRepository } from '../ledger/customer-repository.js';
import { ledgerCustomerCard, type LedgerCustomerCard } from '../ledger/customer-card.js';
import { adjustBalance, type AdjustmentResult } from '../ledger/manual-adjustment.js';
import { ledgerRulesOf } from '../ledger/rules.js';
import { currentRequestContext, runWithRequestContext, type Logger } from '../logging/logger.js';
import type { BackendRegistry } from '../loyalty/backend-registry.js';
import type { Db } from '../storage/database.js';
import { tenantRepository } from '../tenants/tenant-repository.js';
import type { TransactionLog } from '../txlog/transaction-log.js';

export const NO_CUSTOMER_YET = 'Клиент ещё не покупал с бонусами.';

/** What the widget on a counterparty's page shows; nothing of another account ever gets in here. */
export type CounterpartyCard =
  | { kind: 'ledger'; card: LedgerCustomerCard }
  /** The built-in ledger has no customer with this counterparty id (in this account). */
  | { kind: 'none'; text: string }
  /** An external system: its balance when it answered in time, else a short note why not. */
  | { kind: 'provider'; system: BackendKind; balance?: number; note: string };

export interface CounterpartyCardsDeps {
  db: Db;
  txlog: TransactionLog;
  backends: Pick<BackendRegistry, 'for'>;
  logger: Logger;
  /** How long a widget waits for an external system's balance; the page must not hang on a slow one. */
  providerPatienceMs: number;
}

export interface WidgetAdjustment {
  counterpartyId: string;
  points: number;
  reason: string;
  /** Random per rendered form: a double click applies it once. */
  requestKey: string;
}

/**
 * The customer's points on the counterparty card in МойСклад (a Vendor API widget). The account is always
 * the session's, which came from МойСклад's user context, never from the page: the counterparty id from
 * the `Open` message is looked up only inside that account.
 */
export class CounterpartyCards {
  constructor(private readonly deps: CounterpartyCardsDeps) {}

  async show(session: IframeSession, counterpartyId: string, now = new Date()): Promise<CounterpartyCard> {
    const tenant = this.tenant(session);
    if (tenant.backend === 'ledger') {
      const card = ledgerCustomerCard(this.deps.db, tenant, counterpartyId, now);
      return card ? { kind: 'ledger', card } : { kind: 'none', text: NO_CUSTOMER_YET };
    }
    return this.providerCard(tenant, counterpartyId);
  }

  /**
   * Support's manual correction, made by an account administrator from the widget: the same use case as
   * the support UI's (one transaction with its audit row in the log), for this account's customer only.
   */
  adjust(session: IframeSession, input: WidgetAdjustment): AdjustmentResult {
    const tenant = this.tenant(session);
    const customer =
      tenant.backend === 'ledger'
        ? customerRepository.findByMsId(this.deps.db, tenant.accountId, input.counterpartyId)
        : undefined;
    if (!customer) throw new NotFoundError(NO_CUSTOMER_YET);
    return adjustBalance(this.deps.db, this.deps.txlog, {
      tenantId: tenant.accountId,
      customerId: customer.id,
      points: input.points,
      reason: input.reason,
      requestKey: input.requestKey,
      adminLogin: `МойСклад: ${session.employeeName}`,
      rules: ledgerRulesOf(tenant),
    });
  }

  private tenant(session: IframeSession): Tenant {
    const tenant = tenantRepository.find(this.deps.db, session.accountId);
    if (!tenant || tenant.status === 'Uninstalled') {
      throw new NotFoundError('Приложение не установлено на этом аккаунте МоегоСклада.');
    }
    return tenant;
  }

  /**
   * An external system is asked for the balance only, within `providerPatienceMs` (every outbound call is
   * clamped to the context's deadline, retries included), and only for a customer the till already
   * linked to it: a counterparty it never saw would need a search by phone, which the widget does not make.
   */
  private async providerCard(tenant: Tenant, counterpartyId: string): Promise<CounterpartyCard> {
    const system = tenant.backend;
    const outer = currentRequestContext();
    const context = {
      ...(outer ?? { requestId: randomUUID() }),
      accountId: tenant.accountId,
      deadlineAt: Date.now() + this.deps.providerPatienceMs,
    };
    try {
      const balance = await runWithRequestContext(context, () =>
        this.deps.backends.for(tenant).balance(tenant, { id: counterpartyId }),
      );
      return { kind: 'provider', system, balance, note: PROVIDER_NOTE };
    } catch (error) {
      if (error instanceof NotFoundError) return { kind: 'none', text: NO_CUSTOMER_YET };
      this.deps.logger.warn('widget: provider balance failed', { system, error });
      const why = error instanceof AppError && error.status < 500 ? error.message : PROVIDER_SILENT;
      return { kind: 'provider', system, note: why };
    }
  }
}

const PROVIDER_NOTE = 'История операций, уровень и корректировки — в кабинете системы лояльности.';
const PROVIDER_SILENT =
  'Система лояльности не ответила вовремя. Баланс видно на кассе; откройте карточку позже ещё раз.';
