/**
 * A CA's issuance record as an import source (R-INV-2, CA import): an OpenSSL CA database or certflow's internal
 * CA. Its certificates come as any CertificateSource's do, each entry's revocation with it.
 */
import type { CertificateSource } from './certificate-source';

/** The record's entries whose certificates the source yielded, by the status the CA gave them. */
export interface CaRecordCounts {
  readonly valid: number;
  readonly revoked: number;
  readonly expired: number;
}

/** One CA's issuance record, read as it is iterated. */
export interface CaRecordSource {
  /** The index file or CA folder, for reports. */
  readonly name: string;
  /**
   * The certificates, one place per record entry with its revocation when the CA revoked it; an entry that cannot be
   * read is that place's error.
   */
  readonly certificates: CertificateSource;
  /** Entries yielded so far by status: complete once `certificates` is exhausted. */
  counts(): CaRecordCounts;
}
