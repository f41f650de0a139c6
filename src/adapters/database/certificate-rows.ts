/**
 * From certificate facts and metadata patches to rows of `certificates` and `certificate_values`, every item
 * checked before anything is written.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Insertable } from 'kysely';
import { normalizeHex } from '../../core/domain/certificates/hex';
import type { CertificateFacts } from '../../core/domain/certificates/certificate-facts';
import type {
  CertificateLocation,
  CertificateMetadata,
  CertificateMetadataPatch,
} from '../../core/domain/inventory/model';
import { InventoryInputError } from '../../core/ports/inventory-errors';
import { checkList, parseInstant, requirePort, requireText } from './inventory-input';
import type { CertificateUpsert } from '../../core/ports/inventory-store';
import type { CertificatesTable, CertificateValuesTable } from './inventory-schema';

/** A `certificate_values` row to insert, but for its certificate's `first_seen_at`, which the writer adds. */
export type ValueRow = Omit<Insertable<CertificateValuesTable>, 'first_seen_at'>;

/** The metadata scalars kept as `certificates` columns. */
export type ScalarColumn = 'owner_group' | 'application' | 'system_type';

/** Columns of `certificates` in insert order. */
export const CERTIFICATE_COLUMNS: readonly (keyof CertificatesTable)[] = [
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

/** Columns of `certificate_values` in insert order. */
export const VALUE_COLUMNS: readonly (keyof CertificateValuesTable)[] = [
  'first_seen_at',
  'fingerprint',
  'kind',
  'value',
  'folded',
];

/** Kinds of `certificate_values` rows. */
export const KIND = {
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
export const METADATA_LIST_KINDS = [KIND.location, KIND.contact, KIND.approver, KIND.regulation, KIND.tag];
const MAX_VALUE_LENGTH = 1024;

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

/** Metadata as side-table values and scalar column assignments. */
export interface PreparedMetadata {
  values: ValueRow[];
  scalars: Partial<Record<ScalarColumn, string | null>>;
}

/** A certificate ready to insert: its row, its values from the facts and its metadata. */
export interface PreparedUpsert {
  fingerprint: string;
  facts: CertificateFacts;
  row: Insertable<CertificatesTable>;
  factValues: ValueRow[];
  metadata: PreparedMetadata;
}

/** Validates every item before anything is written, and folds repeats of one fingerprint into one. */
export function prepareUpserts(items: readonly CertificateUpsert[], seenAtMs: number): PreparedUpsert[] {
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
      facts,
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
    ...parsedColumns(facts),
    issuer_fingerprint: null,
    owner_group: null,
    application: null,
    system_type: null,
    der,
    first_seen_at: seenAtMs,
    last_seen_at: seenAtMs,
  };
}

/** The `certificates` columns the parse decides, so a re-parse of stored DER rewrites exactly these. */
export type ParsedColumns = Pick<
  Insertable<CertificatesTable>,
  | 'subject'
  | 'subject_cn'
  | 'subject_hash'
  | 'subject_folded'
  | 'issuer'
  | 'issuer_cn'
  | 'issuer_hash'
  | 'issuer_folded'
  | 'serial_number'
  | 'not_before'
  | 'not_after'
  | 'validity_days'
  | 'key_algorithm'
  | 'key_size'
  | 'curve'
  | 'signature_hash'
  | 'signature_name'
  | 'is_ca'
  | 'self_signed'
  | 'role'
  | 'authority_key_id'
  | 'subject_key_id'
  | 'facts'
>;

/** The columns of `certificates` derived from parsed facts (the `facts` JSON among them). */
export function parsedColumns(facts: CertificateFacts): ParsedColumns {
  return {
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
    facts: JSON.stringify(facts),
  };
}

/** The kinds of `certificate_values` rows {@link factValues} writes: the subject alternative names. */
export const FACT_VALUE_KINDS: readonly string[] = [KIND.dns, KIND.ip, KIND.email, KIND.uri, KIND.otherSan];

/** The `certificate_values` rows derived from parsed facts: one per subject alternative name. */
export function factValues(facts: CertificateFacts): ValueRow[] {
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
export function prepareMetadata(fingerprint: string, patch: CertificateMetadataPatch, field: string): PreparedMetadata {
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

/** The `endpoint` value of host:port: the host lower-cased. */
export function endpointKey(host: string, port: number): string {
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
 * A serial number in hex without leading zeros, so `0a1b` and `a1b` find the same certificate; a negative serial
 * keeps its sign, as the parser and OpenSSL write it (`-04316693ED` and `-4316693ed` are the same).
 */
export function normalizeSerial(serial: string): string {
  return normalizeHex(serial).replace(/^(-?)0+(?=.)/, '$1');
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
