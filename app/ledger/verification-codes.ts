import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { CodePurpose, Tenant } from '../../db/schema/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { BusinessRuleError, ValidationError } from '../errors.js';
import { normalizePhone } from '../locale/phone.js';
import type { Logger } from '../logging/logger.js';
import { maskPhone } from '../logging/redact.js';
import type { VerificationAnswer } from '../loyalty/backend.js';
import type { SmsGateway } from '../sms/sms-gateway.js';
import { immediate, type Db } from '../storage/database.js';
import { smsWebhookUrlOf } from '../tenants/tenant-settings.js';
import { verificationCodeRepository as codes, type CodeOwner } from './verification-code-repository.js';

/** МойСклад's till lets the cashier ask again after this many seconds; we refuse a new SMS before that. */
export const REPEAT_AFTER_SECONDS = 60;
export const CODE_TTL_MS = 5 * 60_000;

export interface VerificationCodesDeps {
  logger: Logger;
  /** Opens the tenant's sealed SMS gateway URL. */
  box: SecretBox;
  sms: Pick<SmsGateway, 'send'>;
  now?: () => Date;
}

/**
 * One-time codes for registration and spending: generate, send through the store's SMS gateway,
 * keep only a salted hash, verify later.
 */
export class VerificationCodes {
  private readonly now: () => Date;

  constructor(
    private readonly db: Db,
    private readonly deps: VerificationCodesDeps,
  ) {
    this.now = deps.now ?? (() => new Date());
  }

  async send(tenant: Tenant, purpose: CodePurpose, phone: string | undefined): Promise<VerificationAnswer> {
    const normalized = phone ? normalizePhone(phone) : null;
    if (!normalized) {
      throw new ValidationError('Укажите телефон покупателя в формате +7 XXX XXX-XX-XX, чтобы отправить код.', {
        parameter: 'phone',
      });
    }
    const webhookUrl = smsWebhookUrlOf(this.deps.box, tenant);
    if (!webhookUrl) {
      throw new BusinessRuleError(
        'SMS-коды для магазина не настроены. Владелец должен указать SMS-шлюз в настройках приложения.',
        { details: { reason: 'codeWebhookUrl is not set' } },
      );
    }

    const owner: CodeOwner = { tenantId: tenant.accountId, phone: normalized, purpose };
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    // The row is written before the SMS goes out, under the write lock: two quick taps at the till
    // cannot both pass the repeat check and send two SMS. A failed send deletes it again.
    const rowId = this.reserve(owner, code);
    const text =
      purpose === 'registration' ? `Код подтверждения регистрации: ${code}` : `Код для списания баллов: ${code}`;
    try {
      await this.deps.sms.send(tenant.accountId, webhookUrl, { phone: normalized, text, code });
    } catch (error) {
      codes.delete(this.db, rowId);
      throw error;
    }
    // Only the newest code counts; older ones for the same phone and purpose are dropped.
    codes.deleteOthers(this.db, owner, rowId);

    this.deps.logger.info('verification code sent', {
      tenantId: tenant.accountId,
      purpose,
      phone: maskPhone(normalized),
    });
    return {
      verificationCode: code,
      timeForRepeat: REPEAT_AFTER_SECONDS,
      messageForCashier: `Код отправлен на номер ${maskPhone(normalized)}`,
    };
  }

  /**
   * Whether `code` is the live (sent within CODE_TTL_MS, not used yet) code for this phone and purpose.
   * A match marks the code used, so it verifies once.
   */
  verify(tenantId: string, purpose: CodePurpose, phone: string, code: string): boolean {
    const normalized = normalizePhone(phone);
    if (!normalized || !/^\d{6}$/.test(code)) return false;
    const now = this.now();
    return immediate(this.db, (tx) => {
      const rows = codes.live(tx, { tenantId, phone: normalized, purpose }, now);
      const match = rows.find((row) => sameHash(row.codeHash, hashCode(row.salt, code)));
      if (!match) return false;
      codes.markUsed(tx, match.id, now);
      return true;
    });
  }

  private reserve(owner: CodeOwner, code: string): number {
    const now = this.now();
    const windowStart = new Date(now.getTime() - REPEAT_AFTER_SECONDS * 1000);
    return immediate(this.db, (tx) => {
      const sentAt = codes.sentSince(tx, owner, windowStart);
      if (sentAt) {
        const secondsLeft = Math.max(1, Math.ceil((sentAt.getTime() - windowStart.getTime()) / 1000));
        throw new BusinessRuleError(`Код уже отправлен, повторить можно через ${secondsLeft} с`);
      }
      // Housekeeping: expired codes are of no use to anyone.
      codes.deleteExpired(tx, owner.tenantId, now);
      const salt = randomBytes(16).toString('hex');
      return codes.insert(tx, owner, {
        salt,
        codeHash: hashCode(salt, code),
        createdAt: now,
        expiresAt: new Date(now.getTime() + CODE_TTL_MS),
      });
    });
  }
}

function hashCode(salt: string, code: string): string {
  return createHmac('sha256', salt).update(code).digest('hex');
}

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
