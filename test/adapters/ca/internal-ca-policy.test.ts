import { X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InternalCa, openInternalCa } from '../../../src/adapters/ca/internal-ca';
import { validityWindow } from '../../../src/adapters/ca/internal-ca-issuance';
import { issuableValidityDays } from '../../../src/adapters/ca/internal-ca-policy';
import { FileKeyStore } from '../../../src/adapters/keys/file-key-store';
import { parseCertificateDer } from '../../../src/core/domain/certificates/parse-certificate';
import { evaluateCertificatePolicy } from '../../../src/core/domain/policy/evaluate-policy';
import { DEFAULT_POLICY, validatePolicy } from '../../../src/core/domain/policy/load-policy';
import type { Policy } from '../../../src/core/domain/policy/policy';
import {
  CaPolicyRejectedError,
  CaRejectedError,
  type IssuedCertificate,
  type IssueRequest,
} from '../../../src/core/ports/certificate-authority';

const SECOND = 1000;
const MINUTE = 60_000;
const DAY = 86_400_000;
const NOW = new Date('2026-09-01T10:00:00.000Z');

let workDir: string;
let keys: FileKeyStore;
let ca: InternalCa;
/** The policy the CA reads before each issuance; a test replaces it as a policy reload would. */
let policyInForce: Policy = DEFAULT_POLICY;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'certflow-ca-policy-'));
  keys = new FileKeyStore(path.join(workDir, 'keys'));
  ca = await openInternalCa({
    folder: path.join(workDir, 'ca'),
    passphrase: 'test passphrase',
    publicBaseUrl: 'http://ca.test',
    now: () => NOW,
    policy: () => Promise.resolve(policyInForce),
  });
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

function policyWith(rules: Record<string, unknown>): Policy {
  return validatePolicy({ rules }, 'test policy');
}

let requests = 0;

async function request(overrides: Partial<IssueRequest> & { rsaBits?: 2048 | 3072 } = {}): Promise<IssueRequest> {
  requests += 1;
  const ref = `key-${requests}`;
  const { rsaBits, ...rest } = overrides;
  await keys.ensureKeyPair(
    ref,
    rsaBits === undefined ? { algorithm: 'EC', curve: 'P-256' } : { algorithm: 'RSA', bits: rsaBits },
  );
  return {
    idempotencyKey: `issue-${requests}`,
    csrPem: await keys.createCsr(ref, { subject: 'CN=csr.example', dnsNames: ['csr.example'], ipAddresses: [] }),
    subject: 'CN=api.example.com, O=Example Corp',
    dnsNames: ['api.example.com'],
    ipAddresses: [],
    validityDays: 90,
    ...rest,
  };
}

/** The certificate as an import would see it, and what the policy in force says of it. */
function reimported(issued: IssuedCertificate, policy: Policy = policyInForce) {
  const facts = parseCertificateDer(new X509Certificate(issued.certificatePem).raw).facts;
  return { facts, result: evaluateCertificatePolicy(facts, policy, NOW.toISOString()) };
}

async function refusal(promise: Promise<unknown>): Promise<CaPolicyRejectedError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CaPolicyRejectedError) return error;
    throw error;
  }
  throw new Error('expected a CaPolicyRejectedError');
}

async function issuedFiles(): Promise<string[]> {
  return readdir(path.join(workDir, 'ca', 'issued'));
}

describe('the internal CA’s validity window', () => {
  it.each<[string, Date, number, Date, string, string]>([
    [
      '398 days from a whole second',
      NOW,
      398,
      new Date('2036-01-01T00:00:00Z'),
      '2026-09-01T09:55:00.000Z',
      '2027-10-04T09:54:59.000Z',
    ],
    [
      'milliseconds of now dropped, as certificates keep whole seconds',
      new Date('2026-09-01T10:00:00.987Z'),
      1,
      new Date('2036-01-01T00:00:00Z'),
      '2026-09-01T09:55:00.000Z',
      '2026-09-02T09:54:59.000Z',
    ],
    ['half a day', NOW, 0.5, new Date('2036-01-01T00:00:00Z'), '2026-09-01T09:55:00.000Z', '2026-09-01T21:54:59.000Z'],
    [
      'never past the issuing CA certificate',
      NOW,
      398,
      new Date('2027-01-01T00:00:00Z'),
      '2026-09-01T09:55:00.000Z',
      '2027-01-01T00:00:00.000Z',
    ],
  ])('R-POL-2: %s', (_, now, days, issuingNotAfter, notBefore, notAfter) => {
    const window = validityWindow(now, days, issuingNotAfter);

    expect(window.notBefore.toISOString()).toBe(notBefore);
    expect(window.notAfter.toISOString()).toBe(notAfter);
  });

  it.each<[string, number, number, Policy, number]>([
    ['the request when shorter', 90, 398, DEFAULT_POLICY, 90],
    ['the policy’s 398 days', 1000, 825, DEFAULT_POLICY, 398],
    ['the CA’s own maximum when shorter', 398, 90, DEFAULT_POLICY, 90],
    ['a stricter policy', 398, 398, policyWith({ validityPeriod: { maxDays: 200 } }), 200],
    ['the CA’s maximum when the rule is off', 1000, 825, policyWith({ validityPeriod: { enabled: false } }), 825],
  ])('R-POL-2: the lifetime issued is %s', (_, requested, caMax, policy, expected) => {
    expect(issuableValidityDays(requested, caMax, policy)).toBe(expected);
  });
});

describe('the internal CA issues what its policy accepts', () => {
  it.each([398, 1000])(
    'R-POL-2: a %i-day request is issued for 398 days, both ends and the backdate included, and re-imports compliant',
    async (validityDays) => {
      policyInForce = DEFAULT_POLICY;
      const issued = await ca.issue(await request({ validityDays }));
      const { facts, result } = reimported(issued);

      expect(issued.notBefore).toBe(new Date(NOW.getTime() - 5 * MINUTE).toISOString());
      expect(Date.parse(issued.notAfter) - Date.parse(issued.notBefore) + SECOND).toBe(398 * DAY);
      expect(facts.validityDays).toBe(398);
      expect(result.violations).toEqual([]);
    },
  );

  it('R-POL-2: a renewal under a stricter policy is capped to the policy’s maximum', async () => {
    policyInForce = policyWith({ validityPeriod: { maxDays: 90 } });
    const issued = await ca.issue(await request({ validityDays: 398 }));

    expect(Date.parse(issued.notAfter) - Date.parse(issued.notBefore) + SECOND).toBe(90 * DAY);
    expect(reimported(issued).result.violations).toEqual([]);
  });

  it('R-POL-5, R-POL-6: a wildcard is refused before signing, naming the rule, the certificate and the fix', async () => {
    policyInForce = DEFAULT_POLICY;
    const before = await issuedFiles();

    const error = await refusal(
      ca.issue(await request({ subject: 'CN=*.example.com, O=Example Corp', dnsNames: ['*.example.com'] })),
    );

    expect(error).toBeInstanceOf(CaRejectedError);
    expect(error.violations.map((violation) => violation.rule)).toContain('wildcard-name');
    expect(error.message).toContain('the internal CA refuses to issue "CN=*.example.com, O=Example Corp"');
    expect(error.message).toContain('R-POL-5 wildcard-name: the requested certificate "*.example.com" names');
    expect(error.message).toContain('fix: reissue it for the exact host names it serves');
    expect(await issuedFiles()).toEqual(before);
  });

  it('R-POL-5: a subject attribute the policy does not allow is refused', async () => {
    policyInForce = policyWith({ subjectDn: { attributes: { O: { required: true, allowed: ['Example Corp'] } } } });

    const error = await refusal(ca.issue(await request({ subject: 'CN=api.example.com, O=Somebody Else' })));

    expect(error.violations.map((violation) => violation.rule)).toEqual(['subject-dn']);
    expect(error.message).toContain('O="Somebody Else"');
  });

  it('R-POL-3: a key shorter than the policy’s minimum is refused', async () => {
    policyInForce = policyWith({ keySize: { minRsaBits: 3072 } });

    const error = await refusal(ca.issue(await request({ rsaBits: 2048 })));

    expect(error.violations.map((violation) => violation.rule)).toEqual(['key-size']);
    expect(error.message).toContain('2048-bit RSA key');
  });

  it('R-POL-1: when approved CAs are listed without the internal CA, issuance is refused, saying how to list it', async () => {
    policyInForce = policyWith({ approvedCas: { cas: [{ name: 'Elsewhere', issuerDn: 'CN=Elsewhere CA, O=Else' }] } });
    const keyId = parseCertificateDer(new X509Certificate(ca.issuingPem()).raw).facts.subjectKeyId;

    const error = await refusal(ca.issue(await request()));

    expect(error.violations.map((violation) => violation.rule)).toEqual(['approved-ca']);
    expect(error.message).toContain('add it to rules.approvedCas.cas');
    expect(error.message).toContain(`issuerKeyId ${keyId}`);
  });

  it('R-POL-1: with the internal CA listed by its key id, it issues', async () => {
    const keyId = parseCertificateDer(new X509Certificate(ca.issuingPem()).raw).facts.subjectKeyId;
    policyInForce = policyWith({ approvedCas: { cas: [{ name: 'certflow internal', issuerKeyId: keyId }] } });

    const issued = await ca.issue(await request());

    expect(reimported(issued).result.violations).toEqual([]);
  });

  it('R-POL-6: a reloaded policy applies to the next issuance, and a retried request returns its first certificate', async () => {
    policyInForce = DEFAULT_POLICY;
    const wildcard = await request({ subject: 'CN=*.intranet.example', dnsNames: ['*.intranet.example'] });
    await refusal(ca.issue(wildcard));

    policyInForce = policyWith({ wildcardNames: { allowed: ['*.intranet.example'] } });
    const issued = await ca.issue(wildcard);
    policyInForce = DEFAULT_POLICY;
    const retried = await ca.issue(wildcard);

    expect(
      reimported(issued, policyWith({ wildcardNames: { allowed: ['*.intranet.example'] } })).result.compliant,
    ).toBe(true);
    expect(retried).toEqual(issued);
  });

  it.each<[string, Partial<IssueRequest>, string[]]>([
    [
      'a CN that is not among the SANs',
      { subject: 'CN=other.example.com', dnsNames: ['api.example.com'] },
      ['common-name-in-sans'],
    ],
    [
      'a 65-character CN',
      { subject: `CN=${'a'.repeat(61)}.com`, dnsNames: [`${'a'.repeat(61)}.com`] },
      ['common-name-length'],
    ],
    ['a wildcard CN and SAN', { subject: 'CN=*.example.com', dnsNames: ['*.example.com'] }, ['wildcard-name']],
    ['an IP address as CN and SAN', { subject: 'CN=192.0.2.10', dnsNames: [], ipAddresses: ['192.0.2.10'] }, []],
    ['no CN, names in the SANs', { subject: 'O=Example Corp', dnsNames: ['api.example.com'] }, []],
    ['an ordinary request', {}, []],
  ])(
    'R-POL-5, R-POL-6: %s is refused for what the policy would flag, or issued compliant',
    async (_, overrides, rules) => {
      policyInForce = DEFAULT_POLICY;
      const outcome = await ca.issue(await request(overrides)).catch((error: unknown) => error);

      if (rules.length > 0) {
        expect(outcome).toBeInstanceOf(CaPolicyRejectedError);
        expect((outcome as CaPolicyRejectedError).violations.map((violation) => violation.rule)).toEqual(rules);
      } else {
        expect(outcome).not.toBeInstanceOf(Error);
        expect(reimported(outcome as IssuedCertificate).result.violations).toEqual([]);
      }
    },
  );
});
