import { describe, expect, it } from 'vitest';
import type { CertificateFacts } from '../../../../src/core/domain/certificates/certificate-facts';
import {
  certificateLabel,
  compilePolicy,
  evaluateCertificatePolicy,
  isWeakCertificate,
  type PolicyEvaluationContext,
  PolicyEvaluationError,
} from '../../../../src/core/domain/policy/evaluate-policy';
import { DEFAULT_POLICY, policyVersion, validatePolicy } from '../../../../src/core/domain/policy/load-policy';
import type { Policy } from '../../../../src/core/domain/policy/policy';
import { DAY_MS } from '../../../../src/core/domain/duration';
import {
  ecKey,
  type FactsOverrides,
  makeDn,
  makeFacts,
  otherKey,
  rsaKey,
  signature,
} from '../../../support/certificate-facts-builder';

const NOW = '2026-06-01T00:00:00.000Z';

function policyWith(data: unknown): Policy {
  return validatePolicy(data, 'test policy');
}

function rulesBroken(facts: CertificateFacts, policy: Policy = DEFAULT_POLICY, context?: PolicyEvaluationContext) {
  return evaluateCertificatePolicy(facts, policy, NOW, context).violations.map((violation) => violation.rule);
}

const ISSUING_CA = 'CN=Example Issuing CA 1, O=Example Inc, C=US';
const ISSUING_CA_KEY_ID = 'aa11bb22cc33dd44ee55ff6677889900aabbccdd';
const ROOT_FINGERPRINT = 'f0'.repeat(32);

function approvedCas(cas: unknown[], extra: Record<string, unknown> = {}): Policy {
  return policyWith({ rules: { approvedCas: { cas, ...extra } } });
}

const root = makeFacts({
  subject: 'CN=Example Root CA, O=Example Inc, C=US',
  issuer: 'CN=Example Root CA, O=Example Inc, C=US',
  isCa: true,
  selfSigned: true,
  authorityKeyId: null,
  subjectKeyId: '99'.repeat(20),
  fingerprintSha256: ROOT_FINGERPRINT,
  notAfter: '2046-01-01T00:00:00.000Z',
});

const intermediate = makeFacts({
  subject: ISSUING_CA,
  issuer: 'CN=Example Root CA, O=Example Inc, C=US',
  isCa: true,
  subjectKeyId: ISSUING_CA_KEY_ID,
  authorityKeyId: '99'.repeat(20),
  notAfter: '2036-01-01T00:00:00.000Z',
});

describe('approved CAs', () => {
  const byDn = approvedCas([{ name: 'Example Issuing CA 1', issuerDn: ISSUING_CA }]);

  it.each<[string, Policy, CertificateFacts, PolicyEvaluationContext, string[]]>([
    ['a certificate from the listed CA passes', byDn, makeFacts(), {}, []],
    [
      'a certificate from another CA fails',
      byDn,
      makeFacts({ issuer: 'CN=Rogue CA, O=Evil, C=XX' }),
      {},
      ['approved-ca'],
    ],
    [
      'the DN may be written in either order',
      approvedCas([{ name: 'Issuing', issuerDn: 'C=US, O=Example Inc, CN=Example Issuing CA 1' }]),
      makeFacts(),
      {},
      [],
    ],
    [
      'the DN compares case-insensitively with spaces folded and long attribute names',
      approvedCas([
        { name: 'Issuing', issuerDn: 'commonName=example issuing ca 1,organizationName=EXAMPLE  INC,c=us' },
      ]),
      makeFacts(),
      {},
      [],
    ],
    [
      'an escaped comma in a listed DN matches the value with the comma',
      approvedCas([{ name: 'Comma', issuerDn: 'CN=Issuing CA\\, Europe, O=Example Inc' }]),
      makeFacts({
        issuer: {
          text: 'CN=Issuing CA\\, Europe, O=Example Inc',
          commonName: 'Issuing CA, Europe',
          attributes: [
            { type: 'CN', oid: '2.5.4.3', value: 'Issuing CA, Europe' },
            { type: 'O', oid: '2.5.4.10', value: 'Example Inc' },
          ],
        },
      }),
      {},
      [],
    ],
    [
      'UTF-8 hex escapes in a listed DN match the decoded value',
      approvedCas([{ name: 'Accent', issuerDn: 'CN=Soci\\C3\\A9t\\C3\\A9 CA, O=Exemple' }]),
      makeFacts({ issuer: 'CN=Société CA, O=Exemple' }),
      {},
      [],
    ],
    [
      'a key identifier entry matches the authority key id, separators ignored',
      approvedCas([{ name: 'By key', issuerKeyId: ISSUING_CA_KEY_ID.toUpperCase().replace(/(..)(?!$)/g, '$1:') }]),
      makeFacts(),
      {},
      [],
    ],
    [
      'a CA with the right name but another key is an impostor',
      approvedCas([{ name: 'Pinned', issuerDn: ISSUING_CA, issuerKeyId: ISSUING_CA_KEY_ID }]),
      makeFacts({ authorityKeyId: 'ee'.repeat(20) }),
      {},
      ['approved-ca'],
    ],
    [
      'a fingerprint entry matches the issuing certificate the inventory holds',
      approvedCas([{ name: 'By fingerprint', fingerprintSha256: ROOT_FINGERPRINT }]),
      makeFacts(),
      { issuerFingerprint: ROOT_FINGERPRINT },
      [],
    ],
    [
      'a fingerprint entry cannot match when the issuer is not in the inventory',
      approvedCas([{ name: 'By fingerprint', fingerprintSha256: ROOT_FINGERPRINT }]),
      makeFacts(),
      { issuerFingerprint: null },
      ['approved-ca'],
    ],
    ['CA certificates are not checked by default', byDn, makeFacts({ ...root, issuer: 'CN=Unlisted Root' }), {}, []],
    [
      'with CA certificates included, an intermediate that is itself listed passes',
      approvedCas([{ name: 'Issuing', issuerDn: ISSUING_CA }], { includeCaCertificates: true }),
      intermediate,
      {},
      [],
    ],
    [
      'with CA certificates included, an unlisted root fails',
      approvedCas([{ name: 'Issuing', issuerDn: ISSUING_CA }], { includeCaCertificates: true }),
      root,
      {},
      ['approved-ca'],
    ],
    [
      'with CA certificates included, a root listed by fingerprint passes',
      approvedCas([{ name: 'Root', fingerprintSha256: ROOT_FINGERPRINT }], { includeCaCertificates: true }),
      root,
      {},
      [],
    ],
    [
      'a disabled rule checks nothing',
      approvedCas([{ name: 'Issuing', issuerDn: ISSUING_CA }], { enabled: false }),
      makeFacts({ issuer: 'CN=Rogue CA' }),
      {},
      [],
    ],
  ])('R-POL-1: %s', (_case, policy, facts, context, expected) => {
    expect(rulesBroken(facts, policy, context)).toEqual(expected);
  });

  it('R-POL-1: an empty approved-CA list means "not configured": the default policy flags no issuer', () => {
    expect(DEFAULT_POLICY.rules.approvedCas.cas).toEqual([]);
    expect(rulesBroken(makeFacts({ issuer: 'CN=Anything Goes CA' }))).toEqual([]);
  });

  it('R-POL-1: the violation names the unapproved issuer and the approved ones', () => {
    const [violation] = evaluateCertificatePolicy(makeFacts({ issuer: 'CN=Rogue CA, O=Evil' }), byDn, NOW).violations;
    expect(violation).toMatchObject({ ruleId: 'R-POL-1', rule: 'approved-ca', severity: 'high' });
    expect(violation?.message).toContain('is issued by CN=Rogue CA, O=Evil, which is not an approved CA');
    expect(violation?.remedy).toContain('approved CA (Example Issuing CA 1)');
  });
});

describe('validity period', () => {
  /** A certificate valid for exactly `days` days, both ends counted, plus `extraMs`. */
  const withDays = (days: number, overrides: FactsOverrides = {}, extraMs = 0) =>
    makeFacts({
      notBefore: '2026-01-01T00:00:00.000Z',
      notAfter: new Date(Date.parse('2026-01-01T00:00:00.000Z') + days * DAY_MS - 1000 + extraMs).toISOString(),
      issuer: 'CN=certflow Internal Issuing CA, O=certflow',
      ...overrides,
    });

  it.each<[string, Policy, CertificateFacts, string[]]>([
    ['a 397-day certificate passes', DEFAULT_POLICY, withDays(397), []],
    ['exactly 398 days (notAfter = notBefore + 398 days − 1 s) passes', DEFAULT_POLICY, withDays(398), []],
    [
      'notAfter = notBefore + 398 days is 398 days and 1 second, both ends counted, and fails',
      DEFAULT_POLICY,
      withDays(398, {}, 1000),
      ['validity-period'],
    ],
    [
      '2020-09-01T01:00:00Z to 2021-10-04T01:00:00Z (398 days + 1 s) fails',
      DEFAULT_POLICY,
      makeFacts({ notBefore: '2020-09-01T01:00:00.000Z', notAfter: '2021-10-04T01:00:00.000Z' }),
      ['validity-period'],
    ],
    [
      '2020-09-01T01:00:00Z to 2021-10-04T00:59:59Z (398 days) passes',
      DEFAULT_POLICY,
      makeFacts({ notBefore: '2020-09-01T01:00:00.000Z', notAfter: '2021-10-04T00:59:59.000Z' }),
      [],
    ],
    ['a 399-day certificate fails', DEFAULT_POLICY, withDays(399), ['validity-period']],
    ['an 825-day certificate fails', DEFAULT_POLICY, withDays(825), ['validity-period']],
    ['a 90-day certificate passes', DEFAULT_POLICY, withDays(90), []],
    ['CA certificates are exempt by default', DEFAULT_POLICY, withDays(7300, { isCa: true }), []],
    [
      'CA certificates have their own limit when one is set',
      policyWith({ rules: { validityPeriod: { caMaxDays: 3650 } } }),
      withDays(7300, { isCa: true }),
      ['validity-period'],
    ],
    [
      'a CA certificate of exactly caMaxDays passes',
      policyWith({ rules: { validityPeriod: { caMaxDays: 3650 } } }),
      withDays(3650, { isCa: true }),
      [],
    ],
    [
      'a CA certificate one second over caMaxDays fails',
      policyWith({ rules: { validityPeriod: { caMaxDays: 3650 } } }),
      withDays(3650, { isCa: true }, 1000),
      ['validity-period'],
    ],
    [
      'the limit is configurable',
      policyWith({ rules: { validityPeriod: { maxDays: 90 } } }),
      withDays(91),
      ['validity-period'],
    ],
    [
      'a configured limit counts both ends too',
      policyWith({ rules: { validityPeriod: { maxDays: 90 } } }),
      withDays(90, {}, 1000),
      ['validity-period'],
    ],
  ])('R-POL-2: %s', (_case, policy, facts, expected) => {
    expect(rulesBroken(facts, policy)).toEqual(expected);
  });

  it('R-POL-2: the violation gives the period with both ends counted, the limit and the fix', () => {
    const facts = makeFacts({ notBefore: '2024-01-01T00:00:00.000Z', notAfter: '2026-04-05T00:00:00.000Z' });
    const [violation] = evaluateCertificatePolicy(facts, DEFAULT_POLICY, NOW).violations;
    expect(violation?.message).toContain(
      'is valid for 825 days and 1 second (2024-01-01T00:00:00Z to 2026-04-05T00:00:00Z, both ends included)',
    );
    expect(violation?.message).toContain('at most 398 days');
    expect(violation?.remedy).toBe(
      'reissue it with a validity period of 398 days or less (notAfter earlier than notBefore + 398 days)',
    );
  });

  it('R-POL-2: a certificate one second over the limit is not described as within it', () => {
    const facts = makeFacts({ notBefore: '2020-09-01T01:00:00.000Z', notAfter: '2021-10-04T01:00:00.000Z' });
    const [violation] = evaluateCertificatePolicy(facts, DEFAULT_POLICY, NOW).violations;
    expect(violation?.message).toContain('is valid for 398 days and 1 second');
  });
});

describe('key algorithm and size', () => {
  const allowDsa = policyWith({ rules: { keySize: { allowedAlgorithms: ['RSA', 'EC', 'DSA'] } } });

  it.each<[string, Policy, CertificateFacts, string[]]>([
    ['RSA 2048 passes', DEFAULT_POLICY, makeFacts({ publicKey: rsaKey(2048) }), []],
    ['RSA 4096 passes', DEFAULT_POLICY, makeFacts({ publicKey: rsaKey(4096) }), []],
    ['RSA 1024 fails', DEFAULT_POLICY, makeFacts({ publicKey: rsaKey(1024) }), ['key-size']],
    ['RSA 2047 fails', DEFAULT_POLICY, makeFacts({ publicKey: rsaKey(2047) }), ['key-size']],
    ['ECDSA P-224 passes', DEFAULT_POLICY, makeFacts({ publicKey: ecKey('P-224') }), []],
    ['ECDSA P-256 passes', DEFAULT_POLICY, makeFacts({ publicKey: ecKey('P-256') }), []],
    ['ECDSA P-192 fails', DEFAULT_POLICY, makeFacts({ publicKey: ecKey('P-192') }), ['key-size']],
    ['an EC key of unknown size fails', DEFAULT_POLICY, makeFacts({ publicKey: ecKey('1.2.3.99') }), ['key-size']],
    ['Ed25519 passes', DEFAULT_POLICY, makeFacts({ publicKey: otherKey('Ed25519', 256) }), []],
    [
      'DSA is not allowed by default',
      DEFAULT_POLICY,
      makeFacts({ publicKey: otherKey('DSA', 2048) }),
      ['key-algorithm'],
    ],
    ['an unknown algorithm fails', DEFAULT_POLICY, makeFacts({ publicKey: otherKey('other', 512) }), ['key-algorithm']],
    ['allowed DSA 2048 passes', allowDsa, makeFacts({ publicKey: otherKey('DSA', 2048) }), []],
    ['allowed DSA 1024 fails on size', allowDsa, makeFacts({ publicKey: otherKey('DSA', 1024) }), ['key-size']],
    [
      'Ed25519 fails once removed from the list',
      allowDsa,
      makeFacts({ publicKey: otherKey('Ed25519', 256) }),
      ['key-algorithm'],
    ],
    [
      'a CA certificate with a weak key fails too',
      DEFAULT_POLICY,
      makeFacts({ ...intermediate, publicKey: rsaKey(1024) }),
      ['key-size'],
    ],
    [
      'the minimum is configurable',
      policyWith({ rules: { keySize: { minRsaBits: 3072 } } }),
      makeFacts({ publicKey: rsaKey(2048) }),
      ['key-size'],
    ],
  ])('R-POL-3: %s', (_case, policy, facts, expected) => {
    expect(rulesBroken(facts, policy)).toEqual(expected);
  });

  it('R-POL-3: the violation gives the key, the minimum and the fix', () => {
    const [violation] = evaluateCertificatePolicy(
      makeFacts({ publicKey: ecKey('P-192') }),
      DEFAULT_POLICY,
      NOW,
    ).violations;
    expect(violation?.message).toContain('has a 192-bit EC key (P-192); keys shorter than 224 bits are forbidden');
    expect(violation?.remedy).toBe('rekey it with ECDSA P-256 or RSA 2048 bits or more and reissue');
    const [unknown] = evaluateCertificatePolicy(
      makeFacts({ publicKey: otherKey('other', null, '1.2.643.2.2.19') }),
      DEFAULT_POLICY,
      NOW,
    ).violations;
    expect(unknown?.message).toContain('has an unrecognised (1.2.643.2.2.19) public key; the policy allows RSA, EC');
  });
});

describe('signature algorithm', () => {
  it.each<[string, Policy, CertificateFacts, string[]]>([
    ['SHA-256 passes', DEFAULT_POLICY, makeFacts(), []],
    ['SHA-384 ECDSA passes', DEFAULT_POLICY, makeFacts({ signatureAlgorithm: signature('ecdsa-with-SHA384') }), []],
    ['Ed25519 (no separate hash) passes', DEFAULT_POLICY, makeFacts({ signatureAlgorithm: signature('Ed25519') }), []],
    [
      'SHA-1 RSA fails',
      DEFAULT_POLICY,
      makeFacts({ signatureAlgorithm: signature('sha1WithRSAEncryption') }),
      ['signature-algorithm'],
    ],
    [
      'SHA-1 ECDSA fails',
      DEFAULT_POLICY,
      makeFacts({ signatureAlgorithm: signature('ecdsa-with-SHA1') }),
      ['signature-algorithm'],
    ],
    [
      'MD5 fails',
      DEFAULT_POLICY,
      makeFacts({ signatureAlgorithm: signature('md5WithRSAEncryption') }),
      ['signature-algorithm'],
    ],
    [
      'MD2 fails',
      DEFAULT_POLICY,
      makeFacts({ signatureAlgorithm: signature('md2WithRSAEncryption') }),
      ['signature-algorithm'],
    ],
    [
      "a self-signed root's own SHA-1 signature is not relied on, so it passes",
      DEFAULT_POLICY,
      makeFacts({ ...root, signatureAlgorithm: signature('sha1WithRSAEncryption') }),
      [],
    ],
    [
      'a SHA-1 root fails when the exemption is switched off',
      policyWith({ rules: { signatureAlgorithm: { exemptSelfSignedRoots: false } } }),
      makeFacts({ ...root, signatureAlgorithm: signature('sha1WithRSAEncryption') }),
      ['signature-algorithm'],
    ],
    [
      'a SHA-1 intermediate fails: its signature is relied on',
      DEFAULT_POLICY,
      makeFacts({ ...intermediate, signatureAlgorithm: signature('sha1WithRSAEncryption') }),
      ['signature-algorithm'],
    ],
    [
      'a self-signed end-entity certificate with SHA-1 fails',
      DEFAULT_POLICY,
      makeFacts({ selfSigned: true, signatureAlgorithm: signature('sha1WithRSAEncryption') }),
      ['signature-algorithm'],
    ],
    [
      'the banned list is configurable',
      policyWith({ rules: { signatureAlgorithm: { bannedHashes: ['MD5', 'SHA-1', 'SHA-256'] } } }),
      makeFacts(),
      ['signature-algorithm'],
    ],
  ])('R-POL-4: %s', (_case, policy, facts, expected) => {
    expect(rulesBroken(facts, policy)).toEqual(expected);
  });

  it('R-POL-4: a SHA-1 signature is a violation that names SP 800-131A and the fix', () => {
    const facts = makeFacts({ signatureAlgorithm: signature('sha1WithRSAEncryption') });
    const [violation] = evaluateCertificatePolicy(facts, DEFAULT_POLICY, NOW).violations;
    expect(violation).toMatchObject({ ruleId: 'R-POL-4', rule: 'signature-algorithm', severity: 'high' });
    expect(violation?.message).toBe(
      '"www.example.com" (a1b2c3d4e5f60718) is signed with SHA-1 (sha1WithRSAEncryption); SHA-1 signatures are forbidden by NIST SP 800-131A',
    );
    expect(violation?.remedy).toBe('reissue it with SHA-256 or stronger');
  });
});

describe('subject DN and wildcard names', () => {
  const dnRules = policyWith({
    rules: {
      subjectDn: {
        attributes: {
          O: { required: true, allowed: ['Example Inc'] },
          OU: { required: true, patterns: ['[A-Z]{2,5}-\\d{3}'] },
          C: { allowed: ['US', 'CA'] },
        },
      },
    },
  });
  const good = 'CN=www.example.com, OU=WEB-001, O=Example Inc, C=US';

  it.each<[string, Policy, CertificateFacts, string[]]>([
    [
      'the default policy leaves O, OU, L, ST and C free',
      DEFAULT_POLICY,
      makeFacts({ subject: 'CN=a.example.com, O=Anyone' }),
      [],
    ],
    ['a subject that meets every attribute rule passes', dnRules, makeFacts({ subject: good }), []],
    [
      'allowed values compare case-insensitively with spaces folded',
      dnRules,
      makeFacts({ subject: good.replace('Example Inc', 'EXAMPLE   inc') }),
      [],
    ],
    ['a wrong O fails', dnRules, makeFacts({ subject: good.replace('Example Inc', 'Acme') }), ['subject-dn']],
    [
      'a missing required OU fails',
      dnRules,
      makeFacts({ subject: 'CN=www.example.com, O=Example Inc' }),
      ['subject-dn'],
    ],
    [
      'an OU not matching the pattern fails',
      dnRules,
      makeFacts({ subject: good.replace('WEB-001', 'Web Team') }),
      ['subject-dn'],
    ],
    [
      'patterns match the whole value',
      dnRules,
      makeFacts({ subject: good.replace('WEB-001', 'xWEB-001x') }),
      ['subject-dn'],
    ],
    [
      'an optional C may be left out',
      dnRules,
      makeFacts({ subject: 'CN=www.example.com, OU=WEB-001, O=Example Inc' }),
      [],
    ],
    [
      'every bad attribute is its own violation',
      dnRules,
      makeFacts({ subject: 'CN=x.example.com, O=Acme, C=DE' }),
      ['subject-dn', 'subject-dn', 'subject-dn'],
    ],
    ['CA certificates are not checked', dnRules, intermediate, []],
    ['a wildcard CN fails', DEFAULT_POLICY, makeFacts({ subject: 'CN=*.example.com' }), ['wildcard-name']],
    [
      'a wildcard DNS SAN fails',
      DEFAULT_POLICY,
      makeFacts({ subjectAltNames: { dns: ['www.example.com', '*.api.example.com'] } }),
      ['wildcard-name'],
    ],
    [
      'an approved wildcard exception passes',
      policyWith({ rules: { wildcardNames: { allowed: ['*.CDN.example.com'] } } }),
      makeFacts({ subject: 'CN=*.cdn.example.com' }),
      [],
    ],
    [
      'the wildcard ban can be switched off',
      policyWith({ rules: { wildcardNames: { enabled: false } } }),
      makeFacts({ subject: 'CN=*.example.com' }),
      [],
    ],
    [
      'a wildcard in a CA certificate is not a server name',
      DEFAULT_POLICY,
      makeFacts({ ...intermediate, subject: 'CN=*.ca' }),
      [],
    ],
  ])('R-POL-5: %s', (_case, policy, facts, expected) => {
    expect(rulesBroken(facts, policy)).toEqual(expected);
  });

  it('R-POL-5: the violations say which attribute or name is wrong and how to fix it', () => {
    const facts = makeFacts({
      subject: 'CN=*.example.com, O=Acme',
      subjectAltNames: { dns: ['*.example.com', '*.example.org'] },
    });
    const violations = evaluateCertificatePolicy(facts, dnRules, NOW).violations;
    expect(violations.map((violation) => [violation.message, violation.remedy])).toEqual([
      [
        expect.stringContaining('has subject O="Acme", which the policy does not allow'),
        'reissue it with a subject O of "Example Inc"',
      ],
      [expect.stringContaining('has no OU in its subject'), 'reissue it with a subject OU of /[A-Z]{2,5}-\\d{3}/'],
      [
        expect.stringContaining('names *.example.com, *.example.org; wildcards in CNs and SANs are forbidden'),
        expect.stringContaining('rules.wildcardNames.allowed'),
      ],
    ]);
    expect(new Set(violations.map((violation) => violation.ruleId))).toEqual(new Set(['R-POL-5']));
  });
});

describe('results', () => {
  const everythingWrong = makeFacts({
    subject: 'CN=*.legacy.example.com',
    issuer: 'CN=Rogue CA',
    notBefore: '2024-01-01T00:00:00.000Z',
    notAfter: '2027-01-01T00:00:00.000Z',
    publicKey: rsaKey(1024),
    signatureAlgorithm: signature('md5WithRSAEncryption'),
  });
  const strict = policyWith({
    rules: {
      approvedCas: { cas: [{ name: 'Example Issuing CA 1', issuerDn: ISSUING_CA }], severity: 'critical' },
      subjectDn: { attributes: { O: { required: true } } },
    },
  });

  it('R-POL-6: each violation names the rule, the certificate and the fix', () => {
    const result = evaluateCertificatePolicy(everythingWrong, strict, NOW);
    expect(result.violations.map((violation) => [violation.ruleId, violation.rule])).toEqual([
      ['R-POL-1', 'approved-ca'],
      ['R-POL-2', 'validity-period'],
      ['R-POL-3', 'key-size'],
      ['R-POL-4', 'signature-algorithm'],
      ['R-POL-5', 'subject-dn'],
      ['R-POL-5', 'wildcard-name'],
    ]);
    for (const violation of result.violations) {
      expect(violation.message).toContain('"*.legacy.example.com" (a1b2c3d4e5f60718)');
      expect(violation.remedy).toMatch(/^(replace|reissue|rekey) it /);
    }
  });

  it('R-POL-6: the result records compliance, the certificate, the policy version and when', () => {
    const result = evaluateCertificatePolicy(everythingWrong, strict, NOW);
    expect(result).toMatchObject({
      fingerprintSha256: everythingWrong.fingerprintSha256,
      policyVersion: policyVersion(strict),
      compliant: false,
      evaluatedAt: NOW,
    });
    expect(evaluateCertificatePolicy(makeFacts(), strict, NOW)).toMatchObject({ compliant: true, violations: [] });
  });

  it('R-POL-6: a policy change gives a new version, so every certificate is re-evaluated', () => {
    const before = evaluateCertificatePolicy(makeFacts(), DEFAULT_POLICY, NOW);
    const after = evaluateCertificatePolicy(makeFacts(), policyWith({ rules: { keySize: { minRsaBits: 3072 } } }), NOW);
    expect(after.policyVersion).not.toBe(before.policyVersion);
    expect([before.compliant, after.compliant]).toEqual([true, false]);
  });

  it('R-POL-6: severities come from the policy, per rule', () => {
    const severities = evaluateCertificatePolicy(everythingWrong, strict, NOW).violations.map((v) => v.severity);
    expect(severities).toEqual(['critical', 'medium', 'high', 'high', 'low', 'medium']);
  });

  it.each([
    ['CN and fingerprint prefix', makeFacts(), '"www.example.com" (a1b2c3d4e5f60718)'],
    [
      'the subject when there is no CN',
      makeFacts({ subject: 'O=Example Inc, C=US' }),
      '"O=Example Inc, C=US" (a1b2c3d4e5f60718)',
    ],
    ['a placeholder for an empty subject', makeFacts({ subject: makeDn('') }), '"(empty subject)" (a1b2c3d4e5f60718)'],
  ])('R-POL-6: a certificate is named by its %s', (_case, facts, label) => {
    expect(certificateLabel(facts)).toBe(label);
  });

  it.each<[string, CertificateFacts, boolean]>([
    ['a weak RSA key', makeFacts({ publicKey: rsaKey(1024) }), true],
    ['a SHA-1 signature', makeFacts({ signatureAlgorithm: signature('sha1WithRSAEncryption') }), true],
    ['a DSA key', makeFacts({ publicKey: otherKey('DSA', 2048) }), true],
    ['only a wildcard name', makeFacts({ subject: 'CN=*.example.com' }), false],
    ['only a long validity', makeFacts({ notAfter: '2028-04-05T00:00:00.000Z' }), false],
    ['a compliant certificate', makeFacts(), false],
  ])('isWeakCertificate: %s → %s', (_case, facts, weak) => {
    expect(isWeakCertificate(evaluateCertificatePolicy(facts, DEFAULT_POLICY, NOW))).toBe(weak);
  });

  it('a compiled policy is built once per policy object and gives the same results', () => {
    expect(compilePolicy(strict)).toBe(compilePolicy(strict));
    expect(compilePolicy(strict).version).toBe(policyVersion(strict));
    expect(evaluateCertificatePolicy(everythingWrong, compilePolicy(strict), NOW)).toEqual(
      evaluateCertificatePolicy(everythingWrong, strict, NOW),
    );
  });
});

describe('bad input', () => {
  const withDnRules = policyWith({ rules: { subjectDn: { attributes: { O: { required: true } } } } });

  it.each<[string, unknown, string, RegExp]>([
    ['facts without a fingerprint', { subject: makeDn('CN=x') }, NOW, /without a fingerprintSha256/],
    ['no facts at all', null, NOW, /without a fingerprintSha256/],
    [
      'facts missing the public key',
      { ...makeFacts(), publicKey: undefined },
      NOW,
      /a1b2c3d4e5f60718 lacks publicKey in its facts; re-import it/,
    ],
    [
      'facts whose subject has no attribute list',
      { ...makeFacts(), subject: { text: 'CN=x', commonName: 'x' } },
      NOW,
      /a1b2c3d4e5f60718 has incomplete facts .*; re-import it/,
    ],
    [
      'an evaluatedAt that is not a date',
      makeFacts(),
      'yesterday',
      /evaluatedAt "yesterday" is not an ISO 8601 instant/,
    ],
  ])('%s gives a PolicyEvaluationError that says what to do', (_case, facts, evaluatedAt, message) => {
    const evaluate = () => evaluateCertificatePolicy(facts as CertificateFacts, withDnRules, evaluatedAt);
    expect(evaluate).toThrow(PolicyEvaluationError);
    expect(evaluate).toThrow(message);
  });
});
