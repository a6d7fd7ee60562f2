import type { OutboxKind, OutboxRow, ProviderKind } from '../../db/schema/index.js';

/** What a provider adapter puts in the outbox for one sale or return. */
export interface OutboxEntry {
  provider: ProviderKind;
  kind: OutboxKind;
  /** The sale key or return key; the same document twice is one entry. */
  operationKey: string;
  /** The sale itself, or for a return the returned sale. */
  saleKey?: string;
  documentName?: string;
  /** Entries of one customer are delivered in the order they were added. */
  customerKey: string;
  payload: Record<string, unknown>;
  /** Set when no automatic delivery is possible (e.g. the provider has no refunds): support acts on it. */
  needsSupport?: string;
}

export interface DeliveryResult {
  pointsSpent?: number;
  pointsEarned?: number;
  /** What the provider answered, kept on the row for support. */
  answer?: Record<string, unknown>;
}

/** A provider adapter's side of the outbox: how to send one entry. */
export interface OutboxDelivery {
  /**
   * Whether sending an entry again is harmless because the provider recognises the repeat
   * (i-bonus: the order's externalId). Without it, an attempt of unknown outcome goes to support
   * instead of being sent again.
   */
  readonly resendIsSafe: boolean;
  /** Throws the client's typed errors; the outbox decides from them whether to retry. */
  deliver(item: OutboxRow): Promise<DeliveryResult>;
  /**
   * A new support note for an entry waiting for a person (a return) now that its sale was delivered,
   * e.g. the points to correct by hand, which only the sale's answer tells; undefined keeps the note.
   */
  supportNoteAfterSale?(entry: OutboxRow, sale: OutboxRow): string | undefined;
}
