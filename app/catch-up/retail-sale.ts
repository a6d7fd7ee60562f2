import type { SaleRequest } from '../loyalty/backend.js';
import { epochOfMoyskladMoment } from '../moysklad/json-api-moment.js';
import type { JsonApiRow } from '../moysklad/moysklad-client.js';
import { lineWithinBounds, MAX_RECEIPT_KOPECKS } from '../receipt/bounds.js';
import { priceAfterPercentKopecks, quantityMilliFrom } from '../receipt/money.js';
import { lineAmountKopecks, type DiscountedPosition } from '../receipt/positions.js';

/** A retail sale as read from the JSON API, mapped to what a LoyaltyAPI `POST /retaildemand` would give the ledger. */
export interface ReadSale {
  id: string;
  name?: string;
  /** "YYYY-MM-DD HH:MM:SS", Moscow time, as the till writes a sale's moment. */
  moment: string;
  momentMs: number;
  /** The counterparty's МойСклад id; absent: a sale without a customer. */
  counterpartyId?: string;
  /** Undefined when the sale cannot be read as a receipt (no positions, a line out of bounds). */
  request?: SaleRequest;
}

type Meta = { meta?: { href?: unknown; id?: unknown } };
const ID_AT_END = /\/([\w-]+)(?:\?.*)?$/;

function idOf(ref: unknown): string | undefined {
  const meta = (ref as Meta | undefined)?.meta;
  if (typeof meta?.id === 'string' && meta.id) return meta.id;
  return typeof meta?.href === 'string' ? ID_AT_END.exec(meta.href)?.[1] : undefined;
}

const kopecks = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : 0);

/**
 * A `retaildemand` row (read with `expand=positions`) as the till would have sent it: its id is the sale
 * key (a LoyaltyAPI sale names the same document by the same id), the agent is named by the counterparty
 * id, and each line keeps its assortment for the restricted-goods rules. The JSON API writes prices and
 * payments in kopecks and the line's own discount as a percent; nothing is spent.
 */
export function readSale(row: JsonApiRow): ReadSale | undefined {
  const momentMs = epochOfMoyskladMoment(row.moment);
  if (typeof row.id !== 'string' || !row.id || momentMs === undefined) return undefined;
  const moment = (row.moment as string).slice(0, 19);
  const name = typeof row.name === 'string' && row.name ? row.name : undefined;
  const counterpartyId = idOf(row.agent);
  const sale: ReadSale = { id: row.id, name, moment, momentMs, counterpartyId };
  const positions = positionsOf(row);
  if (!positions) return sale;
  return {
    ...sale,
    request: {
      saleKey: row.id,
      msId: row.id,
      name,
      moment,
      retailStoreId: idOf(row.retailStore),
      ...(counterpartyId ? { agent: { id: counterpartyId } } : {}),
      positions,
      pointsToSpend: 0,
      pointsToEarn: 0,
      cashKopecks: kopecks(row.cashSum),
      noCashKopecks: kopecks(row.noCashSum),
      giftCards: [],
    },
  };
}

function positionsOf(row: JsonApiRow): DiscountedPosition[] | undefined {
  const rows = (row.positions as { rows?: unknown } | undefined)?.rows;
  if (!Array.isArray(rows) || rows.length === 0) return undefined;
  let total = 0;
  const positions: DiscountedPosition[] = [];
  for (const line of rows as Array<Record<string, unknown>>) {
    if (typeof line.quantity !== 'number' || typeof line.price !== 'number') return undefined;
    const quantityMilli = quantityMilliFrom(line.quantity);
    const priceKopecks = Math.round(line.price);
    if (quantityMilli <= 0 || priceKopecks < 0 || !lineWithinBounds(quantityMilli, priceKopecks)) return undefined;
    const percent = typeof line.discount === 'number' && Number.isFinite(line.discount) ? line.discount : 0;
    const discountedPriceKopecks = Math.min(priceKopecks, priceAfterPercentKopecks(priceKopecks, percent));
    total += lineAmountKopecks(quantityMilli, priceKopecks);
    positions.push({
      quantityMilli,
      priceKopecks,
      discountedPriceKopecks,
      discountPercent: Math.max(0, percent),
      echo: line.assortment ? { assortment: line.assortment } : {},
    });
  }
  return total <= MAX_RECEIPT_KOPECKS ? positions : undefined;
}
