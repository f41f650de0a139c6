/**
 * What the inventory's aggregate stores share on one database: the Kysely instance and its dialect, write
 * transactions, and multi-row statements kept under the dialect's bound-parameter limit.
 */
import type SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, sql } from 'kysely';
import type { CertificateFacts } from '../../core/domain/certificates/certificate-facts';
import type { InventoryDb } from './inventory-schema';
import type { InventoryDialect } from './migrations';

/** Bound parameters per statement: SQLite's default limit is 32,766, PostgreSQL's 65,535. */
const PARAMETER_LIMIT: Record<InventoryDialect, number> = { sqlite: 32_000, postgres: 65_000 };
/**
 * Rows per prepared multi-row INSERT on SQLite. Compiling one statement of thousands of rows cost more than inserting
 * them; a statement of this many rows is compiled once per table and run again for every full chunk.
 */
const SQLITE_ROWS_PER_INSERT = 50;

/** A migrated inventory database and its dialect, shared by the aggregate stores behind one inventory store. */
export class InventorySql {
  /** Prepared INSERTs by SQL text, shared with the transactions' views of this database. */
  private readonly statements: Map<string, SqliteDatabase.Statement>;
  /** On a transaction's view: fingerprints it knows are recorded (see {@link recordKnown}). */
  private readonly seen: Set<string> | undefined;
  /** On a transaction's view: the facts of the certificates it inserted (see {@link recordCreated}). */
  private readonly created: Map<string, CertificateFacts> | undefined;
  /** On a transaction's view: per table, the certificates created here that it has written rows for. */
  private readonly written: Map<string, Set<string>> | undefined;

  /**
   * @param native the better-sqlite3 handle under `db`, for the import's prepared INSERTs; without it they go through
   *   Kysely. `within` is set on the view of one open transaction: its writes join that transaction.
   */
  constructor(
    readonly db: InventoryDb,
    readonly dialect: InventoryDialect,
    private readonly native?: SqliteDatabase.Database,
    readonly within = false,
    statements?: Map<string, SqliteDatabase.Statement>,
  ) {
    this.statements = statements ?? new Map<string, SqliteDatabase.Statement>();
    this.seen = within ? new Set() : undefined;
    this.created = within ? new Map() : undefined;
    this.written = within ? new Map() : undefined;
  }

  /** Runs `work` on a view of this database whose writes all join one transaction: they commit together or not at all. */
  async transaction<T>(work: (inner: InventorySql) => Promise<T>): Promise<T> {
    return await this.write(
      async (db) => await work(new InventorySql(db, this.dialect, this.native, true, this.statements)),
    );
  }

  /**
   * Runs `work` in one transaction (the open one, on a transaction's view). SQLite's starts IMMEDIATE: it takes the
   * write lock up front, so a second process waits for it (busy timeout) instead of failing when a read would later
   * have to become a write.
   */
  async write<T>(work: (db: InventoryDb) => Promise<T>): Promise<T> {
    if (this.within) return await work(this.db);
    if (this.dialect === 'postgres') return await this.db.transaction().execute(work);
    return await this.db.connection().execute(async (connection) => {
      await sql`begin immediate`.execute(connection);
      try {
        const result = await work(connection);
        await sql`commit`.execute(connection);
        return result;
      } catch (error) {
        // SQLite may already have rolled back (a full disk); the original error is the one to report.
        await sql`rollback`.execute(connection).catch(() => undefined);
        throw error;
      }
    });
  }

  /** Splits `items` so a multi-row statement binding `columns` parameters per item stays under the limit. */
  chunks<T>(items: readonly T[], columns: number): T[][] {
    const size = Math.max(1, Math.floor(PARAMETER_LIMIT[this.dialect] / columns));
    const chunks: T[][] = [];
    for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
    return chunks;
  }

  /** Which of `fingerprints` are recorded, read through `db` (the transaction, when writing). */
  async selectKnown(db: InventoryDb, fingerprints: readonly string[]): Promise<Set<string>> {
    // Certificates are never deleted, so what this transaction saw recorded stays recorded until it ends.
    const seen = this.seen ?? new Set<string>();
    const known = new Set(fingerprints.filter((fp) => seen.has(fp)));
    for (const chunk of this.chunks(
      fingerprints.filter((fp) => !seen.has(fp)),
      1,
    )) {
      const rows = await db
        .selectFrom('certificates')
        .select('fingerprint')
        .where('fingerprint', 'in', chunk)
        .execute();
      for (const row of rows) known.add(row.fingerprint);
    }
    this.recordKnown(known);
    return known;
  }

  /**
   * Notes certificates recorded by this transaction or seen by it, so the next write of the same batch (policy
   * results, managed assignment) checks them without reading them again. Outside a transaction it does nothing.
   */
  recordKnown(fingerprints: Iterable<string>): void {
    if (this.seen !== undefined) for (const fp of fingerprints) this.seen.add(fp);
  }

  /**
   * Notes certificates this transaction inserted, with their facts, so the batch's next writes need not read back what
   * it just wrote: no other table can hold rows for them yet. Outside a transaction it does nothing.
   */
  recordCreated(certificates: Iterable<{ fingerprint: string; facts: CertificateFacts }>): void {
    if (this.created === undefined) return;
    for (const { fingerprint, facts } of certificates) {
      this.created.set(fingerprint, facts);
      this.seen!.add(fingerprint);
    }
  }

  /**
   * The facts of a certificate this transaction inserted and nothing has changed since (a revocation forgets it:
   * {@link forgetCreated}); undefined for any other, which the caller reads from the database.
   */
  createdFacts(fingerprint: string): CertificateFacts | undefined {
    return this.created?.get(fingerprint);
  }

  /** Stops answering {@link createdFacts} for a certificate a write of this transaction changed. */
  forgetCreated(fingerprint: string): void {
    this.created?.delete(fingerprint);
  }

  /**
   * Of `fingerprints`, those this transaction created and has not written to `table` for yet: `table` holds no row of
   * theirs, so the caller need not look for one or delete it. Each is answered once per table.
   */
  firstWrites(table: string, fingerprints: readonly string[]): Set<string> {
    const first = new Set<string>();
    if (this.created === undefined) return first;
    let written = this.written!.get(table);
    if (written === undefined) this.written!.set(table, (written = new Set()));
    for (const fp of fingerprints) {
      if (!this.created.has(fp) || written.has(fp)) continue;
      written.add(fp);
      first.add(fp);
    }
    return first;
  }

  /**
   * Multi-row INSERT for the import hot path, written as SQL text: building Kysely's query tree for thousands of
   * rows costs more than the database's work on them. `tail` is the dialect-neutral ON CONFLICT / RETURNING clause.
   */
  async insertRows<R>(
    db: InventoryDb,
    table: string,
    columns: readonly string[],
    rows: readonly (readonly unknown[])[],
    tail: string,
  ): Promise<R[]> {
    const result: R[] = [];
    const head = `insert into ${table} (${columns.map((column) => `"${column}"`).join(', ')}) values `;
    const sqliteTuple = `(${columns.map(() => '?').join(', ')})`;
    if (this.native !== undefined) {
      // Keyed by table, row count and tail: the full SQL text of 50 rows took longer to build than to look up.
      const prepared = (count: number) => {
        const key = `${table}\u0000${columns.length}\u0000${count}\u0000${tail}`;
        let statement = this.statements.get(key);
        if (statement === undefined) {
          statement = this.native!.prepare(`${head}${Array<string>(count).fill(sqliteTuple).join(', ')} ${tail}`);
          this.statements.set(key, statement);
        }
        return statement;
      };
      const run = (statement: SqliteDatabase.Statement, parameters: readonly unknown[]) => {
        if (!statement.reader) statement.run(...parameters);
        else for (const row of statement.all(...parameters) as R[]) result.push(row);
      };
      const whole = rows.length - (rows.length % SQLITE_ROWS_PER_INSERT);
      // better-sqlite3 binds each array argument's items in turn: a full chunk is one call with every row.
      if (whole > 0) {
        const statement = prepared(SQLITE_ROWS_PER_INSERT);
        for (let start = 0; start < whole; start += SQLITE_ROWS_PER_INSERT) {
          run(statement, rows.slice(start, start + SQLITE_ROWS_PER_INSERT));
        }
      }
      // The last, shorter chunk goes row by row: one more compiled statement per table, not one per length.
      if (whole < rows.length) {
        const statement = prepared(1);
        for (let index = whole; index < rows.length; index++) run(statement, [rows[index]]);
      }
      return result;
    }
    for (const chunk of this.chunks(rows, columns.length)) {
      let next = 0;
      const tuples =
        this.dialect === 'sqlite'
          ? Array<string>(chunk.length).fill(sqliteTuple).join(', ')
          : chunk.map(() => `(${columns.map(() => `$${++next}`).join(', ')})`).join(', ');
      const { rows: returned } = await db.executeQuery<R>(CompiledQuery.raw(`${head}${tuples} ${tail}`, chunk.flat()));
      result.push(...returned);
    }
    return result;
  }
}
