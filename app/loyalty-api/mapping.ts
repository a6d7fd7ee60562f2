import { createHash } from 'node:crypto';
import type {
  CustomerFields,
  CustomerRef,
  GiftCardView,
  RecalcResult,
  ReturnRequest,
  SaleRequest,
} from '../loyalty/backend.js';
import { ValidationError } from '../errors.js';
import { lineWithinBounds, MAX_RECEIPT_KOPECKS } from '../receipt/bounds.js';
import { formatRoubles, kopecksFromRoubles, quantityMilliFrom, roublesFromKopecks } from '../receipt/money.js';
import { lineAmountKopecks, type DiscountedPosition, type ReceiptPosition } from '../receipt/positions.js';

/** The LoyaltyAPI edge: МойСклад's roubles and decimals in, integer kopecks and thousandths out. */
type Json = Record<string, unknown>;
interface Meta {
  href?: string;
  id?: string;
}

const CUSTOMER_FIELDS = [
  'name',
  'discountCardNumber',
  'phone',
  'email',
  'legalFirstName',
  'legalMiddleName',
  'legalLastName',
  'birthDate',
  'sex',
] as const;

export function customerFields(body: Json): CustomerFields {
  const fields: Record<string, string> = {};
  for (const key of CUSTOMER_FIELDS) {
    const value = body[key];
    if (typeof value === 'string' && value.trim() !== '') fields[key] = value.trim();
  }
  return fields as CustomerFields;
}

/** meta.id, or the id at the end of meta.href (offline sales carry only a syncId href). */
export function idOf(meta: Meta | undefined | null): string | undefined {
  if (!meta) return undefined;
  if (meta.id) return meta.id;
  const last = meta.href?.split('?')[0]?.split('/').filter(Boolean).pop();
  return last || undefined;
}

export function customerRef(agent: Json | undefined | null): CustomerRef | undefined {
  if (!agent) return undefined;
  const id = idOf(agent.meta as Meta) ?? idOf(agent as Meta);
  const ref: CustomerRef = { ...customerFields(agent), ...(id ? { id } : {}) };
  return Object.keys(ref).length > 0 ? ref : undefined;
}

/**
 * The schema bounds each quantity and price; here their products are bounded too, so a line's sum
 * and the receipt's total stay within MAX_RECEIPT_KOPECKS and every sum after them is exact.
 */
export function receiptPositions(positions: Json[]): ReceiptPosition[] {
  const mapped = positions.map(({ quantity, price, sn, discountPercent: _p, discountedPrice: _d, ...echo }) => ({
    quantityMilli: quantityMilliFrom(quantity as number),
    priceKopecks: kopecksFromRoubles(price as number),
    ...(Array.isArray(sn) ? { sn } : {}),
    echo,
  }));
  let totalKopecks = 0;
  mapped.forEach(({ quantityMilli, priceKopecks }, index) => {
    if (!lineWithinBounds(quantityMilli, priceKopecks)) {
      throw new ValidationError(
        `Сумма позиции ${index + 1} больше ${formatRoubles(MAX_RECEIPT_KOPECKS)}: проверьте количество и цену.`,
        { parameter: `positions.${index}` },
      );
    }
    totalKopecks += lineAmountKopecks(quantityMilli, priceKopecks);
  });
  if (totalKopecks > MAX_RECEIPT_KOPECKS) {
    throw new ValidationError(
      `Сумма чека больше ${formatRoubles(MAX_RECEIPT_KOPECKS)}: проверьте количество и цены или разделите чек.`,
      { parameter: 'positions' },
    );
  }
  return mapped;
}

/** Sale and return positions carry the discounts the till applied (from our recalc). */
export function tillPositions(positions: Json[]): DiscountedPosition[] {
  return receiptPositions(positions).map((position, index) => {
    const source = positions[index]!;
    const discounted =
      typeof source.discountedPrice === 'number' ? kopecksFromRoubles(source.discountedPrice) : position.priceKopecks;
    return {
      ...position,
      discountedPriceKopecks: Math.min(discounted, position.priceKopecks),
      discountPercent: typeof source.discountPercent === 'number' ? source.discountPercent : 0,
    };
  });
}

/** A stable key when МойСклад sends the sale's meta.id empty: the same sale hashes the same way. */
export function documentKey(metaValue: Meta | undefined, body: Json): string {
  const id = idOf(metaValue);
  if (id) return id;
  const store = idOf((body.retailStore as { meta?: Meta } | undefined)?.meta) ?? '';
  const fingerprint = JSON.stringify([
    store,
    body.name ?? '',
    body.moment ?? '',
    body.positions,
    body.cashSum,
    body.noCashSum,
  ]);
  return `fallback:${createHash('sha256').update(fingerprint).digest('hex').slice(0, 40)}`;
}

/** What sales and returns share: key, number, moment, store, customer and positions. */
function documentHeader(body: Json) {
  return {
    key: documentKey(body.meta as Meta, body),
    msId: idOf(body.meta as Meta),
    name: (body.name as string) || undefined,
    moment: (body.moment as string) || undefined,
    retailStoreId: idOf((body.retailStore as { meta?: Meta } | undefined)?.meta),
    agent: customerRef(body.agent as Json | null),
    positions: tillPositions(body.positions as Json[]),
  };
}

export function saleRequest(body: Json): SaleRequest {
  const bonus = (body.bonusProgram ?? {}) as { bonusValueToSpend?: number; bonusValueToEarn?: number };
  const giftCards = (body.giftCards ?? []) as Array<{ id?: string; name: string; paymentSum: number }>;
  const { key, ...header } = documentHeader(body);
  return {
    saleKey: key,
    ...header,
    pointsToSpend: bonus.bonusValueToSpend ?? 0,
    pointsToEarn: bonus.bonusValueToEarn ?? 0,
    cashKopecks: kopecksFromRoubles(body.cashSum as number),
    noCashKopecks: kopecksFromRoubles(body.noCashSum as number),
    giftCards: giftCards.map((card) => ({
      ...(card.id ? { id: card.id } : {}),
      name: card.name,
      paymentKopecks: card.paymentSum,
    })),
  };
}

export function returnRequest(body: Json): ReturnRequest {
  const { key, ...header } = documentHeader(body);
  return {
    returnKey: key,
    ...header,
    saleMsId: idOf((body.demand as { meta?: Meta } | null | undefined)?.meta),
    // The reference calls noCashSum kopecks in one place and roubles in its example; we read roubles.
    cashKopecks: kopecksFromRoubles(body.cashSum as number),
    noCashKopecks: kopecksFromRoubles(body.noCashSum as number),
  };
}

export function recalcResponse(agent: unknown, result: RecalcResult): Json {
  return {
    agent,
    positions: result.positions.map((position) => ({
      ...position.echo,
      quantity: position.quantityMilli / 1000,
      price: roublesFromKopecks(position.priceKopecks),
      discountPercent: position.discountPercent,
      discountedPrice: roublesFromKopecks(position.discountedPriceKopecks),
      ...(position.sn ? { sn: position.sn } : {}),
    })),
    bonusProgram: {
      transactionType: result.transactionType,
      agentBonusBalance: result.agentBonusBalance,
      bonusValueToSpend: result.bonusValueToSpend,
      bonusValueToEarn: result.bonusValueToEarn,
      agentBonusBalanceAfter: result.agentBonusBalanceAfter,
      paidByBonusPoints: roublesFromKopecks(result.paidByBonusPointsKopecks),
      ...(result.receiptExtraInfo ? { receiptExtraInfo: result.receiptExtraInfo } : {}),
    },
    needVerification: result.needVerification,
  };
}

export function giftCardResponse(card: GiftCardView): Json {
  return {
    name: card.name,
    ...(card.id ? { id: card.id } : {}),
    status: card.status,
    ...(card.expireDate ? { expireDate: card.expireDate } : {}),
    ...(card.currentBalanceKopecks !== undefined ? { currentBalance: card.currentBalanceKopecks } : {}),
    ...(card.initialBalanceKopecks !== undefined ? { initialBalance: card.initialBalanceKopecks } : {}),
  };
}
