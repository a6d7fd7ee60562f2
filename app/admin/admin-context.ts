import type { Config } from '../config/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { GoLive } from '../go-live/go-live.js';
import type { CustomerImport } from '../ledger/customer-import.js';
import type { GiftCards } from '../ledger/gift-cards.js';
import type { Logger } from '../logging/logger.js';
import type { Outbox } from '../outbox/outbox.js';
import type { Storage } from '../storage/database.js';
import type { TransactionLog } from '../txlog/transaction-log.js';
import type { TimeZone } from './time-zone.js';

/** What createApp hands the support UI. */
export interface AdminDeps {
  config: Config;
  storage: Storage;
  logger: Logger;
  txlog: TransactionLog;
  box: SecretBox;
  giftCards: GiftCards;
  /** Re-sending settings and rotating tokens: the same use case the settings iframe runs. */
  goLive: Pick<GoLive, 'retry' | 'resend' | 'rotateToken'>;
  /** The outbox's admin API: waiting items, retry, abandon. */
  outbox: Pick<Outbox, 'countWaitingByTenant' | 'listItems' | 'retryNow' | 'abandon'>;
  /** What МойСклад's till calls (PUBLIC_BASE_URL + /loyalty-api), to tell which go-live step is pending. */
  loyaltyApiUrl: string;
  /** Customer files into the built-in ledger, in the background. */
  customerImport: CustomerImport;
}

/** What every admin page module receives. */
export interface AdminContext extends AdminDeps {
  tz: TimeZone;
}
