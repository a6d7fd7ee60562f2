import { createHash } from 'node:crypto';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import { PayloadTooLargeError, ValidationError } from '../errors.js';

/** A customer file larger than this is refused before it is read: 100,000 customers take about 8 MB. */
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;

export const FILE_TOO_LARGE = `Файл больше ${MAX_IMPORT_BYTES / 1024 / 1024} МБ. Разделите его на части и загрузите по очереди.`;

export type FileEncoding = 'utf-8' | 'windows-1251';
export type FileSeparator = ';' | ',';

/** One data line of the file: its cells and the line number people see in a spreadsheet (1 is the header). */
export interface FileRow {
  line: number;
  cells: string[];
}

export interface CustomerFile {
  /** sha256 of the bytes as uploaded, hex: the file's identity for idempotency. */
  hash: string;
  encoding: FileEncoding;
  separator: FileSeparator;
  header: string[];
  rows: FileRow[];
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes and parses an uploaded customer file. Encoding: bytes that are valid UTF-8 (with or without a
 * BOM) are UTF-8, anything else Windows-1251, which Excel writes for Russian "CSV (разделители — запятые)".
 * Separator: `;` (Russian Excel) or `,`, whichever the header line has more of.
 */
export async function readCustomerFile(bytes: Buffer): Promise<CustomerFile> {
  if (bytes.length > MAX_IMPORT_BYTES) {
    throw new PayloadTooLargeError(FILE_TOO_LARGE);
  }
  const hash = createHash('sha256').update(bytes).digest('hex');
  let text: string;
  let encoding: FileEncoding;
  try {
    // TextDecoder drops a UTF-8 BOM.
    text = strictUtf8.decode(bytes);
    encoding = 'utf-8';
  } catch {
    text = iconv.decode(bytes, 'win1251');
    encoding = 'windows-1251';
  }
  const separator = separatorOf(text);
  const records = await parsed(text, separator);
  const [first, ...rest] = records;
  if (!first || first.record.every((cell) => cell === '')) {
    throw new ValidationError('Файл пуст: в первой строке должны быть названия столбцов.');
  }
  return {
    hash,
    encoding,
    separator,
    header: first.record,
    rows: rest.map(({ record, info }) => ({ line: info.lines, cells: record })),
  };
}

/** Text fed to the parser at a time: a 20 MB file is parsed in steps of a few milliseconds each. */
const SLICE_CHARS = 256 * 1024;

/** csv-parse's stream, fed slice by slice with a turn of the event loop between, so the till's calls pass. */
async function parsed(text: string, separator: FileSeparator) {
  const records: { record: string[]; info: { lines: number } }[] = [];
  const parser = parse({
    delimiter: separator,
    info: true,
    skip_empty_lines: true,
    relax_column_count: true,
    relax_quotes: true,
    trim: true,
  });
  let failure: unknown;
  parser.on('readable', () => {
    let record;
    while ((record = parser.read()) !== null) records.push(record);
  });
  parser.on('error', (error) => (failure = error));
  const ended = new Promise<void>((resolve) => parser.on('end', resolve).on('error', () => resolve()));
  for (let at = 0; at < text.length && !failure; at += SLICE_CHARS) {
    parser.write(text.slice(at, at + SLICE_CHARS));
    await new Promise((resolve) => setImmediate(resolve));
  }
  parser.end();
  await ended;
  if (failure) {
    const line = (failure as { lines?: number }).lines;
    throw new ValidationError(
      `Файл не читается как CSV${line ? ` (строка ${line})` : ''}: проверьте кавычки. Сохраните таблицу как «CSV» и загрузите снова.`,
    );
  }
  return records;
}

function separatorOf(text: string): FileSeparator {
  const end = text.search(/\r?\n/);
  const header = end < 0 ? text : text.slice(0, end);
  const count = (char: string) => header.split(char).length - 1;
  return count(';') >= count(',') && count(';') > 0 ? ';' : ',';
}
