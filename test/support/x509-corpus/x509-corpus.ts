/**
 * The X.509 corpus of issue 16: certificates at every boundary where certflow's parser once disagreed with RFC 5280
 * and OpenSSL (years 0001 and 9999, the UTCTime window, negative, zero and 20/21-byte serials, validity of exactly
 * 398 days and one second more, malformed extensions, an explicit-parameters EC key, RSASSA-PSS, names the policy
 * judges), plus ordinary RSA and ECDSA certificates. The to-be-signed parts are written byte by byte and signed with
 * the keys kept beside the corpus, deterministically, so generating it again gives the same bytes.
 *
 * The files in test/fixtures/x509-corpus/ are what this makes; test/core/domain/certificates/
 * openssl-differential.test.ts checks they still are, and compares certflow's parse of each with openssl's.
 * Regenerate them (after adding a case) with
 *   CERTFLOW_MAKE_X509_CORPUS=1 npx vitest run test/core/domain/certificates/openssl-differential.test.ts
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  bitString,
  boolean,
  explicit,
  implicit,
  integer,
  nullValue,
  octetString,
  oid,
  printableString,
  sequence,
  set,
  tlv,
  utf8String,
} from '../der-writer';
import { bigintBytes, P256, signEcdsaP256Sha256, signRsaPkcs1, signRsaPss } from './deterministic-signing';

/** Where the corpus files and their keys live. */
export const X509_CORPUS_DIR = path.resolve(__dirname, '..', '..', 'fixtures', 'x509-corpus');

/** One certificate of the corpus and the boundary it stands for. */
export interface CorpusCertificate {
  /** File stem: the certificate is `<name>.der` in X509_CORPUS_DIR. */
  readonly name: string;
  /** The boundary or the ordinary case it covers. */
  readonly about: string;
  readonly der: Uint8Array;
  /** The corpus name of the certificate whose key signed this one (itself for a root). */
  readonly signedBy: 'rsa-root-ca' | 'ec-root-ca';
  /** OIDs of the extensions made malformed on purpose: a parser keeps the rest and records these. */
  readonly malformedExtensions: readonly string[];
}

const encoder = new TextEncoder();
const DAY_MS = 86_400_000;

const OID = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha1WithRsa: '1.2.840.113549.1.1.5',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  rsassaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  sha256: '2.16.840.1.101.3.4.2.1',
  ecPublicKey: '1.2.840.10045.2.1',
  primeField: '1.2.840.10045.1.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extendedKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

const ATTRIBUTE_OIDS: Readonly<Record<string, string>> = {
  C: '2.5.4.6',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  CN: '2.5.4.3',
  UID: '0.9.2342.19200300.100.1.1',
};

/** A Name from RDNs in certificate order (C first); an RDN of several pairs is multi-valued. */
function name(...rdns: (readonly [string, string] | readonly (readonly [string, string])[])[]): Uint8Array {
  return sequence(
    ...rdns.map((rdn) => {
      const pairs = (typeof rdn[0] === 'string' ? [rdn] : rdn) as readonly (readonly [string, string])[];
      return set(
        ...pairs.map(([type, value]) =>
          sequence(oid(ATTRIBUTE_OIDS[type]!), type === 'C' ? printableString(value) : utf8String(value)),
        ),
      );
    }),
  );
}

const utcTime = (text: string): Uint8Array => tlv(0x17, encoder.encode(text));
const generalizedTime = (text: string): Uint8Array => tlv(0x18, encoder.encode(text));

/** UTCTime text of an instant in 1950–2049. */
function utcAt(instant: Date): Uint8Array {
  return utcTime(`${instant.toISOString().slice(2, 19).replace(/[-T:]/g, '')}Z`);
}

/** An INTEGER from its content octets exactly as given (negative and padded serials included). */
const rawInteger = (hex: string): Uint8Array => tlv(0x02, Uint8Array.from(Buffer.from(hex, 'hex')));

function extension(extensionOid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return sequence(oid(extensionOid), ...(critical ? [boolean(true)] : []), octetString(value));
}

const dnsName = (text: string): Uint8Array => implicit(2, encoder.encode(text));
const ipAddress = (hex: string): Uint8Array => implicit(7, Uint8Array.from(Buffer.from(hex, 'hex')));
const emailName = (text: string): Uint8Array => implicit(1, encoder.encode(text));
const uriName = (text: string): Uint8Array => implicit(6, encoder.encode(text));

function keyFile(file: string): KeyObject {
  return createPrivateKey(fs.readFileSync(path.join(X509_CORPUS_DIR, 'keys', file)));
}

function spkiOf(key: KeyObject): Uint8Array {
  return new Uint8Array(createPublicKey(key).export({ type: 'spki', format: 'der' }));
}

/** The P-256 key of `key` with the curve's parameters written out (RFC 3279 ECParameters) instead of its OID. */
function explicitP256Spki(key: KeyObject): Uint8Array {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  const point = Uint8Array.from([4, ...Buffer.from(jwk.x!, 'base64url'), ...Buffer.from(jwk.y!, 'base64url')]);
  const parameters = sequence(
    integer(1),
    sequence(oid(OID.primeField), integer(bigintBytes(P256.p, 32))),
    sequence(octetString(bigintBytes(P256.a, 32)), octetString(bigintBytes(P256.b, 32))),
    octetString(Uint8Array.from([4, ...bigintBytes(P256.gx, 32), ...bigintBytes(P256.gy, 32)])),
    integer(bigintBytes(P256.n, 32)),
    integer(1),
  );
  return sequence(sequence(oid(OID.ecPublicKey), parameters), bitString(point));
}

type SignatureKind = 'sha256-rsa' | 'sha1-rsa' | 'ecdsa-sha256' | 'pss-sha256' | 'pss-default';

function signatureAlgorithm(kind: SignatureKind): Uint8Array {
  const sha256 = sequence(oid(OID.sha256), nullValue());
  switch (kind) {
    case 'sha256-rsa':
      return sequence(oid(OID.sha256WithRsa), nullValue());
    case 'sha1-rsa':
      return sequence(oid(OID.sha1WithRsa), nullValue());
    case 'ecdsa-sha256':
      return sequence(oid(OID.ecdsaWithSha256));
    case 'pss-sha256':
      return sequence(
        oid(OID.rsassaPss),
        sequence(explicit(0, sha256), explicit(1, sequence(oid(OID.mgf1), sha256)), explicit(2, integer(32))),
      );
    case 'pss-default':
      // Every field at its RFC 4055 default: SHA-1, MGF1 with SHA-1, a 20-byte salt.
      return sequence(oid(OID.rsassaPss), sequence());
  }
}

function signatureValue(kind: SignatureKind, tbs: Uint8Array, key: KeyObject): Uint8Array {
  switch (kind) {
    case 'sha256-rsa':
      return signRsaPkcs1(tbs, key, 'sha256');
    case 'sha1-rsa':
      return signRsaPkcs1(tbs, key, 'sha1');
    case 'ecdsa-sha256':
      return signEcdsaP256Sha256(tbs, key);
    case 'pss-sha256':
      return signRsaPss(tbs, key, 'sha256', 32);
    case 'pss-default':
      return signRsaPss(tbs, key, 'sha1', 20);
  }
}

/** Who signs: the issuer's name and key, and how. */
interface Signer {
  readonly name: Uint8Array;
  readonly key: KeyObject;
  readonly kind: SignatureKind;
}

interface CertificateParts {
  readonly serialHex: string;
  readonly subject: Uint8Array;
  readonly notBefore: Uint8Array;
  readonly notAfter: Uint8Array;
  readonly spki: Uint8Array;
  readonly extensions: readonly Uint8Array[];
}

function keyIdentifier(spki: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha1').update(spki).digest());
}

function certificate(parts: CertificateParts, signer: Signer, signerSpki: Uint8Array): Uint8Array {
  const algorithm = signatureAlgorithm(signer.kind);
  const extensions = [
    ...parts.extensions,
    extension(OID.subjectKeyId, false, octetString(keyIdentifier(parts.spki))),
    extension(OID.authorityKeyId, false, sequence(implicit(0, keyIdentifier(signerSpki)))),
  ];
  const tbs = sequence(
    explicit(0, integer(2)),
    rawInteger(parts.serialHex),
    algorithm,
    signer.name,
    sequence(parts.notBefore, parts.notAfter),
    parts.subject,
    parts.spki,
    explicit(3, sequence(...extensions)),
  );
  return sequence(tbs, algorithm, bitString(signatureValue(signer.kind, tbs, signer.key)));
}

/** A positive 16-byte serial derived from the case name, so every certificate has its own and keeps it. */
function serialFor(caseName: string): string {
  const bytes = createHash('sha256').update(caseName).digest().subarray(0, 16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x10;
  return bytes.toString('hex');
}

const LEAF_NOT_BEFORE = new Date('2026-03-01T00:00:00Z');
const LEAF_NOT_AFTER = new Date('2027-03-01T00:00:00Z');
const CA_KEY_USAGE = extension(OID.keyUsage, true, bitString(Uint8Array.of(0x06), 1));
const LEAF_KEY_USAGE = extension(OID.keyUsage, true, bitString(Uint8Array.of(0xa0), 5));
const SERVER_AUTH = extension(OID.extendedKeyUsage, false, sequence(oid(OID.serverAuth)));
const END_ENTITY = extension(OID.basicConstraints, true, sequence());

const subjectAltNames = (...names: Uint8Array[]): Uint8Array =>
  extension(OID.subjectAltName, false, sequence(...names));

const leafName = (commonName: string): Uint8Array => name(['C', 'US'], ['O', 'Certflow Corpus'], ['CN', commonName]);

/** Builds the whole corpus from the kept keys: the same bytes on every call. */
export function buildX509Corpus(): CorpusCertificate[] {
  const rsaCaKey = keyFile('rsa-ca.pem');
  const ecCaKey = keyFile('ec-ca.pem');
  const rsaLeafKey = keyFile('rsa-leaf.pem');
  const ecLeafKey = keyFile('ec-leaf.pem');
  const rsaCaSpki = spkiOf(rsaCaKey);
  const ecCaSpki = spkiOf(ecCaKey);
  const rsaCa: Signer = {
    name: name(['C', 'US'], ['O', 'Certflow Test'], ['CN', 'Certflow Corpus RSA CA']),
    key: rsaCaKey,
    kind: 'sha256-rsa',
  };
  const ecCa: Signer = {
    name: name(['C', 'US'], ['O', 'Certflow Test'], ['CN', 'Certflow Corpus EC CA']),
    key: ecCaKey,
    kind: 'ecdsa-sha256',
  };
  const corpus: CorpusCertificate[] = [];
  const add = (
    caseName: string,
    about: string,
    parts: Partial<CertificateParts> & { subject: Uint8Array },
    options: { signer?: Signer; kind?: SignatureKind; malformedExtensions?: string[] } = {},
  ): void => {
    const signer = { ...(options.signer ?? rsaCa), ...(options.kind ? { kind: options.kind } : {}) };
    const signerSpki = signer.key === ecCaKey ? ecCaSpki : rsaCaSpki;
    const der = certificate(
      {
        serialHex: serialFor(caseName),
        notBefore: utcAt(LEAF_NOT_BEFORE),
        notAfter: utcAt(LEAF_NOT_AFTER),
        spki: spkiOf(rsaLeafKey),
        extensions: [END_ENTITY, LEAF_KEY_USAGE, SERVER_AUTH],
        ...parts,
      },
      signer,
      signerSpki,
    );
    corpus.push({
      name: caseName,
      about,
      der,
      signedBy: signer.key === ecCaKey ? 'ec-root-ca' : 'rsa-root-ca',
      malformedExtensions: options.malformedExtensions ?? [],
    });
  };
  const leaf = (commonName: string, ...extra: Uint8Array[]): Partial<CertificateParts> & { subject: Uint8Array } => ({
    subject: leafName(commonName),
    extensions: [END_ENTITY, LEAF_KEY_USAGE, SERVER_AUTH, subjectAltNames(dnsName(commonName)), ...extra],
  });

  add('rsa-root-ca', 'an ordinary self-signed RSA root, CA with path length 0', {
    subject: rsaCa.name,
    notBefore: utcAt(new Date('2020-01-01T00:00:00Z')),
    notAfter: utcAt(new Date('2045-01-01T00:00:00Z')),
    spki: rsaCaSpki,
    extensions: [extension(OID.basicConstraints, true, sequence(boolean(true), integer(0))), CA_KEY_USAGE],
  });
  add(
    'ec-root-ca',
    'an ordinary self-signed ECDSA P-256 root, CA without a path length',
    {
      subject: ecCa.name,
      notBefore: utcAt(new Date('2020-01-01T00:00:00Z')),
      notAfter: utcAt(new Date('2045-01-01T00:00:00Z')),
      spki: ecCaSpki,
      extensions: [extension(OID.basicConstraints, true, sequence(boolean(true))), CA_KEY_USAGE],
    },
    { signer: ecCa },
  );
  add('rsa-leaf', 'an ordinary RSA 2048 TLS leaf with DNS and IPv4 names', {
    ...leaf('www.example.com'),
    extensions: [
      END_ENTITY,
      LEAF_KEY_USAGE,
      SERVER_AUTH,
      subjectAltNames(dnsName('www.example.com'), dnsName('example.com'), ipAddress('c0000207')),
    ],
  });
  add(
    'ecdsa-leaf',
    'an ordinary ECDSA P-256 leaf signed with ecdsa-with-SHA256, with DNS, IPv6, e-mail and URI names',
    {
      subject: leafName('api.example.com'),
      spki: spkiOf(ecLeafKey),
      extensions: [
        END_ENTITY,
        LEAF_KEY_USAGE,
        SERVER_AUTH,
        subjectAltNames(
          dnsName('api.example.com'),
          ipAddress('20010db8000000000000000000000001'),
          emailName('ops@example.com'),
          uriName('https://api.example.com/'),
        ),
      ],
    },
    { signer: ecCa },
  );
  add('sha1-rsa-leaf', 'an RSA leaf signed with sha1WithRSAEncryption', leaf('sha1.example.com'), { kind: 'sha1-rsa' });
  add('rsa-pss-sha256-leaf', 'RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt', leaf('pss.example.com'), {
    kind: 'pss-sha256',
  });
  add(
    'rsa-pss-default-leaf',
    'RSASSA-PSS with empty parameters: SHA-1 by the RFC 4055 default',
    leaf('pss-sha1.example.com'),
    { kind: 'pss-default' },
  );
  add('ec-explicit-p256-leaf', 'an EC key with the P-256 parameters written out instead of the curve OID', {
    ...leaf('explicit.example.com'),
    spki: explicitP256Spki(ecLeafKey),
  });
  add('not-before-year-0001', 'notBefore as GeneralizedTime 0001-01-01T00:00:00Z', {
    ...leaf('year-1.example.com'),
    notBefore: generalizedTime('00010101000000Z'),
  });
  add('not-after-year-9999', 'notAfter 9999-12-31T23:59:59Z, RFC 5280 "no well-defined expiration"', {
    ...leaf('year-9999.example.com'),
    notAfter: generalizedTime('99991231235959Z'),
  });
  add('utc-time-1950-2049', 'UTCTime at both ends of its window: 500101000000Z is 1950, 491231235959Z is 2049', {
    ...leaf('utc-window.example.com'),
    notBefore: utcTime('500101000000Z'),
    notAfter: utcTime('491231235959Z'),
  });
  add('generalized-time-1949-2050', 'GeneralizedTime one second outside the UTCTime window on either side', {
    ...leaf('generalized.example.com'),
    notBefore: generalizedTime('19491231235959Z'),
    notAfter: generalizedTime('20500101000000Z'),
  });
  add('serial-negative', 'a negative serial, DER fb ce 99 6c 13 (OpenSSL: -04316693ED)', {
    ...leaf('negative-serial.example.com'),
    serialHex: 'fbce996c13',
  });
  add('serial-zero', 'serial number 0', { ...leaf('zero-serial.example.com'), serialHex: '00' });
  add('serial-20-bytes', 'a 20-octet serial, the RFC 5280 maximum', {
    ...leaf('serial-20.example.com'),
    serialHex: `7f${'a5'.repeat(19)}`,
  });
  add('serial-21-bytes-sign-octet', 'a 20-byte serial with its top bit set: 21 octets with the sign octet', {
    ...leaf('serial-20-top-bit.example.com'),
    serialHex: `0080${'5a'.repeat(19)}`,
  });
  add('serial-21-bytes', 'a 21-octet serial, one over RFC 5280', {
    ...leaf('serial-21.example.com'),
    serialHex: `01${'c3'.repeat(20)}`,
  });
  add('validity-398-days', 'exactly 398 days with both ends included: notAfter = notBefore + 398 d - 1 s', {
    ...leaf('398-days.example.com'),
    notAfter: utcAt(new Date(LEAF_NOT_BEFORE.getTime() + 398 * DAY_MS - 1000)),
  });
  add('validity-398-days-and-1s', 'one second over 398 days: notAfter = notBefore + 398 d', {
    ...leaf('398-days-and-1s.example.com'),
    notAfter: utcAt(new Date(LEAF_NOT_BEFORE.getTime() + 398 * DAY_MS)),
  });
  add(
    'negative-path-length',
    'basic constraints CA with pathLenConstraint -1, which RFC 5280 forbids',
    {
      subject: name(['C', 'US'], ['O', 'Certflow Corpus'], ['CN', 'Negative Path Length CA']),
      extensions: [extension(OID.basicConstraints, true, sequence(boolean(true), rawInteger('ff'))), CA_KEY_USAGE],
    },
    { malformedExtensions: [OID.basicConstraints] },
  );
  const dns = encoder.encode('bad-san.example.com');
  add(
    'san-wrong-inner-length',
    'a subject alternative name whose dNSName claims 5 more bytes than the extension holds',
    {
      ...leaf('bad-san.example.com'),
      extensions: [
        END_ENTITY,
        LEAF_KEY_USAGE,
        SERVER_AUTH,
        extension(OID.subjectAltName, false, Uint8Array.from([0x30, dns.length + 2, 0x82, dns.length + 5, ...dns])),
      ],
    },
    { malformedExtensions: [OID.subjectAltName] },
  );
  add('cn-not-in-sans', 'a CN that none of the DNS names repeats', {
    ...leaf('app.example.com'),
    extensions: [END_ENTITY, LEAF_KEY_USAGE, SERVER_AUTH, subjectAltNames(dnsName('www.example.com'))],
  });
  const longName = `${'a'.repeat(53)}.example.com`;
  add('cn-65-characters', 'a 65-character CN, one over the X.520 upper bound of 64', leaf(longName));
  add('no-san', 'a TLS leaf without a subject alternative name extension', {
    subject: leafName('no-san.example.com'),
  });
  add('wildcard', 'a wildcard CN and DNS name', leaf('*.example.com'));
  add('name-escaping', 'an O with a comma and a multi-valued RDN (CN + UID) to escape in RFC 4514/2253 text', {
    ...leaf('multi.example.com'),
    subject: name(
      ['C', 'US'],
      ['O', 'Example, Inc.'],
      // DER orders a SET by encoding: the shorter UID pair first.
      [
        ['UID', 'svc-42'],
        ['CN', 'multi.example.com'],
      ],
    ),
  });
  return corpus;
}
