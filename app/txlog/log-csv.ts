import type { LogListRow } from './log-query.js';

/**
 * The CSV export of the log: semicolon-separated UTF-8 with a BOM, which is what Excel with Russian
 * regional settings opens correctly by double click. Bodies are left out: the export is for counting
 * and sorting; the detail page shows bodies one at a time.
 */
export const CSV_BOM = '\uFEFF';

const COLUMNS: Array<{
  title: string;
  value: (row: LogListRow, time: (ms: number) => string) => string | number | null;
}> = [
  { title: 'id', value: (r) => r.id },
  { title: 'Время', value: (r, time) => time(r.at) },
  { title: 'Аккаунт', value: (r) => r.tenantId },
  { title: 'Тип', value: (r) => r.kind },
  { title: 'Метод', value: (r) => r.endpoint },
  { title: 'HTTP', value: (r) => r.httpStatus },
  { title: 'Успех', value: (r) => (r.ok ? 'да' : 'нет') },
  { title: 'Длительность, мс', value: (r) => r.durationMs },
  { title: 'Документ', value: (r) => r.documentName },
  { title: 'Ключ продажи', value: (r) => r.saleKey },
  { title: 'Покупатель', value: (r) => r.customerId },
  { title: 'Телефон', value: (r) => (r.phoneLast4 ? `***${r.phoneLast4}` : null) },
  { title: 'Карта', value: (r) => r.cardNumber },
  { title: 'Списано баллов', value: (r) => r.pointsSpent },
  { title: 'Начислено баллов', value: (r) => r.pointsEarned },
  { title: 'Ошибка', value: (r) => r.errorMessage },
  { title: 'Запрос', value: (r) => r.requestId },
];

export function csvHeader(): string {
  return `${COLUMNS.map((c) => cell(c.title)).join(';')}\r\n`;
}

export function csvLine(row: LogListRow, time: (ms: number) => string): string {
  return `${COLUMNS.map((c) => cell(c.value(row, time))).join(';')}\r\n`;
}

function cell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  // A text starting with = + - @ would run as a formula in a spreadsheet (CSV injection): make it text.
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[;"\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
