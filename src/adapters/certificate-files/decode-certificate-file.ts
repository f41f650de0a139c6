/**
 * Turns the bytes of one certificate file into what the import stores: every format `decodeCertificates` knows,
 * PKCS#12 opened with the given passwords, and files that hold no certificate material told apart from broken ones.
 */
import type { ParsedCertificate } from '../../core/domain/certificates/certificate-facts';
import { decodeCertificates } from '../../core/domain/certificates/decode-certificates';
import { CertificateParseError } from '../../core/domain/certificates/errors';
import type { CertificateLocation } from '../../core/domain/inventory/model';
import type { FoundCertificates } from '../../core/ports/certificate-source';
import { NATIVE_DIGESTS } from './native-digests';
import type { PemPiece } from './pem-pieces';
import { openPkcs12, Pkcs12PasswordError } from './pkcs12';

/** The bytes of one certificate file, read from disk or held in memory. */
export interface CertificateFile {
  /** Shown in reports and audit entries: the path. */
  readonly name: string;
  readonly bytes: Uint8Array;
  /** Where the certificate is installed, when known. */
  readonly location?: CertificateLocation;
}

/** Names that promise certificate content: a file so named that holds none is an error, not a skip. */
export const CERTIFICATE_FILE = /\.(pem|crt|cer|cert|der|p7b|p7c|p12|pfx|ca-bundle|chain)$/i;

/**
 * The certificates in one file. `passwords` open PKCS#12 files in order, after the empty password; a bad block is an
 * error beside the good ones, and a file that is no certificate material is skipped.
 */
export function decodeCertificateFile(file: CertificateFile, passwords: readonly string[] = []): FoundCertificates {
  const found = { name: file.name, location: file.location };
  const decoded = decodeCertificates(file.bytes, file.name, NATIVE_DIGESTS);
  if (decoded.pkcs12) {
    const errors: string[] = [];
    return { ...found, certificates: openWithPasswords(file, ['', ...passwords], errors), errors };
  }
  if (decoded.certificates.length === 0 && isForeignFile(file.name, decoded.errors)) {
    // A folder of certificates also holds READMEs and scripts: not being a certificate is no error for them.
    return {
      ...found,
      certificates: [],
      errors: [],
      skipped: decoded.errors[0]?.reason ?? skipReason(decoded.skipped),
    };
  }
  return { ...found, certificates: decoded.certificates, errors: decoded.errors.map((error) => error.message) };
}

/** What one piece of a large PEM file held; the file's verdict (a skip, "no PEM block") waits for its end. */
export interface DecodedPemPiece {
  readonly certificates: readonly ParsedCertificate[];
  /** Report lines, their block and line numbers those of the whole file. */
  readonly errors: readonly string[];
  /** Why blocks were passed over (private keys, requests), for a file that turns out to hold nothing else. */
  readonly skipped: readonly string[];
  /** The piece held at least one BEGIN line. */
  readonly hadBlocks: boolean;
}

/** Decodes one piece of a PEM file read in pieces, numbering blocks and lines as in the whole file. */
export function decodePemPiece(piece: PemPiece, name: string): DecodedPemPiece {
  const decoded = decodeCertificates(piece.bytes, name, NATIVE_DIGESTS);
  const hadBlocks =
    decoded.certificates.length + decoded.skipped.length > 0 || decoded.errors.some((error) => error.block !== null);
  return {
    certificates: decoded.certificates,
    // A piece without a block is prose between bundles: its "no PEM block" error is the file's to give, not the piece's.
    errors: hadBlocks ? decoded.errors.map((error) => renumber(error, piece)) : [],
    skipped: decoded.skipped.map((block) => block.reason),
    hadBlocks,
  };
}

/**
 * The verdict on a PEM file read in pieces once all are decoded: nothing if it held certificates or errors, else
 * skipped like {@link decodeCertificateFile} skips a small one (keys only, or text with a name that promises no
 * certificate), or an error for a certificate file without a PEM block.
 */
export function pemFileVerdict(
  name: string,
  seen: { certificates: number; errors: number; skipped: readonly string[]; hadBlocks: boolean },
): { skipped: string } | { error: string } | null {
  if (seen.certificates > 0 || seen.errors > 0) return null;
  if (seen.hadBlocks || !CERTIFICATE_FILE.test(name)) return { skipped: seen.skipped[0] ?? 'holds no certificate' };
  return {
    error: new CertificateParseError(name, null, 'no PEM block ("-----BEGIN CERTIFICATE-----") in this text file', {
      fix: 'certflow reads PEM, DER, PKCS#7 (.p7b) and PKCS#12 (.p12, .pfx) certificate files',
    }).message,
  };
}

function renumber(error: CertificateParseError, piece: PemPiece): string {
  if (piece.blocksBefore === 0 && piece.linesBefore === 0) return error.message;
  return new CertificateParseError(
    error.source,
    error.block === null ? null : error.block + piece.blocksBefore,
    error.reason,
    {
      line: error.line === null ? null : error.line + piece.linesBefore,
      fix: error.fix,
    },
  ).message;
}

/** {@link decodeCertificateFile} for each file in turn: a certificate source of files already read. */
export function* decodeCertificateFiles(
  files: Iterable<CertificateFile>,
  passwords: readonly string[] = [],
): Iterable<FoundCertificates> {
  for (const file of files) yield decodeCertificateFile(file, passwords);
}

function openWithPasswords(
  file: CertificateFile,
  passwords: readonly string[],
  errors: string[],
): readonly ParsedCertificate[] {
  for (const password of passwords) {
    try {
      return openPkcs12(file.bytes, password, file.name);
    } catch (error) {
      if (error instanceof Pkcs12PasswordError) continue;
      errors.push((error as Error).message);
      return [];
    }
  }
  errors.push(
    passwords.length > 1
      ? `${file.name}: none of the ${passwords.length - 1} given password(s) opens this PKCS#12 file — pass the right one with --password`
      : `${file.name}: this PKCS#12 file is password-protected — pass its password with --password`,
  );
  return [];
}

/**
 * True when a file is no certificate material: it yielded nothing and no error at all, or it has no certificate name
 * and nothing in it even looked like a certificate.
 */
function isForeignFile(name: string, errors: readonly CertificateParseError[]): boolean {
  return errors.length === 0 || (!CERTIFICATE_FILE.test(name) && errors.every((error) => error.block === null));
}

function skipReason(skipped: readonly { reason: string }[]): string {
  return skipped[0]?.reason ?? 'holds no certificate';
}
