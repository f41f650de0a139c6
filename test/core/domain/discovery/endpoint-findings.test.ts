import { describe, expect, it } from 'vitest';
import type { CertificateFacts } from '../../../../src/core/domain/certificates/certificate-facts';
import {
  decideEndpointFindings,
  findingKey,
  type EndpointCheck,
  type EndpointLocation,
  type EndpointScan,
  type FindingKind,
  type FindingSeverity,
  type LeafInventoryState,
  type PreviousObservation,
} from '../../../../src/core/domain/discovery/endpoint-findings';
import type { ViolationSeverity } from '../../../../src/core/domain/inventory/model';
import { makeFacts } from '../../../support/certificate-facts-builder';

const NOW = '2026-06-01T00:00:00.000Z';
const fp = (digit: string) => digit.repeat(64);
const LEAF = fp('1');
const OLD_LEAF = fp('2');
const INTERMEDIATE = fp('3');
const WWW: EndpointLocation = { host: '10.0.0.5', port: 443, sni: 'www.example.com' };

const leaf = (overrides: Partial<Parameters<typeof makeFacts>[0]> = {}): CertificateFacts =>
  makeFacts({
    fingerprintSha256: LEAF,
    subject: 'CN=www.example.com, O=Example',
    subjectAltNames: { dns: ['www.example.com'] },
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: '2026-12-01T00:00:00.000Z',
    ...overrides,
  });
const intermediate = (notAfter = '2030-01-01T00:00:00.000Z') =>
  makeFacts({
    fingerprintSha256: INTERMEDIATE,
    subject: 'CN=Example Issuing CA 1, O=Example Inc, C=US',
    issuer: 'CN=Example Root CA, O=Example Inc, C=US',
    isCa: true,
    notBefore: '2020-01-01T00:00:00.000Z',
    notAfter,
  });

const served = (overrides: Partial<Extract<EndpointScan, { served: true }>> = {}): EndpointScan => ({
  served: true,
  location: WWW,
  chain: [leaf(), intermediate()],
  protocol: 'TLSv1.3',
  verdictCode: null,
  ...overrides,
});
const UNKNOWN: LeafInventoryState = { policy: { compliant: true, violations: [] }, managed: null };
const managedAs = (id: string, currentFingerprint: string, retired = false): LeafInventoryState => ({
  ...UNKNOWN,
  managed: { id, currentFingerprint, retired },
});
const servedBefore = (fingerprint: string, managedCertificateId: string | null = null): PreviousObservation => ({
  fingerprint,
  lastSeenAt: '2026-05-31T00:00:00.000Z',
  managedCertificateId,
});

const violating = (ruleId: string, rule: string, severity: ViolationSeverity): LeafInventoryState => ({
  managed: null,
  policy: { compliant: false, violations: [{ ruleId, rule, severity, message: rule, remedy: `Fix ${rule}` }] },
});

interface Row {
  readonly title: string;
  readonly scan: EndpointScan;
  readonly previous?: PreviousObservation | null;
  readonly state?: LeafInventoryState;
  readonly expected: ReadonlyArray<readonly [FindingKind, FindingSeverity, string]>;
}

const rows: Row[] = [
  { title: 'a healthy endpoint, first scan', scan: served(), expected: [] },
  { title: 'the same certificate again', scan: served(), previous: servedBefore(LEAF), expected: [] },
  {
    title: 'the endpoint stopped answering',
    scan: { served: false, location: WWW, failure: 'timeout' },
    previous: servedBefore(LEAF),
    expected: [['no-longer-served', 'high', LEAF]],
  },
  {
    title: 'an endpoint that never served and still fails',
    scan: { served: false, location: WWW, failure: 'refused' },
    previous: { fingerprint: null, lastSeenAt: null, managedCertificateId: null },
    expected: [],
  },
  {
    title: 'another certificate replaced the one served before',
    scan: served(),
    previous: servedBefore(OLD_LEAF),
    expected: [['no-longer-served', 'medium', OLD_LEAF]],
  },
  {
    title: 'the renewed version of the same managed certificate replaced the old one',
    scan: served(),
    previous: servedBefore(OLD_LEAF, 'm1'),
    state: managedAs('m1', LEAF),
    expected: [],
  },
  {
    title: 'an intermediate left out',
    scan: served({ chain: [leaf()], verdictCode: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }),
    expected: [['chain-incomplete', 'high', LEAF]],
  },
  {
    title: "another CA's intermediate served instead of the issuer",
    scan: served({
      chain: [leaf(), makeFacts({ subject: 'CN=Other CA', isCa: true, fingerprintSha256: fp('4') })],
      verdictCode: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    }),
    expected: [['chain-incomplete', 'high', LEAF]],
  },
  {
    title: 'the intermediate served, its root unknown to the trust store',
    scan: served({ verdictCode: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' }),
    expected: [['chain-untrusted', 'high', LEAF]],
  },
  {
    title: 'a chain to an unknown root',
    scan: served({ verdictCode: 'SELF_SIGNED_CERT_IN_CHAIN' }),
    expected: [['chain-untrusted', 'high', LEAF]],
  },
  {
    title: 'an expired intermediate (the verifier says CERT_HAS_EXPIRED: reported once, with the certificate at fault)',
    scan: served({ chain: [leaf(), intermediate('2026-05-01T00:00:00.000Z')], verdictCode: 'CERT_HAS_EXPIRED' }),
    expected: [['intermediate-expired', 'high', INTERMEDIATE]],
  },
  {
    title: 'an expired leaf still served is an incident',
    scan: served({
      chain: [leaf({ notAfter: '2026-05-31T23:59:59.000Z' }), intermediate()],
      verdictCode: 'CERT_HAS_EXPIRED',
    }),
    expected: [['expired-served', 'incident', LEAF]],
  },
  {
    title: 'a leaf valid to the last second is not expired',
    scan: served({ chain: [leaf({ notAfter: NOW })] }),
    expected: [],
  },
  {
    title: 'the SNI name is not among the SANs',
    scan: served({ location: { ...WWW, sni: 'shop.example.com' } }),
    expected: [['name-mismatch', 'high', LEAF]],
  },
  {
    title: 'a DNS host without SNI is checked against its own name',
    scan: served({ location: { host: 'shop.example.com', port: 443 } }),
    expected: [['name-mismatch', 'high', LEAF]],
  },
  {
    title: 'an IP address scanned without SNI is not name-checked',
    scan: served({ location: { host: '10.0.0.5', port: 443 } }),
    expected: [],
  },
  {
    title: 'a wildcard covers the SNI name',
    scan: served({ chain: [leaf({ subjectAltNames: { dns: ['*.example.com'] } })] }),
    expected: [],
  },
  {
    title: 'an older version of a managed certificate: renewed but not deployed',
    scan: served(),
    state: managedAs('m1', fp('9')),
    expected: [['not-current-version', 'high', LEAF]],
  },
  {
    title: 'a retired managed certificate is no longer expected to change',
    scan: served(),
    state: managedAs('m1', fp('9'), true),
    expected: [],
  },
  {
    title: 'a critical policy violation',
    scan: served(),
    state: violating('R-POL-4', 'signature-algorithm', 'critical'),
    expected: [['policy-violation', 'high', LEAF]],
  },
  {
    title: 'a lesser policy violation',
    scan: served(),
    state: violating('R-POL-2', 'validity-period', 'medium'),
    expected: [['policy-violation', 'medium', LEAF]],
  },
  { title: 'TLS 1.1 negotiated', scan: served({ protocol: 'TLSv1.1' }), expected: [['weak-protocol', 'high', LEAF]] },
  { title: 'TLS 1.0 negotiated', scan: served({ protocol: 'TLSv1' }), expected: [['weak-protocol', 'high', LEAF]] },
  { title: 'TLS 1.2 negotiated', scan: served({ protocol: 'TLSv1.2' }), expected: [] },
];

describe('endpoint re-check rules', () => {
  it.each(rows)('R-MON-6: $title', ({ scan, previous, state, expected }) => {
    const check: EndpointCheck = { scan, previous: previous ?? null, leaf: state ?? UNKNOWN, now: NOW };
    const findings = decideEndpointFindings(check);
    expect(findings.map((finding) => [finding.kind, finding.severity, finding.fingerprint])).toEqual(expected);
    for (const finding of findings) {
      expect(finding.location).toEqual(scan.location);
      // Every message names where and what to do.
      expect(finding.message).toContain(`:${scan.location.port}`);
      expect(finding.message).toMatch(/\. [A-Z]/);
    }
  });

  it('R-MON-6: messages name the location, the certificate and the fix', () => {
    const [finding] = decideEndpointFindings({
      scan: served({ chain: [leaf()], verdictCode: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' }),
      previous: null,
      leaf: UNKNOWN,
      now: NOW,
    });
    expect(finding?.message).toBe(
      '10.0.0.5:443 (SNI www.example.com) serves 1111111111111111 without the intermediate that links it to a ' +
        'trusted root (UNABLE_TO_GET_ISSUER_CERT_LOCALLY; issuer CN=Example Issuing CA 1, O=Example Inc, C=US). ' +
        'Configure the server with the full chain: leaf, then intermediates',
    );
  });

  it('R-MON-6: a finding is identified by location, kind and certificate, whatever the case of the names', () => {
    const finding = { kind: 'name-mismatch' as const, fingerprint: LEAF };
    expect(findingKey({ ...finding, location: { host: 'WWW.example.com', port: 443, sni: 'A.example.com' } })).toBe(
      findingKey({ ...finding, location: { host: 'www.example.com', port: 443, sni: 'a.example.com' } }),
    );
    expect(findingKey({ ...finding, location: { host: 'www.example.com', port: 443 } })).not.toBe(
      findingKey({ ...finding, location: { host: 'www.example.com', port: 8443 } }),
    );
  });
});
