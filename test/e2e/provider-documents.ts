import { randomUUID } from 'node:crypto';
import { counterpartyMeta, retailStore } from '../helpers/tenants.js';

/** What МойСклад's till sends around a sale, built from what our recalc answered. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON documents as МойСклад sends them
type Json = Record<string, any>;

const remap = 'https://api.moysklad.ru/api/remap/1.2/entity';

export function recalcBody(
  agentId: string,
  positions: Json[],
  transactionType: 'EARNING' | 'SPENDING' = 'SPENDING',
  extra: Json = {},
): Json {
  return {
    retailStore,
    agent: { meta: counterpartyMeta(agentId) },
    positions,
    bonusProgram: { transactionType },
    ...extra,
  };
}

/** Σ quantity × price in kopecks, each line rounded as МойСклад does. */
export function sumKopecks(positions: Json[], field: 'price' | 'discountedPrice' = 'discountedPrice'): number {
  return positions.reduce((sum, p) => sum + Math.round(p.quantity * p[field] * 100), 0);
}

/** The sale the till records after our recalc: its positions and points, paid in cash. */
export function saleFromRecalc(recalc: Json, agentId: string, saleId: string = randomUUID(), name = 'S-0001'): Json {
  return {
    retailStore,
    name,
    moment: '2026-11-23 10:00:00',
    meta: { href: `${remap}/retaildemand/${saleId}`, id: saleId },
    agent: { meta: counterpartyMeta(agentId) },
    positions: recalc.positions,
    bonusProgram: {
      bonusValueToSpend: recalc.bonusProgram.bonusValueToSpend,
      bonusValueToEarn: recalc.bonusProgram.bonusValueToEarn,
    },
    cashSum: sumKopecks(recalc.positions) / 100,
    noCashSum: 0,
  };
}

/** A return of some of the sale's positions, linked to the sale by demand.meta. */
export function returnOf(sale: Json, positions: Json[], returnId: string = randomUUID(), name = 'R-0001'): Json {
  return {
    retailStore,
    name,
    moment: '2026-11-23 12:00:00',
    meta: { href: `${remap}/retailsalesreturn/${returnId}`, id: returnId },
    demand: { meta: sale.meta },
    agent: sale.agent,
    positions,
    cashSum: sumKopecks(positions) / 100,
    noCashSum: 0,
  };
}
