import { normalizeHex } from '../certificates/hex';
import { InvalidLocationError, parseEndpoint, parseLocation } from './location';
import type { CertificateLocation, CertificateMetadataPatch } from './model';
import { InvalidPersonError, parsePerson, personIdentities } from './person';

/** The CSV columns certflow reads, in the order `certflow` documents them. */
export const METADATA_COLUMNS = [
  'fingerprint',
  'endpoint',
  'owner_group',
  'contacts',
  'approvers',
  'locations',
  'system_type',
  'application',
  'regulations',
  'tags',
] as const;

/** One column name of {@link METADATA_COLUMNS}. */
export type MetadataColumn = (typeof METADATA_COLUMNS)[number];

/** How a metadata row names its certificate. */
export type MetadataRowKey =
  | { readonly kind: 'fingerprint'; readonly value: string }
  | { readonly kind: 'endpoint'; readonly host: string; readonly port: number };

/** A valid metadata row: which certificate, and what to merge into its metadata. */
export interface MetadataRow {
  readonly line: number;
  readonly key: MetadataRowKey;
  readonly patch: CertificateMetadataPatch;
}

/** Why one row was refused; the other rows still apply. */
export interface MetadataRowError {
  readonly line: number;
  readonly message: string;
}

/** The valid rows of a metadata CSV and a per-row error for each refused one. */
export interface MetadataCsv {
  readonly rows: readonly MetadataRow[];
  readonly errors: readonly MetadataRowError[];
}

/** The header of a metadata CSV is unusable: nothing in the file applies. */
export class MetadataHeaderError extends Error {
  override readonly name = 'MetadataHeaderError';
}

/** Owner group ids: lowercase slugs, so Slack, Jira and CLI spell them the same way. */
export const OWNER_GROUP_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Normalises a header cell (`Owner Group`, `owner-group`) to its column name. */
function columnName(header: string): string {
  return header
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

/** Checks a CSV header and returns the column name of each position; throws {@link MetadataHeaderError}. */
export function readMetadataHeader(header: readonly string[]): MetadataColumn[] {
  const names = header.map(columnName);
  const unknown = names.filter((name) => !(METADATA_COLUMNS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new MetadataHeaderError(
      `unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => `"${name}"`).join(', ')}; ` +
        `the columns are ${METADATA_COLUMNS.join(', ')}`,
    );
  }
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated) throw new MetadataHeaderError(`column "${repeated}" appears twice`);
  if (!names.includes('fingerprint') && !names.includes('endpoint')) {
    throw new MetadataHeaderError('a fingerprint or an endpoint (host:port) column is needed to find each certificate');
  }
  return names as MetadataColumn[];
}

/** Splits a list cell: entries separated by `;` (commas separate CSV cells), blanks dropped, duplicates removed. */
function listCell(text: string | undefined): string[] {
  if (!text) return [];
  return [
    ...new Set(
      text
        .split(';')
        .map((entry) => entry.trim())
        .filter(Boolean),
    ),
  ];
}

const FINGERPRINT = /^[0-9a-f]{8,64}$/;

/** Validates one data row (cells in header order, `line` 1-based in the file) into a {@link MetadataRow}. */
export function parseMetadataRow(
  columns: readonly MetadataColumn[],
  cells: readonly string[],
  line: number,
): MetadataRow | MetadataRowError {
  const cell = (name: MetadataColumn) => {
    const index = columns.indexOf(name);
    return index < 0 ? undefined : cells[index]?.trim() || undefined;
  };
  const fail = (message: string): MetadataRowError => ({ line, message });

  let key: MetadataRowKey;
  const fingerprint = cell('fingerprint');
  const endpoint = cell('endpoint');
  if (fingerprint) {
    const hex = normalizeHex(fingerprint);
    if (!FINGERPRINT.test(hex)) {
      return fail(
        `fingerprint "${fingerprint}" is not hex; give the SHA-256 fingerprint or at least its first 8 digits`,
      );
    }
    key = { kind: 'fingerprint', value: hex };
  } else if (endpoint) {
    const parsed = parseEndpoint(endpoint);
    if (!parsed) return fail(`endpoint "${endpoint}" is not host:port (e.g. www.example.com:443)`);
    key = { kind: 'endpoint', ...parsed };
  } else {
    return fail('neither fingerprint nor endpoint is filled in, so the row names no certificate');
  }

  const ownerGroup = cell('owner_group');
  if (ownerGroup && !OWNER_GROUP_ID.test(ownerGroup)) {
    return fail(`owner_group "${ownerGroup}" is not a group id (lowercase letters, digits, '.', '_', '-')`);
  }
  let locations: CertificateLocation[];
  try {
    locations = listCell(cell('locations')).map(parseLocation);
  } catch (error) {
    if (error instanceof InvalidLocationError) return fail(`locations: ${error.message}`);
    throw error;
  }

  // People are read exactly as `certflow groups --contact/--approver` reads them, so a CSV cannot slip in what the
  // command line refuses (a formula, a name nobody can reach).
  const people: Partial<Record<'contacts' | 'approvers', string[]>> = {};
  for (const column of ['contacts', 'approvers'] as const) {
    try {
      const identities = listCell(cell(column)).flatMap((entry) => personIdentities(parsePerson(entry)));
      if (identities.length > 0) people[column] = [...new Set(identities)];
    } catch (error) {
      if (error instanceof InvalidPersonError) {
        return fail(`${column}: ${error.message}; correct the cell (entries separated by ;) and import the file again`);
      }
      throw error;
    }
  }

  const patch: { -readonly [K in keyof CertificateMetadataPatch]: CertificateMetadataPatch[K] } = {};
  if (ownerGroup) patch.ownerGroup = ownerGroup;
  if (locations.length > 0) patch.locations = locations;
  if (people.contacts) patch.contacts = people.contacts;
  if (people.approvers) patch.approvers = people.approvers;
  for (const field of ['regulations', 'tags'] as const) {
    const values = listCell(cell(field));
    if (values.length > 0) patch[field] = values;
  }
  const systemType = cell('system_type');
  if (systemType) patch.systemType = systemType;
  const application = cell('application');
  if (application) patch.application = application;
  if (Object.keys(patch).length === 0) return fail('the row sets no metadata');
  return { line, key, patch };
}
