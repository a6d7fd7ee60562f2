import { createHash } from 'node:crypto';

/** The documents МойСклад's till sends, built from what the sandbox's till form holds. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON documents as МойСклад sends them
export type Json = Record<string, any>;

const REMAP = 'https://api.moysklad.ru/api/remap/1.2/entity';

export function remapMeta(type: string, id: string): { href: string; id: string } {
  return { href: `${REMAP}/${type}/${id}`, id };
}

/** МойСклад's own counterparty for a phone: the same phone always names the same one, as in a real account. */
export function moyskladCounterparty(phone: string, name: string): Json {
  const hex = createHash('sha256')
    .update(`sandbox-customer:${phone.replace(/\D/g, '')}`)
    .digest('hex');
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return { meta: remapMeta('counterparty', id), name, phone };
}

/** A row of our search, as the till names the customer once the cashier picked it. */
export function searchedCounterparty(row: {
  id: string;
  name: string;
  phone?: string;
  email?: string;
  discountCardNumber?: string;
}): Json {
  const fields = Object.fromEntries(
    Object.entries({ phone: row.phone, email: row.email, discountCardNumber: row.discountCardNumber }).filter(
      ([, value]) => value,
    ),
  );
  return { meta: remapMeta('counterparty', row.id), name: row.name, ...fields };
}

/** The sandbox account's id for a product name: the till and the fake МойСклад name the same goods alike. */
export function sandboxProductId(name: string): string {
  const hex = createHash('sha256').update(`sandbox-product:${name}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** "Название; количество; цена" per line, as a cashier would read a receipt aloud. */
export function parseLines(text: string): Json[] {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  if (lines.length === 0) throw new Error('Добавьте хотя бы одну строку: «Название; количество; цена».');
  return lines.map((line, index) => {
    const [name, quantity, price] = line.split(';').map((part) => part.trim().replace(',', '.'));
    if (!name || !Number(quantity) || price === undefined || Number.isNaN(Number(price))) {
      throw new Error(`Строка ${index + 1} не похожа на «Название; количество; цена».`);
    }
    const id = sandboxProductId(name);
    return {
      assortment: { meta: { ...remapMeta('product', id), idType: 'native', type: 'product' } },
      quantity: Number(quantity),
      price: Number(price),
      name,
    };
  });
}

/** What the customer pays after the recalc's discounts, each line rounded to kopecks as МойСклад does. */
export function cashSumOf(positions: Json[]): number {
  return (
    positions.reduce(
      (kopecks, p) => kopecks + Math.round(Number(p.discountedPrice ?? p.price) * Number(p.quantity) * 100),
      0,
    ) / 100
  );
}

/** `YYYY-MM-DD HH:MM:SS`, as LoyaltyAPI documents carry it. */
export function moment(): string {
  return new Date().toISOString().replace('T', ' ').slice(0, 19);
}
