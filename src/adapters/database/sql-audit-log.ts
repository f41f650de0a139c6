/**
 * The audit log on the inventory database: append-only (triggers refuse UPDATE and DELETE, R-LOG-1), numbered by
 * `seq`, with an idempotency key so a retried activity appends its entry once. Pages run oldest first so offsets
 * stay stable while entries are appended.
 */
import { sql, type Insertable, type RawBuilder, type Selectable, type SqlBool } from 'kysely';
import type { AuditEntry, NewAuditEntry } from '../../core/domain/inventory/model';
import { InventoryInputError } from '../../core/ports/inventory-errors';
import {
  checkBatchSize,
  checkList,
  checkPage,
  checkSeq,
  checkString,
  isoOf,
  parseInstant,
  requireText,
} from './inventory-input';
import type { AuditLogTable, InventoryDb } from './inventory-schema';
import type { InventorySql } from './inventory-sql';
import type { AuditFilter, AuditLog, Page } from '../../core/ports/inventory-store';

const AUDIT_COLUMNS = ['at', 'actor', 'action', 'subject', 'where', 'details', 'idempotency_key'] as const;

/** The audit log on `audit_log`. */
export class SqlAuditLog implements AuditLog {
  constructor(private readonly inventory: InventorySql) {}

  async appendAudit(entries: readonly NewAuditEntry[]): Promise<readonly AuditEntry[]> {
    const rows = checkList<NewAuditEntry>(entries, 'entries').map((entry, index) =>
      auditRow(entry, `entries[${index}]`),
    );
    if (rows.length === 0) return [];
    return await this.inventory.write(async (db) => {
      // Serialises appenders so sequence numbers commit in order: a reader following `afterSeq` never skips one.
      if (this.inventory.dialect === 'postgres')
        await sql`lock table audit_log in share row exclusive mode`.execute(db);
      const byKey = await this.auditEntriesByKey(db, rows);
      const fresh = rows.filter((row) => {
        if (row.idempotency_key === null) return true;
        if (byKey.has(row.idempotency_key)) return false;
        byKey.set(row.idempotency_key, null);
        return true;
      });
      const inserted = await this.inventory.insertRows<{ seq: number | string }>(
        db,
        'audit_log',
        AUDIT_COLUMNS,
        fresh.map((row) => AUDIT_COLUMNS.map((column) => row[column])),
        'returning seq',
      );
      // Rows are numbered in VALUES order, chunk after chunk; RETURNING's order is not promised, so sort.
      const seqs = inserted.map((row) => Number(row.seq)).sort((a, b) => a - b);
      const appended = new Map(fresh.map((row, index) => [row, auditEntryFromRow({ ...row, seq: seqs[index]! })]));
      for (const [row, entry] of appended) if (row.idempotency_key !== null) byKey.set(row.idempotency_key, entry);
      return rows.map((row) => appended.get(row) ?? byKey.get(row.idempotency_key!)!);
    });
  }

  async queryAudit(filter: AuditFilter, page: { limit: number; offset?: number }): Promise<Page<AuditEntry>> {
    const { limit, offset } = checkPage(page);
    const conditions = auditConditions(filter);
    const counted = await conditions
      .reduce((query, condition) => query.where(condition), this.inventory.db.selectFrom('audit_log'))
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const total = Number(counted.n);
    const rows =
      total <= offset
        ? []
        : await conditions
            .reduce((query, condition) => query.where(condition), this.inventory.db.selectFrom('audit_log').selectAll())
            .orderBy('seq')
            .limit(limit)
            .offset(offset)
            .execute();
    return { items: rows.map(auditEntryFromRow), total, offset };
  }

  async *eachAuditEntry(filter: AuditFilter, batchSize: number): AsyncIterable<readonly AuditEntry[]> {
    const size = checkBatchSize(batchSize);
    const conditions = auditConditions({ ...filter, afterSeq: undefined });
    let after = filter.afterSeq === undefined ? null : checkSeq(filter.afterSeq);
    for (;;) {
      let query = conditions
        .reduce((q, condition) => q.where(condition), this.inventory.db.selectFrom('audit_log').selectAll())
        .orderBy('seq')
        .limit(size);
      if (after !== null) query = query.where('seq', '>', after);
      const rows = await query.execute();
      if (rows.length === 0) return;
      yield rows.map(auditEntryFromRow);
      if (rows.length < size) return;
      after = Number(rows[rows.length - 1]!.seq);
    }
  }

  /** Entries already logged under the idempotency keys of `rows`, by key. */
  private async auditEntriesByKey(
    db: InventoryDb,
    rows: readonly Insertable<AuditLogTable>[],
  ): Promise<Map<string, AuditEntry | null>> {
    const keys = [...new Set(rows.flatMap((row) => (row.idempotency_key ? [row.idempotency_key] : [])))];
    const byKey = new Map<string, AuditEntry | null>();
    for (const chunk of this.inventory.chunks(keys, 1)) {
      const stored = await db.selectFrom('audit_log').selectAll().where('idempotency_key', 'in', chunk).execute();
      for (const row of stored) byKey.set(row.idempotency_key!, auditEntryFromRow(row));
    }
    return byKey;
  }
}

function auditRow(
  entry: NewAuditEntry,
  field: string,
): Insertable<AuditLogTable> & { seq?: never; idempotency_key: string | null } {
  if (entry === null || typeof entry !== 'object') throw new InventoryInputError(field, 'must be an audit entry');
  const details: unknown = entry.details ?? {};
  if (details === null || typeof details !== 'object' || Array.isArray(details)) {
    throw new InventoryInputError(`${field}.details`, 'must be an object');
  }
  let json: string;
  try {
    json = JSON.stringify(details);
  } catch (error) {
    throw new InventoryInputError(`${field}.details`, `cannot be stored as JSON (${(error as Error).message})`);
  }
  return {
    at: parseInstant(entry.at, `${field}.at`),
    actor: requireText(entry.actor, `${field}.actor`),
    action: requireText(entry.action, `${field}.action`),
    subject: checkString(entry.subject, `${field}.subject`),
    where: checkString(entry.where, `${field}.where`),
    details: json,
    idempotency_key:
      entry.idempotencyKey === undefined ? null : requireText(entry.idempotencyKey, `${field}.idempotencyKey`, 500),
  };
}

function auditEntryFromRow(row: Omit<Selectable<AuditLogTable>, 'seq'> & { seq: number | string }): AuditEntry {
  return {
    seq: Number(row.seq),
    at: isoOf(row.at),
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    where: row.where,
    details: JSON.parse(row.details) as Record<string, unknown>,
  };
}

function auditConditions(filter: AuditFilter): RawBuilder<SqlBool>[] {
  if (filter === null || typeof filter !== 'object') throw new InventoryInputError('filter', 'must be an object');
  const conditions: RawBuilder<SqlBool>[] = [];
  if (filter.actor !== undefined) conditions.push(sql<SqlBool>`actor = ${requireText(filter.actor, 'filter.actor')}`);
  if (filter.action !== undefined) {
    const action = requireText(filter.action, 'filter.action');
    conditions.push(
      action.endsWith('.')
        ? sql<SqlBool>`substr(action, 1, ${[...action].length}) = ${action}`
        : sql<SqlBool>`action = ${action}`,
    );
  }
  if (filter.subject !== undefined)
    conditions.push(sql<SqlBool>`subject = ${checkString(filter.subject, 'filter.subject')}`);
  if (filter.from !== undefined) conditions.push(sql<SqlBool>`at >= ${parseInstant(filter.from, 'filter.from')}`);
  if (filter.to !== undefined) conditions.push(sql<SqlBool>`at < ${parseInstant(filter.to, 'filter.to')}`);
  if (filter.afterSeq !== undefined) conditions.push(sql<SqlBool>`seq > ${checkSeq(filter.afterSeq)}`);
  return conditions;
}
