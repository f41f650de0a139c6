/**
 * certflow's internal CA's issuance record as a certificate source (R-INV-2, CA import): its root and issuing CA
 * certificates from `authority/`, every certificate it issued from `issued/<serial>.json`, and the revocations of
 * `revocations.json` (the issuing CA's) and `root-revocations.json` (the root's). Read only: the CA need not be
 * open, and its passphrase is not needed, since none of these files is encrypted.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ParsedCertificate } from '../../core/domain/certificates/certificate-facts';
import { decodeCertificates } from '../../core/domain/certificates/decode-certificates';
import type { CertificateRevocation } from '../../core/domain/inventory/model';
import type { CaRecordSource } from '../../core/ports/ca-record-source';
import type { FoundCertificates } from '../../core/ports/certificate-source';
import { errorCode } from '../shared/durable-file';
import { readJson } from './internal-ca-files';
import type { IssuedRecord } from './internal-ca-issuance';
import { canonicalSerial, type RevocationState } from './internal-ca-revocation';

/** There is no internal CA in the folder: certflow's worker creates it the first time it starts. */
export class NoInternalCaError extends Error {
  override readonly name = 'NoInternalCaError';
  constructor(readonly folder: string) {
    super(
      `no internal CA in ${folder}: the worker creates it when it first starts (certflow start); ` +
        'run this where the worker runs, with the same CERTFLOW_DATA_DIR',
    );
  }
}

/** Options of {@link readInternalCaRecord}. */
export interface InternalCaRecordOptions {
  /** Tells expired certificates from valid ones. */
  readonly now: () => Date;
}

/** The files of a folder, sorted; an empty list when there is no such folder. */
async function filesIn(folder: string, keep: (name: string) => boolean): Promise<string[]> {
  const names = await readdir(folder).catch((error: unknown) => {
    if (errorCode(error) === 'ENOENT') return [];
    throw error;
  });
  return names
    .filter(keep)
    .sort()
    .map((name) => path.join(folder, name));
}

/** The revoked serials of one revocation file, by canonical serial. */
async function revokedSerials(file: string): Promise<Map<string, CertificateRevocation>> {
  const state = await readJson<RevocationState>(file);
  return new Map(
    (state?.revoked ?? []).map((entry) => [entry.serialNumber, { revokedAt: entry.revokedAt, reason: entry.reason }]),
  );
}

/**
 * Opens the record of the internal CA in `folder` (`<CERTFLOW_DATA_DIR>/ca/internal`). Throws NoInternalCaError when
 * there is no CA there; a record file that cannot be read is that file's error when the source is iterated.
 */
export async function readInternalCaRecord(folder: string, options: InternalCaRecordOptions): Promise<CaRecordSource> {
  const authority = await filesIn(path.join(folder, 'authority'), (name) =>
    /^(root|issuing(-[0-9a-f]+)?)\.pem$/.test(name),
  );
  if (!authority.some((file) => path.basename(file) === 'issuing.pem')) throw new NoInternalCaError(folder);
  const counts = { valid: 0, revoked: 0, expired: 0 };

  /** Counts the certificate by status and yields it with its revocation from `revoked`, the list of the CA that signed it. */
  const found = (
    name: string,
    certificate: ParsedCertificate,
    revoked: ReadonlyMap<string, CertificateRevocation>,
  ): FoundCertificates => {
    const revocation = revoked.get(canonicalSerial(certificate.facts.serialNumber) ?? '');
    if (revocation !== undefined) {
      counts.revoked += 1;
      return {
        name,
        certificates: [certificate],
        errors: [],
        revocations: new Map([[certificate.facts.fingerprintSha256, revocation]]),
      };
    }
    if (Date.parse(certificate.facts.notAfter) < options.now().getTime()) counts.expired += 1;
    else counts.valid += 1;
    return { name, certificates: [certificate], errors: [] };
  };
  const failed = (name: string, error: unknown): FoundCertificates => ({
    name,
    certificates: [],
    errors: [`${name}: ${error instanceof Error ? error.message : String(error)}`],
  });

  // Read before anything is imported: a damaged list stops the import rather than import revoked ones as valid.
  const rootRevoked = await revokedSerials(path.join(folder, 'root-revocations.json'));
  const issuingRevoked = await revokedSerials(path.join(folder, 'revocations.json'));

  async function* certificates(): AsyncIterable<FoundCertificates> {
    for (const file of authority) {
      try {
        const decoded = decodeCertificates(await readFile(file), file);
        const certificate = decoded.certificates[0];
        // The root's list names the issuing CA certificates it revoked; the root itself is never on it.
        yield certificate === undefined
          ? failed(file, 'holds no readable certificate — restore the CA folder from a backup')
          : found(file, certificate, path.basename(file) === 'root.pem' ? new Map() : rootRevoked);
      } catch (error) {
        yield failed(file, error);
      }
    }
    for (const file of await filesIn(path.join(folder, 'issued'), (name) => name.endsWith('.json'))) {
      try {
        const record = await readJson<IssuedRecord>(file);
        const decoded = decodeCertificates(Buffer.from(record?.certificate?.certificatePem ?? ''), file);
        const certificate = decoded.certificates[0];
        yield certificate === undefined
          ? failed(file, `holds no readable certificate — restore the CA folder from a backup`)
          : found(file, certificate, issuingRevoked);
      } catch (error) {
        yield failed(file, error);
      }
    }
  }

  return {
    name: folder,
    certificates: certificates(),
    counts: () => ({ ...counts }),
  };
}
