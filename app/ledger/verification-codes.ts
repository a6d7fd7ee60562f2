import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { and, desc, eq, gt, isNull, lt, ne } from 'drizzle-orm';
import { verificationCodes, type CodePurpose, type Tenant } from '../../db/schema/index.js';
import { BusinessRuleError, UpstreamError, ValidationError } from '../errors.js';
import { createHttpClient, describeFailure } from '../http/outbound-client.js';
import type { Logger } from '../logging/logger.js';
import { maskPhone, REDACTED } from '../logging/redact.js';
import type { VerificationAnswer } from '../loyalty/backend.js';
import { immediate, type Db } from '../storage/database.js';
import type { LogEntry, TransactionLog } from '../txlog/transaction-log.js';
import { ledgerRulesOf } from './rules.js';
import { normalizePhone } from '../locale/phone.js';

/** МойСклад's till lets the cashier ask again after this many seconds; we refuse a new SMS before that. */
export const REPEAT_AFTER_SECONDS = 60;
export const CODE_TTL_MS = 5 * 60_000;
const DEFAULT_TIMEOUT_MS = 3000;

export interface VerificationCodesDeps {
  logger: Logger;
  txlog?: TransactionLog;
  now?: () => Date;
  /** Whole budget for the SMS gateway call. */
  timeoutMs?: number;
}

/**
 * One-time codes for registration and spending: generate, send through the store's SMS gateway
 * (POST {phone, code, message} to `codeWebhookUrl`), keep only a salted hash, verify later.
 */
export class VerificationCodes {
  private readonly now: () => Date;
  private readonly timeoutMs: number;

  constructor(
    private readonly db: Db,
    private readonly deps: VerificationCodesDeps,
  ) {
    this.now = deps.now ?? (() => new Date());
    this.timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async send(tenant: Tenant, purpose: CodePurpose, phone: string | undefined): Promise<VerificationAnswer> {
    const normalized = phone ? normalizePhone(phone) : null;
    if (!normalized) {
      throw new ValidationError('Укажите телефон покупателя в формате +7 XXX XXX-XX-XX, чтобы отправить код.', {
        parameter: 'phone',
      });
    }
    const webhookUrl = ledgerRulesOf(tenant).codeWebhookUrl;
    if (!webhookUrl) {
      throw new BusinessRuleError(
        'SMS-коды для магазина не настроены. Владелец должен указать SMS-шлюз в настройках приложения.',
        { details: { reason: 'codeWebhookUrl is not set' } },
      );
    }

    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    // The row is written before the SMS goes out, under the write lock: two quick taps at the till
    // cannot both pass the repeat check and send two SMS. A failed send deletes it again.
    const rowId = this.reserve(tenant.accountId, normalized, purpose, code);
    try {
      await this.deliver(tenant, webhookUrl, normalized, purpose, code);
    } catch (error) {
      this.db.delete(verificationCodes).where(eq(verificationCodes.id, rowId)).run();
      throw error;
    }
    // Only the newest code counts; older ones for the same phone and purpose are dropped.
    this.db
      .delete(verificationCodes)
      .where(
        and(
          eq(verificationCodes.tenantId, tenant.accountId),
          eq(verificationCodes.phone, normalized),
          eq(verificationCodes.purpose, purpose),
          ne(verificationCodes.id, rowId),
        ),
      )
      .run();

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
      const rows = tx
        .select()
        .from(verificationCodes)
        .where(
          and(
            eq(verificationCodes.tenantId, tenantId),
            eq(verificationCodes.phone, normalized),
            eq(verificationCodes.purpose, purpose),
            gt(verificationCodes.expiresAt, now),
            isNull(verificationCodes.usedAt),
          ),
        )
        .all();
      const match = rows.find((row) => sameHash(row.codeHash, hashCode(row.salt, code)));
      if (!match) return false;
      tx.update(verificationCodes).set({ usedAt: now }).where(eq(verificationCodes.id, match.id)).run();
      return true;
    });
  }

  private reserve(tenantId: string, phone: string, purpose: CodePurpose, code: string): number {
    const now = this.now();
    const windowStart = new Date(now.getTime() - REPEAT_AFTER_SECONDS * 1000);
    return immediate(this.db, (tx) => {
      const recent = tx
        .select({ createdAt: verificationCodes.createdAt })
        .from(verificationCodes)
        .where(
          and(
            eq(verificationCodes.tenantId, tenantId),
            eq(verificationCodes.phone, phone),
            eq(verificationCodes.purpose, purpose),
            gt(verificationCodes.createdAt, windowStart),
          ),
        )
        .orderBy(desc(verificationCodes.createdAt))
        .limit(1)
        .get();
      if (recent) {
        const secondsLeft = Math.max(1, Math.ceil((recent.createdAt.getTime() - windowStart.getTime()) / 1000));
        throw new BusinessRuleError(`Код уже отправлен, повторить можно через ${secondsLeft} с`);
      }
      // Housekeeping: expired codes are of no use to anyone.
      tx.delete(verificationCodes)
        .where(and(eq(verificationCodes.tenantId, tenantId), lt(verificationCodes.expiresAt, now)))
        .run();
      const salt = randomBytes(16).toString('hex');
      return tx
        .insert(verificationCodes)
        .values({
          tenantId,
          phone,
          purpose,
          salt,
          codeHash: hashCode(salt, code),
          createdAt: now,
          expiresAt: new Date(now.getTime() + CODE_TTL_MS),
        })
        .returning({ id: verificationCodes.id })
        .get().id;
    });
  }

  private async deliver(
    tenant: Tenant,
    webhookUrl: string,
    phone: string,
    purpose: CodePurpose,
    code: string,
  ): Promise<void> {
    // The gateway URL is the base and the path is empty, so a key in its query string never
    // reaches an endpoint name in the logs.
    const client = createHttpClient({
      name: 'sms-gateway',
      kind: 'provider',
      baseURL: webhookUrl,
      timeoutMs: this.timeoutMs,
      logger: this.deps.logger,
      txlog: this.deps.txlog && codeFreeLog(this.deps.txlog, tenant.accountId, code),
    });
    const message =
      purpose === 'registration' ? `Код подтверждения регистрации: ${code}` : `Код для списания баллов: ${code}`;
    try {
      await client.post('', { phone: `+${phone}`, code, message });
    } catch (error) {
      const failure = describeFailure(error);
      // No cause attached: the axios error carries the request body, and with it the code.
      throw new UpstreamError('Не удалось отправить SMS с кодом, повторите позже.', {
        definite: failure.type === 'http' && (failure.status ?? 0) < 500,
        upstreamStatus: failure.status,
        details: { gateway: 'sms-gateway', failure: failure.type, reason: failure.reason },
      });
    }
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

/**
 * The transaction log redacts the `code` key, but the SMS text carries the code too: this view of
 * the log blanks it there as well, and files the call under the tenant when no request context does.
 */
function codeFreeLog(txlog: TransactionLog, tenantId: string, code: string): TransactionLog {
  const view = Object.create(txlog) as TransactionLog;
  view.record = (entry: LogEntry, tx) =>
    txlog.record({ ...entry, tenantId: entry.tenantId ?? tenantId, request: withoutCode(entry.request, code) }, tx);
  return view;
}

function withoutCode(body: unknown, code: string): unknown {
  if (typeof body === 'string') return body.split(code).join(REDACTED);
  if (Array.isArray(body)) return body.map((item) => withoutCode(item, code));
  if (body && typeof body === 'object') {
    return Object.fromEntries(Object.entries(body).map(([key, value]) => [key, withoutCode(value, code)]));
  }
  return body;
}
