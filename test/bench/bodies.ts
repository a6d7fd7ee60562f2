import { createHash } from 'node:crypto';

/**
 * What the bench sends and seeds. Customers are derived from their index alone, so the load
 * generator (in autocannon's worker thread) can pick a random seeded customer knowing only the count.
 */

/** 11 digits starting with 7, as the ledger stores phones (app/ledger/phone.ts). */
export const phoneOf = (i: number): string => `7900${String(i).padStart(7, '0')}`;
export const cardOf = (i: number): string => `2000${String(i).padStart(9, '0')}`;

/** The i-th customer's МойСклад counterparty id: a v4-shaped UUID derived from i. */
export function msIdOf(i: number): string {
  const h = createHash('md5').update(`bench-customer-${i}`).digest('hex');
  const variant = '89ab'[parseInt(h[16]!, 16) & 3]!;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const remap = 'https://api.moysklad.ru/api/remap/1.2/entity';
const meta = (type: string, id: string) => ({ href: `${remap}/${type}/${id}`, id });

const retailStore = { meta: meta('retailstore', '4c9c1b4c-0000-11e9-0000-000000000001'), name: 'Магазин на Ленина' };

/** One 3-position receipt: 2 × 349.90 + 1 × 129.50 + 3 × 89.99 = 1099.27 ₽. */
const RECEIPT = [
  { id: '0b5a2a6e-5d1f-11e9-9ff4-315000000001', price: 349.9, quantity: 2 },
  { id: '0b5a2a6e-5d1f-11e9-9ff4-315000000002', price: 129.5, quantity: 1 },
  { id: '0b5a2a6e-5d1f-11e9-9ff4-315000000003', price: 89.99, quantity: 3 },
];
const RECEIPT_TOTAL = 1099.27;
/** At the default 10 ₽ per point. The ledger computes earning itself; this is what a till would send. */
const POINTS_TO_EARN = 109;

const positions = () =>
  RECEIPT.map((p) => ({ assortment: { meta: meta('product', p.id) }, quantity: p.quantity, price: p.price }));

/** SPENDING recalc for a customer by МойСклад id: spend as much as the rules allow. */
export function recalcBody(msId: string): string {
  return JSON.stringify({
    retailStore,
    agent: { meta: meta('counterparty', msId) },
    positions: positions(),
    bonusProgram: { transactionType: 'SPENDING' },
  });
}

/** A new cash sale (saleId is its meta.id) that earns points and spends none. */
export function saleBody(msId: string, saleId: string, moment = new Date()): string {
  return JSON.stringify({
    retailStore,
    name: `B-${saleId.slice(0, 8)}`,
    moment: moment.toISOString().slice(0, 19).replace('T', ' '),
    meta: meta('retaildemand', saleId),
    agent: { meta: meta('counterparty', msId) },
    positions: positions().map((p) => ({ ...p, discountPercent: 0, discountedPrice: p.price })),
    cashSum: RECEIPT_TOTAL,
    noCashSum: 0,
    bonusProgram: { bonusValueToSpend: 0, bonusValueToEarn: POINTS_TO_EARN },
  });
}

/** Stand for the customer's and the sale's ids in a body built once, so a request only joins strings. */
const CUSTOMER_SLOT = '11111111-1111-4111-8111-111111111111';
const SALE_SLOT = '22222222-2222-4222-8222-222222222222';

/** body cut at every occurrence of the slots; the function puts values[k] wherever slots[k] stood. */
function template(body: string, slots: string[]): (values: string[]) => string {
  const pieces = body.split(new RegExp(`(${slots.join('|')})`));
  return (values) => {
    let out = pieces[0]!;
    for (let i = 1; i < pieces.length; i += 2) out += values[slots.indexOf(pieces[i]!)]! + pieces[i + 1]!;
    return out;
  };
}

/**
 * Bodies for the load generator, built once outside the measured loop: per request only the ids are
 * put in, so the generator spends its time sending, not serialising (building each body with
 * JSON.stringify cost it more per request than the echo server spent answering one).
 */
export function bodyTemplates(): { recalc: (msId: string) => string; sale: (msId: string, saleId: string) => string } {
  const recalc = template(recalcBody(CUSTOMER_SLOT), [CUSTOMER_SLOT]);
  const saleName = SALE_SLOT.slice(0, 8);
  // The sale's name carries the first 8 characters of its id: a slot of its own, matched after the whole id.
  const sale = template(saleBody(CUSTOMER_SLOT, SALE_SLOT), [CUSTOMER_SLOT, SALE_SLOT, saleName]);
  return {
    recalc: (msId) => recalc([msId]),
    sale: (msId, saleId) => sale([msId, saleId, saleId.slice(0, 8)]),
  };
}
