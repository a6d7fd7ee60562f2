import type { Tenant } from '../../db/schema/index.js';
import type { GoodsClassifier } from '../loyalty/backend.js';
import type { ReplayReceipt } from '../ledger/replay.js';
import { parseBirthDate } from '../locale/birth-date.js';
import { epochOfMoyskladMoment } from '../moysklad/json-api-moment.js';
import type { JsonApiRow, MoyskladClient } from '../moysklad/moysklad-client.js';
import { lineWithinBounds } from '../receipt/bounds.js';
import { quantityMilliFrom, wholeKopecks } from '../receipt/money.js';
import type { ReceiptPosition } from '../receipt/positions.js';

/**
 * МойСклад's own counterparty for sales without a customer («Розничный покупатель», created with every
 * account). The JSON API does not mark it, so it is known by its name; its sales replay as anonymous.
 */
const RETAIL_CUSTOMER = 'розничный покупатель';

export interface SalesHistoryDeps {
  moysklad: Pick<MoyskladClient, 'listRetailSalePositions'>;
  /** The till's restricted-goods rule (app/catalog/restricted-goods.ts): the goods cache, unknown goods asked. */
  goods: GoodsClassifier;
}

/**
 * Turns a page of expanded retail sales (`expand=positions,agent`) into receipts for the replay: integer
 * kopecks and thousandths, each line's restricted-goods rule as the till would get it, the customer's
 * counterparty id and tags. A line is priced at its full `price` (what the shop asked before any
 * discount, which our discount replaces). Lines that make no sense (no goods, a non-positive quantity,
 * beyond the receipt bounds) are left out; a sale with no lines left is a receipt of 0 ₽.
 */
export async function receiptsOfPage(
  deps: SalesHistoryDeps,
  tenant: Tenant,
  accessToken: string,
  rows: JsonApiRow[],
): Promise<ReplayReceipt[]> {
  const sales = await Promise.all(
    rows.map(async (row) => ({
      momentMs: epochOfMoyskladMoment(row.moment),
      customer: customerOf(row.agent),
      positions: (await positionRows(deps, accessToken, row)).flatMap((p) => positionOf(p) ?? []),
    })),
  );
  const dated = sales.filter((sale): sale is typeof sale & { momentMs: number } => sale.momentMs !== undefined);
  // One classification for the whole page: the goods cache is read once, unknown goods asked together.
  const classified = await deps.goods.classify(
    tenant,
    dated.flatMap((sale) => sale.positions),
  );
  let next = 0;
  return dated.map((sale) => {
    const positions = classified.slice(next, next + sale.positions.length);
    next += sale.positions.length;
    return { momentMs: sale.momentMs, ...sale.customer, positions };
  });
}

/** The expanded positions, with the rest read when the expanded list holds fewer than the sale has. */
async function positionRows(deps: SalesHistoryDeps, accessToken: string, row: JsonApiRow): Promise<JsonApiRow[]> {
  const positions = row.positions as { rows?: JsonApiRow[]; meta?: { size?: number } } | undefined;
  const rows = Array.isArray(positions?.rows) ? positions.rows : [];
  const size = positions?.meta?.size ?? rows.length;
  if (rows.length >= size || typeof row.id !== 'string') return rows;
  const all: JsonApiRow[] = [];
  while (all.length < size) {
    const page = await deps.moysklad.listRetailSalePositions(accessToken, row.id, all.length);
    if (page.rows.length === 0) break;
    all.push(...page.rows);
  }
  return all;
}

function positionOf(row: JsonApiRow): ReceiptPosition | undefined {
  const { quantity, price, assortment } = row as { quantity?: unknown; price?: unknown; assortment?: unknown };
  if (typeof quantity !== 'number' || typeof price !== 'number' || !assortment) return undefined;
  if (!Number.isFinite(quantity) || !Number.isFinite(price) || quantity <= 0 || price < 0) return undefined;
  const quantityMilli = quantityMilliFrom(quantity);
  const priceKopecks = wholeKopecks(price);
  if (quantityMilli === 0 || !lineWithinBounds(quantityMilli, priceKopecks)) return undefined;
  return { quantityMilli, priceKopecks, echo: { assortment } };
}

/** The sale's counterparty: its id, tags and birth date when expanded, else the id from its href; none for the retail customer. */
function customerOf(agent: unknown): Pick<ReplayReceipt, 'customerId' | 'tags' | 'birthDate'> {
  const row = agent as
    { id?: unknown; name?: unknown; tags?: unknown; birthDate?: unknown; meta?: { href?: unknown } } | undefined;
  if (!row) return {};
  if (typeof row.name === 'string' && row.name.trim().toLowerCase() === RETAIL_CUSTOMER) return {};
  const href = typeof row.meta?.href === 'string' ? row.meta.href : undefined;
  const id =
    typeof row.id === 'string' ? row.id : href ? /\/counterparty\/([\w-]+)(?:\?|$)/.exec(href)?.[1] : undefined;
  if (!id) return {};
  const tags = Array.isArray(row.tags) ? row.tags.filter((tag): tag is string => typeof tag === 'string') : undefined;
  const birthDate = typeof row.birthDate === 'string' ? parseBirthDate(row.birthDate) : null;
  return { customerId: id, ...(tags ? { tags } : {}), ...(birthDate ? { birthDate } : {}) };
}
