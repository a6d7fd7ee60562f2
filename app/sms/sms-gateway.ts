import { UpstreamError } from '../errors.js';
import { createHttpClient, describeFailure } from '../http/outbound-client.js';
import { PUBLIC_ONLY, type OutboundGuard } from '../http/outbound-guard.js';
import type { Logger } from '../logging/logger.js';
import type { TransactionLog } from '../txlog/transaction-log.js';

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
  /** A one-time code inside the text: sent as its own field too, and blanked in every log. */
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
      txlog: this.deps.txlog,
      // Verification codes are sent from a LoyaltyAPI call, but a call made elsewhere still has its tenant.
      tenantId,
      // The code is in the SMS text too, and a gateway may echo its key or the code in an error.
      secrets: [sms.code, ...secretsInUrl(webhookUrl)],
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

/** What in the gateway's address is a credential: user info, query values and long path segments (a key in the path). */
function secretsInUrl(webhookUrl: string): string[] {
  let url: URL;
  try {
    url = new URL(webhookUrl);
  } catch {
    return [];
  }
  const pathKeys = url.pathname.split('/').filter((segment) => segment.length > 16);
  return [url.username, url.password, ...pathKeys]
    .map(decoded)
    .concat([...url.searchParams.values()])
    .filter((value) => value !== '');
}

function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
