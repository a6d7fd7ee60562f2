import type { DbOrTx } from '../storage/database.js';
import type { LogEntry, TransactionLog } from './transaction-log.js';

/**
 * Admin actions go to the transaction log as kind 'admin', with who did it: support staff find them next
 * to the till's calls, filtered like any other row. Pass tx to commit the row with the action itself.
 */
export function recordAdminAction(
  txlog: TransactionLog,
  by: string | undefined,
  action: string,
  facts: Omit<LogEntry, 'kind' | 'endpoint' | 'ok'> & { ok?: boolean },
  tx?: DbOrTx,
): void {
  const request = facts.request && typeof facts.request === 'object' ? facts.request : {};
  txlog.record({ ...facts, kind: 'admin', endpoint: action, ok: facts.ok ?? true, request: { by, ...request } }, tx);
}
