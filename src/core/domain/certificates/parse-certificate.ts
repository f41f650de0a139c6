/**
 * Reads every R-INV-1 fact out of one DER certificate in a single pass over the bytes. Weak and legacy certificates
 * (MD5 or SHA-1 signatures, 1024-bit RSA, DSA, version 1) parse like any other: judging them is policy's job.
 */
import { sha1 } from '@noble/hashes/legacy';
import { sha256 } from '@noble/hashes/sha2';
import type {
  CertificateFacts,
  DistinguishedName,
  KeyAlgorithm,
  KeyUsageName,
  MalformedExtension,
  ParsedCertificate,
  PublicKeyFacts,
  SignatureAlgorithmFacts,
  SignatureHash,
  SubjectAltNames,
} from './certificate-facts';
import {
  childrenOf,
  DerError,
  type DerElement,
  decodeBoolean,
  decodeOid,
  decodeSmallInteger,
  decodeString,
  decodeTime,
  expectElement,
  isContextTag,
  readElement,
  Tag,
  toHex,
} from './der';
import { decodeName, distinguishedNameKey } from './distinguished-name';
import { CertificateParseError } from './errors';
import { DAY_MS } from '../duration';

const HASH_BY_OID: Readonly<Record<string, SignatureHash>> = {
  '1.2.840.113549.2.2': 'MD2',
  '1.2.840.113549.2.5': 'MD5',
  '1.3.14.3.2.26': 'SHA-1',
  '2.16.840.1.101.3.4.2.4': 'SHA-224',
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};

const RSASSA_PSS = '1.2.840.113549.1.1.10';

/** Signature algorithms by OID: conventional name and hash. */
const SIGNATURE_ALGORITHMS: Readonly<Record<string, readonly [string, SignatureHash]>> = {
  '1.2.840.113549.1.1.2': ['md2WithRSAEncryption', 'MD2'],
  // SignatureHash has no MD4; the name still tells policy what this is.
  '1.2.840.113549.1.1.3': ['md4WithRSAEncryption', null],
  '1.2.840.113549.1.1.4': ['md5WithRSAEncryption', 'MD5'],
  '1.2.840.113549.1.1.5': ['sha1WithRSAEncryption', 'SHA-1'],
  '1.3.14.3.2.29': ['sha1WithRSASignature', 'SHA-1'],
  '1.2.840.113549.1.1.14': ['sha224WithRSAEncryption', 'SHA-224'],
  '1.2.840.113549.1.1.11': ['sha256WithRSAEncryption', 'SHA-256'],
  '1.2.840.113549.1.1.12': ['sha384WithRSAEncryption', 'SHA-384'],
  '1.2.840.113549.1.1.13': ['sha512WithRSAEncryption', 'SHA-512'],
  '1.2.840.10045.4.1': ['ecdsa-with-SHA1', 'SHA-1'],
  '1.2.840.10045.4.3.1': ['ecdsa-with-SHA224', 'SHA-224'],
  '1.2.840.10045.4.3.2': ['ecdsa-with-SHA256', 'SHA-256'],
  '1.2.840.10045.4.3.3': ['ecdsa-with-SHA384', 'SHA-384'],
  '1.2.840.10045.4.3.4': ['ecdsa-with-SHA512', 'SHA-512'],
  '1.2.840.10040.4.3': ['dsa-with-sha1', 'SHA-1'],
  '1.3.14.3.2.27': ['dsaWithSHA1', 'SHA-1'],
  '2.16.840.1.101.3.4.3.1': ['dsa-with-sha224', 'SHA-224'],
  '2.16.840.1.101.3.4.3.2': ['dsa-with-sha256', 'SHA-256'],
  '1.3.101.112': ['Ed25519', null],
  '1.3.101.113': ['Ed448', null],
};

/** Named curves: certflow's name and the field size in bits. */
const CURVES: Readonly<Record<string, readonly [string, number]>> = {
  '1.2.840.10045.3.1.1': ['P-192', 192],
  '1.3.132.0.33': ['P-224', 224],
  '1.2.840.10045.3.1.7': ['P-256', 256],
  '1.3.132.0.34': ['P-384', 384],
  '1.3.132.0.35': ['P-521', 521],
  '1.3.132.0.10': ['secp256k1', 256],
  '1.3.36.3.3.2.8.1.1.7': ['brainpoolP256r1', 256],
  '1.3.36.3.3.2.8.1.1.11': ['brainpoolP384r1', 384],
  '1.3.36.3.3.2.8.1.1.13': ['brainpoolP512r1', 512],
};

/**
 * Named curves by their explicit parameters: the first 16 bytes of SHA-256 over `fieldType:p:a:b:n` (lowercase hex,
 * leading zero octets dropped). The parse-certificate test rebuilds each from OpenSSL's explicit encoding.
 */
const CURVE_BY_PARAMETERS: Readonly<Record<string, string>> = {
  d1f5cf4aecac2675a0e20d4b9d995659: '1.2.840.10045.3.1.1',
  '3e90bbd5543e213373352163625d2288': '1.3.132.0.33',
  b187b20361d66bb6a83f39554334fc67: '1.2.840.10045.3.1.7',
  '5e2cdae17068e59327ac5d167ad77402': '1.3.132.0.34',
  '4a7fae3536db19753c638767e1e5f1d5': '1.3.132.0.35',
  '884914e6961542dd18f8deade651c700': '1.3.132.0.10',
  '4346643cbf96d7860b6c80816ab1673c': '1.3.36.3.3.2.8.1.1.7',
  '7ab161aa24e08e070872dea86ab7be22': '1.3.36.3.3.2.8.1.1.11',
  '55be6fbd59b84be1af412adb918f73b1': '1.3.36.3.3.2.8.1.1.13',
};

const KEY_ALGORITHMS: Readonly<Record<string, KeyAlgorithm>> = {
  '1.2.840.113549.1.1.1': 'RSA',
  [RSASSA_PSS]: 'RSA',
  '1.2.840.10045.2.1': 'EC',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
  '1.2.840.10040.4.1': 'DSA',
};

const EXTENDED_KEY_USAGES: Readonly<Record<string, string>> = {
  '2.5.29.37.0': 'anyExtendedKeyUsage',
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.5': 'ipsecEndSystem',
  '1.3.6.1.5.5.7.3.6': 'ipsecTunnel',
  '1.3.6.1.5.5.7.3.7': 'ipsecUser',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
  '1.3.6.1.5.5.7.3.17': 'ipsecIKE',
  '1.3.6.1.4.1.311.10.3.3': 'msSGC',
  '1.3.6.1.4.1.311.20.2.2': 'msSmartcardLogin',
  '2.16.840.1.113730.4.1': 'nsSGC',
};

/** RFC 5280 bit order: bit 0 is the most significant bit of the first content octet. */
const KEY_USAGE_BITS: readonly KeyUsageName[] = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
];

/** The significant bits of an unsigned big-endian integer held in bytes[start, end). */
function bitLength(bytes: Uint8Array, start: number, end: number): number {
  let at = start;
  while (at < end && bytes[at] === 0) at++;
  if (at === end) return 0;
  return (end - at - 1) * 8 + (32 - Math.clz32(bytes[at]!));
}

/** The bytes of a BIT STRING with whole octets, after its unused-bits octet. */
function bitStringBytes(bytes: Uint8Array, element: DerElement, what: string): DerElement {
  if (element.tag !== Tag.bitString || element.contentEnd === element.contentStart) {
    throw new DerError(`${what} is not a bit string`);
  }
  return { ...element, contentStart: element.contentStart + 1 };
}

function signatureAlgorithm(bytes: Uint8Array, algorithm: DerElement): SignatureAlgorithmFacts {
  const [oidElement, parameters] = childrenOf(bytes, algorithm);
  if (algorithm.tag !== Tag.sequence || oidElement === undefined) {
    throw new DerError('signature algorithm is malformed');
  }
  const oid = decodeOid(bytes, oidElement);
  if (oid === RSASSA_PSS) {
    // RSASSA-PSS-params: [0] hashAlgorithm, which defaults to SHA-1 when absent.
    let hash: SignatureHash = 'SHA-1';
    const hashField =
      parameters?.tag === Tag.sequence ? childrenOf(bytes, parameters).find((e) => e.tag === 0xa0) : undefined;
    if (hashField) {
      const hashAlgorithm = readElement(bytes, hashField.contentStart, hashField.contentEnd);
      const hashOid = decodeOid(bytes, readElement(bytes, hashAlgorithm.contentStart, hashAlgorithm.contentEnd));
      hash = HASH_BY_OID[hashOid] ?? null;
    }
    return { oid, name: 'RSASSA-PSS', hash };
  }
  const known = SIGNATURE_ALGORITHMS[oid];
  return known ? { oid, name: known[0], hash: known[1] } : { oid, name: oid, hash: null };
}

function publicKey(bytes: Uint8Array, spki: DerElement): PublicKeyFacts {
  const [algorithm, keyBits] = childrenOf(bytes, spki);
  if (spki.tag !== Tag.sequence || algorithm?.tag !== Tag.sequence || keyBits === undefined) {
    throw new DerError('subject public key info is malformed');
  }
  const [oidElement, parameters] = childrenOf(bytes, algorithm);
  if (oidElement === undefined) throw new DerError('public key algorithm is missing');
  const algorithmOid = decodeOid(bytes, oidElement);
  const family = KEY_ALGORITHMS[algorithmOid] ?? 'other';
  const key = bitStringBytes(bytes, keyBits, 'public key');
  switch (family) {
    case 'RSA': {
      const rsaKey = readElement(bytes, key.contentStart, key.contentEnd);
      const modulus = rsaKey.tag === Tag.sequence ? readElement(bytes, rsaKey.contentStart, rsaKey.contentEnd) : null;
      if (modulus?.tag !== Tag.integer) throw new DerError('RSA public key is malformed');
      const sizeBits = bitLength(bytes, modulus.contentStart, modulus.contentEnd);
      return { algorithm: family, algorithmOid, sizeBits, curve: null };
    }
    case 'EC': {
      if (parameters?.tag === Tag.oid) {
        const curveOid = decodeOid(bytes, parameters);
        const known = CURVES[curveOid];
        return { algorithm: family, algorithmOid, sizeBits: known?.[1] ?? null, curve: known?.[0] ?? curveOid };
      }
      if (parameters?.tag === Tag.sequence)
        return { algorithm: family, algorithmOid, ...explicitCurve(bytes, parameters) };
      // implicitlyCA (NULL): the curve is the issuer's, which this certificate does not say.
      return { algorithm: family, algorithmOid, sizeBits: null, curve: 'implicitlyCA' };
    }
    case 'Ed25519':
      return { algorithm: family, algorithmOid, sizeBits: 256, curve: null };
    case 'Ed448':
      return { algorithm: family, algorithmOid, sizeBits: 456, curve: null };
    case 'DSA': {
      // Dss-Parms ::= SEQUENCE { p, q, g }; absent when inherited from the issuer.
      const prime = parameters?.tag === Tag.sequence ? childrenOf(bytes, parameters)[0] : undefined;
      const sizeBits = prime?.tag === Tag.integer ? bitLength(bytes, prime.contentStart, prime.contentEnd) : null;
      return { algorithm: family, algorithmOid, sizeBits, curve: null };
    }
    default:
      return { algorithm: family, algorithmOid, sizeBits: null, curve: null };
  }
}

function unsignedHex(bytes: Uint8Array, element: DerElement): string {
  let start = element.contentStart;
  while (start < element.contentEnd - 1 && bytes[start] === 0) start++;
  return toHex(bytes, start, element.contentEnd);
}

const utf8Encoder = new TextEncoder();

/**
 * Size and name of a curve given by RFC 3279 ECParameters `{ version, fieldID { fieldType, p or m … }, curve { a, b,
 * seed? }, base, order, cofactor? }`. The size is the order's bits, as OpenSSL counts an EC key; the name is the
 * named curve with the same field, coefficients and order, else `explicit`. Parameters that do not parse give no
 * size: OpenSSL loads such a certificate too and only fails to read its key, so the import keeps it.
 */
function explicitCurve(bytes: Uint8Array, parameters: DerElement): Pick<PublicKeyFacts, 'sizeBits' | 'curve'> {
  const unreadable = { sizeBits: null, curve: 'explicit' };
  try {
    const [, fieldId, curve, , order] = childrenOf(bytes, parameters);
    if (fieldId?.tag !== Tag.sequence || curve?.tag !== Tag.sequence || order?.tag !== Tag.integer) return unreadable;
    const [fieldType, field] = childrenOf(bytes, fieldId);
    const [a, b] = childrenOf(bytes, curve);
    // A characteristic-two field is a SEQUENCE { m, basis, … }; its degree m stands where a prime field has p.
    const size = field?.tag === Tag.sequence ? childrenOf(bytes, field)[0] : field;
    if (fieldType?.tag !== Tag.oid || size === undefined || a === undefined || b === undefined) return unreadable;
    const key = [fieldType, size, a, b, order].map((part) => unsignedHex(bytes, part)).join(':');
    const named = CURVE_BY_PARAMETERS[toHex(sha256(utf8Encoder.encode(key)).subarray(0, 16))];
    return {
      sizeBits: bitLength(bytes, order.contentStart, order.contentEnd),
      curve: named === undefined ? 'explicit' : (CURVES[named]?.[0] ?? named),
    };
  } catch (error) {
    if (error instanceof DerError) return unreadable;
    throw error;
  }
}

/** RFC 5952 text of a 16-byte IPv6 address (IPv4-mapped addresses keep their dotted tail). */
function ipv6Text(bytes: Uint8Array, start: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((bytes[start + 2 * i]! << 8) | bytes[start + 2 * i + 1]!);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return `::ffff:${bytes[start + 12]}.${bytes[start + 13]}.${bytes[start + 14]}.${bytes[start + 15]}`;
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

function ia5Text(bytes: Uint8Array, element: DerElement): string {
  return decodeString(bytes, { ...element, tag: Tag.ia5String }) ?? '';
}

function subjectAltNames(bytes: Uint8Array, value: DerElement): SubjectAltNames {
  const dns: string[] = [];
  const ip: string[] = [];
  const email: string[] = [];
  const uri: string[] = [];
  const other: string[] = [];
  const names = readElement(bytes, value.contentStart, value.contentEnd);
  if (names.tag !== Tag.sequence) throw new DerError('subject alternative name extension is malformed');
  for (const name of childrenOf(bytes, names)) {
    switch (name.tag) {
      case 0x81:
        email.push(ia5Text(bytes, name));
        break;
      case 0x82:
        dns.push(ia5Text(bytes, name));
        break;
      case 0x86:
        uri.push(ia5Text(bytes, name));
        break;
      case 0x87: {
        const length = name.contentEnd - name.contentStart;
        const at = name.contentStart;
        if (length === 4) ip.push(`${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`);
        else if (length === 16) ip.push(ipv6Text(bytes, at));
        else other.push(`iPAddress:#${toHex(bytes, name.contentStart, name.contentEnd)}`);
        break;
      }
      case 0x88:
        other.push(`registeredID:${decodeOid(bytes, { ...name, tag: Tag.oid })}`);
        break;
      case 0xa0: {
        const [typeId, wrapped] = childrenOf(bytes, name);
        if (typeId === undefined) throw new DerError('otherName in subject alternative name is malformed');
        const inner = wrapped ? readElement(bytes, wrapped.contentStart, wrapped.contentEnd) : undefined;
        const shown = inner ? (decodeString(bytes, inner) ?? `#${toHex(bytes, inner.start, inner.end)}`) : '';
        other.push(`otherName:${decodeOid(bytes, typeId)}=${shown}`);
        break;
      }
      case 0xa4:
        other.push(`dirName:${decodeName(bytes, readElement(bytes, name.contentStart, name.contentEnd)).text}`);
        break;
      case 0xa3:
        other.push(`x400Address:#${toHex(bytes, name.contentStart, name.contentEnd)}`);
        break;
      case 0xa5:
        other.push(`ediPartyName:#${toHex(bytes, name.contentStart, name.contentEnd)}`);
        break;
      default:
        other.push(`tag${name.tag.toString(16)}:#${toHex(bytes, name.contentStart, name.contentEnd)}`);
    }
  }
  return { dns, ip, email, uri, other };
}

function keyUsage(bytes: Uint8Array, value: DerElement): KeyUsageName[] {
  const bits = bitStringBytes(bytes, readElement(bytes, value.contentStart, value.contentEnd), 'key usage');
  const names: KeyUsageName[] = [];
  KEY_USAGE_BITS.forEach((name, bit) => {
    const at = bits.contentStart + (bit >> 3);
    if (at < bits.contentEnd && bytes[at]! & (0x80 >> (bit & 7))) names.push(name);
  });
  return names;
}

function extendedKeyUsage(bytes: Uint8Array, value: DerElement): string[] {
  const sequence = readElement(bytes, value.contentStart, value.contentEnd);
  if (sequence.tag !== Tag.sequence) throw new DerError('extended key usage extension is malformed');
  return childrenOf(bytes, sequence).map((purpose) => {
    const oid = decodeOid(bytes, purpose);
    return EXTENDED_KEY_USAGES[oid] ?? oid;
  });
}

/**
 * Basic constraints; a path length that is negative or too large is reported in `problems` and left out, while the
 * CA flag still counts (OpenSSL keeps `CA:TRUE` too and marks the certificate invalid for path building).
 */
function basicConstraints(
  bytes: Uint8Array,
  value: DerElement,
  problems: string[],
): CertificateFacts['basicConstraints'] {
  const sequence = readElement(bytes, value.contentStart, value.contentEnd);
  if (sequence.tag !== Tag.sequence) throw new DerError('basic constraints extension is malformed');
  let ca = false;
  let pathLength: number | null = null;
  for (const field of childrenOf(bytes, sequence)) {
    if (field.tag === Tag.boolean) ca = decodeBoolean(bytes, field);
    else if (field.tag === Tag.integer) {
      if (field.contentEnd > field.contentStart && bytes[field.contentStart]! & 0x80) {
        problems.push('path length constraint is negative');
      } else {
        try {
          pathLength = decodeSmallInteger(bytes, field);
        } catch (error) {
          if (!(error instanceof DerError)) throw error;
          problems.push(`path length constraint: ${error.message}`);
        }
      }
    }
  }
  return { ca, pathLength };
}

function authorityKeyId(bytes: Uint8Array, value: DerElement): string | null {
  const sequence = readElement(bytes, value.contentStart, value.contentEnd);
  if (sequence.tag !== Tag.sequence) throw new DerError('authority key identifier extension is malformed');
  const keyIdentifier = childrenOf(bytes, sequence).find((field) => field.tag === 0x80);
  return keyIdentifier ? toHex(bytes, keyIdentifier.contentStart, keyIdentifier.contentEnd) : null;
}

function subjectKeyId(bytes: Uint8Array, value: DerElement): string {
  const octets = expectElement(bytes, value.contentStart, value.contentEnd, Tag.octetString, 'subject key identifier');
  return toHex(bytes, octets.contentStart, octets.contentEnd);
}

interface ExtensionFacts {
  subjectAltNames: SubjectAltNames;
  keyUsage: KeyUsageName[];
  extendedKeyUsage: string[];
  basicConstraints: CertificateFacts['basicConstraints'];
  authorityKeyId: string | null;
  subjectKeyId: string | null;
  malformedExtensions: MalformedExtension[];
}

const EXTENSION_NAMES: Readonly<Record<string, string>> = {
  '2.5.29.17': 'subject alternative name',
  '2.5.29.15': 'key usage',
  '2.5.29.37': 'extended key usage',
  '2.5.29.19': 'basic constraints',
  '2.5.29.35': 'authority key identifier',
  '2.5.29.14': 'subject key identifier',
};

/** Reads one known extension's value into `facts`; problems that still leave a value are pushed to `problems`. */
function readExtension(bytes: Uint8Array, oid: string, value: DerElement, facts: ExtensionFacts, problems: string[]) {
  switch (oid) {
    case '2.5.29.17':
      facts.subjectAltNames = subjectAltNames(bytes, value);
      break;
    case '2.5.29.15':
      facts.keyUsage = keyUsage(bytes, value);
      break;
    case '2.5.29.37':
      facts.extendedKeyUsage = extendedKeyUsage(bytes, value);
      break;
    case '2.5.29.19':
      facts.basicConstraints = basicConstraints(bytes, value, problems);
      break;
    case '2.5.29.35':
      facts.authorityKeyId = authorityKeyId(bytes, value);
      break;
    case '2.5.29.14':
      facts.subjectKeyId = subjectKeyId(bytes, value);
      break;
  }
}

/**
 * The extensions' facts. The list and each Extension's frame (OID, critical flag, OCTET STRING) must parse, as
 * OpenSSL requires; a value that does not, or a repeated extension, becomes a finding and the rest still counts.
 */
function readExtensions(bytes: Uint8Array, wrapper: DerElement | undefined): ExtensionFacts {
  const facts: ExtensionFacts = {
    subjectAltNames: { dns: [], ip: [], email: [], uri: [], other: [] },
    keyUsage: [],
    extendedKeyUsage: [],
    basicConstraints: null,
    authorityKeyId: null,
    subjectKeyId: null,
    malformedExtensions: [],
  };
  if (wrapper === undefined) return facts;
  const list = readElement(bytes, wrapper.contentStart, wrapper.contentEnd);
  if (list.tag !== Tag.sequence) throw new DerError('extensions are malformed');
  const seen = new Set<string>();
  for (const extension of childrenOf(bytes, list)) {
    const fields = extension.tag === Tag.sequence ? childrenOf(bytes, extension) : [];
    const [oidElement, flag] = fields;
    const value = fields[fields.length - 1];
    const framed = fields.length === 2 || (fields.length === 3 && flag?.tag === Tag.boolean);
    if (!framed || oidElement?.tag !== Tag.oid || value?.tag !== Tag.octetString) {
      throw new DerError(`an extension at byte ${extension.start} is malformed`);
    }
    const oid = decodeOid(bytes, oidElement);
    const name = EXTENSION_NAMES[oid] ?? oid;
    const critical = fields.length === 3 && decodeBoolean(bytes, flag!);
    const problems: string[] = [];
    // RFC 5280 forbids repeating an extension; the first one counts, as in OpenSSL.
    if (seen.has(oid)) problems.push('appears more than once; the first one counts');
    else {
      seen.add(oid);
      try {
        readExtension(bytes, oid, value, facts, problems);
      } catch (error) {
        if (!(error instanceof DerError)) throw error;
        problems.push(error.message);
      }
    }
    for (const problem of problems) facts.malformedExtensions.push({ oid, name, critical, problem });
  }
  return facts;
}

/** OpenSSL's text of the serial: hex of its value without leading zero bytes, a negative one as `-` and magnitude. */
function serialText(bytes: Uint8Array, serial: DerElement, negative: boolean): string {
  const { contentStart, contentEnd } = serial;
  if (!negative) {
    let start = contentStart;
    while (start < contentEnd - 1 && bytes[start] === 0) start++;
    return toHex(bytes, start, contentEnd);
  }
  // The magnitude of a two's-complement value: invert every octet and add one.
  const magnitude = new Uint8Array(contentEnd - contentStart);
  let carry = 1;
  for (let i = magnitude.length - 1; i >= 0; i--) {
    const sum = (~bytes[contentStart + i]! & 0xff) + carry;
    magnitude[i] = sum & 0xff;
    carry = sum >> 8;
  }
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  return `-${toHex(magnitude, start)}`;
}

function serialNumber(
  bytes: Uint8Array,
  serial: DerElement,
): Pick<CertificateFacts, 'serialNumber' | 'serialNumberEncoding'> {
  if (serial.tag !== Tag.integer || serial.contentEnd === serial.contentStart) {
    throw new DerError('serial number is missing');
  }
  const negative = (bytes[serial.contentStart]! & 0x80) !== 0;
  let zero = true;
  for (let i = serial.contentStart; i < serial.contentEnd && zero; i++) zero = bytes[i] === 0;
  return {
    serialNumber: serialText(bytes, serial, negative),
    serialNumberEncoding: {
      derHex: toHex(bytes, serial.contentStart, serial.contentEnd),
      derLength: serial.contentEnd - serial.contentStart,
      negative,
      zero,
    },
  };
}

function sameBytes(bytes: Uint8Array, a: DerElement, b: DerElement): boolean {
  if (a.end - a.start !== b.end - b.start) return false;
  for (let i = 0; i < a.end - a.start; i++) if (bytes[a.start + i] !== bytes[b.start + i]) return false;
  return true;
}

/** How many issuer names {@link decodeIssuer} remembers: an import's certificates mostly share a handful of issuers. */
const RECENT_ISSUERS = 8;
/** Issuer names decoded lately, by their DER, oldest first. */
const recentIssuers: { der: Uint8Array; name: DistinguishedName }[] = [];

/**
 * The issuer name, decoded once for all certificates whose issuer is the same DER: the facts of those certificates
 * share one name object, which (like all facts) nothing changes. Decoding a name allocated more than any other step.
 */
function decodeIssuer(der: Uint8Array, element: DerElement): DistinguishedName {
  const length = element.end - element.start;
  for (const recent of recentIssuers) {
    if (recent.der.length !== length) continue;
    let same = true;
    for (let i = 0; i < length && same; i++) same = recent.der[i] === der[element.start + i];
    if (same) return recent.name;
  }
  const name = decodeName(der, element);
  if (recentIssuers.length >= RECENT_ISSUERS) recentIssuers.shift();
  recentIssuers.push({ der: der.slice(element.start, element.end), name });
  return name;
}

/** The SHA-256 and SHA-1 fingerprints of a certificate's DER, as lowercase hex. */
export interface CertificateDigests {
  sha256Hex(der: Uint8Array): string;
  sha1Hex(der: Uint8Array): string;
}

/**
 * Fingerprints in JavaScript, which run anywhere (workflow code included). An adapter that reads many certificates
 * passes the runtime's native hashes instead: these were a tenth of an import's CPU.
 */
export const JS_DIGESTS: CertificateDigests = {
  sha256Hex: (der) => toHex(sha256(der)),
  sha1Hex: (der) => toHex(sha1(der)),
};

function readFacts(der: Uint8Array, digests: CertificateDigests): CertificateFacts {
  const certificate = expectElement(der, 0, der.length, Tag.sequence, 'certificate');
  if (certificate.end !== der.length) {
    throw new DerError(`${der.length - certificate.end} unexpected bytes follow the certificate`);
  }
  const [tbs, outerAlgorithm, signatureValue, extra] = childrenOf(der, certificate);
  if (tbs?.tag !== Tag.sequence || outerAlgorithm?.tag !== Tag.sequence || signatureValue?.tag !== Tag.bitString) {
    throw new DerError('not an X.509 certificate (expected to-be-signed part, algorithm and signature)');
  }
  if (extra) throw new DerError('not an X.509 certificate (unexpected element after the signature)');
  const fields = childrenOf(der, tbs);
  let index = 0;
  let version = 1;
  if (fields[0]?.tag === 0xa0) {
    version = decodeSmallInteger(der, readElement(der, fields[0].contentStart, fields[0].contentEnd)) + 1;
    index = 1;
  }
  const [serial, _innerAlgorithm, issuerElement, validity, subjectElement, spki, ...optional] = fields.slice(index);
  if (
    serial === undefined ||
    issuerElement === undefined ||
    validity?.tag !== Tag.sequence ||
    subjectElement === undefined ||
    spki === undefined
  ) {
    throw new DerError('the to-be-signed certificate is missing fields');
  }
  const [notBeforeElement, notAfterElement] = childrenOf(der, validity);
  if (notBeforeElement === undefined || notAfterElement === undefined) throw new DerError('validity is incomplete');
  const notBefore = decodeTime(der, notBeforeElement);
  const notAfter = decodeTime(der, notAfterElement);
  const subject = decodeName(der, subjectElement);
  const issuer = decodeIssuer(der, issuerElement);
  const extensions = readExtensions(
    der,
    optional.find((field) => isContextTag(field.tag, 3)),
  );
  const { authorityKeyId: aki, subjectKeyId: ski } = extensions;
  const sameName =
    sameBytes(der, subjectElement, issuerElement) || distinguishedNameKey(subject) === distinguishedNameKey(issuer);
  const selfSigned = sameName && (aki === null || ski === null || aki === ski);
  const isCa = extensions.basicConstraints?.ca ?? false;
  return {
    fingerprintSha256: digests.sha256Hex(der),
    fingerprintSha1: digests.sha1Hex(der),
    version,
    ...serialNumber(der, serial),
    subject,
    issuer,
    subjectAltNames: extensions.subjectAltNames,
    notBefore: new Date(notBefore).toISOString(),
    notAfter: new Date(notAfter).toISOString(),
    validityDays: Math.ceil((notAfter - notBefore) / DAY_MS),
    publicKey: publicKey(der, spki),
    signatureAlgorithm: signatureAlgorithm(der, outerAlgorithm),
    keyUsage: extensions.keyUsage,
    extendedKeyUsage: extensions.extendedKeyUsage,
    basicConstraints: extensions.basicConstraints,
    isCa,
    selfSigned,
    role: isCa ? (selfSigned ? 'root' : 'intermediate') : 'end-entity',
    authorityKeyId: aki,
    subjectKeyId: ski,
    malformedExtensions: extensions.malformedExtensions,
  };
}

/**
 * Parses one DER certificate (exactly one, nothing after it) into its facts. `source` and `block` only label the
 * error: malformed bytes throw a CertificateParseError naming them.
 */
export function parseCertificateDer(
  der: Uint8Array,
  source = 'certificate',
  block: number | null = null,
  digests: CertificateDigests = JS_DIGESTS,
): ParsedCertificate {
  try {
    return { facts: readFacts(der, digests), der };
  } catch (error) {
    if (error instanceof DerError || error instanceof RangeError) {
      throw new CertificateParseError(source, block, `not a valid DER certificate: ${error.message}`);
    }
    throw error;
  }
}
