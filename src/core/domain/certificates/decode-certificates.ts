/**
 * Turns the bytes of one file into certificates, whatever the format: PEM (single, bundle, chain), DER, PKCS#7 in
 * PEM or DER, or a PKCS#12 marker for the caller to open with a password (R-INV-2). Bad blocks become per-block
 * errors and the good ones are kept (R-INV-4).
 */
import type { ParsedCertificate } from './certificate-facts';
import { childrenOf, DerError, type DerElement, decodeOid, decodeSmallInteger, readElement, Tag } from './der';
import { CertificateParseError } from './errors';
import { JS_DIGESTS, parseCertificateDer, type CertificateDigests } from './parse-certificate';
import { splitPem } from './pem';

/** A block deliberately not read, and why. Private keys land here, unread. */
export interface SkippedBlock {
  /** 1-based block number, or null for the whole file. */
  readonly block: number | null;
  readonly reason: string;
}

/** What one file held. */
export interface DecodedCertificates {
  readonly certificates: ParsedCertificate[];
  readonly errors: CertificateParseError[];
  readonly skipped: SkippedBlock[];
  /** The file looks like PKCS#12: open it with `openPkcs12` and a password. Nothing else is decoded then. */
  readonly pkcs12: boolean;
}

const SIGNED_DATA = '1.2.840.113549.1.7.2';
const PKCS7_DATA = '1.2.840.113549.1.7.1';
const FORMATS_HINT = 'certflow reads PEM, DER, PKCS#7 (.p7b) and PKCS#12 (.p12, .pfx) certificate files';

function isWhiteSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === 0x0c || byte === 0x0b;
}

function asText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  // Markers and base64 are ASCII: a single-byte decoding finds them fast whatever the junk around them is.
  return new TextDecoder('latin1').decode(bytes);
}

function looksLikeText(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, 512);
  return sample.every((byte) => byte >= 0x20 || isWhiteSpace(byte));
}

type DerShape = 'certificate' | 'pkcs7' | 'pkcs12' | 'private-key' | 'unknown';

/** Recognises a DER/BER structure by its first elements, without parsing all of it. */
function derShape(bytes: Uint8Array, top: DerElement): DerShape {
  if (top.tag !== Tag.sequence) return 'unknown';
  const first = readElement(bytes, top.contentStart, top.contentEnd);
  if (first.tag === Tag.sequence) {
    // EncryptedPrivateKeyInfo is { algorithm, OCTET STRING }; a certificate is { tbs, algorithm, BIT STRING }.
    const second = first.end < top.contentEnd ? readElement(bytes, first.end, top.contentEnd) : null;
    return second?.tag === Tag.octetString ? 'private-key' : 'certificate';
  }
  if (first.tag === Tag.oid) return decodeOid(bytes, first) === SIGNED_DATA ? 'pkcs7' : 'unknown';
  if (first.tag !== Tag.integer) return 'unknown';
  const version = decodeSmallInteger(bytes, first);
  if (version === 3 && first.end < top.contentEnd) {
    const authSafe = readElement(bytes, first.end, top.contentEnd);
    const contentType = authSafe.tag === Tag.sequence ? readElement(bytes, authSafe.contentStart) : null;
    if (contentType?.tag === Tag.oid && [PKCS7_DATA, SIGNED_DATA].includes(decodeOid(bytes, contentType))) {
      return 'pkcs12';
    }
  }
  // PKCS#1, SEC 1 and PKCS#8 private keys all start with a small version number.
  return version <= 1 ? 'private-key' : 'unknown';
}

/** Certificates inside a PKCS#7/CMS SignedData; `block` labels errors (a PEM block number, or null for a file). */
function readPkcs7(
  bytes: Uint8Array,
  source: string,
  block: number | null,
  result: DecodedCertificates,
  digests: CertificateDigests,
): void {
  const contentInfo = readElement(bytes, 0);
  const [contentType, wrapped] = childrenOf(bytes, contentInfo);
  if (contentType?.tag !== Tag.oid || decodeOid(bytes, contentType) !== SIGNED_DATA || wrapped?.tag !== 0xa0) {
    throw new DerError('not a PKCS#7 SignedData structure');
  }
  const signedData = readElement(bytes, wrapped.contentStart, wrapped.contentEnd);
  const certificateSet = childrenOf(bytes, signedData).find((field) => field.tag === 0xa0);
  const entries = certificateSet ? childrenOf(bytes, certificateSet) : [];
  entries.forEach((entry, index) => {
    if (entry.tag !== Tag.sequence) {
      result.skipped.push({ block, reason: `PKCS#7 entry ${index + 1} is not an X.509 certificate` });
      return;
    }
    try {
      result.certificates.push(parseCertificateDer(bytes.slice(entry.start, entry.end), source, block, digests));
    } catch (error) {
      if (!(error instanceof CertificateParseError)) throw error;
      result.errors.push(
        new CertificateParseError(source, block, `PKCS#7 certificate ${index + 1}: ${error.reason}`, {
          fix: error.fix,
        }),
      );
    }
  });
  if (entries.length === 0) result.skipped.push({ block, reason: 'PKCS#7 structure holds no certificates' });
}

function decodePem(text: string, source: string, result: DecodedCertificates, digests: CertificateDigests): void {
  const split = splitPem(text, source);
  result.errors.push(...split.errors);
  for (const skipped of split.skipped) result.skipped.push({ block: skipped.number, reason: skipped.reason });
  for (const block of split.blocks) {
    try {
      if (block.kind === 'pkcs7') {
        readPkcs7(block.der, source, block.number, result, digests);
      } else {
        // TRUSTED CERTIFICATE blocks append OpenSSL trust settings after the certificate: read the first element.
        const certificate = readElement(block.der, 0);
        const der = certificate.end === block.der.length ? block.der : block.der.slice(0, certificate.end);
        result.certificates.push(parseCertificateDer(der, source, block.number, digests));
      }
    } catch (error) {
      result.errors.push(asParseError(error, source, block.number));
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function asParseError(error: unknown, source: string, block: number | null): CertificateParseError {
  if (error instanceof CertificateParseError) return error;
  return new CertificateParseError(source, block, `the DER data is corrupt: ${messageOf(error)}`);
}

function decodeDer(
  bytes: Uint8Array,
  source: string,
  result: DecodedCertificates,
  digests: CertificateDigests,
): { pkcs12: boolean } {
  const top = readElement(bytes, 0);
  const shape = derShape(bytes, top);
  switch (shape) {
    case 'pkcs12':
      return { pkcs12: true };
    case 'pkcs7':
      readPkcs7(bytes, source, null, result, digests);
      break;
    case 'private-key':
      result.skipped.push({ block: null, reason: 'a DER private key, skipped unread' });
      break;
    case 'certificate': {
      // Some tools concatenate DER certificates: read every top-level element.
      const elements: DerElement[] = [top];
      let trailing: string | null = null;
      for (let at = top.end; at < bytes.length && trailing === null;) {
        if (isWhiteSpace(bytes[at]!) || bytes[at] === 0) {
          at++;
          continue;
        }
        try {
          const next = readElement(bytes, at);
          elements.push(next);
          at = next.end;
        } catch (error) {
          trailing = `unreadable data after certificate ${elements.length} at byte ${at}: ${messageOf(error)}`;
        }
      }
      if (trailing !== null) result.errors.push(new CertificateParseError(source, elements.length + 1, trailing));
      const several = elements.length > 1 || trailing !== null;
      elements.forEach((element, index) => {
        const block = several ? index + 1 : null;
        const der = several || element.end !== bytes.length ? bytes.slice(element.start, element.end) : bytes;
        try {
          result.certificates.push(parseCertificateDer(der, source, block, digests));
        } catch (error) {
          result.errors.push(asParseError(error, source, block));
        }
      });
      break;
    }
    case 'unknown':
      result.errors.push(
        new CertificateParseError(source, null, 'the DER data is not a certificate, PKCS#7 or PKCS#12 structure', {
          fix: FORMATS_HINT,
        }),
      );
  }
  return { pkcs12: false };
}

/**
 * Decodes every certificate in one file's bytes; `source` names the file in errors, `digests` computes the
 * fingerprints (adapters pass native ones). Pure and total: bad input gives errors, never an exception.
 */
export function decodeCertificates(
  bytes: Uint8Array,
  source: string,
  digests: CertificateDigests = JS_DIGESTS,
): DecodedCertificates {
  const result: DecodedCertificates = { certificates: [], errors: [], skipped: [], pkcs12: false };
  if (bytes.every(isWhiteSpace)) {
    result.errors.push(
      new CertificateParseError(source, null, 'the file is empty', { fix: `point certflow at a certificate file` }),
    );
    return result;
  }
  if (!looksLikeText(bytes) && bytes[0] === 0x30) {
    try {
      const { pkcs12 } = decodeDer(bytes, source, result, digests);
      return pkcs12 ? { ...result, pkcs12 } : result;
    } catch (error) {
      result.errors.push(
        new CertificateParseError(source, null, `the DER data is truncated or corrupt: ${messageOf(error)}`, {
          fix: 'copy or download the file again, or re-export it from its source',
        }),
      );
      return result;
    }
  }
  const text = asText(bytes);
  if (text.includes('-----BEGIN ')) decodePem(text, source, result, digests);
  if (result.certificates.length + result.errors.length + result.skipped.length === 0) {
    const reason = looksLikeText(bytes)
      ? 'no PEM block ("-----BEGIN CERTIFICATE-----") in this text file'
      : 'not a certificate file (neither PEM text nor DER)';
    result.errors.push(new CertificateParseError(source, null, reason, { fix: FORMATS_HINT }));
  }
  return result;
}
