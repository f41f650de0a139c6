import { parseDuration } from '../../core/domain/duration';
import type { InventoryCertificate } from '../../core/domain/inventory/model';
import { BANNABLE_HASHES, KEY_ALGORITHMS } from '../../core/domain/policy/policy';
import type {
  CertificateFilter,
  CertificateGrouping,
  CertificateSort,
  Page,
  PageRequest,
} from '../../core/ports/inventory-store';
import { UsageError } from '../errors';
import { readInteger } from '../options';
import { renderTable } from '../format/table';
import type { InventoryContext } from '../inventory-context';
import { DAY_MS } from '../../core/domain/duration';
import { SqlDiscoveryStore } from '../../adapters/database/sql-discovery-store';
import { describeLocation, FINDING_KINDS, isFindingKind } from '../../core/domain/discovery/endpoint-findings';
import type { FindingFilter, StoredFinding } from '../../core/ports/discovery-store';
import { printable } from '../format/printable';

/** Options of `certflow list`. */
export const LIST_OPTIONS = {
  'expiring-within': { type: 'string' },
  owner: { type: 'string' },
  unowned: { type: 'boolean' },
  issuer: { type: 'string' },
  subject: { type: 'string' },
  san: { type: 'string' },
  search: { type: 'string' },
  weak: { type: 'boolean' },
  revoked: { type: 'boolean' },
  violations: { type: 'boolean' },
  compliant: { type: 'boolean' },
  rule: { type: 'string' },
  ca: { type: 'boolean' },
  role: { type: 'string' },
  'key-algorithm': { type: 'string' },
  'key-size-below': { type: 'string' },
  'signature-hash': { type: 'string' },
  application: { type: 'string' },
  tag: { type: 'string' },
  regulation: { type: 'string' },
  host: { type: 'string' },
  folder: { type: 'string' },
  'group-by': { type: 'string' },
  findings: { type: 'boolean' },
  resolved: { type: 'boolean' },
  kind: { type: 'string' },
  sort: { type: 'string' },
  limit: { type: 'string' },
  offset: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

/** Raw option values of `certflow list`. */
export type ListValues = {
  [K in keyof typeof LIST_OPTIONS]?: (typeof LIST_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string;
};

const ROLES = ['end-entity', 'intermediate', 'root'] as const;
const GROUPINGS: Record<string, CertificateGrouping> = {
  owner: 'ownerGroup',
  application: 'application',
  folder: 'folder',
  issuer: 'issuer',
  'key-algorithm': 'keyAlgorithm',
};
const SORTS: Record<string, CertificateSort> = { expiry: 'notAfter', subject: 'subject', 'first-seen': 'firstSeen' };

function oneOf<T extends string>(flag: string, raw: string, allowed: readonly T[]): T {
  const found = allowed.find((value) => value.toLowerCase() === raw.toLowerCase());
  if (!found) throw new UsageError(`--${flag} "${raw}" must be one of ${allowed.join(', ')}`);
  return found;
}

/** The parsed `certflow list` request: a filter, a page and an optional grouping, or network discovery's findings. */
export interface ListRequest {
  readonly filter: CertificateFilter;
  readonly page: PageRequest;
  readonly groupBy: CertificateGrouping | null;
  /** `--findings`: the findings of network discovery's re-checks instead of certificates. */
  readonly findings: FindingFilter | null;
  readonly json: boolean;
}

/** Reads `--findings [--resolved] [--kind k] [--host h]`; null without `--findings`. */
function readFindingFilter(values: ListValues): FindingFilter | null {
  if (!values.findings) {
    if (values.resolved || values.kind !== undefined) throw new UsageError('--resolved and --kind go with --findings');
    return null;
  }
  const others = Object.keys(values).filter(
    (flag) => !['findings', 'resolved', 'kind', 'host', 'limit', 'offset', 'json'].includes(flag),
  );
  if (others.length > 0) {
    throw new UsageError(
      `--findings lists findings; it takes --resolved, --kind, --host, --limit and --offset, not --${others[0]}`,
    );
  }
  if (values.kind !== undefined && !isFindingKind(values.kind)) {
    throw new UsageError(`--kind "${values.kind}" must be one of ${FINDING_KINDS.join(', ')}`);
  }
  return {
    status: values.resolved ? 'all' : 'open',
    ...(values.kind === undefined ? {} : { kind: values.kind }),
    ...(values.host === undefined ? {} : { host: values.host }),
  };
}

/** Builds the store filter from `certflow list` options (R-INV-3); `now` anchors `--expiring-within`. */
export function readListRequest(values: ListValues, now: Date): ListRequest {
  const filter: { -readonly [K in keyof CertificateFilter]: CertificateFilter[K] } = {};
  if (values['expiring-within'] !== undefined) {
    filter.notAfterBefore = new Date(now.getTime() + parseDuration(values['expiring-within'])).toISOString();
  }
  if (values.owner !== undefined) filter.ownerGroup = values.owner;
  if (values.unowned) filter.unowned = true;
  if (values.issuer !== undefined) filter.issuer = values.issuer;
  if (values.subject !== undefined) filter.subject = values.subject;
  if (values.san !== undefined) filter.san = values.san;
  if (values.search !== undefined) filter.text = values.search;
  if (values.weak) filter.weak = true;
  if (values.revoked) filter.revoked = true;
  if (values.violations && values.compliant) throw new UsageError('--violations and --compliant exclude each other');
  if (values.violations) filter.hasViolations = true;
  if (values.compliant) filter.hasViolations = false;
  if (values.rule !== undefined) {
    if (!/^(R-POL-\d+|R-CAA-\d+|RFC-5280)$/.test(values.rule)) {
      throw new UsageError(`--rule "${values.rule}" is not a rule id like R-POL-4, R-CAA-1 or RFC-5280`);
    }
    filter.violatesRule = values.rule;
  }
  if (values.ca !== undefined) filter.isCa = values.ca;
  if (values.role !== undefined) filter.role = oneOf('role', values.role, ROLES);
  if (values['key-algorithm'] !== undefined) {
    filter.keyAlgorithm = oneOf('key-algorithm', values['key-algorithm'], KEY_ALGORITHMS);
  }
  if (values['key-size-below'] !== undefined) {
    filter.keySizeBelow = readInteger('key-size-below', values['key-size-below'], 0, 1, 65_536);
  }
  if (values['signature-hash'] !== undefined) {
    filter.signatureHash = oneOf('signature-hash', values['signature-hash'], BANNABLE_HASHES);
  }
  if (values.application !== undefined) filter.application = values.application;
  if (values.tag !== undefined) filter.tag = values.tag;
  if (values.regulation !== undefined) filter.regulation = values.regulation;
  if (values.host !== undefined) filter.host = values.host;
  if (values.folder !== undefined) filter.folder = values.folder;
  const groupBy = values['group-by'] === undefined ? null : GROUPINGS[values['group-by']];
  if (groupBy === undefined) {
    throw new UsageError(`--group-by "${values['group-by']}" must be one of ${Object.keys(GROUPINGS).join(', ')}`);
  }
  const sort = values.sort === undefined ? 'notAfter' : SORTS[values.sort];
  if (sort === undefined)
    throw new UsageError(`--sort "${values.sort}" must be one of ${Object.keys(SORTS).join(', ')}`);
  return {
    filter,
    groupBy,
    findings: readFindingFilter(values),
    json: values.json ?? false,
    page: {
      limit: readInteger('limit', values.limit, 50, 1, 1000),
      offset: readInteger('offset', values.offset, 0, 0, Number.MAX_SAFE_INTEGER),
      sort,
    },
  };
}

/** Human key description: `RSA 2048`, `EC P-256`, `Ed25519`. */
export function describeKey(certificate: InventoryCertificate): string {
  const key = certificate.facts.publicKey;
  if (key.algorithm === 'EC') return `EC ${key.curve ?? '?'}`;
  if (key.algorithm === 'RSA' || key.algorithm === 'DSA') return `${key.algorithm} ${key.sizeBits ?? '?'}`;
  return key.algorithm === 'other' ? key.algorithmOid : key.algorithm;
}

/** Days from `now` to notAfter, rounded down; negative once expired. */
export function daysLeft(certificate: InventoryCertificate, now: Date): number {
  return Math.floor((Date.parse(certificate.facts.notAfter) - now.getTime()) / DAY_MS);
}

/** Policy status for tables: `ok`, `2 violations`, or `—` before evaluation. */
export function describeCompliance(certificate: InventoryCertificate): string {
  if (!certificate.policy) return '—';
  const count = certificate.policy.violations.length;
  return count === 0
    ? 'ok'
    : `${count} violation${count === 1 ? '' : 's'} (${certificate.policy.violations.map((v) => v.ruleId).join(', ')})`;
}

/** Runs `certflow list`: a table (or JSON) of matching certificates, or counts per group. */
export async function runList(
  request: ListRequest,
  context: InventoryContext,
  io: { out: (line: string) => void },
  now: Date,
): Promise<void> {
  if (request.findings) {
    await listFindings(request.findings, request, context, io);
    return;
  }
  if (request.groupBy) {
    printCertificateCounts(await context.store.groupCertificates(request.groupBy, request.filter), request, io);
    return;
  }
  printCertificatePage(await context.store.searchCertificates(request.filter, request.page), request, io, now);
}

/** Prints `certflow list --group-by`'s counts (a table, or JSON), wherever they were counted. */
export function printCertificateCounts(
  groups: ReadonlyArray<{ key: string | null; count: number }>,
  request: Pick<ListRequest, 'json' | 'groupBy'>,
  io: { out: (line: string) => void },
): void {
  if (request.json) {
    io.out(JSON.stringify(groups, null, 2));
    return;
  }
  io.out(
    renderTable(groups, [
      {
        // Headed by the word the user typed (owner, key-algorithm), not the store's field name.
        header: (Object.keys(GROUPINGS).find((word) => GROUPINGS[word] === request.groupBy) ?? '').toUpperCase(),
        cell: (row) => row.key ?? '(none)',
        maxWidth: 70,
      },
      { header: 'CERTIFICATES', cell: (row) => row.count.toLocaleString('en-US'), align: 'right' },
    ]),
  );
}

/** Prints one page of `certflow list` (a table, or the page as JSON), wherever it was read. */
export function printCertificatePage(
  page: Page<InventoryCertificate>,
  request: Pick<ListRequest, 'json'>,
  io: { out: (line: string) => void },
  now: Date,
): void {
  if (request.json) {
    io.out(JSON.stringify(page, null, 2));
    return;
  }
  if (page.items.length === 0) {
    io.out(page.total === 0 ? 'No certificate matches.' : `No certificate on this page (${page.total} match).`);
    return;
  }
  io.out(
    renderTable(page.items, [
      { header: 'ID', cell: (row) => row.id },
      { header: 'SUBJECT', cell: (row) => row.facts.subject.commonName ?? row.facts.subject.text, maxWidth: 40 },
      { header: 'EXPIRES', cell: (row) => row.facts.notAfter.slice(0, 10) },
      {
        header: 'DAYS',
        // Days left mean nothing for a revoked certificate: `show` has its date and reason.
        cell: (row) => (row.revocation ? 'revoked' : daysLeft(row, now) < 0 ? 'expired' : String(daysLeft(row, now))),
        align: 'right',
      },
      { header: 'ISSUER', cell: (row) => row.facts.issuer.commonName ?? row.facts.issuer.text, maxWidth: 30 },
      { header: 'KEY', cell: describeKey },
      { header: 'SIGNATURE', cell: (row) => row.facts.signatureAlgorithm.hash ?? row.facts.signatureAlgorithm.name },
      { header: 'OWNER', cell: (row) => row.metadata.ownerGroup ?? '—', maxWidth: 24 },
      { header: 'POLICY', cell: describeCompliance, maxWidth: 40 },
    ]),
  );
  const first = page.offset + 1;
  const last = page.offset + page.items.length;
  const more = last < page.total ? ` (next page: --offset ${last})` : '';
  io.out(`${first}–${last} of ${page.total.toLocaleString('en-US')}${more}`);
}

/** `certflow list --findings`: network discovery's findings, most urgent first, each with its fix (R-MON-6). */
async function listFindings(
  filter: FindingFilter,
  request: ListRequest,
  context: InventoryContext,
  io: { out: (line: string) => void },
): Promise<void> {
  printFindingsPage(
    await new SqlDiscoveryStore({ db: context.db }).listFindings(filter, request.page),
    filter,
    request,
    io,
  );
}

/** Prints a page of discovery's findings (the inventory's or the HTTP API's), each with its fix. */
export function printFindingsPage(
  page: Page<StoredFinding>,
  filter: FindingFilter,
  request: Pick<ListRequest, 'json'>,
  io: { out: (line: string) => void },
): void {
  if (request.json) {
    io.out(JSON.stringify(page, null, 2));
    return;
  }
  if (page.items.length === 0) {
    io.out(
      page.total > 0
        ? `No finding on this page (${page.total} match).`
        : `No ${filter.status === 'open' ? 'open ' : ''}finding. Network discovery (certflow discover) finds them.`,
    );
    return;
  }
  for (const finding of page.items) {
    const status =
      finding.status === 'open'
        ? `open since ${finding.firstSeenAt.slice(0, 10)}`
        : `resolved ${finding.resolvedAt?.slice(0, 10) ?? ''}`;
    io.out(
      `${finding.severity.toUpperCase().padEnd(8)} ${finding.kind.padEnd(20)} ${printable(describeLocation(finding.location))}  ` +
        `${finding.fingerprint.slice(0, 16)}  ${status}, last seen ${finding.lastSeenAt.slice(0, 10)}`,
    );
    io.out(`         ${printable(finding.message)}`);
  }
  const first = page.offset + 1;
  const last = page.offset + page.items.length;
  const more = last < page.total ? ` (next page: --offset ${last})` : '';
  io.out(`${first}–${last} of ${page.total.toLocaleString('en-US')} finding${page.total === 1 ? '' : 's'}${more}`);
}
