import type { Tenant } from '../../db/schema/index.js';
import type { LogFacts } from './transaction-logging.js';

/**
 * What our middleware leaves on res.locals for the handlers and the transaction log, typed once.
 * (Admin pages' view locals are the admin router's business and stay untyped there.)
 */
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express types its locals through this namespace
  namespace Express {
    interface Locals {
      requestId?: string;
      /** The LoyaltyAPI tenant the token named. */
      tenant?: Tenant;
      /** The account a log row belongs to (LoyaltyAPI tenant, or the Vendor API path's account). */
      tenantId?: string;
      /** When the LoyaltyAPI call arrived, for the till's deadline and the log's duration. */
      receivedAt?: number;
      logFacts?: LogFacts;
      /** Set when a handler wrote its own log row inside its transaction. */
      logWritten?: boolean;
      /** Set once the API's token or JWT was accepted (`markAuthenticated`); before that, a call keeps metadata only. */
      authenticated?: boolean;
      /** Set on a refusal past the failed-authentication limit after the first: no log row at all. */
      skipLog?: boolean;
      responseBody?: unknown;
    }
  }
}

export {};
