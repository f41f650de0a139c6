import { describe, expect, it } from 'vitest';
import type { CertificateFacts } from '../../../../src/core/domain/certificates/certificate-facts';
import { buildChain, findIssuer, issuedBy, linkChain } from '../../../../src/core/domain/certificates/chain';
import { parseCertificateDer } from '../../../../src/core/domain/certificates/parse-certificate';
import {
  type CertificateSpec,
  createIntermediateCa,
  createLeaf,
  createRootCa,
  issueCertificate,
} from '../../../support/certificate-factory';

const facts = (certificate: { der: Uint8Array }): CertificateFacts => parseCertificateDer(certificate.der).facts;

const rootCa = createRootCa();
const intermediateCa = createIntermediateCa(rootCa);
const leafCert = createLeaf(intermediateCa, { subject: 'CN=www.example.com, O=Example, C=US' });
const [root, intermediate, leaf] = [rootCa, intermediateCa, leafCert].map(facts) as [
  CertificateFacts,
  CertificateFacts,
  CertificateFacts,
];

/** Facts with some fields changed, for cases the factory does not need to sign. */
function variant(base: CertificateFacts, changes: Partial<CertificateFacts>): CertificateFacts {
  return {
    ...base,
    fingerprintSha256: `${base.fingerprintSha256.slice(0, 60)}${Object.keys(changes).length}fff`,
    ...changes,
  };
}

describe('chain linking', () => {
  it('R-INV-1: links a leaf to its intermediate and the intermediate to its root; the root links to nothing', () => {
    const links = linkChain([leaf, root, intermediate]);
    expect(links).toEqual(
      new Map([
        [leaf.fingerprintSha256, intermediate.fingerprintSha256],
        [root.fingerprintSha256, null],
        [intermediate.fingerprintSha256, root.fingerprintSha256],
      ]),
    );
    expect(buildChain(leaf, [root, intermediate, leaf])).toEqual([leaf, intermediate, root]);
  });

  it('leaves a certificate unlinked when its issuer is not in the set', () => {
    expect(linkChain([leaf, root])).toEqual(
      new Map([
        [leaf.fingerprintSha256, null],
        [root.fingerprintSha256, null],
      ]),
    );
    expect(buildChain(leaf, [root])).toEqual([leaf]);
  });

  it.each<{ name: string; candidate: Partial<CertificateFacts>; links: boolean }>([
    { name: 'matching DN and key identifier', candidate: {}, links: true },
    { name: 'a different key identifier (a re-keyed CA)', candidate: { subjectKeyId: 'ab'.repeat(20) }, links: false },
    { name: 'no subject key identifier on the candidate', candidate: { subjectKeyId: null }, links: true },
    {
      name: 'the same DN in other case and spacing',
      candidate: {
        subject: {
          ...intermediate.subject,
          text: 'cn=Certflow  Test Issuing CA 1, o=CERTFLOW TEST, c=us',
        },
      },
      links: true,
    },
    {
      name: 'a different DN',
      candidate: { subject: { ...intermediate.subject, text: 'CN=Other CA, O=Certflow Test, C=US' } },
      links: false,
    },
  ])('issuedBy: $name', ({ candidate, links }) => {
    expect(issuedBy(leaf, variant(intermediate, candidate))).toBe(links);
  });

  it('links by DN alone when the certificate has no authority key identifier', () => {
    expect(issuedBy({ ...leaf, authorityKeyId: null }, intermediate)).toBe(true);
  });

  it('never links a certificate to itself, nor a self-signed root to another certificate', () => {
    expect(findIssuer(root, [root])).toBeNull();
    const twin = variant(root, { notAfter: '2050-01-01T00:00:00.000Z' });
    expect(findIssuer(root, [twin])).toBeNull();
  });

  it('chooses deterministically among several matching issuers: latest notAfter, then lowest fingerprint', () => {
    const older = variant(intermediate, { notAfter: '2030-01-01T00:00:00.000Z', fingerprintSha256: 'a'.repeat(64) });
    const newer = variant(intermediate, { notAfter: '2041-01-01T00:00:00.000Z', fingerprintSha256: 'c'.repeat(64) });
    const newerTwin = variant(intermediate, {
      notAfter: '2041-01-01T00:00:00.000Z',
      fingerprintSha256: 'b'.repeat(64),
    });
    expect(findIssuer(leaf, [older, newer, newerTwin])).toBe(newerTwin);
    expect(findIssuer(leaf, [newerTwin, newer, older])).toBe(newerTwin);
  });

  it('links a cross-signed intermediate to the CA that signed this copy, by key identifier', () => {
    const otherRoot = createRootCa({ subject: 'CN=Other Root, O=Other, C=US', key: 'ec-p256' });
    const spec: CertificateSpec = { subject: 'CN=Certflow Test Issuing CA 1, O=Certflow Test, C=US', ca: 0 };
    const crossSigned = facts(issueCertificate({ ...spec, issuer: otherRoot, key: intermediateCa.key }));
    const links = linkChain([leaf, intermediate, crossSigned, root, facts(otherRoot)]);
    expect(links.get(crossSigned.fingerprintSha256)).toBe(facts(otherRoot).fingerprintSha256);
    expect(links.get(intermediate.fingerprintSha256)).toBe(root.fingerprintSha256);
    // Both copies carry the same key: the leaf links to one of them, deterministically.
    expect([intermediate.fingerprintSha256, crossSigned.fingerprintSha256]).toContain(
      links.get(leaf.fingerprintSha256),
    );
  });

  it('stops building a chain at a loop', () => {
    const a = variant(leaf, {
      subject: { ...leaf.subject, text: 'CN=A' },
      issuer: { ...leaf.issuer, text: 'CN=B' },
      authorityKeyId: null,
      selfSigned: false,
      fingerprintSha256: '1'.repeat(64),
    });
    const b = variant(leaf, {
      subject: { ...leaf.subject, text: 'CN=B' },
      issuer: { ...leaf.issuer, text: 'CN=A' },
      authorityKeyId: null,
      selfSigned: false,
      fingerprintSha256: '2'.repeat(64),
    });
    expect(buildChain(a, [a, b]).map((c) => c.subject.text)).toEqual(['CN=A', 'CN=B']);
  });
});
