import { randomUUID } from 'node:crypto';
import type { Customer } from '../../db/schema/index.js';
import type { NewCustomerInput } from '../loyalty/backend.js';
import type { DbOrTx } from '../storage/database.js';
import { customerRepository as customers, storedFields } from './customer-repository.js';
import { lotExpiresAt, postEntry } from './point-lots.js';
import type { Audience } from './ledger-context.js';
import type { LedgerRules } from './rules.js';
import type { TierRules } from './tier-rules.js';
import { afterRegistration } from './tiers.js';

/**
 * Registers a customer in the caller's transaction, with welcome points when the rules give them on
 * registration. When registration must be confirmed by code, only a CHECKED customer gets them: one the
 * cashier let through unchecked (IGNORE), or one a sale registers, is created without. A customer
 * outside the program's audience earns nothing, welcome points included.
 */
export function registerCustomer(
  tx: DbOrTx,
  ctx: { tenantId: string; rules: LedgerRules; now: Date; tiers?: TierRules },
  input: NewCustomerInput,
  audience: Audience = { member: true },
): Customer {
  const id = randomUUID();
  customers.insert(tx, {
    id,
    tenantId: ctx.tenantId,
    msId: input.msId || null,
    syncId: input.syncId ?? null,
    ...storedFields(input),
    createdAt: ctx.now,
    updatedAt: ctx.now,
  });
  const { rules } = ctx;
  const confirmed = !rules.confirmRegistrationByCode || input.statusCheck === 'CHECKED';
  if (
    audience.member &&
    rules.active &&
    rules.welcomeBonusesEnabled &&
    rules.welcomeBonusesMode === 'REGISTRATION' &&
    confirmed
  ) {
    postEntry(
      tx,
      { tenantId: ctx.tenantId, customerId: id, points: rules.welcomeBonusesValue, kind: 'welcome' },
      ctx.now,
      { expiresAt: lotExpiresAt(rules, 'welcome', ctx.now.getTime()) },
    );
    customers.markWelcomeGranted(tx, id);
  }
  return afterRegistration(tx, ctx, customers.findById(tx, ctx.tenantId, id)!);
}
