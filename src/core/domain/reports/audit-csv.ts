/** The audit log as CSV (R-LOG-1 export): one row per entry, details as JSON, every cell formula-guarded. */
import type { AuditEntry } from '../inventory/model';
import { csvCell } from './csv';

/** The columns of an audit export, in order. */
export const AUDIT_CSV_COLUMNS = ['seq', 'at', 'actor', 'action', 'subject', 'where', 'details'] as const;

/** The header row, without a line end. */
export const AUDIT_CSV_HEADER = AUDIT_CSV_COLUMNS.join(',');

/** One audit entry as a CSV row, without a line end. */
export function auditCsvRow(entry: AuditEntry): string {
  return AUDIT_CSV_COLUMNS.map((column) =>
    csvCell(column === 'details' ? JSON.stringify(entry.details) : column === 'seq' ? entry.seq : entry[column]),
  ).join(',');
}
