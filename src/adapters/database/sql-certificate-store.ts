/** The certificates aggregate on the inventory database: upserts, metadata, issuer links, revocations and searches. */
import { sql, type RawBuilder, type Selectable, type SqlBool } from 'kysely';
import type { CertificateFacts } from '../../core/domain/certificates/certificate-facts';
import type {
  CertificateLocation,
  CertificateMetadataPatch,
  InventoryCertificate,
  PolicyViolation,
  ViolationSeverity,
} from '../../core/domain/inventory/model';
import { filterConditions, prefixCondition, valueCondition } from './certificate-filter';
import {
  CERTIFICATE_COLUMNS,
  endpointKey,
  KIND,
  METADATA_LIST_KINDS,
  prepareMetadata,
  prepareUpserts,
  VALUE_COLUMNS,
  type PreparedUpsert,
  type ScalarColumn,
  type ValueRow,
} from './certificate-rows';
import { AmbiguousIdError, InventoryInputError, UnknownCertificateError } from '../../core/ports/inventory-errors';
import {
  checkBatchSize,
  checkPage,
  checkString,
  fullFingerprint,
  hexPrefix,
  isoOf,
  parseInstant,
  requirePort,
  requireText,
} from './inventory-input';
import type { CertificatesTable, InventoryDb } from './inventory-schema';
import type { InventorySql } from './inventory-sql';
import type { InventoryDialect } from './migrations';
import type {
  CertificateFilter,
  CertificateGrouping,
  CertificateKeyset,
  CertificateSort,
  CertificateStore,
  CertificateUpsert,
  Page,
  PageRequest,
  UpsertOutcome,
} from '../../core/ports/inventory-store';

const SORTS: Record<CertificateSort, 'c.not_after' | 'c.subject' | 'c.first_seen_at'> = {
  notAfter: 'c.not_after',
  subject: 'c.subject',
  firstSeen: 'c.first_seen_at',
};
const GROUPINGS: Record<Exclude<CertificateGrouping, 'folder'>, string> = {
  ownerGroup: 'c.owner_group',
  application: 'c.application',
  issuer: 'c.issuer',
  keyAlgorithm: 'c.key_algorithm',
};

/** Certificates, their values and their issuer links, on the tables `certificates` and `certificate_values`. */
export class SqlCertificateStore implements CertificateStore {
  /**
   * On a transaction's view: the certificates it inserted with their issuer link already decided (see
   * {@link decideIssuers}), and whether each is a CA, until {@link linkIssuers} reports them.
   */
  private readonly linkedAtInsert = new Map<string, { issuer: string | null; isCa: boolean }>();

  constructor(private readonly inventory: InventorySql) {}

  async upsertCertificates(items: readonly CertificateUpsert[], seenAt: string): Promise<UpsertOutcome> {
    const seenAtMs = parseInstant(seenAt, 'seenAt');
    const prepared = prepareUpserts(items, seenAtMs);
    if (prepared.length === 0) return { created: [], updated: [] };
    return await this.inventory.write(async (db) => {
      const fingerprints = prepared.map((item) => item.fingerprint);
      const known = await this.inventory.selectKnown(db, fingerprints);
      // In key order, consecutive inserts land on the same B-tree leaf while it is in the page cache.
      const fresh = prepared.filter((item) => !known.has(item.fingerprint)).sort(byFingerprint);
      // Within a transaction the link is written with the row: linking afterwards rewrote every new row once more.
      if (this.inventory.within) await this.decideIssuers(db, fresh);
      const created = new Set<string>();
      const inserted = await this.inventory.insertRows<{ fingerprint: string }>(
        db,
        'certificates',
        CERTIFICATE_COLUMNS,
        fresh.map((item) => CERTIFICATE_COLUMNS.map((column) => item.row[column])),
        'on conflict (fingerprint) do nothing returning fingerprint',
      );
      for (const row of inserted) created.add(row.fingerprint);
      this.inventory.recordCreated(fresh.filter((item) => created.has(item.fingerprint)));
      if (this.inventory.within) {
        for (const { fingerprint, row } of fresh) {
          if (created.has(fingerprint))
            this.linkedAtInsert.set(fingerprint, { issuer: row.issuer_fingerprint ?? null, isCa: row.is_ca === 1 });
        }
      }
      const existing = prepared.filter((item) => !created.has(item.fingerprint));
      for (const chunk of this.inventory.chunks(
        existing.map((item) => item.fingerprint),
        1,
      )) {
        await db
          .updateTable('certificates')
          .set({ last_seen_at: seenAtMs })
          .where('fingerprint', 'in', chunk)
          .where('last_seen_at', '<', seenAtMs)
          .execute();
      }
      // A known certificate's values are keyed by the first_seen_at it has; a new one's by this import's.
      const firstSeen = await this.firstSeenOf(
        db,
        existing.filter((item) => item.metadata.values.length > 0).map((item) => item.fingerprint),
      );
      for (const fingerprint of created) firstSeen.set(fingerprint, seenAtMs);
      await this.insertValues(
        db,
        prepared.flatMap((item) =>
          created.has(item.fingerprint) ? [...item.factValues, ...item.metadata.values] : item.metadata.values,
        ),
        firstSeen,
      );
      await this.updateScalars(
        db,
        existing.map((item) => ({ fingerprint: item.fingerprint, scalars: item.metadata.scalars })),
      );
      return {
        created: fingerprints.filter((fp) => created.has(fp)),
        updated: existing.map((item) => item.fingerprint),
      };
    });
  }

  async knownFingerprints(fingerprints: readonly string[]): Promise<ReadonlySet<string>> {
    const normalized = [...new Set(fingerprints.map((fp, index) => fullFingerprint(fp, `fingerprints[${index}]`)))];
    return await this.inventory.selectKnown(this.inventory.db, normalized);
  }

  async getCertificate(idOrPrefix: string): Promise<InventoryCertificate | null> {
    const prefix = hexPrefix(idOrPrefix, 'id', 8);
    const matches = await this.inventory.db
      .selectFrom('certificates as c')
      .select(['c.fingerprint', 'c.subject'])
      .where(prefixCondition(prefix))
      .orderBy('c.fingerprint')
      .limit(11)
      .execute();
    if (matches.length > 1) throw new AmbiguousIdError(prefix, matches);
    const match = matches[0];
    return match === undefined ? null : await this.loadOne(match.fingerprint);
  }

  async getCertificateDer(fingerprint: string): Promise<Uint8Array | null> {
    const row = await this.inventory.db
      .selectFrom('certificates')
      .select('der')
      .where('fingerprint', '=', fullFingerprint(fingerprint, 'fingerprint'))
      .executeTakeFirst();
    return row === undefined ? null : new Uint8Array(row.der.buffer, row.der.byteOffset, row.der.byteLength);
  }

  async mergeMetadata(fingerprint: string, patch: CertificateMetadataPatch): Promise<InventoryCertificate | null> {
    const fp = fullFingerprint(fingerprint, 'fingerprint');
    const metadata = prepareMetadata(fp, patch, 'patch');
    const found = await this.inventory.write(async (db) => {
      const firstSeen = await this.firstSeenOf(db, [fp]);
      if (firstSeen.size === 0) return false;
      await this.insertValues(db, metadata.values, firstSeen);
      await this.updateScalars(db, [{ fingerprint: fp, scalars: metadata.scalars }]);
      return true;
    });
    return found ? await this.loadOne(fp) : null;
  }

  async findByEndpoint(host: string, port: number): Promise<readonly InventoryCertificate[]> {
    const endpoint = endpointKey(requireText(host, 'host'), requirePort(port, 'port'));
    const rows = await this.selectCertificates(this.inventory.db)
      .where(valueCondition([KIND.endpoint], sql`v.folded = ${endpoint.toLowerCase()}`))
      .orderBy('c.not_after')
      .orderBy('c.fingerprint')
      .execute();
    return await this.hydrate(rows);
  }

  async searchCertificates(filter: CertificateFilter, page: PageRequest): Promise<Page<InventoryCertificate>> {
    const { limit, offset } = checkPage(page);
    const sort = page.sort ?? 'notAfter';
    if (!Object.hasOwn(SORTS, sort))
      throw new InventoryInputError('page.sort', `"${sort}" is not one of ${Object.keys(SORTS).join(', ')}`);
    const conditions = filterConditions(filter);
    const total = await this.countMatching(conditions);
    const after = page.after === undefined ? [] : [keysetCondition(sort, page.after)];
    const rows =
      total <= offset
        ? []
        : await [...conditions, ...after]
            .reduce((query, condition) => query.where(condition), this.selectCertificates(this.inventory.db))
            .orderBy(SORTS[sort])
            .orderBy('c.fingerprint')
            .limit(limit)
            .offset(offset)
            .execute();
    return { items: await this.hydrate(rows), total, offset };
  }

  async countCertificates(filter: CertificateFilter): Promise<number> {
    return await this.countMatching(filterConditions(filter));
  }

  async groupCertificates(
    by: CertificateGrouping,
    filter: CertificateFilter,
  ): Promise<ReadonlyArray<{ key: string | null; count: number }>> {
    const conditions = filterConditions(filter);
    let rows: { group_key: string | null; n: number | string }[];
    if (by === 'folder') {
      rows = await conditions
        .reduce(
          (query, condition) => query.where(condition),
          this.inventory.db
            .selectFrom('certificates as c')
            .leftJoin('certificate_values as v', (join) =>
              join
                .onRef('v.first_seen_at', '=', 'c.first_seen_at')
                .onRef('v.fingerprint', '=', 'c.fingerprint')
                .on('v.kind', '=', KIND.folder),
            ),
        )
        .select((eb) => [eb.ref('v.value').as('group_key'), eb.fn.countAll<number>().as('n')])
        .groupBy('v.value')
        .execute();
    } else {
      if (!Object.hasOwn(GROUPINGS, by)) {
        throw new InventoryInputError(
          'by',
          `"${String(by)}" is not one of folder, ${Object.keys(GROUPINGS).join(', ')}`,
        );
      }
      const column = sql.ref<string | null>(GROUPINGS[by]);
      rows = await conditions
        .reduce((query, condition) => query.where(condition), this.inventory.db.selectFrom('certificates as c'))
        .select((eb) => [column.as('group_key'), eb.fn.countAll<number>().as('n')])
        .groupBy(column)
        .execute();
    }
    return rows
      .map((row) => ({ key: row.group_key, count: Number(row.n) }))
      .sort((a, b) => b.count - a.count || compareNullLast(a.key, b.key));
  }

  async linkIssuers(fingerprints: readonly string[]): Promise<readonly string[]> {
    const touched = [...new Set(fingerprints.map((fp, index) => fullFingerprint(fp, `fingerprints[${index}]`)))];
    const changed = new Set<string>();
    // Those this transaction inserted are linked already, and were unlinked before: each counts once, as linked now.
    // Of them only a CA can be the better issuer of certificates already stored.
    const pending: string[] = [];
    const newCas: string[] = [];
    for (const fingerprint of touched) {
      const decided = this.linkedAtInsert.get(fingerprint);
      if (decided === undefined) {
        pending.push(fingerprint);
        continue;
      }
      this.linkedAtInsert.delete(fingerprint);
      if (decided.issuer !== null) changed.add(fingerprint);
      if (decided.isCa) newCas.push(fingerprint);
    }
    const statements = [
      // Two parameters per fingerprint: each chunk is bound twice, once per direction.
      ...this.inventory.chunks(pending, 2).map((chunk) => ({ forward: chunk, reverse: chunk })),
      ...this.inventory.chunks(newCas, 1).map((chunk) => ({ forward: [], reverse: chunk })),
    ];
    for (const { forward, reverse } of statements) {
      const result = await this.inventory.write(
        async (db) => await linkStatement(forward, reverse, this.inventory.dialect).execute(db),
      );
      for (const row of result.rows) changed.add(row.fingerprint);
    }
    return [...changed];
  }

  /**
   * Sets the issuer link of certificates about to be inserted, as {@link linkStatement} would choose it: among the CA
   * certificates stored or in the same batch, read by the subject hashes the batch's issuers have (a handful).
   */
  private async decideIssuers(db: InventoryDb, fresh: readonly PreparedUpsert[]): Promise<void> {
    const issuerHashes = [
      ...new Set(fresh.filter((item) => item.row.self_signed !== 1).map((item) => item.row.issuer_hash)),
    ];
    if (issuerHashes.length === 0) return;
    const bySubjectHash = new Map<string, IssuerCandidate[]>();
    const add = (candidate: IssuerCandidate & { subject_hash: string | null }) => {
      if (candidate.subject_hash === null) return;
      const same = bySubjectHash.get(candidate.subject_hash);
      if (same === undefined) bySubjectHash.set(candidate.subject_hash, [candidate]);
      else same.push(candidate);
    };
    for (const chunk of this.inventory.chunks(issuerHashes, 1)) {
      const stored = await db
        .selectFrom('certificates')
        .select(['fingerprint', 'subject', 'subject_hash', 'subject_key_id', 'not_before', 'not_after'])
        .where('subject_hash', 'in', chunk)
        .where('is_ca', '=', 1)
        .execute();
      for (const row of stored) add({ ...row, not_before: Number(row.not_before), not_after: Number(row.not_after) });
    }
    for (const { row } of fresh) {
      if (row.is_ca !== 1) continue;
      add({
        fingerprint: row.fingerprint,
        subject: row.subject,
        subject_hash: row.subject_hash ?? null,
        subject_key_id: row.subject_key_id ?? null,
        not_before: row.not_before,
        not_after: row.not_after,
      });
    }
    for (const { row } of fresh) {
      if (row.self_signed === 1) continue;
      row.issuer_fingerprint = bestIssuer(
        {
          fingerprint: row.fingerprint,
          issuer: row.issuer,
          authority_key_id: row.authority_key_id ?? null,
          not_before: row.not_before,
        },
        bySubjectHash.get(row.issuer_hash) ?? [],
      );
    }
  }

  async *eachCertificate(
    batchSize: number,
    fingerprints?: readonly string[],
  ): AsyncIterable<readonly InventoryCertificate[]> {
    const size = checkBatchSize(batchSize);
    if (fingerprints !== undefined) {
      const wanted = [
        ...new Set(fingerprints.map((fp, index) => fullFingerprint(fp, `fingerprints[${index}]`))),
      ].sort();
      for (let start = 0; start < wanted.length; start += size) {
        const rows = await this.selectCertificates(this.inventory.db)
          .where('c.fingerprint', 'in', wanted.slice(start, start + size))
          .orderBy('c.fingerprint')
          .execute();
        if (rows.length > 0) yield await this.hydrate(rows);
      }
      return;
    }
    let after: string | null = null;
    for (;;) {
      let query = this.selectCertificates(this.inventory.db).orderBy('c.fingerprint').limit(size);
      if (after !== null) query = query.where('c.fingerprint', '>', after);
      const rows = await query.execute();
      if (rows.length === 0) return;
      yield await this.hydrate(rows);
      if (rows.length < size) return;
      after = rows[rows.length - 1]!.fingerprint;
    }
  }

  async recordRevocation(
    fingerprint: string,
    revocation: { readonly at: string; readonly reason: string },
  ): Promise<boolean> {
    const full = fullFingerprint(fingerprint, 'fingerprint');
    const changes = {
      revoked_at: parseInstant(revocation.at, 'at'),
      revocation_reason: requireText(revocation.reason, 'reason', 64),
    };
    const result = await this.inventory.write(async (db) => {
      // Assignment must read a revoked certificate from the database, not take it for assignable from the facts.
      this.inventory.forgetCreated(full);
      return await db
        .updateTable('certificates')
        .set(changes)
        .where('fingerprint', '=', full)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
    });
    if (Number(result.numUpdatedRows) > 0) return true;
    if ((await this.getCertificate(full)) === null) throw new UnknownCertificateError([full]);
    return false;
  }

  /** The `first_seen_at` of those of `fingerprints` that are recorded, which keys their `certificate_values`. */
  private async firstSeenOf(db: InventoryDb, fingerprints: readonly string[]): Promise<Map<string, number>> {
    const firstSeen = new Map<string, number>();
    for (const chunk of this.inventory.chunks(fingerprints, 1)) {
      const rows = await db
        .selectFrom('certificates')
        .select(['fingerprint', 'first_seen_at'])
        .where('fingerprint', 'in', chunk)
        .execute();
      for (const row of rows) firstSeen.set(row.fingerprint, Number(row.first_seen_at));
    }
    return firstSeen;
  }

  /** Inserts `values` of recorded certificates, each keyed by its certificate's entry in `firstSeen`. */
  private async insertValues(
    db: InventoryDb,
    values: readonly ValueRow[],
    firstSeen: ReadonlyMap<string, number>,
  ): Promise<void> {
    // Primary-key order (see upsertCertificates), which puts repeats of one value side by side to be dropped.
    const keyed: ValueTuple[] = values.map((row) => [
      firstSeen.get(row.fingerprint)!,
      row.fingerprint,
      row.kind,
      row.value,
      row.folded,
    ]);
    keyed.sort(byValueTupleKey);
    const rows = keyed.filter((row, index) => index === 0 || byValueTupleKey(keyed[index - 1]!, row) !== 0);
    await this.inventory.insertRows(
      db,
      'certificate_values',
      VALUE_COLUMNS,
      rows,
      'on conflict (first_seen_at, fingerprint, kind, value) do nothing',
    );
  }

  /** Applies scalar metadata, one UPDATE per distinct (column, value) so a batch with shared metadata is cheap. */
  private async updateScalars(
    db: InventoryDb,
    items: readonly { fingerprint: string; scalars: Partial<Record<ScalarColumn, string | null>> }[],
  ): Promise<void> {
    const groups = new Map<string, { column: ScalarColumn; value: string | null; fingerprints: string[] }>();
    for (const { fingerprint, scalars } of items) {
      for (const [column, value] of Object.entries(scalars) as [ScalarColumn, string | null][]) {
        const key = JSON.stringify([column, value]);
        const group = groups.get(key) ?? { column, value, fingerprints: [] };
        group.fingerprints.push(fingerprint);
        groups.set(key, group);
      }
    }
    for (const { column, value, fingerprints } of groups.values()) {
      for (const chunk of this.inventory.chunks(fingerprints, 1)) {
        await db
          .updateTable('certificates')
          .set({ [column]: value })
          .where('fingerprint', 'in', chunk)
          .execute();
      }
    }
  }

  private selectCertificates(db: InventoryDb) {
    return db
      .selectFrom('certificates as c')
      .leftJoin('policy_results as p', 'p.fingerprint', 'c.fingerprint')
      .select([
        'c.fingerprint',
        'c.facts',
        'c.owner_group',
        'c.application',
        'c.system_type',
        'c.issuer_fingerprint',
        'c.first_seen_at',
        'c.last_seen_at',
        'c.revoked_at',
        'c.revocation_reason',
        'p.policy_version',
        'p.compliant',
        'p.violations',
        'p.evaluated_at',
      ]);
  }

  private async countMatching(conditions: readonly RawBuilder<SqlBool>[]): Promise<number> {
    const row = await conditions
      .reduce((query, condition) => query.where(condition), this.inventory.db.selectFrom('certificates as c'))
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private async loadOne(fingerprint: string): Promise<InventoryCertificate | null> {
    const rows = await this.selectCertificates(this.inventory.db).where('c.fingerprint', '=', fingerprint).execute();
    return (await this.hydrate(rows))[0] ?? null;
  }

  private async hydrate(rows: readonly CertificateReadRow[]): Promise<InventoryCertificate[]> {
    const lists = new Map<string, MetadataLists>();
    const caaViolations = new Map<string, PolicyViolation[]>();
    for (const row of rows)
      lists.set(row.fingerprint, { location: [], contact: [], approver: [], regulation: [], tag: [] });
    for (const chunk of this.inventory.chunks(
      rows.map((row) => row.fingerprint),
      1,
    )) {
      // What the last CAA check found (caa_results, R-CAA-1) is a violation of the certificate like the policy's.
      const caa = await sql<CaaViolationRow>`select fingerprint, rule_id, rule, severity, message, remedy
        from caa_results where fingerprint in (${sql.join(chunk)}) order by fingerprint, name`.execute(
        this.inventory.db,
      );
      for (const row of caa.rows) {
        const found = caaViolations.get(row.fingerprint) ?? [];
        found.push({
          ruleId: row.rule_id,
          rule: row.rule,
          severity: row.severity as ViolationSeverity,
          message: row.message,
          remedy: row.remedy,
        });
        caaViolations.set(row.fingerprint, found);
      }
      // Through the certificate's first_seen_at, which leads the values' key.
      const values = await this.inventory.db
        .selectFrom('certificates as c')
        .innerJoin('certificate_values as v', (join) =>
          join.onRef('v.first_seen_at', '=', 'c.first_seen_at').onRef('v.fingerprint', '=', 'c.fingerprint'),
        )
        .select(['v.fingerprint', 'v.kind', 'v.value'])
        .where('c.fingerprint', 'in', chunk)
        .where('v.kind', 'in', METADATA_LIST_KINDS)
        .orderBy('v.fingerprint')
        .orderBy('v.kind')
        .orderBy('v.value')
        .execute();
      for (const value of values)
        (lists.get(value.fingerprint) as Partial<Record<string, string[]>> | undefined)?.[value.kind]?.push(
          value.value,
        );
    }
    return rows.map((row) => {
      const list = lists.get(row.fingerprint)!;
      const caa = caaViolations.get(row.fingerprint) ?? [];
      return {
        id: row.fingerprint.slice(0, 16),
        facts: JSON.parse(row.facts) as CertificateFacts,
        metadata: {
          locations: list.location.map((json) => JSON.parse(json) as CertificateLocation),
          ownerGroup: row.owner_group,
          contacts: list.contact,
          approvers: list.approver,
          systemType: row.system_type,
          application: row.application,
          regulations: list.regulation,
          tags: list.tag,
        },
        issuerFingerprint: row.issuer_fingerprint,
        policy:
          row.policy_version === null
            ? null
            : {
                fingerprintSha256: row.fingerprint,
                policyVersion: row.policy_version,
                compliant: Number(row.compliant) === 1 && caa.length === 0,
                violations: [...(JSON.parse(row.violations ?? '[]') as PolicyViolation[]), ...caa],
                evaluatedAt: isoOf(row.evaluated_at!),
              },
        firstSeenAt: isoOf(row.first_seen_at),
        lastSeenAt: isoOf(row.last_seen_at),
        revocation:
          row.revoked_at === null ? null : { revokedAt: isoOf(row.revoked_at), reason: row.revocation_reason ?? '' },
      };
    });
  }
}

/** A row of `caa_results` (migration 022) as a certificate's violation. */
interface CaaViolationRow {
  fingerprint: string;
  rule_id: string;
  rule: string;
  severity: string;
  message: string;
  remedy: string;
}

/** Metadata lists of one certificate by side-table kind. */
type MetadataLists = Record<'location' | 'contact' | 'approver' | 'regulation' | 'tag', string[]>;

type CertificateReadRow = Pick<
  Selectable<CertificatesTable>,
  | 'fingerprint'
  | 'facts'
  | 'owner_group'
  | 'application'
  | 'system_type'
  | 'issuer_fingerprint'
  | 'first_seen_at'
  | 'last_seen_at'
  | 'revoked_at'
  | 'revocation_reason'
> & {
  policy_version: string | null;
  compliant: number | null;
  violations: string | null;
  evaluated_at: number | null;
};

/**
 * Links `touched` certificates to their issuers, and every certificate whose issuer DN is the subject of a touched CA
 * certificate to its best issuer again (a new CA can be the better candidate). Nothing else can have gained or lost
 * a candidate, so the links are those a relink of the whole table would give, by index lookups on the DN hashes.
 * Issuer DN = subject DN of a CA certificate and, when both are known, AKI = SKI. Among several candidates
 * (re-issued or cross-signed CAs) the one whose key identifier matches, then whose validity covers the child's
 * notBefore, then the longest-lived wins. Self-signed certificates end a chain: they are not linked to themselves.
 */
function linkStatement(forward: readonly string[], reverse: readonly string[], dialect: InventoryDialect) {
  const conditions = [
    ...(forward.length > 0 ? [sql<SqlBool>`c.fingerprint in (${sql.join(forward)})`] : []),
    ...(reverse.length > 0
      ? [
          sql<SqlBool>`c.issuer_hash in (
            select ca.subject_hash from certificates ca
            where ca.fingerprint in (${sql.join(reverse)}) and ca.subject_hash is not null
          )`,
        ]
      : []),
  ];
  // SQLite would otherwise inline the candidates into the UPDATE and run the candidate search twice per row (once for
  // the new value, once to skip unchanged rows); PostgreSQL computes it once, and before 12 has no MATERIALIZED.
  const materialized = dialect === 'sqlite' ? sql`materialized` : sql``;
  return sql<{ fingerprint: string }>`
    with links as ${materialized} (
      select c.fingerprint, case when c.self_signed = 1 then null else (
        select p.fingerprint from certificates p
        where p.subject_hash = c.issuer_hash and p.subject = c.issuer and p.is_ca = 1
          and p.fingerprint <> c.fingerprint
          and (c.authority_key_id is null or p.subject_key_id is null or p.subject_key_id = c.authority_key_id)
        order by
          case when p.subject_key_id = c.authority_key_id then 0 else 1 end,
          case when p.not_before <= c.not_before and c.not_before <= p.not_after then 0 else 1 end,
          p.not_after desc, p.fingerprint
        limit 1
      ) end as candidate
      from certificates c
      where ${sql.join(conditions, sql` or `)}
    )
    update certificates set issuer_fingerprint = links.candidate
    from links
    where certificates.fingerprint = links.fingerprint
      and certificates.issuer_fingerprint is distinct from links.candidate
    returning certificates.fingerprint`;
}

/** What {@link bestIssuer} compares of a CA certificate. */
interface IssuerCandidate {
  fingerprint: string;
  subject: string;
  subject_key_id: string | null;
  not_before: number;
  not_after: number;
}

/** {@link linkStatement}'s choice of issuer for one certificate among CA certificates of its issuer's subject hash. */
function bestIssuer(
  child: { fingerprint: string; issuer: string; authority_key_id: string | null; not_before: number },
  candidates: readonly IssuerCandidate[],
): string | null {
  const aki = child.authority_key_id;
  const rank = (candidate: IssuerCandidate) =>
    (aki !== null && candidate.subject_key_id === aki ? 0 : 2) +
    (candidate.not_before <= child.not_before && child.not_before <= candidate.not_after ? 0 : 1);
  let best: IssuerCandidate | null = null;
  for (const candidate of candidates) {
    if (candidate.subject !== child.issuer || candidate.fingerprint === child.fingerprint) continue;
    if (aki !== null && candidate.subject_key_id !== null && candidate.subject_key_id !== aki) continue;
    if (
      best === null ||
      rank(candidate) < rank(best) ||
      (rank(candidate) === rank(best) &&
        (candidate.not_after > best.not_after ||
          (candidate.not_after === best.not_after && candidate.fingerprint < best.fingerprint)))
    ) {
      best = candidate;
    }
  }
  return best?.fingerprint ?? null;
}

/** A `certificate_values` row in VALUE_COLUMNS order: first_seen_at, fingerprint, kind, value, folded. */
type ValueTuple = [number, string, string, string, string];

/** Orders value rows by the primary key of `certificate_values`: (first_seen_at, fingerprint, kind, value). */
function byValueTupleKey(a: ValueTuple, b: ValueTuple): number {
  return a[0] - b[0] || compareText(a[1], b[1]) || compareText(a[2], b[2]) || compareText(a[3], b[3]);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byFingerprint(a: { fingerprint: string }, b: { fingerprint: string }): number {
  return compareText(a.fingerprint, b.fingerprint);
}

function compareNullLast(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

/** Rows after `after` in the order of `sort` (then fingerprint): the keyset of a page that follows another. */
function keysetCondition(sort: CertificateSort, after: CertificateKeyset): RawBuilder<SqlBool> {
  if (after === null || typeof after !== 'object') throw new InventoryInputError('page.after', 'must be a keyset');
  const column = sql.ref(SORTS[sort]);
  const key =
    sort === 'subject'
      ? checkString(after.sortKey, 'page.after.sortKey')
      : parseInstant(after.sortKey, 'page.after.sortKey');
  const fingerprint = fullFingerprint(after.fingerprint, 'page.after.fingerprint');
  return sql<SqlBool>`(${column} > ${key} or (${column} = ${key} and c.fingerprint > ${fingerprint}))`;
}
