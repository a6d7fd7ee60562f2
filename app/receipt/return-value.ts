/**
 * What a return is worth, for every loyalty system: the linked sale's own amounts for the returned goods,
 * never the return's prices (a till may send a return without discountedPrice, and its prices are
 * whatever the till has now). Goods are matched by assortment; quantities are capped at what the sale
 * sold, counting earlier returns of the same sale.
 */

import type { DiscountedPosition, ReceiptPosition } from './positions.js';
import { lineAmountKopecks } from './positions.js';

/** One line of a sale as recorded: which goods, how many, at what full and discounted unit price. */
export interface SoldLine {
  /** The assortment's ids as the till named it (meta id, syncId): a return may use either. */
  assortment: string[];
  quantityMilli: number;
  priceKopecks: number;
  discountedPriceKopecks: number;
}

/** One returned line: which goods and how many. */
export interface ReturnedLine {
  assortment: string[];
  quantityMilli: number;
}

export interface ReturnValue {
  /** The returned goods at what the sale's customer paid for them (the sale's discounted amounts). */
  paidKopecks: number;
  /** The same goods at the sale's full prices. */
  fullKopecks: number;
  /** How much of each sold line (by its index in the sale) this return takes back; lines it leaves out are absent. */
  lines: Array<{ index: number; quantityMilli: number }>;
  /** Returned lines whose goods the sale did not have: they are worth nothing here. */
  unmatched: number;
  /** More of some goods came back (with earlier returns) than the sale sold. */
  overQuantity: boolean;
}

/** A sale's positions as recorded lines. */
export function soldLines(positions: readonly DiscountedPosition[]): SoldLine[] {
  return positions.map((position) => ({
    assortment: assortmentIds(position),
    quantityMilli: position.quantityMilli,
    priceKopecks: position.priceKopecks,
    discountedPriceKopecks: position.discountedPriceKopecks,
  }));
}

/** A return's positions as returned lines: only the goods and the quantity count, never the price. */
export function returnedLines(positions: readonly ReceiptPosition[]): ReturnedLine[] {
  return positions.map((position) => ({ assortment: assortmentIds(position), quantityMilli: position.quantityMilli }));
}

/**
 * The value of `returning`, after `earlier` returns of the same sale. Within one kind of goods the
 * returned quantity takes the sale's lines in order (a split position has lines one kopeck apart), and
 * each line gives back floor(amount × returned ÷ sold) on running totals, so the last return of a line
 * takes its exact remainder and all returns together never exceed what the sale recorded.
 */
export function valueOfReturn(
  sold: readonly SoldLine[],
  returning: readonly ReturnedLine[],
  earlier: readonly ReturnedLine[] = [],
): ReturnValue {
  const goods = groupByGoods(sold);
  const earlierMilli = quantitiesByGoods(goods, earlier).milli;
  const { milli: nowMilli, unmatched } = quantitiesByGoods(goods, returning);

  const value: ReturnValue = { paidKopecks: 0, fullKopecks: 0, lines: [], unmatched, overQuantity: false };
  goods.forEach((group, groupIndex) => {
    const before = earlierMilli[groupIndex] ?? 0;
    const wanted = before + (nowMilli[groupIndex] ?? 0);
    if (wanted === before) return;
    const soldMilli = group.lines.reduce((s, i) => s + sold[i]!.quantityMilli, 0);
    if (wanted > soldMilli) value.overQuantity = true;
    let start = 0;
    for (const index of group.lines) {
      const line = sold[index]!;
      const upTo = (total: number) => Math.min(line.quantityMilli, Math.max(0, total - start));
      const [from, to] = [upTo(before), upTo(wanted)];
      start += line.quantityMilli;
      if (to === from) continue;
      value.lines.push({ index, quantityMilli: to - from });
      value.paidKopecks += shareBetween(
        lineAmountKopecks(line.quantityMilli, line.discountedPriceKopecks),
        line,
        from,
        to,
      );
      value.fullKopecks += shareBetween(lineAmountKopecks(line.quantityMilli, line.priceKopecks), line, from, to);
    }
  });
  return value;
}

/** The part of a line's amount that quantities from..to of it carry, on running totals. */
function shareBetween(amount: number, line: SoldLine, from: number, to: number): number {
  const upTo = (q: number) =>
    q >= line.quantityMilli ? amount : Number((BigInt(amount) * BigInt(q)) / BigInt(line.quantityMilli));
  return upTo(to) - upTo(from);
}

interface Goods {
  ids: Set<string>;
  /** Indexes into the sold lines, in the sale's order. */
  lines: number[];
}

/** Sold lines grouped by goods: lines sharing any id are the same goods. */
function groupByGoods(sold: readonly SoldLine[]): Goods[] {
  const goods: Goods[] = [];
  sold.forEach((line, index) => {
    const group = goods.find((g) => line.assortment.some((id) => g.ids.has(id)));
    if (group) {
      group.lines.push(index);
      for (const id of line.assortment) group.ids.add(id);
    } else {
      goods.push({ ids: new Set(line.assortment), lines: [index] });
    }
  });
  return goods;
}

function quantitiesByGoods(goods: Goods[], lines: readonly ReturnedLine[]): { milli: number[]; unmatched: number } {
  const milli = goods.map(() => 0);
  let unmatched = 0;
  for (const line of lines) {
    const index = goods.findIndex((g) => line.assortment.some((id) => g.ids.has(id)));
    if (index < 0) unmatched += 1;
    else milli[index] = (milli[index] ?? 0) + line.quantityMilli;
  }
  return { milli, unmatched };
}

/** The ids МойСклад gives a position's goods: meta.id (or the end of meta.href) and the syncId. */
function assortmentIds(position: Pick<ReceiptPosition, 'echo'>): string[] {
  const assortment = position.echo.assortment as
    { meta?: { id?: unknown; href?: unknown }; syncId?: unknown } | undefined;
  const meta = assortment?.meta;
  const fromHref = typeof meta?.href === 'string' ? meta.href.split('?')[0]?.split('/').filter(Boolean).pop() : '';
  const ids = [typeof meta?.id === 'string' && meta.id ? meta.id : fromHref, assortment?.syncId];
  return [...new Set(ids.filter((id): id is string => typeof id === 'string' && id !== ''))];
}
