/**
 * The inventory store on Kysely, one implementation for SQLite and PostgreSQL.
 *
 * Tables (created by migrations/001-inventory-schema.ts):
 * - `certificates`: one row per SHA-256 fingerprint (primary key; `id` is its first 16 hex digits). The facts
 *   certflow searches, sorts or joins on are columns; the full facts are kept as JSON (`facts`) and the exact DER as
 *   blob/bytea. Instants (`not_before`, `not_after`, `first_seen_at`, `last_seen_at`) are epoch milliseconds in a
 *   bigint: the same type, order and comparisons in both databases. Flags are integers 0/1 for the same reason.
 *   `serial_number` has leading zeros stripped so `0a1b` and `a1b` find the same certificate. `issuer_hash` and,
 *   for CA certificates only, `subject_hash` (SHA-256 of the DN text, 32 hex digits) index the DN match of
 *   `linkIssuers` without putting long DNs into a B-tree or an end-entity certificate into that index.
 *   `subject_folded` and `issuer_folded` are the DNs lower-cased by JavaScript (Unicode aware, unlike SQLite's
 *   `lower`) for substring search. The metadata scalars (`owner_group`, `application`, `system_type`) are columns.
 * - `certificate_values(fingerprint, kind, value, folded)`: every multi-valued or free-text field, so each one is
 *   searchable through one index on `(kind, folded)`. `folded` is the value lower-cased by JavaScript (Unicode
 *   aware). Kinds: `san:dns|ip|email|uri|other` (from the certificate); `location` (canonical JSON), `host`,
 *   `endpoint` (`host:port`), `folder` (directory of a file location), `contact`, `approver`, `regulation`, `tag`
 *   (metadata). Each value row costs two B-tree writes, so derived kinds are kept to what a filter needs. The
 *   primary key makes re-adding a value a no-op, which is what makes metadata lists set unions and re-imports
 *   idempotent. Values are capped at 1,024 characters (the facts JSON keeps everything) so a hostile SAN cannot
 *   overflow a PostgreSQL index entry.
 * - `owner_groups`: id, name and JSON columns for contacts, approvers, the management and incident-response
 *   contacts, Slack, Jira and reminder days (R-OWN-1); `auto_renew` 0/1.
 * - `policy_results`: the latest result per certificate (violations as JSON) and `policy_rule_violations(rule_id,
 *   fingerprint)` so `violatesRule` is an index lookup (R-POL-6).
 * - `audit_log`: seq (autoincrement / identity), at, actor, action, subject, where, details JSON. Triggers in both
 *   databases refuse UPDATE and DELETE (and TRUNCATE in PostgreSQL): append-only, R-LOG-1. `idempotency_key`
 *   (unique when set) lets a retried activity append its entry once.
 * - `managed_certificates` (migrations/002-lifecycle.ts): one row per managed certificate, keyed by the inventory id
 *   of its first version, with its current version, its names key (subject CN, DNS and IP SANs, lower case, sorted,
 *   deduplicated, `,`-joined; `sha256:<fingerprint>` for a certificate with no names) and `names_hash` (SHA-256 of
 *   the key, 32 hex digits) that the index holds instead of keys too long for a PostgreSQL B-tree entry; the phase,
 *   detail and ticket its workflow last reported; `retired` 0/1. `managed_certificate_versions(fingerprint,
 *   managed_id)` maps every assigned certificate, current or past, to its managed certificate: a certificate is
 *   assigned once, which is what makes assignment idempotent.
 *
 * Filter semantics (R-INV-3): `text`, `subject`, `issuer`, `san`, `contact`, `approver`, `application` and
 * `systemType` are case-insensitive substring matches; `tag`, `regulation`, `host` and `curve` are case-insensitive
 * exact matches; `ownerGroup`, `keyAlgorithm`, `signatureHash`, `role` and `violatesRule` are exact; `fingerprint`
 * is a hex prefix; `folder` matches that directory and everything below it; `…From` bounds are inclusive and
 * `…Before` bounds exclusive; `hasViolations: false` and `weak: false` match only evaluated certificates. Audit
 * pages run oldest first so offsets stay stable while entries are appended.
 */
import { createHash } from 'node:crypto';
import { normalizeHex } from '../../domain/certificates/hex';
import { BANNABLE_HASHES, KEY_ALGORITHMS } from '../../domain/policy/policy';
import path from 'node:path';
import {
  CompiledQuery,
  sql,
  type Generated,
  type Insertable,
  type Kysely,
  type RawBuilder,
  type Selectable,
  type SqlBool,
} from 'kysely';
import type { CertificateFacts, CertificateRole, SignatureHash } from '../../domain/certificates/certificate-facts';
import type {
  AuditEntry,
  CertificateLocation,
  CertificateMetadata,
  CertificateMetadataPatch,
  InventoryCertificate,
  NewAuditEntry,
  OwnerGroup,
  Person,
  PolicyResult,
  PolicyViolation,
} from '../../domain/inventory/model';
import { AmbiguousIdError, InventoryInputError, UnknownCertificateError } from './inventory-errors';
import type {
  AuditFilter,
  CertificateFilter,
  CertificateGrouping,
  CertificateSort,
  CertificateUpsert,
  InventoryStore,
  ManagedAssignment,
  ManagedCertificate,
  ManagedCertificateFilter,
  Page,
  PageRequest,
  UpsertOutcome,
} from './inventory-store';
import type { InventoryDialect } from './migrations';

/** Row of `certificates`. */
export interface CertificatesTable {
  fingerprint: string;
  id: string;
  subject: string;
  subject_cn: string | null;
  subject_hash: string | null;
  subject_folded: string;
  issuer: string;
  issuer_cn: string | null;
  issuer_hash: string;
  issuer_folded: string;
  serial_number: string;
  not_before: number;
  not_after: number;
  validity_days: number;
  key_algorithm: string;
  key_size: number | null;
  curve: string | null;
  signature_hash: string | null;
  signature_name: string;
  is_ca: number;
  self_signed: number;
  role: string;
  authority_key_id: string | null;
  subject_key_id: string | null;
  issuer_fingerprint: string | null;
  owner_group: string | null;
  application: string | null;
  system_type: string | null;
  facts: string;
  der: Uint8Array;
  first_seen_at: number;
  last_seen_at: number;
  revoked_at: number | null;
  revocation_reason: string | null;
}

/** Row of `certificate_values`: one value of a multi-valued or free-text field. */
export interface CertificateValuesTable {
  fingerprint: string;
  kind: string;
  value: string;
  folded: string;
}

/** Row of `owner_groups`; the JSON columns hold the matching `OwnerGroup` fields. */
export interface OwnerGroupsTable {
  id: string;
  name: string;
  contacts: string;
  approvers: string;
  management_contact: string | null;
  incident_response_contact: string | null;
  slack: string;
  jira: string;
  reminder_days: string | null;
  auto_renew: number;
}

/** Row of `policy_results`. */
export interface PolicyResultsTable {
  fingerprint: string;
  policy_version: string;
  compliant: number;
  violations: string;
  evaluated_at: number;
}

/** Row of `policy_rule_violations`. */
export interface PolicyRuleViolationsTable {
  rule_id: string;
  fingerprint: string;
}

/** Row of `audit_log`. */
export interface AuditLogTable {
  seq: Generated<number>;
  at: number;
  actor: string;
  action: string;
  subject: string;
  where: string;
  details: string;
  idempotency_key: string | null;
}

/** Row of `managed_certificates`. */
export interface ManagedCertificatesTable {
  id: string;
  current_fingerprint: string;
  names_key: string;
  names_hash: string;
  phase: string;
  phase_detail: string | null;
  ticket_key: string | null;
  retired: number;
  created_at: number;
  updated_at: number;
}

/** Row of `managed_certificate_versions`: which managed certificate a certificate (current or past) belongs to. */
export interface ManagedCertificateVersionsTable {
  fingerprint: string;
  managed_id: string;
  assigned_at: number;
}

/** The inventory schema as Kysely sees it. */
export interface InventoryDatabase {
  certificates: CertificatesTable;
  certificate_values: CertificateValuesTable;
  owner_groups: OwnerGroupsTable;
  policy_results: PolicyResultsTable;
  policy_rule_violations: PolicyRuleViolationsTable;
  audit_log: AuditLogTable;
  managed_certificates: ManagedCertificatesTable;
  managed_certificate_versions: ManagedCertificateVersionsTable;
}

type Db = Kysely<InventoryDatabase>;
type ValueRow = Insertable<CertificateValuesTable>;
type ScalarColumn = 'owner_group' | 'application' | 'system_type';

/** Columns of `certificates` in insert order. */
const CERTIFICATE_COLUMNS: readonly (keyof CertificatesTable)[] = [
  'fingerprint',
  'id',
  'subject',
  'subject_cn',
  'subject_hash',
  'subject_folded',
  'issuer',
  'issuer_cn',
  'issuer_hash',
  'issuer_folded',
  'serial_number',
  'not_before',
  'not_after',
  'validity_days',
  'key_algorithm',
  'key_size',
  'curve',
  'signature_hash',
  'signature_name',
  'is_ca',
  'self_signed',
  'role',
  'authority_key_id',
  'subject_key_id',
  'issuer_fingerprint',
  'owner_group',
  'application',
  'system_type',
  'facts',
  'der',
  'first_seen_at',
  'last_seen_at',
];
const AUDIT_COLUMNS = ['at', 'actor', 'action', 'subject', 'where', 'details', 'idempotency_key'] as const;
const MANAGED_COLUMNS: readonly (keyof ManagedCertificatesTable)[] = [
  'id',
  'current_fingerprint',
  'names_key',
  'names_hash',
  'phase',
  'phase_detail',
  'ticket_key',
  'retired',
  'created_at',
  'updated_at',
];
const VALUE_COLUMNS: readonly (keyof CertificateValuesTable)[] = ['fingerprint', 'kind', 'value', 'folded'];

const KIND = {
  dns: 'san:dns',
  ip: 'san:ip',
  email: 'san:email',
  uri: 'san:uri',
  otherSan: 'san:other',
  location: 'location',
  host: 'host',
  endpoint: 'endpoint',
  folder: 'folder',
  contact: 'contact',
  approver: 'approver',
  regulation: 'regulation',
  tag: 'tag',
} as const;

/** Kinds read back into `CertificateMetadata` lists. */
const METADATA_LIST_KINDS = [KIND.location, KIND.contact, KIND.approver, KIND.regulation, KIND.tag];
const MAX_VALUE_LENGTH = 1024;
/** Policy rules whose violation means weak cryptography: key length (R-POL-3) and signature algorithm (R-POL-4). */
const WEAK_RULES = ['R-POL-3', 'R-POL-4'];
const MAX_PAGE = 1000;
/** Bound parameters per statement: SQLite's default limit is 32,766, PostgreSQL's 65,535. */
const PARAMETER_LIMIT: Record<InventoryDialect, number> = { sqlite: 32_000, postgres: 65_000 };

const SIGNATURE_HASHES: readonly Exclude<SignatureHash, null>[] = BANNABLE_HASHES;
const ROLES: readonly CertificateRole[] = ['end-entity', 'intermediate', 'root'];
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
const METADATA_FIELDS: ReadonlySet<string> = new Set<keyof CertificateMetadata>([
  'locations',
  'ownerGroup',
  'contacts',
  'approvers',
  'systemType',
  'application',
  'regulations',
  'tags',
]);
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;
const ISO_EXAMPLE = 'use an ISO 8601 date or UTC date-time such as 2026-01-31 or 2026-01-31T12:00:00Z';

/** The inventory store on a migrated Kysely database; build it with `openInventoryStore`. */
export class KyselyInventoryStore implements InventoryStore {
  constructor(
    private readonly db: Db,
    private readonly dialect: InventoryDialect,
  ) {}

  async upsertCertificates(items: readonly CertificateUpsert[], seenAt: string): Promise<UpsertOutcome> {
    const seenAtMs = parseInstant(seenAt, 'seenAt');
    const prepared = prepareUpserts(items, seenAtMs);
    if (prepared.length === 0) return { created: [], updated: [] };
    return await this.write(async (db) => {
      const fingerprints = prepared.map((item) => item.fingerprint);
      const known = await this.selectKnown(db, fingerprints);
      const fresh = prepared.filter((item) => !known.has(item.fingerprint));
      const created = new Set<string>();
      const inserted = await this.insertRows<{ fingerprint: string }>(
        db,
        'certificates',
        CERTIFICATE_COLUMNS,
        fresh.map((item) => CERTIFICATE_COLUMNS.map((column) => item.row[column])),
        'on conflict (fingerprint) do nothing returning fingerprint',
      );
      for (const row of inserted) created.add(row.fingerprint);
      const existing = prepared.filter((item) => !created.has(item.fingerprint));
      for (const chunk of this.chunks(
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
    return await this.selectKnown(this.db, normalized);
  }

  async getCertificate(idOrPrefix: string): Promise<InventoryCertificate | null> {
    const prefix = hexPrefix(idOrPrefix, 'id', 8);
    const matches = await this.db
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
    const row = await this.db
      .selectFrom('certificates')
      .select('der')
      .where('fingerprint', '=', fullFingerprint(fingerprint, 'fingerprint'))
      .executeTakeFirst();
    return row === undefined ? null : new Uint8Array(row.der.buffer, row.der.byteOffset, row.der.byteLength);
  }

  async mergeMetadata(fingerprint: string, patch: CertificateMetadataPatch): Promise<InventoryCertificate | null> {
    const fp = fullFingerprint(fingerprint, 'fingerprint');
    const metadata = prepareMetadata(fp, patch, 'patch');
    const found = await this.write(async (db) => {
      if ((await this.selectKnown(db, [fp])).size === 0) return false;
      await this.insertValues(db, metadata.values);
      await this.updateScalars(db, [{ fingerprint: fp, scalars: metadata.scalars }]);
      return true;
    });
    return found ? await this.loadOne(fp) : null;
  }

  async findByEndpoint(host: string, port: number): Promise<readonly InventoryCertificate[]> {
    const endpoint = endpointKey(requireText(host, 'host'), requirePort(port, 'port'));
    const rows = await this.selectCertificates(this.db)
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
            .reduce((query, condition) => query.where(condition), this.selectCertificates(this.db))
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
          this.db
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
        .reduce((query, condition) => query.where(condition), this.db.selectFrom('certificates as c'))
        .select((eb) => [column.as('group_key'), eb.fn.countAll<number>().as('n')])
        .groupBy(column)
        .execute();
    }
    return rows
      .map((row) => ({ key: row.group_key, count: Number(row.n) }))
      .sort((a, b) => b.count - a.count || compareNullLast(a.key, b.key));
  }

  async linkIssuers(): Promise<number> {
    // Issuer DN = subject DN of a CA certificate and, when both are known, AKI = SKI. Among several candidates
    // (re-issued or cross-signed CAs) the one whose key identifier matches, then whose validity covers the child's
    // notBefore, then the longest-lived wins. Self-signed certificates end a chain: they are not linked to themselves.
    const result = await this.write(
      async (db) =>
        await sql`
          update certificates set issuer_fingerprint = links.candidate
          from (
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
          ) links
          where certificates.fingerprint = links.fingerprint
            and certificates.issuer_fingerprint is distinct from links.candidate`.execute(db),
    );
    return Number(result.numAffectedRows ?? 0);
  }

  async savePolicyResults(results: readonly PolicyResult[]): Promise<void> {
    const byFingerprint = new Map<string, Insertable<PolicyResultsTable> & { ruleIds: string[] }>();
    results.forEach((result, index) => {
      const row = policyRow(result, `results[${index}]`);
      byFingerprint.set(row.fingerprint, row);
    });
    if (byFingerprint.size === 0) return;
    await this.write(async (db) => {
      const fingerprints = [...byFingerprint.keys()];
      const known = await this.selectKnown(db, fingerprints);
      const unknown = fingerprints.filter((fp) => !known.has(fp));
      if (unknown.length > 0) throw new UnknownCertificateError(unknown);
      const rows = [...byFingerprint.values()].map(({ ruleIds: _ruleIds, ...row }) => row);
      for (const chunk of this.chunks(rows, 5)) {
        await db
          .insertInto('policy_results')
          .values(chunk)
          .onConflict((conflict) =>
            conflict.column('fingerprint').doUpdateSet((eb) => ({
              policy_version: eb.ref('excluded.policy_version'),
              compliant: eb.ref('excluded.compliant'),
              violations: eb.ref('excluded.violations'),
              evaluated_at: eb.ref('excluded.evaluated_at'),
            })),
          )
          .execute();
      }
      for (const chunk of this.chunks(fingerprints, 1)) {
        await db.deleteFrom('policy_rule_violations').where('fingerprint', 'in', chunk).execute();
      }
      const ruleRows = [...byFingerprint.values()].flatMap((row) =>
        row.ruleIds.map((ruleId) => ({ rule_id: ruleId, fingerprint: row.fingerprint })),
      );
      for (const chunk of this.chunks(ruleRows, 2)) {
        await db.insertInto('policy_rule_violations').values(chunk).execute();
      }
    });
  }

  async *eachCertificate(batchSize: number): AsyncIterable<readonly InventoryCertificate[]> {
    const size = checkBatchSize(batchSize);
    let after: string | null = null;
    for (;;) {
      let query = this.selectCertificates(this.db).orderBy('c.fingerprint').limit(size);
      if (after !== null) query = query.where('c.fingerprint', '>', after);
      const rows = await query.execute();
      if (rows.length === 0) return;
      yield await this.hydrate(rows);
      if (rows.length < size) return;
      after = rows[rows.length - 1]!.fingerprint;
    }
  }

  async assignManagedCertificates(fingerprints: readonly string[], at: string): Promise<ManagedAssignment> {
    const atMs = parseInstant(at, 'at');
    const wanted = [
      ...new Set(
        checkList<string>(fingerprints, 'fingerprints').map((fp, index) =>
          fullFingerprint(fp, `fingerprints[${index}]`),
        ),
      ),
    ];
    if (wanted.length === 0) return { created: [], replaced: [] };
    return await this.write(async (db) => {
      // Two importers assigning the same names at once must not both create a managed certificate for them.
      if (this.dialect === 'postgres')
        await sql`lock table managed_certificates in share row exclusive mode`.execute(db);
      const known = await this.selectKnown(db, wanted);
      const unknown = wanted.filter((fp) => !known.has(fp));
      if (unknown.length > 0) throw new UnknownCertificateError(unknown);
      const assigned = new Set<string>();
      for (const chunk of this.chunks(wanted, 1)) {
        const rows = await db
          .selectFrom('managed_certificate_versions')
          .select('fingerprint')
          .where('fingerprint', 'in', chunk)
          .execute();
        for (const row of rows) assigned.add(row.fingerprint);
      }
      const candidates: { fingerprint: string; notBefore: number; namesKey: string }[] = [];
      for (const chunk of this.chunks(
        wanted.filter((fp) => !assigned.has(fp)),
        1,
      )) {
        const rows = await db
          .selectFrom('certificates')
          .select(['fingerprint', 'not_before', 'facts'])
          .where('fingerprint', 'in', chunk)
          .where('role', '=', 'end-entity')
          .where('revoked_at', 'is', null)
          .execute();
        for (const row of rows) {
          const facts = JSON.parse(row.facts) as CertificateFacts;
          candidates.push({
            fingerprint: row.fingerprint,
            notBefore: Number(row.not_before),
            namesKey: namesKeyOf(facts),
          });
        }
      }
      if (candidates.length === 0) return { created: [], replaced: [] };
      // Oldest first, so within one call a newer version replaces an older one whatever the input order.
      candidates.sort((a, b) => a.notBefore - b.notBefore || (a.fingerprint < b.fingerprint ? -1 : 1));

      const slots = await this.activeManagedByNames(db, [...new Set(candidates.map((item) => item.namesKey))]);
      const created: ManagedSlot[] = [];
      const versions: { fingerprint: string; slot: ManagedSlot }[] = [];
      for (const candidate of candidates) {
        let slot = slots.get(candidate.namesKey);
        if (slot === undefined) {
          slot = {
            row: {
              id: candidate.fingerprint.slice(0, 16),
              current_fingerprint: candidate.fingerprint,
              names_key: candidate.namesKey,
              names_hash: namesHash(candidate.namesKey),
              phase: 'monitoring',
              phase_detail: null,
              ticket_key: null,
              retired: 0,
              created_at: atMs,
              updated_at: atMs,
            },
            currentNotBefore: candidate.notBefore,
            firstFingerprint: candidate.fingerprint,
            previousFingerprint: null,
          };
          slots.set(candidate.namesKey, slot);
          created.push(slot);
        } else if (candidate.notBefore > slot.currentNotBefore) {
          if (slot.firstFingerprint === null && slot.previousFingerprint === null) {
            slot.previousFingerprint = slot.row.current_fingerprint;
          }
          slot.row = { ...slot.row, current_fingerprint: candidate.fingerprint, updated_at: atMs };
          slot.currentNotBefore = candidate.notBefore;
        }
        versions.push({ fingerprint: candidate.fingerprint, slot });
      }
      await this.giveUniqueIds(db, created);
      await this.insertRows(
        db,
        'managed_certificates',
        MANAGED_COLUMNS,
        created.map((slot) => MANAGED_COLUMNS.map((column) => slot.row[column])),
        'on conflict (id) do nothing',
      );
      const replaced = [...slots.values()].filter((slot) => slot.previousFingerprint !== null);
      for (const slot of replaced) {
        await db
          .updateTable('managed_certificates')
          .set({ current_fingerprint: slot.row.current_fingerprint, updated_at: atMs })
          .where('id', '=', slot.row.id)
          .execute();
      }
      await this.insertRows(
        db,
        'managed_certificate_versions',
        ['fingerprint', 'managed_id', 'assigned_at'],
        versions.map((version) => [version.fingerprint, version.slot.row.id, atMs]),
        'on conflict (fingerprint) do nothing',
      );
      return {
        created: created.map((slot) => managedFromRow(slot.row)),
        replaced: replaced.map((slot) => ({
          managed: managedFromRow(slot.row),
          previousFingerprint: slot.previousFingerprint!,
        })),
      };
    });
  }

  async getManagedCertificate(id: string): Promise<ManagedCertificate | null> {
    const row = await this.db
      .selectFrom('managed_certificates')
      .selectAll()
      .where('id', '=', managedId(id, 'id'))
      .executeTakeFirst();
    return row === undefined ? null : managedFromRow(row);
  }

  async findManagedCertificateByFingerprint(fingerprint: string): Promise<ManagedCertificate | null> {
    const row = await this.db
      .selectFrom('managed_certificate_versions as v')
      .innerJoin('managed_certificates as m', 'm.id', 'v.managed_id')
      .selectAll('m')
      .where('v.fingerprint', '=', fullFingerprint(fingerprint, 'fingerprint'))
      .executeTakeFirst();
    return row === undefined ? null : managedFromRow(row);
  }

  async findManagedCertificateByTicketKey(ticketKey: string): Promise<ManagedCertificate | null> {
    const row = await this.db
      .selectFrom('managed_certificates')
      .selectAll()
      .where('ticket_key', '=', requireText(ticketKey, 'ticketKey', 200))
      .orderBy('id')
      .executeTakeFirst();
    return row === undefined ? null : managedFromRow(row);
  }

  async listManagedCertificatesWithTicket(phase: string): Promise<ManagedCertificate[]> {
    const rows = await this.db
      .selectFrom('managed_certificates')
      .selectAll()
      .where('ticket_key', 'is not', null)
      .where('phase', '=', requireText(phase, 'phase', 100))
      .where('retired', '=', 0)
      .orderBy('id')
      .execute();
    return rows.map(managedFromRow);
  }

  async setManagedCertificateVersion(id: string, fingerprint: string, at: string): Promise<ManagedCertificate> {
    const managed = managedId(id, 'id');
    const fp = fullFingerprint(fingerprint, 'fingerprint');
    const atMs = parseInstant(at, 'at');
    return await this.write(async (db) => {
      const certificate = await db
        .selectFrom('certificates')
        .select('facts')
        .where('fingerprint', '=', fp)
        .executeTakeFirst();
      if (certificate === undefined) throw new UnknownCertificateError([fp]);
      const exists = await db
        .selectFrom('managed_certificates')
        .select('id')
        .where('id', '=', managed)
        .executeTakeFirst();
      if (exists === undefined) throw unknownManaged(managed);
      const owner = await db
        .selectFrom('managed_certificate_versions')
        .select('managed_id')
        .where('fingerprint', '=', fp)
        .executeTakeFirst();
      if (owner !== undefined && owner.managed_id !== managed) {
        throw new InventoryInputError(
          'fingerprint',
          `${fp.slice(0, 16)} is a version of managed certificate ${owner.managed_id}, not of ${managed}`,
        );
      }
      // The names follow the current version: a renewal that adds a SAN is still the same managed certificate.
      const namesKey = namesKeyOf(JSON.parse(certificate.facts) as CertificateFacts);
      const updated = await db
        .updateTable('managed_certificates')
        .set({ current_fingerprint: fp, names_key: namesKey, names_hash: namesHash(namesKey), updated_at: atMs })
        .where('id', '=', managed)
        .returningAll()
        .executeTakeFirstOrThrow();
      await db
        .insertInto('managed_certificate_versions')
        .values({ fingerprint: fp, managed_id: managed, assigned_at: atMs })
        .onConflict((conflict) => conflict.column('fingerprint').doNothing())
        .execute();
      return managedFromRow(updated);
    });
  }

  async recordRevocation(
    fingerprint: string,
    revocation: { readonly at: string; readonly reason: string },
  ): Promise<void> {
    const full = fullFingerprint(fingerprint, 'fingerprint');
    const changes = {
      revoked_at: parseInstant(revocation.at, 'at'),
      revocation_reason: requireText(revocation.reason, 'reason', 64),
    };
    const result = await this.write(
      async (db) =>
        await db
          .updateTable('certificates')
          .set(changes)
          .where('fingerprint', '=', full)
          .where('revoked_at', 'is', null)
          .executeTakeFirst(),
    );
    if (Number(result.numUpdatedRows) === 0 && (await this.getCertificate(full)) === null) {
      throw new UnknownCertificateError([full]);
    }
  }

  async updateManagedLifecycle(
    id: string,
    state: {
      readonly phase: string;
      readonly detail: string | null;
      readonly ticketKey?: string | null;
      readonly retired?: boolean;
    },
    at: string,
  ): Promise<void> {
    const managed = managedId(id, 'id');
    if (state === null || typeof state !== 'object')
      throw new InventoryInputError('state', 'must be { phase, detail }');
    const changes: Partial<ManagedCertificatesTable> = {
      phase: requireText(state.phase, 'state.phase', 64),
      phase_detail: state.detail === null ? null : checkString(state.detail, 'state.detail'),
      updated_at: parseInstant(at, 'at'),
    };
    if (state.ticketKey !== undefined) {
      changes.ticket_key = state.ticketKey === null ? null : requireText(state.ticketKey, 'state.ticketKey', 200);
    }
    if (state.retired !== undefined) changes.retired = checkBoolean(state.retired, 'state.retired') ? 1 : 0;
    const result = await this.write(
      async (db) =>
        await db.updateTable('managed_certificates').set(changes).where('id', '=', managed).executeTakeFirst(),
    );
    if (Number(result.numUpdatedRows) === 0) throw unknownManaged(managed);
  }

  async *eachManagedCertificate(
    filter: ManagedCertificateFilter,
    batchSize: number,
  ): AsyncIterable<ReadonlyArray<{ readonly managed: ManagedCertificate; readonly notAfter: string }>> {
    const size = checkBatchSize(batchSize);
    if (filter === null || typeof filter !== 'object') throw new InventoryInputError('filter', 'must be an object');
    const notAfterFrom =
      filter.notAfterFrom === undefined ? null : parseInstant(filter.notAfterFrom, 'filter.notAfterFrom');
    const includeRetired =
      filter.includeRetired === undefined ? false : checkBoolean(filter.includeRetired, 'filter.includeRetired');
    let after: string | null = null;
    for (;;) {
      let query = this.db
        .selectFrom('managed_certificates as m')
        .innerJoin('certificates as c', 'c.fingerprint', 'm.current_fingerprint')
        .selectAll('m')
        .select('c.not_after')
        .orderBy('m.id')
        .limit(size);
      if (after !== null) query = query.where('m.id', '>', after);
      if (notAfterFrom !== null) query = query.where('c.not_after', '>=', notAfterFrom);
      if (!includeRetired) query = query.where('m.retired', '=', 0);
      const rows = await query.execute();
      if (rows.length === 0) return;
      yield rows.map((row) => ({ managed: managedFromRow(row), notAfter: isoOf(row.not_after) }));
      if (rows.length < size) return;
      after = rows[rows.length - 1]!.id;
    }
  }

  async upsertOwnerGroup(group: OwnerGroup): Promise<'created' | 'updated'> {
    const row = ownerGroupRow(group);
    return await this.write(async (db) => {
      const existing = await db.selectFrom('owner_groups').select('id').where('id', '=', row.id).executeTakeFirst();
      if (existing === undefined) {
        await db.insertInto('owner_groups').values(row).execute();
        return 'created';
      }
      await db.updateTable('owner_groups').set(row).where('id', '=', row.id).execute();
      return 'updated';
    });
  }

  async getOwnerGroup(id: string): Promise<OwnerGroup | null> {
    const row = await this.db.selectFrom('owner_groups').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? null : ownerGroupFromRow(row);
  }

  async listOwnerGroups(): Promise<readonly OwnerGroup[]> {
    const rows = await this.db.selectFrom('owner_groups').selectAll().orderBy('id').execute();
    return rows.map(ownerGroupFromRow);
  }

  async appendAudit(entries: readonly NewAuditEntry[]): Promise<readonly AuditEntry[]> {
    const rows = checkList<NewAuditEntry>(entries, 'entries').map((entry, index) =>
      auditRow(entry, `entries[${index}]`),
    );
    if (rows.length === 0) return [];
    return await this.write(async (db) => {
      // Serialises appenders so sequence numbers commit in order: a reader following `afterSeq` never skips one.
      if (this.dialect === 'postgres') await sql`lock table audit_log in share row exclusive mode`.execute(db);
      const byKey = await this.auditEntriesByKey(db, rows);
      const fresh = rows.filter((row) => {
        if (row.idempotency_key === null) return true;
        if (byKey.has(row.idempotency_key)) return false;
        byKey.set(row.idempotency_key, null);
        return true;
      });
      const inserted = await this.insertRows<{ seq: number | string }>(
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
      .reduce((query, condition) => query.where(condition), this.db.selectFrom('audit_log'))
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const total = Number(counted.n);
    const rows =
      total <= offset
        ? []
        : await conditions
            .reduce((query, condition) => query.where(condition), this.db.selectFrom('audit_log').selectAll())
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
        .reduce((q, condition) => q.where(condition), this.db.selectFrom('audit_log').selectAll())
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

  async close(): Promise<void> {
    await this.db.destroy();
  }

  /**
   * Runs `work` in one transaction. SQLite's starts IMMEDIATE: it takes the write lock up front, so a second
   * process waits for it (busy timeout) instead of failing when a read would later have to become a write.
   */
  private async write<T>(work: (db: Db) => Promise<T>): Promise<T> {
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
  private chunks<T>(items: readonly T[], columns: number): T[][] {
    const size = Math.max(1, Math.floor(PARAMETER_LIMIT[this.dialect] / columns));
    const chunks: T[][] = [];
    for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
    return chunks;
  }

  /** Entries already logged under the idempotency keys of `rows`, by key. */
  private async auditEntriesByKey(
    db: Db,
    rows: readonly Insertable<AuditLogTable>[],
  ): Promise<Map<string, AuditEntry | null>> {
    const keys = [...new Set(rows.flatMap((row) => (row.idempotency_key ? [row.idempotency_key] : [])))];
    const byKey = new Map<string, AuditEntry | null>();
    for (const chunk of this.chunks(keys, 1)) {
      const stored = await db.selectFrom('audit_log').selectAll().where('idempotency_key', 'in', chunk).execute();
      for (const row of stored) byKey.set(row.idempotency_key!, auditEntryFromRow(row));
    }
    return byKey;
  }

  /** Active managed certificates with these names keys, by key; the oldest wins should two share one. */
  private async activeManagedByNames(db: Db, namesKeys: readonly string[]): Promise<Map<string, ManagedSlot>> {
    const slots = new Map<string, ManagedSlot>();
    const wanted = new Set(namesKeys);
    for (const chunk of this.chunks([...new Set(namesKeys.map(namesHash))], 1)) {
      const rows = await db
        .selectFrom('managed_certificates as m')
        .innerJoin('certificates as c', 'c.fingerprint', 'm.current_fingerprint')
        .selectAll('m')
        .select('c.not_before')
        .where('m.names_hash', 'in', chunk)
        .where('m.retired', '=', 0)
        .orderBy('m.created_at')
        .orderBy('m.id')
        .execute();
      for (const { not_before: notBefore, ...row } of rows) {
        if (!wanted.has(row.names_key) || slots.has(row.names_key)) continue;
        slots.set(row.names_key, {
          row: { ...row, created_at: Number(row.created_at), updated_at: Number(row.updated_at) },
          currentNotBefore: Number(notBefore),
          firstFingerprint: null,
          previousFingerprint: null,
        });
      }
    }
    return slots;
  }

  /**
   * A managed certificate's id is its first version's inventory id (16 hex digits); should that be taken (two
   * fingerprints sharing 64 bits, or a retired managed certificate), more digits of the fingerprint make it unique.
   */
  private async giveUniqueIds(db: Db, created: readonly ManagedSlot[]): Promise<void> {
    const taken = new Set<string>();
    for (const chunk of this.chunks(
      created.map((slot) => slot.row.id),
      1,
    )) {
      const rows = await db.selectFrom('managed_certificates').select('id').where('id', 'in', chunk).execute();
      for (const row of rows) taken.add(row.id);
    }
    const used = new Set<string>();
    for (const slot of created) {
      const first = slot.firstFingerprint!;
      let length = 16;
      while (taken.has(first.slice(0, length)) || used.has(first.slice(0, length))) length += 8;
      const id = first.slice(0, length);
      used.add(id);
      slot.row = { ...slot.row, id };
    }
  }

  private async selectKnown(db: Db, fingerprints: readonly string[]): Promise<Set<string>> {
    const known = new Set<string>();
    for (const chunk of this.chunks(fingerprints, 1)) {
      const rows = await db
        .selectFrom('certificates')
        .select('fingerprint')
        .where('fingerprint', 'in', chunk)
        .execute();
      for (const row of rows) known.add(row.fingerprint);
    }
    return known;
  }

  private async insertValues(db: Db, values: readonly ValueRow[]): Promise<void> {
    const unique = new Map(values.map((row) => [`${row.fingerprint}\u0000${row.kind}\u0000${row.value}`, row]));
    await this.insertRows(
      db,
      'certificate_values',
      VALUE_COLUMNS,
      [...unique.values()].map((row) => [row.fingerprint, row.kind, row.value, row.folded]),
      'on conflict (fingerprint, kind, value) do nothing',
    );
  }

  /**
   * Multi-row INSERT for the import hot path, written as SQL text: building Kysely's query tree for thousands of
   * rows costs more than the database's work on them. `tail` is the dialect-neutral ON CONFLICT / RETURNING clause.
   */
  private async insertRows<R>(
    db: Db,
    table: string,
    columns: readonly string[],
    rows: readonly (readonly unknown[])[],
    tail: string,
  ): Promise<R[]> {
    const result: R[] = [];
    const head = `insert into ${table} (${columns.map((column) => `"${column}"`).join(', ')}) values `;
    const sqliteTuple = `(${columns.map(() => '?').join(', ')})`;
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

  /** Applies scalar metadata, one UPDATE per distinct (column, value) so a batch with shared metadata is cheap. */
  private async updateScalars(
    db: Db,
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
      for (const chunk of this.chunks(fingerprints, 1)) {
        await db
          .updateTable('certificates')
          .set({ [column]: value })
          .where('fingerprint', 'in', chunk)
          .execute();
      }
    }
  }

  private selectCertificates(db: Db) {
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
        'p.policy_version',
        'p.compliant',
        'p.violations',
        'p.evaluated_at',
      ]);
  }

  private async countMatching(conditions: readonly RawBuilder<SqlBool>[]): Promise<number> {
    const row = await conditions
      .reduce((query, condition) => query.where(condition), this.db.selectFrom('certificates as c'))
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private async loadOne(fingerprint: string): Promise<InventoryCertificate | null> {
    const rows = await this.selectCertificates(this.db).where('c.fingerprint', '=', fingerprint).execute();
    return (await this.hydrate(rows))[0] ?? null;
  }

  private async hydrate(rows: readonly CertificateReadRow[]): Promise<InventoryCertificate[]> {
    const lists = new Map<string, MetadataLists>();
    for (const row of rows)
      lists.set(row.fingerprint, { location: [], contact: [], approver: [], regulation: [], tag: [] });
    for (const chunk of this.chunks(
      rows.map((row) => row.fingerprint),
      1,
    )) {
      const values = await this.db
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
      };
    });
  }
}

/** A managed certificate being assigned to: its row as it will be written and its current version's notBefore. */
interface ManagedSlot {
  row: Selectable<ManagedCertificatesTable>;
  currentNotBefore: number;
  /** Set for a managed certificate this assignment creates: its first version, whose id it takes. */
  firstFingerprint: string | null;
  /** Set once an existing managed certificate's current version is replaced: the version it had before. */
  previousFingerprint: string | null;
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
> & {
  policy_version: string | null;
  compliant: number | null;
  violations: string | null;
  evaluated_at: number | null;
};

interface PreparedMetadata {
  values: ValueRow[];
  scalars: Partial<Record<ScalarColumn, string | null>>;
}

interface PreparedUpsert {
  fingerprint: string;
  row: Insertable<CertificatesTable>;
  factValues: ValueRow[];
  metadata: PreparedMetadata;
}

/** Validates every item before anything is written, and folds repeats of one fingerprint into one. */
function prepareUpserts(items: readonly CertificateUpsert[], seenAtMs: number): PreparedUpsert[] {
  if (!Array.isArray(items)) throw new InventoryInputError('items', 'must be an array of certificates');
  const byFingerprint = new Map<string, PreparedUpsert>();
  items.forEach((item: CertificateUpsert, index) => {
    const field = `items[${index}]`;
    const facts = checkFacts(item?.facts, `${field}.facts`);
    if (!(item.der instanceof Uint8Array) || item.der.length === 0) {
      throw new InventoryInputError(`${field}.der`, 'must be the non-empty DER bytes of the certificate');
    }
    const fingerprint = facts.fingerprintSha256;
    const metadata = prepareMetadata(fingerprint, item.metadata ?? {}, `${field}.metadata`);
    const earlier = byFingerprint.get(fingerprint);
    if (earlier !== undefined) {
      earlier.metadata.values.push(...metadata.values);
      Object.assign(earlier.metadata.scalars, metadata.scalars);
      Object.assign(earlier.row, metadata.scalars);
      return;
    }
    byFingerprint.set(fingerprint, {
      fingerprint,
      row: { ...certificateRow(facts, item.der, seenAtMs), ...metadata.scalars },
      factValues: factValues(facts),
      metadata,
    });
  });
  return [...byFingerprint.values()];
}

function certificateRow(facts: CertificateFacts, der: Uint8Array, seenAtMs: number): Insertable<CertificatesTable> {
  return {
    fingerprint: facts.fingerprintSha256,
    id: facts.fingerprintSha256.slice(0, 16),
    subject: facts.subject.text,
    subject_cn: facts.subject.commonName,
    subject_hash: facts.isCa ? dnHash(facts.subject.text) : null,
    subject_folded: facts.subject.text.toLowerCase(),
    issuer: facts.issuer.text,
    issuer_cn: facts.issuer.commonName,
    issuer_hash: dnHash(facts.issuer.text),
    issuer_folded: facts.issuer.text.toLowerCase(),
    serial_number: normalizeSerial(facts.serialNumber),
    not_before: Date.parse(facts.notBefore),
    not_after: Date.parse(facts.notAfter),
    validity_days: facts.validityDays,
    key_algorithm: facts.publicKey.algorithm,
    key_size: facts.publicKey.sizeBits,
    curve: facts.publicKey.curve,
    signature_hash: facts.signatureAlgorithm.hash,
    signature_name: facts.signatureAlgorithm.name,
    is_ca: facts.isCa ? 1 : 0,
    self_signed: facts.selfSigned ? 1 : 0,
    role: facts.role,
    authority_key_id: facts.authorityKeyId?.toLowerCase() ?? null,
    subject_key_id: facts.subjectKeyId?.toLowerCase() ?? null,
    issuer_fingerprint: null,
    owner_group: null,
    application: null,
    system_type: null,
    facts: JSON.stringify(facts),
    der,
    first_seen_at: seenAtMs,
    last_seen_at: seenAtMs,
  };
}

function factValues(facts: CertificateFacts): ValueRow[] {
  const fp = facts.fingerprintSha256;
  const san = facts.subjectAltNames;
  return [
    ...san.dns.map((name) => valueRow(fp, KIND.dns, name)),
    ...san.ip.map((ip) => valueRow(fp, KIND.ip, ip)),
    ...san.email.map((email) => valueRow(fp, KIND.email, email)),
    ...san.uri.map((uri) => valueRow(fp, KIND.uri, uri)),
    ...san.other.map((other) => valueRow(fp, KIND.otherSan, other)),
  ].filter((row) => row.value !== '');
}

/** Turns a metadata patch into side-table values (set union) and scalar assignments (replace when given). */
function prepareMetadata(fingerprint: string, patch: CertificateMetadataPatch, field: string): PreparedMetadata {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    throw new InventoryInputError(field, 'must be an object of metadata fields');
  }
  for (const key of Object.keys(patch)) {
    if (!METADATA_FIELDS.has(key)) {
      throw new InventoryInputError(
        `${field}.${key}`,
        `is not a metadata field; use ${[...METADATA_FIELDS].join(', ')}`,
      );
    }
  }
  const values: ValueRow[] = [];
  const list = (key: 'contacts' | 'approvers' | 'regulations' | 'tags', kind: string) => {
    for (const [index, item] of (patch[key] === undefined ? [] : checkList(patch[key], `${field}.${key}`)).entries()) {
      const text = requireText(item, `${field}.${key}[${index}]`, MAX_VALUE_LENGTH);
      values.push(valueRow(fingerprint, kind, text));
    }
  };
  list('contacts', KIND.contact);
  list('approvers', KIND.approver);
  list('regulations', KIND.regulation);
  list('tags', KIND.tag);
  if (patch.locations !== undefined) {
    checkList<CertificateLocation>(patch.locations, `${field}.locations`).forEach((location, index) => {
      values.push(...locationValues(fingerprint, location, `${field}.locations[${index}]`));
    });
  }
  const scalars: PreparedMetadata['scalars'] = {};
  const scalar = (key: 'ownerGroup' | 'application' | 'systemType', column: ScalarColumn) => {
    const value = patch[key];
    if (value === undefined) return;
    if (value !== null && typeof value !== 'string')
      throw new InventoryInputError(`${field}.${key}`, 'must be text or null');
    const trimmed = value?.trim() ?? '';
    scalars[column] = trimmed === '' ? null : trimmed;
  };
  scalar('ownerGroup', 'owner_group');
  scalar('application', 'application');
  scalar('systemType', 'system_type');
  return { values, scalars };
}

function locationValues(fingerprint: string, location: CertificateLocation, field: string): ValueRow[] {
  if (location?.kind === 'endpoint') {
    const host = requireText(location.host, `${field}.host`, 255).toLowerCase();
    const port = requirePort(location.port, `${field}.port`);
    const sni = location.sni === undefined ? undefined : requireText(location.sni, `${field}.sni`, 255).toLowerCase();
    const canonical: CertificateLocation =
      sni === undefined ? { kind: 'endpoint', host, port } : { kind: 'endpoint', host, port, sni };
    return [
      valueRow(fingerprint, KIND.location, JSON.stringify(canonical)),
      valueRow(fingerprint, KIND.host, host),
      valueRow(fingerprint, KIND.endpoint, endpointKey(host, port)),
    ];
  }
  if (location?.kind === 'file') {
    const filePath = requireText(location.path, `${field}.path`, MAX_VALUE_LENGTH - 64);
    const host =
      location.host === undefined ? undefined : requireText(location.host, `${field}.host`, 255).toLowerCase();
    const canonical: CertificateLocation =
      host === undefined ? { kind: 'file', path: filePath } : { kind: 'file', path: filePath, host };
    return [
      valueRow(fingerprint, KIND.location, JSON.stringify(canonical)),
      valueRow(fingerprint, KIND.folder, folderOf(filePath)),
      ...(host === undefined ? [] : [valueRow(fingerprint, KIND.host, host)]),
    ];
  }
  throw new InventoryInputError(
    `${field}.kind`,
    'must be "endpoint" (with host and port) or "file" (with path and optionally host)',
  );
}

function valueRow(fingerprint: string, kind: string, value: string): ValueRow {
  // A string's UTF-16 length bounds its code points from above, so only long strings need counting.
  const capped =
    value.length > MAX_VALUE_LENGTH && [...value].length > MAX_VALUE_LENGTH
      ? [...value].slice(0, MAX_VALUE_LENGTH).join('')
      : value;
  return { fingerprint, kind, value: capped, folded: capped.toLowerCase() };
}

/** The directory part of a file path, POSIX or Windows style. */
function folderOf(filePath: string): string {
  return filePath.includes('/') || !filePath.includes('\\')
    ? path.posix.dirname(filePath)
    : path.win32.dirname(filePath);
}

function endpointKey(host: string, port: number): string {
  return `${host.toLowerCase()}:${port}`;
}

/** Recent DN hashes: a batch's certificates mostly share a handful of issuers. */
const dnHashes = new Map<string, string>();

function dnHash(text: string): string {
  let hash = dnHashes.get(text);
  if (hash === undefined) {
    hash = createHash('sha256').update(text).digest('hex').slice(0, 32);
    if (dnHashes.size >= 1000) dnHashes.clear();
    dnHashes.set(text, hash);
  }
  return hash;
}

/**
 * The identity of a managed certificate: subject CN, DNS and IP SANs, lower case, sorted, deduplicated and
 * `,`-joined; a certificate with no names at all is its own managed certificate, keyed by its fingerprint.
 */
function namesKeyOf(facts: CertificateFacts): string {
  const names = [facts.subject.commonName ?? '', ...facts.subjectAltNames.dns, ...facts.subjectAltNames.ip]
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  return names.length === 0 ? `sha256:${facts.fingerprintSha256}` : [...new Set(names)].sort().join(',');
}

function namesHash(namesKey: string): string {
  return createHash('sha256').update(namesKey).digest('hex').slice(0, 32);
}

function managedFromRow(row: Selectable<ManagedCertificatesTable>): ManagedCertificate {
  return {
    id: row.id,
    currentFingerprint: row.current_fingerprint,
    namesKey: row.names_key,
    phase: row.phase,
    phaseDetail: row.phase_detail,
    ticketKey: row.ticket_key,
    retired: Number(row.retired) === 1,
    createdAt: isoOf(row.created_at),
    updatedAt: isoOf(row.updated_at),
  };
}

/** A managed certificate id: the hex inventory id of its first version (16 or more digits). */
function managedId(value: unknown, field: string): string {
  const hex = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (!/^[0-9a-f]{16,64}$/.test(hex)) {
    throw new InventoryInputError(field, `"${String(value)}" is not a managed certificate id (16 or more hex digits)`);
  }
  return hex;
}

function unknownManaged(id: string): InventoryInputError {
  return new InventoryInputError('id', `no managed certificate "${id}"; \`certflow list\` shows the inventory`);
}

function normalizeSerial(serial: string): string {
  return normalizeHex(serial).replace(/^0+(?=.)/, '');
}

/** Checks the facts fields the store indexes, so a malformed record fails with its field name, not a TypeError. */
function checkFacts(value: unknown, field: string): CertificateFacts {
  if (value === null || typeof value !== 'object')
    throw new InventoryInputError(field, 'must be the parsed certificate facts');
  const facts = value as CertificateFacts;
  const text = (test: unknown, name: string, nullable = false) => {
    if (typeof test === 'string' || (nullable && test === null)) return;
    throw new InventoryInputError(`${field}.${name}`, nullable ? 'must be text or null' : 'must be text');
  };
  if (typeof facts.fingerprintSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(facts.fingerprintSha256)) {
    throw new InventoryInputError(`${field}.fingerprintSha256`, 'must be 64 lowercase hex digits (SHA-256 of the DER)');
  }
  text(facts.subject?.text, 'subject.text');
  text(facts.subject?.commonName, 'subject.commonName', true);
  text(facts.issuer?.text, 'issuer.text');
  text(facts.issuer?.commonName, 'issuer.commonName', true);
  text(facts.serialNumber, 'serialNumber');
  parseInstant(facts.notBefore, `${field}.notBefore`);
  parseInstant(facts.notAfter, `${field}.notAfter`);
  if (!Number.isFinite(facts.validityDays)) throw new InventoryInputError(`${field}.validityDays`, 'must be a number');
  text(facts.publicKey?.algorithm, 'publicKey.algorithm');
  text(facts.publicKey?.curve, 'publicKey.curve', true);
  if (facts.publicKey.sizeBits !== null && !Number.isInteger(facts.publicKey.sizeBits)) {
    throw new InventoryInputError(`${field}.publicKey.sizeBits`, 'must be a whole number or null');
  }
  text(facts.signatureAlgorithm?.name, 'signatureAlgorithm.name');
  text(facts.signatureAlgorithm?.hash, 'signatureAlgorithm.hash', true);
  text(facts.role, 'role');
  text(facts.authorityKeyId, 'authorityKeyId', true);
  text(facts.subjectKeyId, 'subjectKeyId', true);
  for (const kind of ['dns', 'ip', 'email', 'uri', 'other'] as const) {
    const names: unknown = facts.subjectAltNames?.[kind];
    if (!Array.isArray(names) || names.some((name) => typeof name !== 'string')) {
      throw new InventoryInputError(`${field}.subjectAltNames.${kind}`, 'must be a list of text');
    }
  }
  return facts;
}

function policyRow(
  result: PolicyResult,
  field: string,
): Insertable<PolicyResultsTable> & { fingerprint: string; ruleIds: string[] } {
  if (result === null || typeof result !== 'object') throw new InventoryInputError(field, 'must be a policy result');
  const fingerprint = fullFingerprint(result.fingerprintSha256, `${field}.fingerprintSha256`);
  const policyVersion = requireText(result.policyVersion, `${field}.policyVersion`);
  if (typeof result.compliant !== 'boolean')
    throw new InventoryInputError(`${field}.compliant`, 'must be true or false');
  const violations = checkList<PolicyViolation>(result.violations, `${field}.violations`);
  const ruleIds = violations.map((violation, index) =>
    requireText(violation?.ruleId, `${field}.violations[${index}].ruleId`),
  );
  return {
    fingerprint,
    policy_version: policyVersion,
    compliant: result.compliant ? 1 : 0,
    violations: JSON.stringify(violations),
    evaluated_at: parseInstant(result.evaluatedAt, `${field}.evaluatedAt`),
    ruleIds: [...new Set(ruleIds)],
  };
}

function ownerGroupRow(group: OwnerGroup): OwnerGroupsTable {
  if (group === null || typeof group !== 'object') throw new InventoryInputError('group', 'must be an owner group');
  const id = requireText(group.id, 'group.id', 200);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id)) {
    throw new InventoryInputError(
      'group.id',
      `"${id}" is not a slug: use letters, digits, ".", "_" and "-", e.g. payments-web`,
    );
  }
  const people = (list: unknown, name: string) =>
    checkList(list, `group.${name}`).map((person, index) => checkPerson(person, `group.${name}[${index}]`));
  const optionalPerson = (person: unknown, name: string) =>
    person === null || person === undefined ? null : checkPerson(person, `group.${name}`);
  const reminderDays =
    group.reminderDays === null || group.reminderDays === undefined
      ? null
      : checkList<number>(group.reminderDays, 'group.reminderDays');
  reminderDays?.forEach((days, index) => {
    if (!Number.isInteger(days) || days <= 0) {
      throw new InventoryInputError(
        `group.reminderDays[${index}]`,
        `${String(days)} is not a whole number of days above 0`,
      );
    }
  });
  const object = (value: unknown, name: string) => {
    if (value === undefined) return {};
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      throw new InventoryInputError(`group.${name}`, 'must be an object');
    return value;
  };
  return {
    id,
    name: requireText(group.name, 'group.name'),
    contacts: JSON.stringify(people(group.contacts, 'contacts')),
    approvers: JSON.stringify(people(group.approvers, 'approvers')),
    management_contact: jsonOrNull(optionalPerson(group.managementContact, 'managementContact')),
    incident_response_contact: jsonOrNull(optionalPerson(group.incidentResponseContact, 'incidentResponseContact')),
    slack: JSON.stringify(object(group.slack, 'slack')),
    jira: JSON.stringify(object(group.jira, 'jira')),
    reminder_days: jsonOrNull(reminderDays),
    // Groups written before auto-renew existed (and JSON from older clients) lack the field: off.
    auto_renew: group.autoRenew === undefined ? 0 : Number(checkBoolean(group.autoRenew, 'group.autoRenew')),
  };
}

function checkPerson(person: unknown, field: string): Person {
  const candidate = person as Person | null;
  if (candidate === null || typeof candidate !== 'object') throw new InventoryInputError(field, 'must be a person');
  const identities = [candidate.email, candidate.slackUserId, candidate.jiraAccountId];
  if (!identities.some((identity) => typeof identity === 'string' && identity.trim() !== '')) {
    throw new InventoryInputError(field, 'needs at least one of email, slackUserId or jiraAccountId to be reachable');
  }
  return candidate;
}

function ownerGroupFromRow(row: Selectable<OwnerGroupsTable>): OwnerGroup {
  return {
    id: row.id,
    name: row.name,
    contacts: JSON.parse(row.contacts) as Person[],
    approvers: JSON.parse(row.approvers) as Person[],
    managementContact: row.management_contact === null ? null : (JSON.parse(row.management_contact) as Person),
    incidentResponseContact:
      row.incident_response_contact === null ? null : (JSON.parse(row.incident_response_contact) as Person),
    slack: JSON.parse(row.slack) as OwnerGroup['slack'],
    jira: JSON.parse(row.jira) as OwnerGroup['jira'],
    reminderDays: row.reminder_days === null ? null : (JSON.parse(row.reminder_days) as number[]),
    autoRenew: Number(row.auto_renew) === 1,
  };
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

const FILTER_FIELDS: ReadonlySet<string> = new Set<keyof CertificateFilter>([
  'fingerprint',
  'text',
  'subject',
  'issuer',
  'issuerFingerprint',
  'serialNumber',
  'san',
  'notAfterBefore',
  'notAfterFrom',
  'notBeforeFrom',
  'notBeforeBefore',
  'keyAlgorithm',
  'keySizeBelow',
  'curve',
  'signatureHash',
  'isCa',
  'selfSigned',
  'role',
  'ownerGroup',
  'unowned',
  'application',
  'systemType',
  'contact',
  'approver',
  'regulation',
  'tag',
  'host',
  'folder',
  'hasViolations',
  'violatesRule',
  'weak',
]);

/** Translates a filter into SQL conditions on `certificates as c`; every given field is ANDed. */
function filterConditions(filter: CertificateFilter): RawBuilder<SqlBool>[] {
  if (filter === null || typeof filter !== 'object') throw new InventoryInputError('filter', 'must be an object');
  const conditions: RawBuilder<SqlBool>[] = [];
  for (const [key, value] of Object.entries(filter) as [keyof CertificateFilter, unknown][]) {
    if (!FILTER_FIELDS.has(key)) {
      throw new InventoryInputError(`filter.${key}`, `is not a filter; use one of ${[...FILTER_FIELDS].join(', ')}`);
    }
    if (value !== undefined) conditions.push(filterCondition(key, value, `filter.${key}`));
  }
  return conditions;
}

function filterCondition(key: keyof CertificateFilter, value: unknown, field: string): RawBuilder<SqlBool> {
  const text = () => requireText(value, field);
  const likePattern = () => `%${escapeLike(text().toLowerCase())}%`;
  const contains = () => sql<SqlBool>`v.folded like ${likePattern()} escape '\\'`;
  const subjectContains = () => sql<SqlBool>`c.subject_folded like ${likePattern()} escape '\\'`;
  const equalsFolded = () => sql<SqlBool>`v.folded = ${text().toLowerCase()}`;
  const columnContains = (column: string) =>
    sql<SqlBool>`lower(${sql.ref(column)}) like ${`%${escapeLike(text().toLowerCase())}%`} escape '\\'`;
  switch (key) {
    case 'fingerprint':
      return prefixCondition(hexPrefix(text(), field, 1));
    case 'text':
      return sql<SqlBool>`(${subjectContains()} or ${valueCondition([KIND.dns, KIND.ip], contains())})`;
    case 'subject':
      return subjectContains();
    case 'issuer':
      return sql<SqlBool>`c.issuer_folded like ${likePattern()} escape '\\'`;
    case 'san':
      return valueCondition([KIND.dns, KIND.ip, KIND.email, KIND.uri], contains());
    case 'contact':
      return valueCondition([KIND.contact], contains());
    case 'approver':
      return valueCondition([KIND.approver], contains());
    case 'regulation':
      return valueCondition([KIND.regulation], equalsFolded());
    case 'tag':
      return valueCondition([KIND.tag], equalsFolded());
    case 'host':
      return valueCondition([KIND.host], equalsFolded());
    case 'folder':
      return folderCondition(text());
    case 'issuerFingerprint':
      return sql<SqlBool>`c.issuer_fingerprint = ${fullFingerprint(text(), field)}`;
    case 'serialNumber':
      return sql<SqlBool>`c.serial_number = ${normalizeSerial(text())}`;
    case 'notAfterBefore':
      return sql<SqlBool>`c.not_after < ${parseInstant(value, field)}`;
    case 'notAfterFrom':
      return sql<SqlBool>`c.not_after >= ${parseInstant(value, field)}`;
    case 'notBeforeFrom':
      return sql<SqlBool>`c.not_before >= ${parseInstant(value, field)}`;
    case 'notBeforeBefore':
      return sql<SqlBool>`c.not_before < ${parseInstant(value, field)}`;
    case 'keyAlgorithm':
      return sql<SqlBool>`c.key_algorithm = ${oneOf(value, KEY_ALGORITHMS, field)}`;
    case 'keySizeBelow':
      if (!Number.isInteger(value) || (value as number) <= 0) {
        throw new InventoryInputError(field, `${String(value)} is not a whole number of bits above 0, e.g. 2048`);
      }
      return sql<SqlBool>`c.key_size < ${value}`;
    case 'curve':
      return sql<SqlBool>`lower(c.curve) = ${text().toLowerCase()}`;
    case 'signatureHash':
      return sql<SqlBool>`c.signature_hash = ${oneOf(normalizeHashName(text()), SIGNATURE_HASHES, field)}`;
    case 'isCa':
      return sql<SqlBool>`c.is_ca = ${checkBoolean(value, field) ? 1 : 0}`;
    case 'selfSigned':
      return sql<SqlBool>`c.self_signed = ${checkBoolean(value, field) ? 1 : 0}`;
    case 'role':
      return sql<SqlBool>`c.role = ${oneOf(value, ROLES, field)}`;
    case 'ownerGroup':
      return sql<SqlBool>`c.owner_group = ${text()}`;
    case 'unowned':
      return checkBoolean(value, field) ? sql<SqlBool>`c.owner_group is null` : sql<SqlBool>`c.owner_group is not null`;
    case 'application':
      return columnContains('c.application');
    case 'systemType':
      return columnContains('c.system_type');
    case 'hasViolations':
      return sql<SqlBool>`c.fingerprint in (select fingerprint from policy_results where compliant = ${
        checkBoolean(value, field) ? 0 : 1
      })`;
    case 'violatesRule':
      return sql<SqlBool>`c.fingerprint in (select fingerprint from policy_rule_violations where rule_id = ${text().toUpperCase()})`;
    case 'weak':
      return checkBoolean(value, field)
        ? sql<SqlBool>`c.fingerprint in (${weakCertificates()})`
        : sql<SqlBool>`(c.fingerprint in (select fingerprint from policy_results) and c.fingerprint not in (${weakCertificates()}))`;
    default:
      throw new InventoryInputError(field, 'is not a filter');
  }
}

/** Certificates whose latest policy result breaks the key (R-POL-3) or signature algorithm (R-POL-4) rule. */
function weakCertificates(): RawBuilder<unknown> {
  return sql`select fingerprint from policy_rule_violations where rule_id in (${sql.join(WEAK_RULES)})`;
}

/** Certificates with a side-table value of one of `kinds` that satisfies `condition` (on alias `v`). */
function valueCondition(kinds: readonly string[], condition: RawBuilder<SqlBool>): RawBuilder<SqlBool> {
  return sql<SqlBool>`c.fingerprint in (select v.fingerprint from certificate_values v where v.kind in (${sql.join(
    kinds,
  )}) and ${condition})`;
}

/** File locations in `folder` or below it (by their directory); paths compare case-sensitively, as file systems mostly do. */
function folderCondition(folder: string): RawBuilder<SqlBool> {
  const separator = folder.includes('\\') && !folder.includes('/') ? '\\' : '/';
  const trimmed = folder.length > 1 ? folder.replace(/[\\/]+$/, '') : folder;
  const base = trimmed === '' ? separator : trimmed;
  const prefix = base.endsWith(separator) ? base : `${base}${separator}`;
  return valueCondition(
    [KIND.folder],
    sql<SqlBool>`(v.value = ${base} or substr(v.value, 1, ${[...prefix].length}) = ${prefix})`,
  );
}

/**
 * Fingerprints starting with `prefix`. The range uses the primary key index in any collation (hex digits sort
 * below `g` everywhere); the `substr` check keeps the answer exact whatever the collation.
 */
function prefixCondition(prefix: string): RawBuilder<SqlBool> {
  if (prefix.length === 64) return sql<SqlBool>`c.fingerprint = ${prefix}`;
  return sql<SqlBool>`(c.fingerprint >= ${prefix} and c.fingerprint < ${`${prefix}g`} and substr(c.fingerprint, 1, ${
    prefix.length
  }) = ${prefix})`;
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

function checkPage(page: { limit: number; offset?: number }): { limit: number; offset: number } {
  if (page === null || typeof page !== 'object') throw new InventoryInputError('page', 'must be { limit, offset? }');
  const { limit, offset = 0 } = page;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new InventoryInputError('page.limit', `${String(limit)} is not a whole number from 1 to ${MAX_PAGE}`);
  }
  if (!Number.isInteger(offset) || offset < 0) {
    throw new InventoryInputError('page.offset', `${String(offset)} is not a whole number of 0 or more`);
  }
  return { limit, offset };
}

function checkBatchSize(batchSize: number): number {
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new InventoryInputError('batchSize', `${String(batchSize)} is not a whole number from 1 to 10000`);
  }
  return batchSize;
}

function checkSeq(seq: number): number {
  if (!Number.isInteger(seq) || seq < 0)
    throw new InventoryInputError('filter.afterSeq', `${String(seq)} is not a sequence number`);
  return seq;
}

function checkList<T>(value: unknown, field: string): readonly T[] {
  if (!Array.isArray(value)) throw new InventoryInputError(field, 'must be a list');
  return value as readonly T[];
}

function checkBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new InventoryInputError(field, 'must be true or false');
  return value;
}

function checkString(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new InventoryInputError(field, 'must be text');
  return value;
}

function requireText(value: unknown, field: string, maxLength = Infinity): string {
  if (typeof value !== 'string' || value.trim() === '') throw new InventoryInputError(field, 'must be non-empty text');
  const trimmed = value.trim();
  if (trimmed.length > maxLength) throw new InventoryInputError(field, `is longer than ${maxLength} characters`);
  return trimmed;
}

function requirePort(value: unknown, field: string): number {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 65535) {
    throw new InventoryInputError(field, `${String(value)} is not a TCP port (1-65535)`);
  }
  return value as number;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new InventoryInputError(field, `"${String(value)}" is not one of ${allowed.join(', ')}`);
}

/** Accepts `sha1`, `SHA256`, `sha-384` … for the canonical `SHA-1`, `SHA-256`, `SHA-384`. */
function normalizeHashName(name: string): string {
  const upper = name.toUpperCase().replace(/[\s_]/g, '');
  return /^SHA-?\d+$/.test(upper) ? upper.replace(/^SHA-?/, 'SHA-') : upper;
}

function fullFingerprint(value: unknown, field: string): string {
  const hex = typeof value === 'string' ? normalizeHex(value) : '';
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw new InventoryInputError(field, `"${String(value)}" is not a SHA-256 fingerprint (64 hex digits)`);
  }
  return hex;
}

function hexPrefix(value: unknown, field: string, minimum: number): string {
  const hex = typeof value === 'string' ? normalizeHex(value) : '';
  if (!/^[0-9a-f]+$/.test(hex) || hex.length > 64) {
    throw new InventoryInputError(field, `"${String(value)}" is not a certificate id or fingerprint (hex digits)`);
  }
  if (hex.length < minimum) {
    throw new InventoryInputError(
      field,
      `"${hex}" is too short: give at least ${minimum} hex digits of the fingerprint`,
    );
  }
  return hex;
}

function parseInstant(value: unknown, field: string): number {
  const ms = typeof value === 'string' && ISO_INSTANT.test(value.trim()) ? Date.parse(value.trim()) : NaN;
  if (!Number.isFinite(ms)) throw new InventoryInputError(field, `"${String(value)}" is not a date: ${ISO_EXAMPLE}`);
  return ms;
}

function isoOf(ms: number | string): string {
  return new Date(Number(ms)).toISOString();
}

function jsonOrNull(value: unknown): string | null {
  return value === null ? null : JSON.stringify(value);
}

/** Escapes LIKE's wildcards so user text matches literally (with `escape '\'`). */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}

function compareNullLast(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
