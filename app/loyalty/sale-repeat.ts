import { createHash } from 'node:crypto';
import type { SaleRequest } from './backend.js';

/** JSON with object keys sorted: the same content gives the same text whatever order it was built in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

/**
 * A digest of what a sale asks for (goods, points, payments, customer, number): equal for a true repeat.
 * Each line's restricted-goods `rule` is ours, not the till's: it may change between two sends (a product
 * МойСклад did not answer about the first time), so it is left out.
 */
export function saleDigest(request: SaleRequest): string {
  const { saleKey: _key, ...content } = request;
  return createHash('sha256')
    .update(canonicalJson({ ...content, positions: tillLines(content.positions) }))
    .digest('hex');
}

/** Sale lines as the till sent them: without the restricted-goods rule we added. */
export function tillLines<P extends { rule?: unknown }>(positions: readonly P[]): Omit<P, 'rule'>[] {
  return positions.map(({ rule: _rule, ...line }) => line);
}
