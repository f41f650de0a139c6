/**
 * The re-check rules of network discovery (R-MON-6): from what one endpoint served (or why it served nothing), what
 * the inventory knows of the served certificate and what the location served before, decide what is wrong there.
 * Pure: the use case gathers the inputs, these rules decide, the store keeps the findings open until a later scan
 * no longer finds them.
 */
import type { CertificateFacts } from '../certificates/certificate-facts';
import type { PolicyResult } from '../inventory/model';
import { certificateNamesServer, isIpAddress } from './server-identity';

/** One scanned place: an address or name, a port and the SNI name sent, if any. */
export interface EndpointLocation {
  readonly host: string;
  readonly port: number;
  readonly sni?: string;
}

/** What a finding is about; stable ids, shown in `certflow list --findings` and kept in the store. */
export type FindingKind =
  | 'no-longer-served'
  | 'chain-incomplete'
  | 'chain-untrusted'
  | 'intermediate-expired'
  | 'name-mismatch'
  | 'not-current-version'
  | 'policy-violation'
  | 'weak-protocol'
  | 'expired-served';

/** How urgent a finding is; `incident` is escalated as R-MON-3 escalates an expiry. */
export type FindingSeverity = 'incident' | 'high' | 'medium' | 'low';

/** Every finding kind, most urgent first. */
export const FINDING_KINDS: readonly FindingKind[] = [
  'expired-served',
  'no-longer-served',
  'not-current-version',
  'chain-incomplete',
  'chain-untrusted',
  'intermediate-expired',
  'name-mismatch',
  'weak-protocol',
  'policy-violation',
];

/** True when `text` is a finding kind, for reading `--kind`. */
export function isFindingKind(text: string): text is FindingKind {
  return (FINDING_KINDS as readonly string[]).includes(text);
}

/** One thing wrong at one location with one certificate, with the fix for people. */
export interface EndpointFinding {
  readonly kind: FindingKind;
  readonly severity: FindingSeverity;
  readonly location: EndpointLocation;
  /** SHA-256 fingerprint of the certificate the finding is about (for `no-longer-served`, the one no longer served). */
  readonly fingerprint: string;
  /** What is wrong and what fixes it. */
  readonly message: string;
}

/** What the location served at its previous scan, as the discovery store remembers it. */
export interface PreviousObservation {
  /** Fingerprint of the leaf it last served; null when it never served one. */
  readonly fingerprint: string | null;
  /** ISO 8601 instant it last served a certificate. */
  readonly lastSeenAt: string | null;
  /** Managed certificate the last served leaf belongs to, if any. */
  readonly managedCertificateId: string | null;
}

/** What the inventory knows of a served leaf after the scan imported it. */
export interface LeafInventoryState {
  /** Its stored policy result; null before an evaluation. */
  readonly policy: Pick<PolicyResult, 'compliant' | 'violations'> | null;
  /** The managed certificate it is a version of, when it is one. */
  readonly managed: {
    readonly id: string;
    readonly currentFingerprint: string;
    readonly retired: boolean;
  } | null;
}

/** One endpoint's scan result, as the rules read it. */
export type EndpointScan =
  | {
      readonly served: true;
      readonly location: EndpointLocation;
      /** Leaf first, as served. */
      readonly chain: readonly CertificateFacts[];
      readonly protocol: string;
      /** The verifier's code when the chain does not reach a trusted root; null when it does. */
      readonly verdictCode: string | null;
    }
  | {
      readonly served: false;
      readonly location: EndpointLocation;
      /** Why nothing was served: `refused`, `timeout` … */
      readonly failure: string;
    };

/** Inputs of {@link decideEndpointFindings}. */
export interface EndpointCheck {
  readonly scan: EndpointScan;
  readonly previous: PreviousObservation | null;
  /** The inventory's state of the served leaf; ignored when nothing was served. */
  readonly leaf: LeafInventoryState;
  /** ISO 8601 instant the checks are made at. */
  readonly now: string;
}

/** Verifier codes that mean the server left out an issuer (usually an intermediate) the client needs. */
const INCOMPLETE_CHAIN_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);
/** Verifier codes about validity dates, which the expiry rules below report with the certificate at fault. */
const DATE_CODES = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
/** Protocols below TLS 1.2 (RFC 8996 deprecates TLS 1.0 and 1.1). */
const WEAK_PROTOCOLS = new Set(['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1']);

/** `host:port`, `[v6]:port`, with ` (SNI name)` when one was sent. */
export function describeLocation(location: EndpointLocation): string {
  const host = location.host.includes(':') ? `[${location.host}]` : location.host;
  return `${host}:${location.port}${location.sni ? ` (SNI ${location.sni})` : ''}`;
}

/** The short id people use for a certificate: the first 16 hex digits of its fingerprint. */
const shortId = (fingerprint: string) => fingerprint.slice(0, 16);

/** The name a client of this location checks the certificate against, or null when only an IP was given. */
function referenceName(location: EndpointLocation): string | null {
  if (location.sni) return location.sni;
  return isIpAddress(location.host) ? null : location.host;
}

function lostFinding(scan: EndpointScan, previous: PreviousObservation | null): EndpointFinding | null {
  if (previous?.fingerprint == null) return null;
  const where = describeLocation(scan.location);
  const id = shortId(previous.fingerprint);
  if (!scan.served) {
    return {
      kind: 'no-longer-served',
      severity: 'high',
      location: scan.location,
      fingerprint: previous.fingerprint,
      message:
        `${where} stopped answering (${scan.failure}); it last served ${id} at ${previous.lastSeenAt ?? 'an earlier scan'}. ` +
        'Bring the service back, or if it moved, scan its new address; the location stays in the inventory as last seen',
    };
  }
  const leaf = scan.chain[0];
  if (leaf === undefined || leaf.fingerprintSha256 === previous.fingerprint) return null;
  return {
    kind: 'no-longer-served',
    severity: 'medium',
    location: scan.location,
    fingerprint: previous.fingerprint,
    message:
      `${where} no longer serves ${id}; it now serves ${shortId(leaf.fingerprintSha256)} (${leaf.subject.text}). ` +
      `If that change was not planned, redeploy ${id}; if it was, assign the new certificate an owner`,
  };
}

function chainFindings(scan: Extract<EndpointScan, { served: true }>, leaf: CertificateFacts): EndpointFinding[] {
  const code = scan.verdictCode;
  if (code === null || DATE_CODES.has(code)) return [];
  const where = describeLocation(scan.location);
  // The verifier says "issuer not found" both for a missing intermediate and for an unknown root: the served chain
  // tells them apart, by whether the leaf's issuer was served at all.
  const issuerServed = scan.chain.slice(1).some((certificate) => certificate.subject.text === leaf.issuer.text);
  if (INCOMPLETE_CHAIN_CODES.has(code) && !issuerServed) {
    return [
      {
        kind: 'chain-incomplete',
        severity: 'high',
        location: scan.location,
        fingerprint: leaf.fingerprintSha256,
        message:
          `${where} serves ${shortId(leaf.fingerprintSha256)} without the intermediate that links it to a trusted ` +
          `root (${code}; issuer ${leaf.issuer.text}). Configure the server with the full chain: leaf, then intermediates`,
      },
    ];
  }
  const last = scan.chain[scan.chain.length - 1] ?? leaf;
  return [
    {
      kind: 'chain-untrusted',
      severity: 'high',
      location: scan.location,
      fingerprint: leaf.fingerprintSha256,
      message:
        `${where} serves a chain that does not reach a trusted root (${code}; it ends at ${last.subject.text}, issued ` +
        `by ${last.issuer.text}). Replace it with a certificate from an approved CA, or if that issuer is your private ` +
        'root, add it to the trust store the scan uses (--trust-store)',
    },
  ];
}

function expiryFindings(
  scan: Extract<EndpointScan, { served: true }>,
  leaf: CertificateFacts,
  now: number,
): EndpointFinding[] {
  const where = describeLocation(scan.location);
  const findings: EndpointFinding[] = [];
  if (Date.parse(leaf.notAfter) < now) {
    findings.push({
      kind: 'expired-served',
      severity: 'incident',
      location: scan.location,
      fingerprint: leaf.fingerprintSha256,
      message:
        `${where} serves ${shortId(leaf.fingerprintSha256)} (${leaf.subject.text}), which expired at ${leaf.notAfter}: ` +
        'clients refuse it. Deploy the renewed certificate now, or renew it (`certflow renew`) if there is none',
    });
  }
  for (const issuer of scan.chain.slice(1)) {
    if (Date.parse(issuer.notAfter) >= now) continue;
    findings.push({
      kind: 'intermediate-expired',
      severity: 'high',
      location: scan.location,
      fingerprint: issuer.fingerprintSha256,
      message:
        `${where} serves the ${issuer.role === 'root' ? 'root' : 'intermediate'} ${issuer.subject.text} ` +
        `(${shortId(issuer.fingerprintSha256)}), which expired at ${issuer.notAfter}. Replace it in the server's ` +
        "chain file with the CA's current one",
    });
  }
  return findings;
}

function nameFinding(scan: Extract<EndpointScan, { served: true }>, leaf: CertificateFacts): EndpointFinding | null {
  const name = referenceName(scan.location);
  if (name === null || certificateNamesServer(leaf, name)) return null;
  const names = [...leaf.subjectAltNames.dns, ...leaf.subjectAltNames.ip];
  return {
    kind: 'name-mismatch',
    severity: 'high',
    location: scan.location,
    fingerprint: leaf.fingerprintSha256,
    message:
      `${describeLocation(scan.location)} serves ${shortId(leaf.fingerprintSha256)}, which does not name ${name} ` +
      `(it names ${names.length > 0 ? names.join(', ') : `only CN ${leaf.subject.commonName ?? '(none)'}`}). ` +
      `Deploy a certificate that lists ${name} as a subject alternative name`,
  };
}

function inventoryFindings(
  scan: Extract<EndpointScan, { served: true }>,
  leaf: CertificateFacts,
  state: LeafInventoryState,
): EndpointFinding[] {
  const where = describeLocation(scan.location);
  const findings: EndpointFinding[] = [];
  const managed = state.managed;
  if (managed !== null && !managed.retired && managed.currentFingerprint !== leaf.fingerprintSha256) {
    findings.push({
      kind: 'not-current-version',
      severity: 'high',
      location: scan.location,
      fingerprint: leaf.fingerprintSha256,
      message:
        `${where} serves ${shortId(leaf.fingerprintSha256)}, an older version of managed certificate ${managed.id}: ` +
        `it was renewed (${shortId(managed.currentFingerprint)}) but not deployed here. Deploy the current version`,
    });
  }
  if (state.policy !== null && !state.policy.compliant) {
    const violations = state.policy.violations;
    findings.push({
      kind: 'policy-violation',
      severity: violations.some((violation) => violation.severity === 'critical') ? 'high' : 'medium',
      location: scan.location,
      fingerprint: leaf.fingerprintSha256,
      message:
        `${where} serves ${shortId(leaf.fingerprintSha256)}, which breaks ${violations.map((v) => `${v.ruleId} ${v.rule}`).join(', ')}. ` +
        `${violations[0]?.remedy ?? 'Replace it with a compliant certificate'}`,
    });
  }
  return findings;
}

/**
 * Decides the findings at one location (R-MON-6): lost or replaced certificate, incomplete or untrusted chain, an
 * expired intermediate, a name mismatch, a version renewed but not deployed, a policy violation, a protocol below
 * TLS 1.2 and an expired leaf still served. An IP address scanned without SNI is not name-checked: nothing says which
 * name its clients ask for.
 */
export function decideEndpointFindings(check: EndpointCheck): EndpointFinding[] {
  const { scan, previous } = check;
  const findings: EndpointFinding[] = [];
  const leaf = scan.served ? scan.chain[0] : undefined;
  // Renewed and deployed: the previous version of the same managed certificate giving way is the plan working.
  const renewedInPlace =
    leaf !== undefined &&
    previous?.managedCertificateId != null &&
    check.leaf.managed?.id === previous.managedCertificateId;
  const lost = renewedInPlace ? null : lostFinding(scan, previous);
  if (lost) findings.push(lost);
  if (!scan.served || leaf === undefined) return findings;
  findings.push(...chainFindings(scan, leaf), ...expiryFindings(scan, leaf, Date.parse(check.now)));
  const mismatch = nameFinding(scan, leaf);
  if (mismatch) findings.push(mismatch);
  findings.push(...inventoryFindings(scan, leaf, check.leaf));
  if (WEAK_PROTOCOLS.has(scan.protocol)) {
    findings.push({
      kind: 'weak-protocol',
      severity: 'high',
      location: scan.location,
      fingerprint: leaf.fingerprintSha256,
      message:
        `${describeLocation(scan.location)} negotiated ${scan.protocol}, below TLS 1.2 (RFC 8996). Disable ` +
        'TLS 1.0 and 1.1 on the server and allow TLS 1.2 and 1.3 only',
    });
  }
  return findings;
}

/** The identity of a finding: the same kind at the same location about the same certificate is one finding. */
export function findingKey(finding: Pick<EndpointFinding, 'kind' | 'location' | 'fingerprint'>): string {
  return `${locationKey(finding.location)}|${finding.kind}|${finding.fingerprint}`;
}

/** The identity of a location: host (lower case), port and SNI name. */
export function locationKey(location: EndpointLocation): string {
  return `${location.host.toLowerCase()}|${location.port}|${(location.sni ?? '').toLowerCase()}`;
}
