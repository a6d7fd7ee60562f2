import { UpstreamError } from '../errors.js';
import { createHttpClient, describeFailure } from '../http/outbound-client.js';
import { PUBLIC_ONLY, type OutboundGuard } from '../http/outbound-guard.js';
import type { Logger } from '../logging/logger.js';
import { REDACTED } from '../logging/redact.js';
import type { LogEntry, TransactionLog } from '../txlog/transaction-log.js';

const DEFAULT_TIMEOUT_MS = 3000;

export interface SmsGatewayDeps {
  logger: Logger;
  txlog?: TransactionLog;
  /** Whole budget for one gateway call. */
  timeoutMs?: number;
  /** The owner typed the gateway's address: public addresses only, unless the operator's guard allows more. */
  guard?: OutboundGuard;
}

export interface SmsMessage {
  /** 11 digits starting with 7; sent as +7… */
  phone: string;
  text: string;
  /** A one-time code inside the text: sent as its own field too, and blanked in the transaction log. */
  code?: string;
}

/**
 * The store's own SMS gateway: a webhook the owner sets in the settings. We POST {phone, message} (and
 * {code} for one-time codes) to it; it delivers the SMS. The shop pays for its SMS, we never see them.
 */
export class SmsGateway {
  private readonly timeoutMs: number;

  constructor(private readonly deps: SmsGatewayDeps) {
    this.timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async send(tenantId: string, webhookUrl: string, sms: SmsMessage): Promise<void> {
    // The gateway URL is the base and the path is empty, so a key in its query string never
    // reaches an endpoint name in the logs.
    const client = createHttpClient({
      name: 'sms-gateway',
      kind: 'provider',
      destination: 'tenant',
      guard: this.deps.guard ?? PUBLIC_ONLY,
      baseURL: webhookUrl,
      timeoutMs: this.timeoutMs,
      logger: this.deps.logger,
      txlog: this.deps.txlog && tenantLog(this.deps.txlog, tenantId, sms.code),
    });
    try {
      await client.post('', { phone: `+${sms.phone}`, ...(sms.code ? { code: sms.code } : {}), message: sms.text });
    } catch (error) {
      const failure = describeFailure(error);
      // No cause attached: the axios error carries the request body, and with it any code.
      const what = sms.code ? 'SMS с кодом' : 'SMS';
      throw new UpstreamError(`Не удалось отправить ${what}, повторите позже.`, {
        definite: failure.type === 'http' && (failure.status ?? 0) < 500,
        upstreamStatus: failure.status,
        details: { gateway: 'sms-gateway', failure: failure.type, reason: failure.reason },
      });
    }
  }
}

/**
 * Files the call under the tenant when no request context does. The transaction log redacts the `code`
 * key, but the SMS text carries the code too: this view of the log blanks it there as well.
 */
function tenantLog(txlog: TransactionLog, tenantId: string, code: string | undefined): TransactionLog {
  const view = Object.create(txlog) as TransactionLog;
  view.record = (entry: LogEntry, tx) =>
    txlog.record(
      {
        ...entry,
        tenantId: entry.tenantId ?? tenantId,
        request: code ? withoutCode(entry.request, code) : entry.request,
      },
      tx,
    );
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
