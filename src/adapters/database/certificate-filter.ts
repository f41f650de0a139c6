/**
 * Certificate filters as SQL conditions on `certificates as c`.
 *
 * Filter semantics (R-INV-3): `text`, `subject`, `issuer`, `san`, `contact`, `approver`, `application` and
 * `systemType` are case-insensitive substring matches; `tag`, `regulation`, `host` and `curve` are case-insensitive
 * exact matches; `ownerGroup`, `keyAlgorithm`, `signatureHash`, `role` and `violatesRule` are exact; `fingerprint`
 * is a hex prefix; `folder` matches that directory and everything below it; `…From` bounds are inclusive and
 * `…Before` bounds exclusive; `hasViolations: false` and `weak: false` match only evaluated certificates.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { CertificateRole, SignatureHash } from '../../core/domain/certificates/certificate-facts';
import { BANNABLE_HASHES, KEY_ALGORITHMS } from '../../core/domain/policy/policy';
import { KIND, normalizeSerial } from './certificate-rows';
import { METADATA_VALUE_CONDITION } from './migrations/011-metadata-value-index';
import { InventoryInputError } from '../../core/ports/inventory-errors';
import { checkBoolean, fullFingerprint, hexPrefix, oneOf, parseInstant, requireText } from './inventory-input';
import type { CertificateFilter } from '../../core/ports/inventory-store';

/** Policy rules whose violation means weak cryptography: key length (R-POL-3) and signature algorithm (R-POL-4). */
const WEAK_RULES = ['R-POL-3', 'R-POL-4'];

const SIGNATURE_HASHES: readonly Exclude<SignatureHash, null>[] = BANNABLE_HASHES;
const ROLES: readonly CertificateRole[] = ['end-entity', 'intermediate', 'root'];

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
  'revoked',
]);

/** Translates a filter into SQL conditions on `certificates as c`; every given field is ANDed. */
export function filterConditions(filter: CertificateFilter): RawBuilder<SqlBool>[] {
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
    // A name whose CAA forbids the renewing issuer (caa_results, R-CAA-1) is a violation of the certificate too.
    case 'hasViolations':
      return checkBoolean(value, field)
        ? sql<SqlBool>`(c.fingerprint in (select fingerprint from policy_results where compliant = 0) or c.fingerprint in (select fingerprint from caa_results))`
        : sql<SqlBool>`(c.fingerprint in (select fingerprint from policy_results where compliant = 1) and c.fingerprint not in (select fingerprint from caa_results))`;
    case 'violatesRule':
      return sql<SqlBool>`(c.fingerprint in (select fingerprint from policy_rule_violations where rule_id = ${text().toUpperCase()}) or c.fingerprint in (select fingerprint from caa_results where rule_id = ${text().toUpperCase()}))`;
    case 'weak':
      return checkBoolean(value, field)
        ? sql<SqlBool>`c.fingerprint in (${weakCertificates()})`
        : sql<SqlBool>`(c.fingerprint in (select fingerprint from policy_results) and c.fingerprint not in (${weakCertificates()}))`;
    case 'revoked':
      return checkBoolean(value, field) ? sql<SqlBool>`c.revoked_at is not null` : sql<SqlBool>`c.revoked_at is null`;
    default:
      throw new InventoryInputError(field, 'is not a filter');
  }
}

/** Certificates whose latest policy result breaks the key (R-POL-3) or signature algorithm (R-POL-4) rule. */
function weakCertificates(): RawBuilder<unknown> {
  return sql`select fingerprint from policy_rule_violations where rule_id in (${sql.join(WEAK_RULES)})`;
}

/** Certificates with a side-table value of one of `kinds` that satisfies `condition` (on alias `v`). */
export function valueCondition(kinds: readonly string[], condition: RawBuilder<SqlBool>): RawBuilder<SqlBool> {
  // Metadata kinds are found through the partial index, which the planner uses only when the query repeats its term.
  const indexed = kinds.every((kind) => !kind.startsWith('san:'))
    ? sql<SqlBool>` and ${sql.raw(METADATA_VALUE_CONDITION)}`
    : sql``;
  return sql<SqlBool>`c.fingerprint in (select v.fingerprint from certificate_values v where v.kind in (${sql.join(
    kinds,
  )}) and ${condition}${indexed})`;
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
export function prefixCondition(prefix: string): RawBuilder<SqlBool> {
  if (prefix.length === 64) return sql<SqlBool>`c.fingerprint = ${prefix}`;
  return sql<SqlBool>`(c.fingerprint >= ${prefix} and c.fingerprint < ${`${prefix}g`} and substr(c.fingerprint, 1, ${
    prefix.length
  }) = ${prefix})`;
}

/** Accepts `sha1`, `SHA256`, `sha-384` … for the canonical `SHA-1`, `SHA-256`, `SHA-384`. */
function normalizeHashName(name: string): string {
  const upper = name.toUpperCase().replace(/[\s_]/g, '');
  return /^SHA-?\d+$/.test(upper) ? upper.replace(/^SHA-?/, 'SHA-') : upper;
}

/** Escapes LIKE's wildcards so user text matches literally (with `escape '\'`). */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}
