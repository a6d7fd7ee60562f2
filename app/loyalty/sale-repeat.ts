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

/** A digest of what a sale asks for (goods, points, payments, customer, number): equal for a true repeat. */
export function saleDigest(request: SaleRequest): string {
  const { saleKey: _key, ...content } = request;
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}
