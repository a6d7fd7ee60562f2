/**
 * CSV as Excel with Russian regional settings opens it by double click: UTF-8 with a BOM, `;` between
 * cells, CRLF between lines. Every export (the transaction log, the points statement) writes through here.
 */
export const CSV_BOM = '\uFEFF';

export type CsvValue = string | number | null | undefined;

/** One cell: numbers as they are, text quoted when it must be and never read as a formula. */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  // A text starting with = + - @ would run as a formula in a spreadsheet (CSV injection): make it text.
  // A plain number with a decimal comma ("-1500,50") stays a number.
  const text = /^[=+\-@\t\r]/.test(value) && !/^-\d+(,\d+)?$/.test(value) ? `'${value}` : value;
  return /[;"\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One line, CRLF included. */
export function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(csvCell).join(';')}\r\n`;
}
