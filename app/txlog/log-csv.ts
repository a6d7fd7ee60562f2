import { csvLine as line } from '../locale/excel-csv.js';
import type { LogListRow } from './log-query.js';

/**
 * The CSV export of the log: semicolon-separated UTF-8 with a BOM, which is what Excel with Russian
 * regional settings opens correctly by double click. Bodies are left out: the export is for counting
 * and sorting; the detail page shows bodies one at a time.
 */
export { CSV_BOM } from '../locale/excel-csv.js';

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
  return line(COLUMNS.map((c) => c.title));
}

export function csvLine(row: LogListRow, time: (ms: number) => string): string {
  return line(COLUMNS.map((c) => c.value(row, time)));
}
