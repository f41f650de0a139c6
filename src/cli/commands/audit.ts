import fs from 'node:fs';
import { once } from 'node:events';
import { parseDuration } from '../../core/domain/duration';
import { AUDIT_CSV_HEADER, auditCsvRow } from '../../core/domain/reports/audit-csv';
import type { AuditEntry } from '../../core/domain/inventory/model';
import type { AuditFilter, AuditLog, Page } from '../../core/ports/inventory-store';
import { UsageError } from '../errors';
import { readInteger } from '../options';
import { renderTable } from '../format/table';

/** Where `certflow audit` reads the log: the inventory, or the HTTP API. */
export interface AuditLogReader {
  /** The newest `limit` entries of `filter`, oldest first. */
  newest(filter: AuditFilter, limit: number): Promise<Page<AuditEntry>>;
  /** Every entry of `filter`, oldest first, in batches. */
  each(filter: AuditFilter): AsyncIterable<readonly AuditEntry[]>;
}

/** The audit log of the inventory `store`. */
export function inventoryAuditLog(store: Pick<AuditLog, 'queryAudit' | 'eachAuditEntry'>): AuditLogReader {
  return {
    async newest(filter, limit) {
      const { total } = await store.queryAudit(filter, { limit: 1 });
      return await store.queryAudit(filter, { limit, offset: Math.max(0, total - limit) });
    },
    each: (filter) => store.eachAuditEntry(filter, 1000),
  };
}

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
  log: AuditLogReader,
  io: { out: (line: string) => void },
  now: Date,
): Promise<void> {
  const filter = readAuditFilter(values, now);
  if (action === 'list') {
    const limit = readInteger('limit', values.limit, 20, 1, 1000);
    const page = await log.newest(filter, limit);
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
  // The first batch comes before the file is made: a refusal (through the API, a 403) leaves no empty file behind.
  const batches = log.each(filter)[Symbol.asyncIterator]();
  let batch = await batches.next();
  const output = values.output;
  const stream = output ? fs.createWriteStream(output, { flags: 'wx' }) : null;
  if (stream) {
    // once() rejects with the stream's error, e.g. EEXIST from the `wx` flag.
    await once(stream, 'open').catch(async (error: Error) => {
      await batches.return?.();
      throw new UsageError(`--output ${output}: ${error.message} (the file must not exist yet)`);
    });
  }
  const write = async (line: string) => {
    if (!stream) io.out(line);
    else if (!stream.write(`${line}\n`)) await once(stream, 'drain');
  };
  let count = 0;
  try {
    if (format === 'csv') await write(AUDIT_CSV_HEADER);
    for (; !batch.done; batch = await batches.next()) {
      for (const entry of batch.value) await write(format === 'csv' ? auditCsvRow(entry) : JSON.stringify(entry));
      count += batch.value.length;
    }
  } catch (error) {
    // A file cut short reads as a whole log of fewer entries: the one this command made goes.
    if (stream && output) {
      stream.destroy();
      await fs.promises.rm(output, { force: true });
    }
    throw error;
  }
  if (stream) {
    stream.end();
    await once(stream, 'finish');
    io.out(`exported ${count.toLocaleString('en-US')} audit entries to ${values.output}`);
  }
}
