import type { Tenant } from '../../db/schema/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { DAY_MS, moscowDayMonth, moscowHour } from '../locale/moscow-day.js';
import { daysText, pointsText } from '../locale/plural.js';
import type { Logger } from '../logging/logger.js';
import { maskPhone } from '../logging/redact.js';
import type { SmsGateway } from '../sms/sms-gateway.js';
import type { Db } from '../storage/database.js';
import { smsWebhookUrlOf } from '../tenants/tenant-settings.js';
import { expiryReminderRepository as reminders, type ReminderCandidate } from './expiry-reminder-repository.js';
import { ledgerRulesOf } from './rules.js';

const REMINDER_BATCH = 100;
/** Reminders go out by day only, Moscow time [from, to). */
export const REMINDER_HOURS = { from: 10, to: 21 } as const;

export interface ExpiryRemindersDeps {
  logger: Logger;
  /** Opens the tenant's sealed SMS gateway URL. */
  box: SecretBox;
  sms: Pick<SmsGateway, 'send'>;
  now?: () => Date;
}

/**
 * SMS reminders of points about to expire, run by the hourly maintenance after the expiry job: claim a
 * row (unique per customer and expiry date), send through the shop's SMS gateway, record how it went.
 */
export class ExpiryReminders {
  private readonly now: () => Date;

  constructor(
    private readonly db: Db,
    private readonly deps: ExpiryRemindersDeps,
  ) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Sends the reminders due now: for each tenant whose program sends them, each customer's points of one
   * expiry date within the tenant's reminder days get one SMS from the owner's template. Customers
   * without a phone get a row and no SMS. Only by day (REMINDER_HOURS, Moscow).
   */
  async remind(signal?: AbortSignal): Promise<{ sent: number; failed: number; noPhone: number }> {
    const counts = { sent: 0, failed: 0, noPhone: 0 };
    const hour = moscowHour(this.now().getTime());
    if (hour < REMINDER_HOURS.from || hour >= REMINDER_HOURS.to) return counts;
    for (const tenant of reminders.activeLedgerTenants(this.db)) {
      if (signal?.aborted) break;
      const rules = ledgerRulesOf(tenant);
      if (!rules.active || rules.expiryReminderDays === 0) continue;
      const webhookUrl = this.gatewayOf(tenant);
      if (!webhookUrl) continue;
      const message = (c: ReminderCandidate, now: number) =>
        reminderText(rules.expiryReminderTemplate, {
          days: Math.max(1, Math.ceil((c.expiresAt - now) / DAY_MS)),
          points: c.points,
          expiresAt: c.expiresAt,
          shop: tenant.accountName,
        });
      for (;;) {
        const now = this.now().getTime();
        const batch = reminders.candidates(
          this.db,
          tenant.accountId,
          now,
          now + rules.expiryReminderDays * DAY_MS,
          REMINDER_BATCH,
        );
        for (const candidate of batch) {
          if (signal?.aborted) break;
          const outcome = await this.remindOne(tenant, webhookUrl, candidate, message(candidate, now));
          if (outcome) counts[outcome]++;
        }
        if (batch.length < REMINDER_BATCH || signal?.aborted) break;
      }
    }
    return counts;
  }

  /** Claim, send, record. Returns undefined when another process had claimed it. */
  private async remindOne(
    tenant: Tenant,
    webhookUrl: string,
    candidate: ReminderCandidate,
    text: string,
  ): Promise<'sent' | 'failed' | 'noPhone' | undefined> {
    const key = { customerId: candidate.customerId, expiresAt: candidate.expiresAt };
    const status = candidate.phone ? 'sending' : 'no-phone';
    const claimed = reminders.claim(
      this.db,
      { tenantId: tenant.accountId, ...key, points: candidate.points, status },
      this.now().getTime(),
    );
    if (!claimed) return undefined;
    if (!candidate.phone) return 'noPhone';
    try {
      await this.deps.sms.send(tenant.accountId, webhookUrl, { phone: candidate.phone, text });
    } catch (error) {
      // Not sent again: a gateway that failed may still have delivered it, and twice is worse than never.
      const reason = error instanceof Error ? error.message : String(error);
      reminders.finish(this.db, key, 'failed', this.now().getTime(), reason);
      this.deps.logger.warn('expiry reminder not sent', {
        tenantId: tenant.accountId,
        phone: maskPhone(candidate.phone),
        reason,
      });
      return 'failed';
    }
    reminders.finish(this.db, key, 'sent', this.now().getTime());
    return 'sent';
  }

  private gatewayOf(tenant: Tenant): string | undefined {
    try {
      return smsWebhookUrlOf(this.deps.box, tenant);
    } catch (error) {
      // Sealed with another ENCRYPTION_KEY: the admin page says so; the other tenants still get theirs.
      this.deps.logger.warn('expiry reminders skipped: the SMS gateway cannot be opened', {
        tenantId: tenant.accountId,
        error,
      });
      return undefined;
    }
  }
}

/** The owner's template filled in: {days} «7 дней», {points} «120 баллов», {date} «01.03», {shop}. */
export function reminderText(
  template: string,
  values: { days: number; points: number; expiresAt: number; shop: string },
): string {
  const filled: Record<string, string> = {
    days: daysText(values.days),
    points: pointsText(values.points),
    date: moscowDayMonth(values.expiresAt - 1),
    shop: values.shop,
  };
  return template.replace(/\{(days|points|date|shop)\}/g, (_m, key: string) => filled[key]!);
}
