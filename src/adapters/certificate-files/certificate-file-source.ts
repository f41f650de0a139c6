import fs from 'node:fs/promises';
import type { CertificateLocation } from '../../core/domain/inventory/model';
import type { FoundCertificates } from '../../core/ports/certificate-source';
import { decodeCertificateFile } from './decode-certificate-file';
import { findCertificateFiles } from './find-certificate-files';

/** Options of {@link certificateFileSource}. */
export interface CertificateFileSourceOptions {
  /** Host name recorded in the file locations of the certificates read. */
  readonly host?: string;
  /** PKCS#12 passwords to try in order; the empty password is always tried first. */
  readonly passwords?: readonly string[];
  /** Called once the files are found, before reading them, with how many places the source will yield. */
  readonly onFilesFound?: (count: number) => void;
}

/**
 * The certificate source of files and folders (recursively): paths that cannot be walked come first as errors, then
 * those passed over, then each file read and decoded; a file that cannot be read is an error, never fatal.
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
  for (const file of found.files) {
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(file.path);
    } catch (error) {
      yield { name: file.path, certificates: [], errors: [`${file.path}: ${(error as Error).message}`] };
      continue;
    }
    const location: CertificateLocation = options.host
      ? { kind: 'file', path: file.path, host: options.host }
      : { kind: 'file', path: file.path };
    yield decodeCertificateFile({ name: file.path, bytes, location }, options.passwords);
  }
}
