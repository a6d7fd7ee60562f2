/**
 * Goods that spent points must never discount, for every loyalty system alike: 15-ФЗ art. 16 forbids
 * price discounts on tobacco and nicotine products (МойСклад's `trackingType` TOBACCO, OTP, NCP), a
 * product card may forbid discounts (`discountProhibited`), and the owner may exclude more goods by
 * tracking type or product folder. The flags come from МойСклад's JSON API (app/catalog); here a line
 * only carries the outcome, its `LineRule`, and the arithmetic works over the allowed lines.
 */

import { splitDiscount } from './discount-split.js';
import {
  lineAmountKopecks,
  type DiscountedPosition,
  type LineRule,
  type ReceiptPosition,
  type RestrictionReason,
} from './positions.js';

export type { LineRule, RestrictionReason };

/** Tracking types the law keeps free of discounts: tobacco, alternative tobacco, nicotine products. */
export const LAW_RESTRICTED_TRACKING_TYPES: readonly string[] = ['TOBACCO', 'OTP', 'NCP'];

/**
 * МойСклад's other `trackingType` values (product page, «Тип маркируемой продукции»), which the owner
 * may exclude; NOT_TRACKED is no marking at all and is never offered.
 */
export const OWNER_EXCLUDABLE_TRACKING_TYPES: ReadonlyArray<readonly [code: string, title: string]> = [
  ['BEER_ALCOHOL', 'Пиво и слабоалкогольные напитки'],
  ['NABEER', 'Безалкогольное пиво'],
  ['SOFT_DRINKS', 'Безалкогольные напитки'],
  ['WATER', 'Упакованная вода'],
  ['MILK', 'Молочная продукция'],
  ['FOOD_SUPPLEMENT', 'БАД и специализированная пищевая продукция'],
  ['MEDICAL_DEVICES', 'Медизделия и кресла-коляски'],
  ['VETPHARMA', 'Ветеринарные препараты'],
  ['SANITIZER', 'Антисептики'],
  ['PERFUMERY', 'Духи и туалетная вода'],
  ['CHEMISTRY', 'Косметика, бытовая химия, гигиена'],
  ['LP_CLOTHES', 'Одежда'],
  ['LP_LINENS', 'Постельное бельё'],
  ['SHOES', 'Обувь'],
  ['FURSLP', 'Натуральный мех'],
  ['TIRES', 'Шины и покрышки'],
  ['AUTO_FLUIDS', 'Моторные масла'],
  ['BICYCLE', 'Велосипеды'],
  ['TOYS', 'Детские игрушки'],
  ['GADGETS', 'Ноутбуки и смартфоны'],
  ['RADIO', 'Радиоэлектроника'],
  ['ELECTRONICS', 'Фотокамеры и лампы-вспышки'],
  ['CONSTRUCTION', 'Строительные материалы'],
  ['GROCERY', 'Бакалея'],
  ['CONSERVE', 'Консервы'],
  ['SEAFOOD', 'Икра и морепродукты'],
  ['VEGETABLE_OIL', 'Растительные масла'],
  ['PET_FOOD', 'Корма для животных'],
];

/** What the JSON API says about a product (a variant: its product). */
export interface ProductFlags {
  trackingType?: string | null;
  discountProhibited: boolean;
  /** The product's folder and every folder above it. */
  folderIds: readonly string[];
}

/** The owner's choices, stored with the tenant's settings (`settings.restrictions`). */
export interface RestrictionSettings {
  /** Tracking types excluded on top of the law's (e.g. BEER_ALCOHOL). */
  excludedTrackingTypes: string[];
  /** Product folders excluded, with everything below them. */
  excludedFolderIds: string[];
  /** TOBACCO, OTP, NCP lines (and lines nobody could check) earn points. */
  earnOnLawRestricted: boolean;
  /** Other restricted lines (discount prohibited, excluded by the owner) earn points. */
  earnOnOtherRestricted: boolean;
}

export const DEFAULT_RESTRICTION_SETTINGS: RestrictionSettings = {
  excludedTrackingTypes: [],
  excludedFolderIds: [],
  earnOnLawRestricted: false,
  earnOnOtherRestricted: true,
};

export const ALLOWED: LineRule = { discount: true, earn: true };

/**
 * The rule for a line whose product has these flags; `undefined` flags mean the product could not be
 * checked, and such a line is treated like the strictest kind: it might be tobacco.
 */
export function lineRuleFor(flags: ProductFlags | undefined, settings: RestrictionSettings): LineRule {
  if (!flags) return { discount: false, earn: settings.earnOnLawRestricted, reason: 'unknown' };
  const trackingType = flags.trackingType ?? '';
  if (LAW_RESTRICTED_TRACKING_TYPES.includes(trackingType)) {
    return { discount: false, earn: settings.earnOnLawRestricted, reason: 'law' };
  }
  if (flags.discountProhibited) return { discount: false, earn: settings.earnOnOtherRestricted, reason: 'prohibited' };
  const excludedFolder = flags.folderIds.some((id) => settings.excludedFolderIds.includes(id));
  if (settings.excludedTrackingTypes.includes(trackingType) || excludedFolder) {
    return { discount: false, earn: settings.earnOnOtherRestricted, reason: 'owner' };
  }
  return ALLOWED;
}

export function isDiscountAllowed(position: { rule?: LineRule }): boolean {
  return position.rule?.discount !== false;
}

export function earnsPoints(position: { rule?: LineRule }): boolean {
  return position.rule?.earn !== false;
}

/** Σ line sums of the lines points may discount: what the maximum-% rule and the split work over. */
export function allowedTotalKopecks(
  positions: readonly Pick<ReceiptPosition, 'quantityMilli' | 'priceKopecks' | 'rule'>[],
) {
  return positions
    .filter(isDiscountAllowed)
    .reduce((sum, p) => sum + lineAmountKopecks(p.quantityMilli, p.priceKopecks), 0);
}

/** Σ full line sums of the lines that may be discounted or earn: what a provider awards points on. */
export function earningFullKopecks(
  positions: readonly Pick<ReceiptPosition, 'quantityMilli' | 'priceKopecks' | 'rule'>[],
) {
  return positions
    .filter((p) => isDiscountAllowed(p) || earnsPoints(p))
    .reduce((sum, p) => sum + lineAmountKopecks(p.quantityMilli, p.priceKopecks), 0);
}

/** What the customer paid on the lines that earn points. */
export function earningPaidKopecks(
  positions: readonly { quantityMilli: number; discountedPriceKopecks: number; rule?: LineRule }[],
): number {
  return positions
    .filter(earnsPoints)
    .reduce((sum, p) => sum + lineAmountKopecks(p.quantityMilli, p.discountedPriceKopecks), 0);
}

/**
 * Spreads `discountKopecks` over the allowed lines exactly (splitDiscount); restricted lines keep their
 * price and a 0 % discount. Lines come back in the receipt's order, a cut position's lines together.
 */
export function discountAllowedLines(positions: ReceiptPosition[], discountKopecks: number): DiscountedPosition[] {
  const allowed = positions.filter(isDiscountAllowed);
  const split = splitDiscount(allowed, discountKopecks);
  const linesOf = new Map<ReceiptPosition, DiscountedPosition[]>();
  for (const { sourceIndex, ...line } of split) {
    const source = allowed[sourceIndex]!;
    linesOf.set(source, [...(linesOf.get(source) ?? []), line]);
  }
  return positions.flatMap((position) =>
    isDiscountAllowed(position)
      ? (linesOf.get(position) ?? [])
      : [{ ...position, discountedPriceKopecks: position.priceKopecks, discountPercent: 0 }],
  );
}

/** One short line for the receipt when some lines got no discount; undefined when none was left out. */
export function restrictionNote(positions: readonly { rule?: LineRule }[]): string | undefined {
  const left = positions.filter((p) => !isDiscountAllowed(p));
  if (left.length === 0) return undefined;
  const unchecked = left.filter((p) => p.rule?.reason === 'unknown').length;
  if (unchecked === 0) return `Скидка баллами не применяется к ${left.length} поз.: табак или товары без скидок.`;
  if (unchecked === left.length) {
    return `Скидка не применена к ${left.length} поз.: не удалось проверить товар в МоёмСкладе.`;
  }
  return `Скидка не применена к ${left.length} поз.: табак или товары без скидок, ${unchecked} из них не удалось проверить.`;
}

/** The receipt text with the restriction note as its last line. */
export function withRestrictionNote(
  text: string | undefined,
  positions: readonly { rule?: LineRule }[],
): string | undefined {
  const note = restrictionNote(positions);
  if (!note) return text;
  return text ? `${text}\n${note}` : note;
}
