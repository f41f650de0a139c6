/**
 * The inventory schema as Kysely sees it.
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
 * - `certificate_values(first_seen_at, fingerprint, kind, value, folded)`: every multi-valued or free-text field, so
 *   each one is searchable. `first_seen_at` is the certificate's, which never changes: it leads the key (migration
 *   026) so an import's new values append to the B-tree instead of landing at random fingerprints, and readers join
 *   on `(first_seen_at, fingerprint)`. `folded` is the value lower-cased by JavaScript (Unicode aware). Kinds:
 *   `san:dns|ip|email|uri|other` (from the certificate); `location` (canonical JSON), `host`, `endpoint` (`host:port`), `folder` (directory of a
 *   file location), `contact`, `approver`, `regulation`, `tag` (metadata). The metadata kinds are indexed on
 *   `(kind, folded)` (migration 011); SAN rows, found by substring, are not. Each metadata row costs two B-tree
 *   writes and a SAN row one, so derived kinds are kept to what a filter needs. The
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
 */
import type { Generated, Kysely } from 'kysely';

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
  /** The certificate's `first_seen_at`, which leads the key. */
  first_seen_at: number;
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
  /** The issuer that renews the group's certificates, or null (migration 021). */
  issuer: string | null;
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

/** The inventory database, or a transaction on it. */
export type InventoryDb = Kysely<InventoryDatabase>;
