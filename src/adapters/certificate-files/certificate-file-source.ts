import fs from 'node:fs';
import type { CertificateLocation } from '../../core/domain/inventory/model';
import type { FoundCertificates } from '../../core/ports/certificate-source';
import { CERTIFICATE_FILE, decodeCertificateFile, decodePemPiece, pemFileVerdict } from './decode-certificate-file';
import { findCertificateFiles, type FoundFile } from './find-certificate-files';
import { pemPieces } from './pem-pieces';

/** Text files larger than this are read in pieces of about this size, so a bundle of any size fits in memory. */
const PEM_PIECE_BYTES = 1024 * 1024;
/**
 * DER, PKCS#7 and PKCS#12 files are read whole: a DER bundle of 24,000 certificates is about 24 MB, so past this a
 * binary file is no certificate material (or one to convert to PEM, which is read in pieces).
 */
const MAX_WHOLE_FILE_BYTES = 64 * 1024 * 1024;
/** No PEM block (a certificate, or a PKCS#7 bundle in PEM) is this large. */
const MAX_PEM_BLOCK_BYTES = 16 * 1024 * 1024;

/** Options of {@link certificateFileSource}. */
export interface CertificateFileSourceOptions {
  /** Host name recorded in the file locations of the certificates read. */
  readonly host?: string;
  /** PKCS#12 passwords to try in order; the empty password is always tried first. */
  readonly passwords?: readonly string[];
  /** Called once the files are found, before reading them, with how many places the source will yield. */
  readonly onFilesFound?: (count: number) => void;
  /** Size of the pieces a large text file is read in (tests make it small). */
  readonly pieceBytes?: number;
  /** Largest DER, PKCS#7 or PKCS#12 file read (tests make it small). */
  readonly maxWholeFileBytes?: number;
}

/**
 * The certificate source of files and folders (recursively): paths that cannot be walked come first as errors, then
 * those passed over, then each file read and decoded; a file that cannot be read is an error, never fatal. A text
 * file larger than a piece is read and yielded in pieces (`continues` on all but the first), so memory stays bounded.
 */
export async function* certificateFileSource(
  paths: readonly string[],
  options: CertificateFileSourceOptions = {},
): AsyncIterable<FoundCertificates> {
  const found = await findCertificateFiles(paths);
  options.onFilesFound?.(found.files.length + found.errors.length + found.skipped.length);
  for (const issue of found.errors)
    yield { name: issue.path, certificates: [], errors: [`${issue.path}: ${issue.reason}`] };
  for (const issue of found.skipped) yield { name: issue.path, certificates: [], errors: [], skipped: issue.reason };
  const pieceBytes = options.pieceBytes ?? PEM_PIECE_BYTES;
  const maxWholeFileBytes = options.maxWholeFileBytes ?? MAX_WHOLE_FILE_BYTES;
  for (const file of found.files) {
    const location: CertificateLocation = options.host
      ? { kind: 'file', path: file.path, host: options.host }
      : { kind: 'file', path: file.path };
    try {
      if (file.size > pieceBytes && (await startsAsText(file.path))) {
        yield* readInPieces(file, location, pieceBytes);
      } else if (file.size > maxWholeFileBytes) {
        yield tooLarge(file, maxWholeFileBytes);
      } else {
        const bytes = await fs.promises.readFile(file.path);
        yield decodeCertificateFile({ name: file.path, bytes, location }, options.passwords);
      }
    } catch (error) {
      yield { name: file.path, certificates: [], errors: [`${file.path}: ${(error as Error).message}`] };
    }
  }
}

/** Yields a large PEM file piece by piece: the pieces with certificates or errors, then the file's verdict. */
async function* readInPieces(
  file: FoundFile,
  location: CertificateLocation,
  pieceBytes: number,
): AsyncIterable<FoundCertificates> {
  const seen = { certificates: 0, errors: 0, skipped: [] as string[], hadBlocks: false };
  let yielded = false;
  const part = (found: Omit<FoundCertificates, 'name' | 'location' | 'continues'>): FoundCertificates => {
    const continues = yielded;
    yielded = true;
    return { name: file.path, location, ...found, continues };
  };
  const stream = fs.createReadStream(file.path, { highWaterMark: Math.min(64 * 1024, pieceBytes) });
  try {
    for await (const piece of pemPieces(stream, { pieceBytes, maxBlockBytes: MAX_PEM_BLOCK_BYTES })) {
      const decoded = decodePemPiece(piece, file.path);
      seen.certificates += decoded.certificates.length;
      seen.errors += decoded.errors.length;
      if (seen.skipped.length === 0) seen.skipped.push(...decoded.skipped.slice(0, 1));
      seen.hadBlocks ||= decoded.hadBlocks;
      if (decoded.certificates.length + decoded.errors.length > 0) {
        yield part({ certificates: decoded.certificates, errors: decoded.errors });
      }
    }
  } catch (error) {
    // The pieces before stay imported (R-INV-4); the file is a failure naming what went wrong (a read error, or
    // a PemBlockTooLargeError saying where).
    yield part({ certificates: [], errors: [`${file.path}: ${(error as Error).message}`] });
    return;
  } finally {
    stream.destroy();
  }
  const verdict = pemFileVerdict(file.path, seen);
  if (verdict === null) return;
  yield 'error' in verdict
    ? part({ certificates: [], errors: [verdict.error] })
    : part({ certificates: [], errors: [], skipped: verdict.skipped });
}

/** A binary file past the limit: an error when its name promises certificates, else passed over. */
function tooLarge(file: FoundFile, limit: number): FoundCertificates {
  const size = `${file.size.toLocaleString('en-US')} bytes`;
  if (!CERTIFICATE_FILE.test(file.path)) {
    return {
      name: file.path,
      certificates: [],
      errors: [],
      skipped: `${size} of binary data, over the ${limit.toLocaleString('en-US')}-byte limit: not certificate material`,
    };
  }
  return {
    name: file.path,
    certificates: [],
    errors: [
      `${file.path}: ${size}, over the ${limit.toLocaleString('en-US')}-byte limit for a DER, PKCS#7 or PKCS#12 ` +
        'file, which is read whole — convert it to PEM (openssl pkcs7 -print_certs, openssl pkcs12 -nokeys), ' +
        'which certflow reads in pieces of any size',
    ],
  };
}

/** True when the file's first bytes are text without a UTF-16 byte-order mark: PEM, or prose. */
async function startsAsText(filePath: string): Promise<boolean> {
  const handle = await fs.promises.open(filePath, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(512), 0, 512, 0);
    return buffer
      .subarray(0, bytesRead)
      .every(
        (byte) => byte >= 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === 0x0c || byte === 0x0b,
      );
  } finally {
    await handle.close();
  }
}
