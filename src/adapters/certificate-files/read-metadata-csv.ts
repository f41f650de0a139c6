import { parse } from 'csv-parse/sync';
import {
  MetadataHeaderError,
  parseMetadataRow,
  readMetadataHeader,
  type MetadataCsv,
  type MetadataRow,
  type MetadataRowError,
} from '../../core/domain/inventory/metadata-row';

/**
 * Reads a metadata CSV (R-INV-2 bulk metadata): a header row naming the columns, then one row per certificate.
 * Quoting errors and bad rows become per-row errors; only an unusable header fails the whole file.
 */
export function readMetadataCsv(text: string, source: string): MetadataCsv {
  const errors: MetadataRowError[] = [];
  const records = parse(text, {
    info: true,
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (error) => {
      if (error) errors.push({ line: Number(error.lines), message: `CSV syntax: ${error.message}` });
      return undefined;
    },
  }) as unknown as { record: string[]; info: { lines: number } }[];
  const [header, ...data] = records;
  if (!header) throw new MetadataHeaderError(`${source} is empty; its first line must name the columns`);
  let columns;
  try {
    columns = readMetadataHeader(header.record);
  } catch (error) {
    if (error instanceof MetadataHeaderError) throw new MetadataHeaderError(`${source} line 1: ${error.message}`);
    throw error;
  }
  const rows: MetadataRow[] = [];
  for (const { record, info } of data) {
    if (record.length > columns.length) {
      errors.push({ line: info.lines, message: `${record.length} cells but the header names ${columns.length}` });
      continue;
    }
    const row = parseMetadataRow(columns, record, info.lines);
    if ('key' in row) rows.push(row);
    else errors.push(row);
  }
  errors.sort((a, b) => a.line - b.line);
  return { rows, errors };
}
