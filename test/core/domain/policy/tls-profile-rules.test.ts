/**
 * What a CA/Browser Forum linter (zlint) flags in a TLS server certificate that certflow can see: the names (R-POL-5:
 * a SAN extension, the CN among the SANs, a CN of at most 64 characters) and the encoding (RFC-5280: a positive serial
 * of at most 20 octets, readable extensions). Each violation names the rule, the certificate and the fix (R-POL-6).
 */
import { describe, expect, it } from 'vitest';
import type {
  CertificateFacts,
  MalformedExtension,
  SerialNumberEncoding,
} from '../../../../src/core/domain/certificates/certificate-facts';
import { evaluateCertificatePolicy } from '../../../../src/core/domain/policy/evaluate-policy';
import { DEFAULT_POLICY, validatePolicy } from '../../../../src/core/domain/policy/load-policy';
import type { Policy } from '../../../../src/core/domain/policy/policy';
import { makeFacts } from '../../../support/certificate-facts-builder';

const NOW = '2026-06-01T00:00:00.000Z';

function policyWith(rules: Record<string, unknown>): Policy {
  return validatePolicy({ rules }, 'test policy');
}

function rulesBroken(facts: CertificateFacts, policy: Policy = DEFAULT_POLICY): string[] {
  return evaluateCertificatePolicy(facts, policy, NOW).violations.map((violation) => violation.rule);
}

function violationsOf(facts: CertificateFacts, rule: string, policy: Policy = DEFAULT_POLICY) {
  return evaluateCertificatePolicy(facts, policy, NOW).violations.filter((violation) => violation.rule === rule);
}

const noSans = { dns: [], ip: [], email: [], uri: [], other: [] };

function serial(derHex: string): SerialNumberEncoding {
  const first = parseInt(derHex.slice(0, 2), 16);
  return {
    derHex,
    derLength: derHex.length / 2,
    negative: first >= 0x80,
    zero: /^0*$/.test(derHex),
  };
}

function malformed(oid: string, name: string, problem: string, critical = false): MalformedExtension {
  return { oid, name, critical, problem };
}

const MALFORMED_SAN = malformed('2.5.29.17', 'subject alternative name', 'a name runs past the end of the extension');
const NEGATIVE_PATH_LENGTH = malformed('2.5.29.19', 'basic constraints', 'path length constraint is negative', true);

describe('TLS server certificate names (CA/Browser Forum BR 7.1.2.7.12, 7.1.4.3)', () => {
  it.each<[string, CertificateFacts, string[]]>([
    ['a CN repeated as a DNS SAN passes', makeFacts(), []],
    ['no SANs: the SAN rule alone', makeFacts({ subjectAltNames: noSans }), ['subject-alt-names']],
    [
      'no SANs and no CN',
      makeFacts({ subject: 'O=Example Inc, C=US', subjectAltNames: noSans }),
      ['subject-alt-names'],
    ],
    [
      'no EKU (any use, TLS servers included) and no SANs',
      makeFacts({ extendedKeyUsage: [], subjectAltNames: noSans }),
      ['subject-alt-names'],
    ],
    [
      'anyExtendedKeyUsage and no SANs',
      makeFacts({ extendedKeyUsage: ['anyExtendedKeyUsage'], subjectAltNames: noSans }),
      ['subject-alt-names'],
    ],
    [
      'a client certificate (clientAuth only) is not a TLS server certificate',
      makeFacts({ subject: 'CN=Ann Example', extendedKeyUsage: ['clientAuth'], subjectAltNames: noSans }),
      [],
    ],
    [
      'an S/MIME certificate whose CN is a person and whose SAN an address',
      makeFacts({
        subject: 'CN=Ann Example',
        extendedKeyUsage: ['emailProtection'],
        subjectAltNames: { dns: [], email: ['ann@example.com'] },
      }),
      [],
    ],
    ['a CA certificate without SANs', makeFacts({ subject: 'CN=Example CA', isCa: true, subjectAltNames: noSans }), []],
    [
      'an unreadable SAN extension is the extension rule’s finding, not a missing or wrong name',
      makeFacts({ subjectAltNames: noSans, malformedExtensions: [MALFORMED_SAN] }),
      ['extension-encoding'],
    ],
    [
      'a CN none of the DNS SANs repeats',
      makeFacts({ subjectAltNames: { dns: ['example.com'] } }),
      ['common-name-in-sans'],
    ],
    [
      'a CN that differs from its SAN only in case',
      makeFacts({ subject: 'CN=WWW.Example.COM', subjectAltNames: { dns: ['www.example.com'] } }),
      [],
    ],
    [
      'an IPv4 CN among the IP SANs',
      makeFacts({ subject: 'CN=192.0.2.10', subjectAltNames: { dns: [], ip: ['192.0.2.10'] } }),
      [],
    ],
    [
      'an IPv6 CN among the IP SANs, upper case',
      makeFacts({ subject: 'CN=2001:DB8::1', subjectAltNames: { dns: [], ip: ['2001:db8::1'] } }),
      [],
    ],
    [
      'an IP CN only in the DNS SANs of another address',
      makeFacts({ subject: 'CN=192.0.2.10', subjectAltNames: { dns: ['www.example.com'], ip: ['192.0.2.11'] } }),
      ['common-name-in-sans'],
    ],
    [
      'a CN that is only an email SAN',
      makeFacts({
        subject: 'CN=ann@example.com',
        subjectAltNames: { dns: ['www.example.com'], email: ['ann@example.com'] },
      }),
      ['common-name-in-sans'],
    ],
    [
      'no CN and SANs: nothing to compare',
      makeFacts({ subject: 'O=Example Inc', subjectAltNames: { dns: ['www.example.com'] } }),
      [],
    ],
    [
      'two CNs, the first not among the SANs',
      makeFacts({ subject: 'CN=old.example.com, CN=www.example.com', subjectAltNames: { dns: ['www.example.com'] } }),
      ['common-name-in-sans'],
    ],
    ['a CN of exactly 64 characters', makeFacts({ subject: `CN=${'a'.repeat(52)}.example.com` }), []],
    ['a CN of 65 characters', makeFacts({ subject: `CN=${'a'.repeat(53)}.example.com` }), ['common-name-length']],
    [
      '64 characters counted as characters, not UTF-8 bytes (128 here)',
      makeFacts({ subject: `CN=${'é'.repeat(64)}`, extendedKeyUsage: ['clientAuth'] }),
      [],
    ],
    [
      'a 65-character CN on a client certificate too: the bound is RFC 5280’s',
      makeFacts({ subject: `CN=${'é'.repeat(65)}`, extendedKeyUsage: ['clientAuth'] }),
      ['common-name-length'],
    ],
    ['a CA certificate’s long CN is not checked', makeFacts({ subject: `CN=${'a'.repeat(65)}`, isCa: true }), []],
  ])('R-POL-5: %s', (_case, facts, expected) => {
    expect(rulesBroken(facts)).toEqual(expected);
  });

  it.each<[string, string, CertificateFacts]>([
    ['subjectAltNames', 'subject-alt-names', makeFacts({ subjectAltNames: noSans })],
    ['commonNameInSans', 'common-name-in-sans', makeFacts({ subjectAltNames: { dns: ['example.com'] } })],
    ['commonNameLength', 'common-name-length', makeFacts({ subject: `CN=${'a'.repeat(65)}` })],
  ])('R-POL-5: rules.%s can be switched off and given a severity', (section, rule, facts) => {
    expect(violationsOf(facts, rule, policyWith({ [section]: { enabled: false } }))).toEqual([]);
    expect(violationsOf(facts, rule, policyWith({ [section]: { severity: 'critical' } }))).toMatchObject([
      { ruleId: 'R-POL-5', rule, severity: 'critical' },
    ]);
  });

  it('R-POL-5, R-POL-6: a missing SAN extension names the certificate, why it fails and the names to add', () => {
    const [violation] = violationsOf(makeFacts({ subjectAltNames: noSans }), 'subject-alt-names');
    expect(violation).toMatchObject({ ruleId: 'R-POL-5', severity: 'high' });
    expect(violation?.message).toContain('"www.example.com" (a1b2c3d4e5f60718) has no subject alternative names');
    expect(violation?.message).toContain('CA/Browser Forum BR 7.1.2.7.12');
    expect(violation?.remedy).toBe(
      'reissue it with every host name it serves as a DNS SAN (www.example.com among them)',
    );
  });

  it('R-POL-5, R-POL-6: a CN outside the SANs names both and how to reconcile them', () => {
    const facts = makeFacts({ subjectAltNames: { dns: ['example.com'], ip: ['192.0.2.1'] } });
    const [violation] = violationsOf(facts, 'common-name-in-sans');
    expect(violation?.message).toContain(
      'has CN "www.example.com", which is not among its DNS or IP subject alternative names (example.com, 192.0.2.1)',
    );
    expect(violation?.message).toContain('BR 7.1.4.3');
    expect(violation?.remedy).toBe(
      'reissue it with "www.example.com" added as a SAN, or with a CN that is one of its SANs',
    );
  });

  it('R-POL-5, R-POL-6: a long CN gives its length, the bound and the fix', () => {
    const [violation] = violationsOf(makeFacts({ subject: `CN=${'a'.repeat(53)}.example.com` }), 'common-name-length');
    expect(violation?.message).toContain('has a CN of 65 characters');
    expect(violation?.message).toContain('RFC 5280 allows at most 64 (ub-common-name)');
    expect(violation?.remedy).toContain('reissue it with a CN of at most 64 characters');
  });
});

describe('the serial number (RFC 5280 4.1.2.2)', () => {
  it.each<[string, string, string[]]>([
    ['a positive 16-octet serial', '4a3f9c0d12e5a1b2c3d4e5f607182930', []],
    ['a one-octet serial', '01', []],
    ['serial number 0', '00', ['serial-number']],
    ['a negative serial (OpenSSL: -04316693ED)', 'fbce996c13', ['serial-number']],
    ['20 octets, the maximum', `7f${'a5'.repeat(19)}`, []],
    [
      'a 20-byte value with its top bit set: 21 octets with the sign octet',
      `0080${'5a'.repeat(19)}`,
      ['serial-number'],
    ],
    ['21 octets', `01${'c3'.repeat(20)}`, ['serial-number']],
  ])('RFC-5280: %s', (_case, derHex, expected) => {
    expect(rulesBroken(makeFacts({ serialNumberEncoding: serial(derHex) }))).toEqual(expected);
  });

  it('RFC-5280: facts recorded before certflow kept the encoding are not judged until re-imported', () => {
    expect(rulesBroken(makeFacts({ serialNumber: '00' }))).toEqual([]);
  });

  it('RFC-5280: CA certificates are checked only when includeCaCertificates is set', () => {
    const root = makeFacts({ isCa: true, selfSigned: true, serialNumberEncoding: serial('fbce996c13') });
    expect(rulesBroken(root)).toEqual([]);
    expect(rulesBroken(root, policyWith({ serialNumber: { includeCaCertificates: true } }))).toEqual(['serial-number']);
  });

  it('RFC-5280: the rule can be switched off and given a severity', () => {
    const facts = makeFacts({ serialNumberEncoding: serial('00') });
    expect(rulesBroken(facts, policyWith({ serialNumber: { enabled: false } }))).toEqual([]);
    expect(violationsOf(facts, 'serial-number', policyWith({ serialNumber: { severity: 'low' } }))).toMatchObject([
      { ruleId: 'RFC-5280', severity: 'low' },
    ]);
  });

  it('R-POL-6: the violation gives the serial as OpenSSL shows it, its encoding, what is wrong and the fix', () => {
    const facts = makeFacts({ serialNumber: '-04316693ed', serialNumberEncoding: serial('fbce996c13') });
    const [violation] = violationsOf(facts, 'serial-number');
    expect(violation).toMatchObject({ ruleId: 'RFC-5280', severity: 'medium' });
    expect(violation?.message).toContain(
      'has serial number -04316693ed (DER fbce996c13), which is negative; RFC 5280 4.1.2.2 requires a positive serial number of at most 20 octets',
    );
    expect(violation?.remedy).toContain(
      'reissue it from a CA that generates positive serial numbers of at most 20 octets',
    );
    const [long] = violationsOf(makeFacts({ serialNumberEncoding: serial(`01${'c3'.repeat(20)}`) }), 'serial-number');
    expect(long?.message).toContain('which is 21 octets long');
  });
});

describe('malformed extensions (RFC 5280 4.2)', () => {
  it.each<[string, readonly MalformedExtension[] | undefined, string[]]>([
    ['none', [], []],
    ['facts recorded before certflow looked', undefined, []],
    ['a negative path length', [NEGATIVE_PATH_LENGTH], ['extension-encoding']],
    [
      'a repeated extension and an unreadable one: a violation each',
      [malformed('2.5.29.15', 'key usage', 'appears more than once; the first one counts'), NEGATIVE_PATH_LENGTH],
      ['extension-encoding', 'extension-encoding'],
    ],
  ])('RFC-5280: %s', (_case, malformedExtensions, expected) => {
    const facts = makeFacts(malformedExtensions === undefined ? {} : { malformedExtensions });
    expect(rulesBroken(facts)).toEqual(expected);
  });

  it('RFC-5280: CA certificates are checked only when includeCaCertificates is set, and the rule can be switched off', () => {
    const intermediate = makeFacts({ isCa: true, malformedExtensions: [NEGATIVE_PATH_LENGTH] });
    expect(rulesBroken(intermediate)).toEqual([]);
    const withCas = policyWith({ extensionEncoding: { includeCaCertificates: true } });
    expect(rulesBroken(intermediate, withCas)).toEqual(['extension-encoding']);
    const off = policyWith({ extensionEncoding: { enabled: false } });
    expect(rulesBroken(makeFacts({ malformedExtensions: [NEGATIVE_PATH_LENGTH] }), off)).toEqual([]);
  });

  it('R-POL-6: the violation names the extension, whether it is critical, what is wrong and the fix', () => {
    const [critical] = violationsOf(makeFacts({ malformedExtensions: [NEGATIVE_PATH_LENGTH] }), 'extension-encoding');
    expect(critical).toMatchObject({ ruleId: 'RFC-5280', severity: 'high' });
    expect(critical?.message).toContain(
      'has a malformed critical basic constraints extension (2.5.29.19): path length constraint is negative; it is critical, so clients must reject the certificate',
    );
    expect(critical?.remedy).toContain('reissue it from a CA that encodes every extension once');
    const unknown = malformed('1.3.6.1.4.1.99999.1', '1.3.6.1.4.1.99999.1', 'not DER');
    const [plain] = violationsOf(makeFacts({ malformedExtensions: [unknown] }), 'extension-encoding');
    expect(plain?.message).toContain('has a malformed extension 1.3.6.1.4.1.99999.1: not DER; clients that read it');
  });
});
