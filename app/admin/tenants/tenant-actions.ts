import type { Tenant } from '../../../db/schema/index.js';
import { isAppError } from '../../errors.js';
import type { GoLive, GoLiveReport } from '../../go-live/go-live.js';
import { redactText } from '../../logging/redact.js';
import type { Outbox, OutboxItemView } from '../../outbox/outbox.js';
import type { TransactionLog } from '../../txlog/transaction-log.js';
import { recordAdminAction } from '../../txlog/admin-audit.js';
import type { Flash } from '../flash.js';
import { flashOfReport, nothingToSend } from './go-live-view.js';
import { describeItem } from './outbox-view.js';

export interface TenantActionDeps {
  goLive: Pick<GoLive, 'retry' | 'resend' | 'rotateToken'>;
  outbox: Pick<Outbox, 'retryNow' | 'abandon'>;
  txlog: TransactionLog;
}

/**
 * Support's actions on a tenant. Each one runs the same use case the settings iframe or the outbox
 * worker runs, writes a kind 'admin' row with who did it, and says how it went in Russian. A refusal
 * the person can act on (МойСклад said no, the item was already handled) is an answer, not an error page.
 */
export function tenantActions({ goLive, outbox, txlog }: TenantActionDeps) {
  const goLiveAction = async (
    by: string,
    accountId: string,
    action: string,
    run: () => Promise<GoLiveReport>,
    done: string,
  ): Promise<Flash> => {
    let report: GoLiveReport;
    try {
      report = await run();
    } catch (error) {
      if (!isAppError(error)) throw error;
      recordAdminAction(txlog, by, action, { tenantId: accountId, ok: false, errorMessage: error.message });
      return { kind: 'error', text: error.message };
    }
    const failed = report.steps.find((s) => s.outcome === 'failed');
    // Only the outcome of each step: the reports never carry the token, and neither does this row.
    const steps = report.steps.map(({ step, outcome, message }) => ({ step, outcome, message }));
    recordAdminAction(txlog, by, action, {
      tenantId: accountId,
      ok: !failed,
      errorMessage: failed?.message,
      response: { steps, live: report.live },
    });
    return flashOfReport(report, done);
  };

  const outboxAction = (
    by: string,
    target: { tenantId: string; id: number; reason?: string; confirmed?: string },
    action: string,
    run: () => OutboxItemView,
    done: (item: OutboxItemView) => string,
  ): Flash => {
    const { tenantId, id: outboxId, reason, confirmed } = target;
    let item: OutboxItemView;
    try {
      item = run();
    } catch (error) {
      if (!isAppError(error)) throw error;
      recordAdminAction(txlog, by, action, {
        tenantId,
        ok: false,
        errorMessage: error.message,
        request: { outboxId, reason, confirmed },
      });
      return { kind: 'error', text: error.message };
    }
    recordAdminAction(txlog, by, action, {
      tenantId,
      saleKey: item.saleKey,
      documentName: item.documentName,
      request: { outboxId, reason, confirmed },
      response: { status: item.status },
    });
    return { kind: 'ok', text: done(item) };
  };

  /** Settings go to МойСклад only for an account whose owner saved them (see nothingToSend). */
  const sendSettings = (
    by: string,
    tenant: Tenant,
    action: string,
    run: () => Promise<GoLiveReport>,
    done: string,
  ): Promise<Flash> => {
    const refusal = nothingToSend(tenant);
    if (refusal) {
      recordAdminAction(txlog, by, action, { tenantId: tenant.accountId, ok: false, errorMessage: refusal });
      return Promise.resolve({ kind: 'error', text: refusal });
    }
    return goLiveAction(by, tenant.accountId, action, run, done);
  };

  return {
    /** Only the pending step and the ones after it, as «Повторить» in the settings iframe. */
    retryGoLive: (by: string, tenant: Tenant) =>
      sendSettings(by, tenant, 'go-live.retry', () => goLive.retry(tenant.accountId), 'Подключение завершено.'),

    /** The whole loyalty settings again (PUT), then the activation if it is still missing. */
    resendSettings: (by: string, tenant: Tenant) =>
      sendSettings(
        by,
        tenant,
        'go-live.resend',
        () => goLive.resend(tenant.accountId),
        'Настройки переданы в МойСклад.',
      ),

    /** A new LoyaltyAPI token, sent to МойСклад; the old one works until МойСклад has accepted it. */
    rotateToken: (by: string, tenant: Tenant) =>
      goLiveAction(
        by,
        tenant.accountId,
        'go-live.rotate-token',
        () => goLive.rotateToken(tenant.accountId),
        'Токен заменён.',
      ),

    retryOutboxItem: (by: string, tenantId: string, id: number) =>
      outboxAction(
        by,
        { tenantId, id },
        'outbox.retry',
        () => outbox.retryNow(tenantId, id, by),
        (item) => `${describeItem(item)}: отправка повторяется сейчас. Обновите страницу, чтобы увидеть результат.`,
      ),

    /**
     * An item of unknown outcome, sent again by an admin who confirmed that the provider may apply it
     * twice (route: admin only, the form's confirmation required).
     */
    resendUnknownOutcome: (by: string, tenantId: string, id: number) =>
      outboxAction(
        by,
        { tenantId, id, confirmed: 'double-spend-risk' },
        'outbox.resend-unknown',
        () => outbox.retryNow(tenantId, id, by, { acceptDoubleSpendRisk: true }),
        (item) =>
          `${describeItem(item)}: отправляется повторно по вашему подтверждению. Если первая отправка всё же прошла, поправьте баллы покупателя в системе лояльности.`,
      ),

    /** The reason is kept on the item and in the log; a phone typed into it keeps its last four digits only. */
    abandonOutboxItem: (by: string, tenantId: string, id: number, reason: string) => {
      const why = redactText(reason);
      return outboxAction(
        by,
        { tenantId, id, reason: why },
        'outbox.abandon',
        () => outbox.abandon(tenantId, id, why, by),
        (item) => `${describeItem(item)}: отправка отменена. Причина записана в журнал.`,
      );
    },
  };
}
