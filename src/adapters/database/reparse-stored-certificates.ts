/**
 * Re-parses the stored DER of every certificate with the current parser and rewrites what the parse decides, so a
 * parser fix reaches certificates imported before it (re-importing a known certificate keeps its stored facts).
 */
import type { Kysely } from 'kysely';
import { CertificateParseError } from '../../core/domain/certificates/errors';
import { parseCertificateDer } from '../../core/domain/certificates/parse-certificate';
import { FACT_VALUE_KINDS, factValues, parsedColumns, type ValueRow } from './certificate-rows';
import type { InventoryDatabase } from './inventory-schema';

/** What a re-parse of the stored certificates did. */
export interface ReparseSummary {
  /** Certificates read. */
  readonly examined: number;
  /** Certificates whose facts changed and were rewritten. */
  readonly rewritten: number;
  /** Fingerprints of certificates whose DER no longer parses (or hashes to another fingerprint), left as they were. */
  readonly unparseable: readonly string[];
}

/** Certificates read per query: bounds memory on an inventory of any size. */
const BATCH = 500;
/** `certificate_values` rows per insert: 5 parameters each, far below SQLite's and PostgreSQL's limits. */
const VALUE_ROWS_PER_INSERT = 1000;

/**
 * Rewrites the `facts` JSON, every parse-derived column and the subject-alternative-name values of each stored
 * certificate whose re-parse differs; metadata, issuer links, first/last seen and policy results are left alone.
 * A certificate whose DER no longer parses is left as it was and named in the summary, never an error. Logs one
 * line (to `console.warn` unless `log` is given) when anything was rewritten or left.
 */
export async function reparseStoredCertificates(
  db: Kysely<InventoryDatabase>,
  options: { batchSize?: number; log?: (line: string) => void } = {},
): Promise<ReparseSummary> {
  const batchSize = options.batchSize ?? BATCH;
  let examined = 0;
  let rewritten = 0;
  const unparseable: string[] = [];
  // Migration 012 runs this before 026 keys the values by first_seen_at, on an inventory older than both.
  const keyed = (await db.introspection.getTables())
    .find((table) => table.name === 'certificate_values')
    ?.columns.some((column) => column.name === 'first_seen_at');
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom('certificates')
      .select(['fingerprint', 'der', 'facts', 'first_seen_at'])
      .where('fingerprint', '>', after)
      .orderBy('fingerprint')
      .limit(batchSize)
      .execute();
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.fingerprint;
    examined += rows.length;
    const changed: string[] = [];
    const firstSeen = new Map<string, number>();
    const values: ValueRow[] = [];
    for (const row of rows) {
      const facts = reparse(row.der, row.fingerprint);
      if (facts === null) {
        unparseable.push(row.fingerprint);
        continue;
      }
      const columns = parsedColumns(facts);
      if (columns.facts === row.facts) continue;
      await db.updateTable('certificates').set(columns).where('fingerprint', '=', row.fingerprint).execute();
      changed.push(row.fingerprint);
      firstSeen.set(row.fingerprint, Number(row.first_seen_at));
      values.push(...factValues(facts));
    }
    if (changed.length === 0) continue;
    rewritten += changed.length;
    // The first_seen_at terms let the delete find the rows by their key, which the fingerprint alone does not lead.
    const firstSeenTimes = keyed ? [...new Set(firstSeen.values())] : [];
    await db
      .deleteFrom('certificate_values')
      .where('fingerprint', 'in', changed)
      .where('kind', 'in', [...FACT_VALUE_KINDS])
      .$if(keyed === true, (query) => query.where('first_seen_at', 'in', firstSeenTimes))
      .execute();
    for (let start = 0; start < values.length; start += VALUE_ROWS_PER_INSERT) {
      const rows = values.slice(start, start + VALUE_ROWS_PER_INSERT);
      await db
        .insertInto('certificate_values')
        // Before migration 026 the table has no first_seen_at column to write.
        .values(
          keyed ? rows.map((row) => ({ ...row, first_seen_at: firstSeen.get(row.fingerprint)! })) : (rows as never),
        )
        // A certificate may name one SAN twice; it is one row, as an import stores it.
        .onConflict((conflict) =>
          conflict
            .columns(keyed ? ['first_seen_at', 'fingerprint', 'kind', 'value'] : ['fingerprint', 'kind', 'value'])
            .doNothing(),
        )
        .execute();
    }
  }
  const summary = { examined, rewritten, unparseable };
  const line = summaryLine(summary);
  if (line !== null) (options.log ?? console.warn)(line);
  return summary;
}

/** The log line of a re-parse that changed or skipped anything; null when there is nothing to say. */
function summaryLine({ examined, rewritten, unparseable }: ReparseSummary): string | null {
  const parts = [`certflow: re-parsed ${examined} stored certificates with the corrected parser`];
  // Stored policy results were judged on the old facts; nothing re-evaluates them until `policy check` runs.
  if (rewritten > 0) {
    parts.push(`rewrote the facts of ${rewritten}: run \`certflow policy check\` to judge them under the new rules`);
  }
  if (unparseable.length > 0) {
    const named = unparseable.slice(0, 5).join(', ') + (unparseable.length > 5 ? ', …' : '');
    parts.push(`left ${unparseable.length} whose DER no longer parses as they were (${named})`);
  }
  return parts.length > 1 ? parts.join('; ') : null;
}

/** The current parse of stored DER, or null when it no longer parses or is not the certificate it is stored as. */
function reparse(der: Uint8Array, fingerprint: string) {
  try {
    const { facts } = parseCertificateDer(new Uint8Array(der), `stored certificate ${fingerprint}`);
    return facts.fingerprintSha256 === fingerprint ? facts : null;
  } catch (error) {
    if (error instanceof CertificateParseError) return null;
    throw error;
  }
}
