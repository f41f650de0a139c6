import fs from 'node:fs';
import { once } from 'node:events';
import { parseDuration } from '../../core/domain/duration';
import { AUDIT_CSV_HEADER, auditCsvRow } from '../../core/domain/reports/audit-csv';
import type { AuditFilter } from '../../core/ports/inventory-store';
import { UsageError } from '../errors';
import { readInteger } from '../options';
import { renderTable } from '../format/table';
import type { InventoryContext } from '../inventory-context';

/** Options of `certflow audit list|export`. */
export const AUDIT_OPTIONS = {
  format: { type: 'string', default: 'jsonl' },
  output: { type: 'string' },
  action: { type: 'string' },
  actor: { type: 'string' },
  subject: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

/** Reads `--since`/`--until`: an ISO 8601 instant or a duration back from now (`7d`). */
function instant(flag: string, raw: string, now: Date): string {
  if (/^\d{4}-\d{2}-\d{2}/.test(raw)) {
    const parsed = Date.parse(raw);
    if (Number.isNaN(parsed)) throw new UsageError(`--${flag} "${raw}" is not a valid date`);
    return new Date(parsed).toISOString();
  }
  try {
    return new Date(now.getTime() - parseDuration(raw)).toISOString();
  } catch {
    throw new UsageError(`--${flag} "${raw}" is neither a date (2026-11-01) nor a duration back from now (7d)`);
  }
}

/** Builds the audit filter from command-line options. */
export function readAuditFilter(
  values: { action?: string; actor?: string; subject?: string; since?: string; until?: string },
  now: Date,
): AuditFilter {
  const filter: { -readonly [K in keyof AuditFilter]: AuditFilter[K] } = {};
  if (values.action) filter.action = values.action;
  if (values.actor) filter.actor = values.actor;
  if (values.subject) filter.subject = values.subject;
  if (values.since) filter.from = instant('since', values.since, now);
  if (values.until) filter.to = instant('until', values.until, now);
  return filter;
}

/** Runs `certflow audit list|export` (R-LOG-1: the audit log can be queried and exported). */
export async function runAudit(
  action: string,
  values: { format?: string; output?: string; limit?: string; json?: boolean } & Parameters<typeof readAuditFilter>[0],
  context: InventoryContext,
  io: { out: (line: string) => void },
  now: Date,
): Promise<void> {
  const filter = readAuditFilter(values, now);
  if (action === 'list') {
    const limit = readInteger('limit', values.limit, 20, 1, 1000);
    const total = await context.store.queryAudit(filter, { limit: 1 });
    const offset = Math.max(0, total.total - limit);
    const page = await context.store.queryAudit(filter, { limit, offset });
    if (values.json) {
      io.out(JSON.stringify(page, null, 2));
      return;
    }
    io.out(
      renderTable(page.items, [
        { header: 'SEQ', cell: (entry) => String(entry.seq), align: 'right' },
        { header: 'AT', cell: (entry) => entry.at },
        { header: 'ACTOR', cell: (entry) => entry.actor, maxWidth: 24 },
        { header: 'ACTION', cell: (entry) => entry.action },
        { header: 'SUBJECT', cell: (entry) => entry.subject, maxWidth: 20 },
        { header: 'WHERE', cell: (entry) => entry.where, maxWidth: 30 },
      ]),
    );
    io.out(`last ${page.items.length} of ${page.total.toLocaleString('en-US')} entries`);
    return;
  }
  if (action !== 'export') throw new UsageError(`unknown audit action "${action}"; use list or export`);
  const format = values.format ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'csv') throw new UsageError(`--format "${format}" must be jsonl or csv`);
  const stream = values.output ? fs.createWriteStream(values.output, { flags: 'wx' }) : null;
  if (stream) {
    // once() rejects with the stream's error, e.g. EEXIST from the `wx` flag.
    await once(stream, 'open').catch((error: Error) => {
      throw new UsageError(`--output ${values.output}: ${error.message} (the file must not exist yet)`);
    });
  }
  const write = async (line: string) => {
    if (!stream) io.out(line);
    else if (!stream.write(`${line}\n`)) await once(stream, 'drain');
  };
  let count = 0;
  if (format === 'csv') await write(AUDIT_CSV_HEADER);
  for await (const batch of context.store.eachAuditEntry(filter, 1000)) {
    for (const entry of batch) await write(format === 'csv' ? auditCsvRow(entry) : JSON.stringify(entry));
    count += batch.length;
  }
  if (stream) {
    stream.end();
    await once(stream, 'finish');
    io.out(`exported ${count.toLocaleString('en-US')} audit entries to ${values.output}`);
  }
}
