/**
 * The policy on real certificates: the X.509 corpus of issue 16 (test/fixtures/x509-corpus, read by openssl in the
 * differential test) parsed by certflow and evaluated with the default policy. Each boundary certificate breaks
 * exactly the rule a CA/Browser Forum linter would name, and the ordinary ones break none.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CertificateFacts } from '../../../../src/core/domain/certificates/certificate-facts';
import { parseCertificateDer } from '../../../../src/core/domain/certificates/parse-certificate';
import { evaluateCertificatePolicy } from '../../../../src/core/domain/policy/evaluate-policy';
import { DEFAULT_POLICY, validatePolicy } from '../../../../src/core/domain/policy/load-policy';
import type { Policy } from '../../../../src/core/domain/policy/policy';
import { X509_CORPUS_DIR } from '../../../support/x509-corpus/x509-corpus';

const NOW = '2026-12-07T00:00:00.000Z';

function facts(name: string): CertificateFacts {
  return parseCertificateDer(fs.readFileSync(path.join(X509_CORPUS_DIR, `${name}.der`))).facts;
}

function rulesBroken(name: string, policy: Policy = DEFAULT_POLICY): string[] {
  return evaluateCertificatePolicy(facts(name), policy, NOW).violations.map((violation) => violation.rule);
}

describe('the default policy on the X.509 corpus', () => {
  it.each<[string, string[]]>([
    ['rsa-leaf', []],
    ['ecdsa-leaf', []],
    ['rsa-root-ca', []],
    ['ec-root-ca', []],
    ['name-escaping', []],
    ['ec-explicit-p256-leaf', []],
    ['rsa-pss-sha256-leaf', []],
    ['validity-398-days', []],
    ['serial-20-bytes', []],
    ['validity-398-days-and-1s', ['validity-period']],
    ['rsa-pss-default-leaf', ['signature-algorithm']],
    ['sha1-rsa-leaf', ['signature-algorithm']],
    ['wildcard', ['wildcard-name']],
    ['no-san', ['subject-alt-names']],
    ['cn-not-in-sans', ['common-name-in-sans']],
    ['cn-65-characters', ['common-name-length']],
    ['serial-zero', ['serial-number']],
    ['serial-negative', ['serial-number']],
    ['serial-21-bytes', ['serial-number']],
    ['serial-21-bytes-sign-octet', ['serial-number']],
    ['san-wrong-inner-length', ['extension-encoding']],
    // An intermediate: its encoding is checked only with includeCaCertificates (below).
    ['negative-path-length', []],
  ])('R-POL-2 … RFC-5280: %s breaks %j', (name, expected) => {
    expect(rulesBroken(name)).toEqual(expected);
  });

  it('RFC-5280: with CA certificates included, the negative pathLenConstraint is a malformed critical extension', () => {
    const withCas = validatePolicy({ rules: { extensionEncoding: { includeCaCertificates: true } } }, 'test policy');
    const [violation] = evaluateCertificatePolicy(facts('negative-path-length'), withCas, NOW).violations;
    expect(violation).toMatchObject({ ruleId: 'RFC-5280', rule: 'extension-encoding' });
    expect(violation?.message).toContain('basic constraints extension (2.5.29.19): path length constraint is negative');
  });

  it('R-POL-4, R-POL-6: RSASSA-PSS with its parameters left out is SHA-1, and the fix names the PSS parameters', () => {
    const [violation] = evaluateCertificatePolicy(facts('rsa-pss-default-leaf'), DEFAULT_POLICY, NOW).violations;
    expect(violation).toMatchObject({ ruleId: 'R-POL-4', rule: 'signature-algorithm' });
    expect(violation?.message).toContain(
      'is signed with RSASSA-PSS whose parameters give SHA-1 as the hash (explicitly or by leaving it out, as RFC 4055 defaults to SHA-1)',
    );
    expect(violation?.remedy).toContain('RSASSA-PSS parameters naming SHA-256');
  });

  it('R-POL-2: exactly 398 days and one second more, as openssl reads the dates', () => {
    const [violation] = evaluateCertificatePolicy(facts('validity-398-days-and-1s'), DEFAULT_POLICY, NOW).violations;
    expect(violation?.message).toContain(
      'is valid for 398 days and 1 second (2026-03-01T00:00:00Z to 2027-04-03T00:00:00Z, both ends included)',
    );
  });
});
