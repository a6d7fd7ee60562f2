import iconv from 'iconv-lite';

/** A customer file of `rows` customers as a shop's export would be: phone, card, name, e-mail, birthday, balance. */
export function generatedCustomerFile(
  rows: number,
  options: { separator?: ';' | ','; from?: number; balance?: (i: number) => number } = {},
): string {
  const sep = options.separator ?? ';';
  const from = options.from ?? 0;
  const lines = [['Телефон', 'Номер карты', 'ФИО', 'Email', 'Дата рождения', 'Баланс'].join(sep)];
  for (let i = from; i < from + rows; i++) {
    const phone = `+7 (9${String(i).padStart(9, '0').slice(0, 2)}) ${String(i).padStart(9, '0').slice(2, 5)}-${String(i).padStart(9, '0').slice(5, 7)}-${String(i).padStart(9, '0').slice(7)}`;
    const balance = options.balance ? options.balance(i) : i % 1000;
    lines.push([phone, `C${i}`, `Покупатель ${i}`, `c${i}@example.ru`, '01.02.1990', String(balance)].join(sep));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** The text as Russian Excel saves "CSV": Windows-1251. */
export function windows1251(text: string): Buffer {
  return iconv.encode(text, 'win1251');
}

/** The text as UTF-8 with a byte order mark, as Excel's "CSV UTF-8" saves it. */
export function utf8WithBom(text: string): Buffer {
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
}
