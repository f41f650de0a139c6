/**
 * Opens the inventory database named by a URL, brings its schema up to date and returns the store on it: SQLite
 * (better-sqlite3) for the embedded default, PostgreSQL (pg) for scale. Both share one Kysely migration set.
 */
import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Dialect } from 'kysely';
import pg from 'pg';
import { InventoryDatabaseError } from '../../core/ports/inventory-errors';
import type { InventoryStore } from '../../core/ports/inventory-store';
import { KyselyInventoryStore, type InventoryDatabase } from './kysely-inventory-store';
import { inventoryMigrations, type InventoryDialect } from './migrations';

/** Options of {@link openInventoryStore}. */
export interface InventoryStoreOptions {
  /** `postgres://…` / `postgresql://…`, or `sqlite:<path>`, `file:<path>`, a plain path or `:memory:`. */
  readonly url: string;
  /** Folder relative SQLite paths resolve against; defaults to the current directory. */
  readonly cwd?: string;
  /** Setting the URL came from, named in error messages; defaults to `CERTFLOW_DATABASE_URL`. */
  readonly setting?: string;
  /** How long SQLite waits for another process's write lock, in ms; defaults to 5000. */
  readonly busyTimeoutMs?: number;
  /** PostgreSQL connection pool size; defaults to 10. */
  readonly poolSize?: number;
  /** How long to wait for a PostgreSQL connection, in ms; defaults to 10000. */
  readonly connectTimeoutMs?: number;
}

/** Where an inventory URL points. */
export type InventoryLocation =
  | { readonly dialect: 'sqlite'; /** Absolute path, or `:memory:`. */ readonly file: string }
  | { readonly dialect: 'postgres'; readonly url: string };

const POSTGRES_URL = /^postgres(?:ql)?:\/\//i;
const WINDOWS_PATH = /^[a-z]:[\\/]/i;
const ANY_SCHEME = /^([a-z][a-z0-9+.-]*):/i;
/** pg's type id of int8 (bigint, count(*)). */
const INT8_OID = 20;

/** The URL with any password replaced by `***`, safe for messages and logs. */
export function redactDatabaseUrl(url: string): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^/?#]*@/i, '$1:***@')
    .replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/** Works out which database a URL names; throws InventoryDatabaseError for anything else. */
export function parseInventoryUrl(url: string, options: { cwd?: string; setting?: string } = {}): InventoryLocation {
  const setting = options.setting ?? 'CERTFLOW_DATABASE_URL';
  const trimmed = url.trim();
  const fail = (problem: string): never => {
    throw new InventoryDatabaseError(
      redactDatabaseUrl(trimmed),
      `inventory database URL "${redactDatabaseUrl(trimmed)}" ${problem}. Set ${setting} to sqlite:<file> ` +
        '(e.g. sqlite:./data/inventory.sqlite) or postgres://user:password@host:5432/database',
    );
  };
  if (trimmed === '') return fail('is empty');
  if (POSTGRES_URL.test(trimmed)) {
    let parsed: URL;
    try {
      parsed = new URL(trimmed);
    } catch {
      return fail('is not a valid URL');
    }
    if (parsed.hostname === '' && !parsed.searchParams.has('host')) return fail('names no host');
    return { dialect: 'postgres', url: trimmed };
  }
  let file = trimmed;
  const scheme = ANY_SCHEME.exec(trimmed)?.[1]?.toLowerCase();
  if (trimmed === ':memory:') file = ':memory:';
  else if (scheme === 'sqlite' || scheme === 'file')
    file = trimmed.slice(scheme.length + 1).replace(/^\/\/(?=\/|\.)/, '');
  else if (scheme !== undefined && !WINDOWS_PATH.test(trimmed)) return fail(`uses the unsupported scheme "${scheme}:"`);
  if (file === '') return fail('names no file');
  if (file === ':memory:') return { dialect: 'sqlite', file };
  return { dialect: 'sqlite', file: path.resolve(options.cwd ?? process.cwd(), file) };
}

/** An opened inventory database: the store, and the Kysely handle for modules that keep their own tables in it. */
export interface InventoryDatabaseHandle {
  readonly store: InventoryStore;
  /** Shared with the store: closing the store closes it. */
  readonly db: Kysely<InventoryDatabase>;
}

/** Opens (creating when needed) the inventory database at `options.url`, migrates it and returns the store. */
export async function openInventoryStore(options: InventoryStoreOptions): Promise<InventoryStore> {
  return (await openInventoryDatabase(options)).store;
}

/** Like {@link openInventoryStore}, also handing out the database for tables kept beside the inventory (Slack's). */
export async function openInventoryDatabase(options: InventoryStoreOptions): Promise<InventoryDatabaseHandle> {
  const location = parseInventoryUrl(options.url, options);
  const redacted = redactDatabaseUrl(options.url.trim());
  const setting = options.setting ?? 'CERTFLOW_DATABASE_URL';
  let native: SqliteDatabase.Database | undefined;
  let dialect: Dialect;
  if (location.dialect === 'sqlite') {
    native = openSqlite(location.file, redacted, setting, options);
    dialect = new SqliteDialect({ database: native });
  } else dialect = await openPostgres(location.url, redacted, setting, options);
  const db = new Kysely<InventoryDatabase>({ dialect });
  try {
    await migrate(db, location.dialect, redacted);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { store: new KyselyInventoryStore(db, location.dialect, native), db };
}

function openSqlite(
  file: string,
  redacted: string,
  setting: string,
  options: InventoryStoreOptions,
): SqliteDatabase.Database {
  try {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
    const database = new SqliteDatabase(file);
    try {
      // WAL lets readers (the CLI) work while the worker writes; NORMAL sync is durable in WAL except on power loss.
      database.pragma('journal_mode = WAL');
      database.pragma('synchronous = NORMAL');
      // An import batch writes megabytes (about 8 pages per new certificate); checkpointing (and fsyncing) every
      // ~160 MB of WAL rather than every 40 MB copies a page that several batches changed back once and fsyncs a
      // quarter as often: 5,000 new certificates at 100k wrote 11 % fewer bytes. The size limit gives the space back
      // afterwards.
      database.pragma('wal_autocheckpoint = 40000');
      database.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
      // An import batch inserts at random fingerprints across several indexes; the default 2 MB page cache made it
      // re-read the same index pages from the OS within one batch. 64 MB is a ceiling, allocated as pages are used.
      database.pragma(`cache_size = ${-64 * 1024}`);
      // Each statement of a write transaction journals the pages it changes so it can be undone alone; in a file that
      // was two thirds of an import's writes (the WAL the rest). In memory it is bounded by one statement's pages.
      database.pragma('temp_store = MEMORY');
      database.pragma('foreign_keys = ON');
      database.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
    } catch (error) {
      database.close();
      throw error;
    }
    return database;
  } catch (error) {
    throw new InventoryDatabaseError(
      redacted,
      `cannot open the SQLite inventory ${file}: ${messageOf(error)}. Check that the folder is writable and the ` +
        `file is a certflow inventory (or not there yet), or point ${setting} at another file`,
      { cause: error },
    );
  }
}

async function openPostgres(
  url: string,
  redacted: string,
  setting: string,
  options: InventoryStoreOptions,
): Promise<Dialect> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    // Epoch milliseconds, sequence numbers and counts are int8; they all fit a JS number exactly.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown =>
        oid === INT8_OID
          ? (value: string) => Number(value)
          : (pg.types.getTypeParser(oid, format) as unknown)) as never,
    },
  });
  // A pooled idle connection that drops (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  // The inventory's queries are short; PostgreSQL's JIT, triggered by row estimates, spent over a second compiling
  // linkIssuers on 10,000 certificates that then ran in 0.1 s. Servers without JIT (before 11) refuse the setting.
  pool.on('connect', (client) => {
    client.query('set jit = off').catch(() => undefined);
  });
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new InventoryDatabaseError(
      redacted,
      `cannot connect to the PostgreSQL inventory at ${redacted}: ${scrub(messageOf(error), url)}. ` +
        `${postgresAdvice(error)}, or fix ${setting}`,
      { cause: error },
    );
  }
  return new PostgresDialect({ pool });
}

/** What to do about a PostgreSQL connection failure, by its error code. */
function postgresAdvice(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === '3D000') return 'Create the database first (createdb <name>)';
  if (code === '28P01' || code === '28000') return 'Check the user name and password';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'Check the host name';
  return 'Check that PostgreSQL is running and reachable at that host and port';
}

async function migrate(db: Kysely<InventoryDatabase>, dialect: InventoryDialect, redacted: string): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => inventoryMigrations(dialect) },
    migrationTableName: 'inventory_migrations',
    migrationLockTableName: 'inventory_migrations_lock',
    // Numbers are handed out per change and land out of order (025 before 022): an inventory that already ran a
    // later one must still take an earlier one that lands after it.
    allowUnorderedMigrations: true,
  });
  let outcome: Awaited<ReturnType<Migrator['migrateToLatest']>>;
  try {
    outcome = await migrator.migrateToLatest();
  } catch (error) {
    outcome = { error };
  }
  if (outcome.error === undefined) return;
  const failed = outcome.results?.find((result) => result.status === 'Error')?.migrationName;
  throw new InventoryDatabaseError(
    redacted,
    `cannot bring the inventory database ${redacted} up to date${failed ? ` (migration ${failed})` : ''}: ` +
      `${messageOf(outcome.error)}. Is it a certflow inventory written by a newer certflow? Upgrade certflow, or ` +
      'point the URL at a new database',
    { cause: outcome.error },
  );
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return messageOf(error.errors[0]);
  return error instanceof Error ? error.message || String((error as { code?: string }).code) : String(error);
}

/** Removes the URL's password from a driver message, in case a driver ever echoes it. */
function scrub(message: string, url: string): string {
  let password: string;
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    return message;
  }
  return password === '' ? message : message.split(password).join('***');
}
