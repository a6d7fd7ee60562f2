import Joi from 'joi';
import type { Tenant } from '../../db/schema/index.js';
import { formatRoubles } from '../receipt/money.js';
import { MAX_IMPORT_BYTES, readCustomerFile, type CustomerFile } from './customer-file.js';
import type { CustomerImport } from './customer-import.js';
import type { ImportReport } from './customer-import-rows.js';
import {
  FIELD_LABELS,
  guessPreset,
  IMPORT_FIELDS,
  IMPORT_PRESETS,
  mappingFor,
  presetById,
  type ColumnMapping,
  type PresetId,
} from './import-presets.js';

/** What the page sends with the file: a preset to apply, or the mapping as chosen (`mapped`). */
export interface ImportQuery {
  preset?: PresetId;
  mapped?: boolean;
  mapping: ColumnMapping;
}

const column = Joi.alternatives(Joi.number().integer().min(0).max(10_000), Joi.string().valid(''));

/** The query of the check and start requests: `preset=uds`, or `mapped=1&phone=0&balance=5…` (blank: not read). */
export const importQuerySchema = Joi.object({
  preset: Joi.string()
    .valid(...IMPORT_PRESETS.map((preset) => preset.id), 'free')
    .label('Формат'),
  mapped: Joi.boolean().truthy('1').falsy('0').label('Сопоставление'),
  ...Object.fromEntries(IMPORT_FIELDS.map((field) => [field, column.label(FIELD_LABELS[field])])),
}).unknown(true);

export function importQueryOf(value: Record<string, unknown>): ImportQuery {
  const mapping: ColumnMapping = {};
  for (const field of IMPORT_FIELDS) {
    if (typeof value[field] === 'number') mapping[field] = value[field];
  }
  return { preset: value.preset as PresetId | undefined, mapped: value.mapped === true, mapping };
}

/** What the page needs to draw the mapping and the dry run's report. */
export interface CheckAnswer {
  file: { hash: string; encoding: string; separator: string; header: string[]; rows: number; sample: string[][] };
  presets: { id: PresetId; label: string }[];
  preset: PresetId;
  fields: { id: string; label: string }[];
  mapping: ColumnMapping;
  report: ImportReport & { pointsInFileRoubles: string; pointsPostedRoubles: string };
}

/** The settings page and the admin both show the same page (views/_customer-import.ejs). */
export const importPageModel = {
  maxBytes: MAX_IMPORT_BYTES,
  maxMegabytes: MAX_IMPORT_BYTES / 1024 / 1024,
};

function chosenMapping(file: CustomerFile, query: ImportQuery) {
  if (query.mapped) return { preset: query.preset ?? 'free', mapping: query.mapping };
  if (query.preset) return { preset: query.preset, mapping: mappingFor(presetById(query.preset), file.header) };
  const guessed = guessPreset(file.header);
  return { preset: guessed.preset.id, mapping: guessed.mapping };
}

/** Reads the file, maps its columns (as asked, or by the preset that fits) and dry-runs the import. */
export async function checkCustomerFile(
  importer: CustomerImport,
  tenant: Tenant,
  bytes: Buffer,
  query: ImportQuery,
): Promise<CheckAnswer> {
  const file = await readCustomerFile(bytes);
  const { preset, mapping } = chosenMapping(file, query);
  const report = await importer.dryRun({ tenant, file, mapping, by: '' });
  return {
    file: {
      hash: file.hash,
      encoding: file.encoding === 'utf-8' ? 'UTF-8' : 'Windows-1251',
      separator: file.separator,
      header: file.header,
      rows: file.rows.length,
      sample: file.rows.slice(0, 3).map((row) => row.cells),
    },
    presets: [
      ...IMPORT_PRESETS.map(({ id, label }) => ({ id, label })),
      { id: 'free' as const, label: presetById('free').label },
    ],
    preset,
    fields: IMPORT_FIELDS.map((id) => ({ id, label: FIELD_LABELS[id] })),
    mapping,
    report: {
      ...report,
      pointsInFileRoubles: formatRoubles(report.pointsInFileKopecks),
      pointsPostedRoubles: `${report.pointsPostedKopecks < 0 ? '−' : ''}${formatRoubles(Math.abs(report.pointsPostedKopecks))}`,
    },
  };
}

/** Starts the import in the background with the mapping the owner checked; returns the run's id. */
export async function startCustomerImport(
  importer: CustomerImport,
  tenant: Tenant,
  bytes: Buffer,
  query: ImportQuery,
  who: { by: string; fileName?: string },
): Promise<{ id: number }> {
  const file = await readCustomerFile(bytes);
  const { mapping } = chosenMapping(file, query);
  return { id: await importer.start({ tenant, file, mapping, by: who.by, fileName: who.fileName }) };
}
