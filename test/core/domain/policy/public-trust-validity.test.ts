/**
 * R-POL-2 for publicly-trusted certificates: the CA/Browser Forum maximum in force on the issue date (SC-081v3), both
 * ends counted, while private CAs (certflow's internal CA, listed private CAs, self-signed) keep the policy's limit.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CertificateFacts } from '../../../../src/core/domain/certificates/certificate-facts';
import { decodeCertificates } from '../../../../src/core/domain/certificates/decode-certificates';
import { evaluateCertificatePolicy } from '../../../../src/core/domain/policy/evaluate-policy';
import { DEFAULT_POLICY, validatePolicy } from '../../../../src/core/domain/policy/load-policy';
import type { Policy } from '../../../../src/core/domain/policy/policy';
import { publicTrustMaxValidity, validityPeriodText } from '../../../../src/core/domain/policy/public-trust';
import { openInternalCa } from '../../../../src/adapters/ca/internal-ca';
import { FileKeyStore } from '../../../../src/adapters/keys/file-key-store';
import { type FactsOverrides, makeFacts } from '../../../support/certificate-facts-builder';
import { DAY_MS } from '../../../../src/core/domain/duration';

const NOW = '2026-12-07T00:00:00.000Z';
const PUBLIC_ISSUER = 'CN=Example Public TLS CA R1, O=Example Trust Services, C=US';
const CORP_ISSUER = 'CN=Corp Issuing CA 2, O=Corp, C=DE';

/** A certificate from `notBefore` living `days` days plus `extraMs` (notAfter − notBefore), from `issuer`. */
function living(notBefore: string, days: number, extraMs = 0, overrides: FactsOverrides = {}) {
  const notAfter = new Date(Date.parse(notBefore) + days * DAY_MS + extraMs).toISOString();
  return makeFacts({ issuer: PUBLIC_ISSUER, notBefore, notAfter, ...overrides });
}

function validityViolations(facts: CertificateFacts, policy: Policy = DEFAULT_POLICY) {
  return evaluateCertificatePolicy(facts, policy, NOW).violations.filter((violation) => violation.ruleId === 'R-POL-2');
}

describe('the public-trust maximum by date (SC-081v3)', () => {
  it.each<[string, number]>([
    ['2020-09-01T00:00:00.000Z', 398],
    ['2026-03-14T23:59:59.000Z', 398],
    ['2026-03-15T00:00:00.000Z', 200],
    ['2026-12-07T00:00:00.000Z', 200],
    ['2027-03-15T00:00:00.000Z', 100],
    ['2029-03-14T23:59:59.000Z', 100],
    ['2029-03-15T00:00:00.000Z', 47],
    ['2035-01-01T00:00:00.000Z', 47],
  ])('R-POL-2: a certificate issued %s may live at most %d days', (notBefore, maxDays) => {
    expect(publicTrustMaxValidity(notBefore).maxDays).toBe(maxDays);
  });

  it.each<[string, string, number, number, boolean]>([
    ['398 days issued the day before SC-081v3 takes effect', '2026-03-14T00:00:00.000Z', 398, -1000, true],
    ['398 days and a second, the day before SC-081v3', '2026-03-14T00:00:00.000Z', 398, 0, false],
    ['398 days and a second from 2020-09-01T01:00:00Z (ballot SC-31)', '2020-09-01T01:00:00.000Z', 398, 0, false],
    ['200 days (one second less, both ends counted) from 2026-03-15', '2026-03-15T00:00:00.000Z', 200, -1000, true],
    ['exactly 200 days from notBefore to notAfter: 200 days and a second', '2026-03-15T00:00:00.000Z', 200, 0, false],
    ['201 days in 2026', '2026-06-01T00:00:00.000Z', 201, 0, false],
    ['398 days in 2026', '2026-06-01T00:00:00.000Z', 398, -1000, false],
    ['100 days from 2027-03-15', '2027-03-15T00:00:00.000Z', 100, -1000, true],
    ['100 days and a second from 2027-03-15', '2027-03-15T00:00:00.000Z', 100, 0, false],
    ['101 days from 2027-03-15', '2027-03-15T00:00:00.000Z', 101, -1000, false],
    ['47 days from 2029-03-15', '2029-03-15T00:00:00.000Z', 47, -1000, true],
    ['47 days and a second from 2029-03-15', '2029-03-15T00:00:00.000Z', 47, 0, false],
    ['48 days from 2029-03-15', '2029-03-15T00:00:00.000Z', 48, -1000, false],
  ])('R-POL-2: a publicly-trusted certificate of %s', (_case, notBefore, days, extraMs, compliant) => {
    expect(validityViolations(living(notBefore, days, extraMs))).toHaveLength(compliant ? 0 : 1);
  });

  it.each<[string, string, string]>([
    ['2026-01-01T00:00:00.000Z', '2026-01-01T23:59:59.000Z', '1 day'],
    ['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '0 days and 1 second'],
    ['2020-09-01T01:00:00.000Z', '2021-10-04T00:59:59.000Z', '398 days'],
    ['2020-09-01T01:00:00.000Z', '2021-10-04T01:00:00.000Z', '398 days and 1 second'],
    ['2026-01-01T00:00:00.000Z', '2026-04-11T01:02:02.000Z', '100 days, 1 hour, 2 minutes and 3 seconds'],
  ])('R-POL-2: %s to %s is %s, both ends included', (notBefore, notAfter, text) => {
    expect(validityPeriodText(notBefore, notAfter)).toBe(text);
  });

  it('R-POL-2, R-POL-6: the violation names the forum limit, its date and both fixes', () => {
    const [violation] = validityViolations(living('2026-06-01T00:00:00.000Z', 365));
    expect(violation).toMatchObject({ ruleId: 'R-POL-2', rule: 'validity-period', severity: 'medium' });
    expect(violation?.message).toContain(
      'is valid for 365 days and 1 second (2026-06-01T00:00:00Z to 2027-06-01T00:00:00Z, both ends included)',
    );
    expect(violation?.message).toContain(
      'publicly-trusted certificates issued from 2026-03-15 may be valid for at most 200 days, both ends counted',
    );
    expect(violation?.remedy).toContain('reissue it with a validity period of 200 days or less');
    expect(violation?.remedy).toContain(
      `if ${PUBLIC_ISSUER} is a private CA, list it under rules.validityPeriod.privateCas`,
    );
  });
});

describe('private CAs keep the policy’s limit', () => {
  const privateCa = (entry: Record<string, unknown>) =>
    validatePolicy({ rules: { validityPeriod: { privateCas: [{ name: 'Corp', ...entry }] } } }, 'test policy');

  it.each<[string, FactsOverrides, Policy]>([
    ['certflow’s internal CA', { issuer: 'CN=certflow Internal Issuing CA, O=certflow' }, DEFAULT_POLICY],
    ['a named internal CA of certflow', { issuer: 'CN=certflow Internal Issuing CA (lab), O=Lab' }, DEFAULT_POLICY],
    ['a self-signed certificate', { selfSigned: true }, DEFAULT_POLICY],
    [
      'a CA listed by DN in privateCas',
      { issuer: CORP_ISSUER },
      privateCa({ issuerDn: 'C=DE, O=Corp, CN=Corp Issuing CA 2' }),
    ],
    [
      'a CA listed by key id in privateCas',
      { issuer: CORP_ISSUER, authorityKeyId: '0a1b2c3d' },
      privateCa({ issuerKeyId: '0A:1B:2C:3D' }),
    ],
    [
      'any CA when publicTrust is off',
      { issuer: CORP_ISSUER },
      validatePolicy({ rules: { validityPeriod: { publicTrust: false } } }, 'test policy'),
    ],
  ])('R-POL-2: %s may issue 398 days in 2026, both ends counted, not a second more', (_case, overrides, policy) => {
    expect(validityViolations(living('2026-06-01T00:00:00.000Z', 398, -1000, overrides), policy)).toEqual([]);
    expect(validityViolations(living('2026-06-01T00:00:00.000Z', 398, 0, overrides), policy)).toHaveLength(1);
    expect(validityViolations(living('2026-06-01T00:00:00.000Z', 399, 0, overrides), policy)).toHaveLength(1);
  });

  it('R-POL-2: an unlisted corporate CA counts as publicly trusted until it is declared private', () => {
    expect(validityViolations(living('2026-06-01T00:00:00.000Z', 365, 0, { issuer: CORP_ISSUER }))).toHaveLength(1);
  });

  it('R-POL-2: a stricter policy limit applies to public certificates too, with the policy’s own message', () => {
    const strict = validatePolicy({ rules: { validityPeriod: { maxDays: 90 } } }, 'test policy');
    const [violation] = validityViolations(living('2026-06-01T00:00:00.000Z', 120), strict);
    expect(violation?.message).toContain('the policy allows at most 90 days');
  });

  it('R-POL-2: CA certificates stay exempt by default', () => {
    expect(validityViolations(living('2026-06-01T00:00:00.000Z', 3650, 0, { isCa: true }))).toEqual([]);
  });

  it('bad privateCas entries are refused naming the setting', () => {
    expect(() =>
      validatePolicy({ rules: { validityPeriod: { privateCas: [{ name: 'Nothing' }] } } }, 'policy.yaml'),
    ).toThrow(/privateCas/);
  });

  it('R-POL-2: a certificate certflow’s real internal CA issues is recognised as private', async () => {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'certflow-public-trust-'));
    try {
      const ca = await openInternalCa({
        folder: path.join(folder, 'ca'),
        passphrase: 'test',
        publicBaseUrl: 'http://ca.test',
      });
      const keyStore = new FileKeyStore(path.join(folder, 'keys'));
      await keyStore.ensureKeyPair('k', { algorithm: 'EC', curve: 'P-256' });
      const subject = 'CN=intranet.example.com';
      const names = { subject, dnsNames: ['intranet.example.com'], ipAddresses: [] };
      const issued = await ca.issue({
        idempotencyKey: 'k',
        csrPem: await keyStore.createCsr('k', names),
        ...names,
        validityDays: 365,
      });
      const [certificate] = decodeCertificates(new TextEncoder().encode(issued.certificatePem), 'issued').certificates;
      expect(certificate?.facts.validityDays).toBeGreaterThan(200);
      expect(validityViolations(certificate!.facts)).toEqual([]);
    } finally {
      await fs.rm(folder, { recursive: true, force: true });
    }
  });
});
