/** The certificates aggregate on the inventory database: upserts, metadata, issuer links, revocations and searches. */
import { sql, type RawBuilder, type Selectable, type SqlBool } from 'kysely';
import type { CertificateFacts } from '../../core/domain/certificates/certificate-facts';
import type {
  CertificateLocation,
  CertificateMetadataPatch,
  InventoryCertificate,
  PolicyViolation,
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
  type ScalarColumn,
  type ValueRow,
} from './certificate-rows';
import { AmbiguousIdError, InventoryInputError, UnknownCertificateError } from '../../core/ports/inventory-errors';
import {
  checkBatchSize,
  checkPage,
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
      await this.insertValues(
        db,
        prepared.flatMap((item) =>
          created.has(item.fingerprint) ? [...item.factValues, ...item.metadata.values] : item.metadata.values,
        ),
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
      if ((await this.inventory.selectKnown(db, [fp])).size === 0) return false;
      await this.insertValues(db, metadata.values);
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
    const rows =
      total <= offset
        ? []
        : await conditions
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
              join.onRef('v.fingerprint', '=', 'c.fingerprint').on('v.kind', '=', KIND.folder),
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
    // Two parameters per fingerprint: each chunk is bound twice, once per direction.
    for (const chunk of this.inventory.chunks(touched, 2)) {
      const result = await this.inventory.write(
        async (db) => await linkStatement(chunk, this.inventory.dialect).execute(db),
      );
      for (const row of result.rows) changed.add(row.fingerprint);
    }
    return [...changed];
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

  private async insertValues(db: InventoryDb, values: readonly ValueRow[]): Promise<void> {
    const unique = new Map(values.map((row) => [`${row.fingerprint}\u0000${row.kind}\u0000${row.value}`, row]));
    // Primary-key order: see upsertCertificates.
    const keys = [...unique.keys()].sort();
    await this.inventory.insertRows(
      db,
      'certificate_values',
      VALUE_COLUMNS,
      keys.map((key) => {
        const row = unique.get(key)!;
        return [row.fingerprint, row.kind, row.value, row.folded];
      }),
      'on conflict (fingerprint, kind, value) do nothing',
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
    for (const row of rows)
      lists.set(row.fingerprint, { location: [], contact: [], approver: [], regulation: [], tag: [] });
    for (const chunk of this.inventory.chunks(
      rows.map((row) => row.fingerprint),
      1,
    )) {
      const values = await this.inventory.db
        .selectFrom('certificate_values')
        .select(['fingerprint', 'kind', 'value'])
        .where('fingerprint', 'in', chunk)
        .where('kind', 'in', METADATA_LIST_KINDS)
        .orderBy('fingerprint')
        .orderBy('kind')
        .orderBy('value')
        .execute();
      for (const value of values)
        (lists.get(value.fingerprint) as Partial<Record<string, string[]>> | undefined)?.[value.kind]?.push(
          value.value,
        );
    }
    return rows.map((row) => {
      const list = lists.get(row.fingerprint)!;
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
                compliant: Number(row.compliant) === 1,
                violations: JSON.parse(row.violations ?? '[]') as PolicyViolation[],
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
function linkStatement(touched: readonly string[], dialect: InventoryDialect) {
  const list = sql.join(touched);
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
      where c.fingerprint in (${list})
        or c.issuer_hash in (
          select ca.subject_hash from certificates ca where ca.fingerprint in (${list}) and ca.subject_hash is not null
        )
    )
    update certificates set issuer_fingerprint = links.candidate
    from links
    where certificates.fingerprint = links.fingerprint
      and certificates.issuer_fingerprint is distinct from links.candidate
    returning certificates.fingerprint`;
}

function byFingerprint(a: { fingerprint: string }, b: { fingerprint: string }): number {
  return a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0;
}

function compareNullLast(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
