/**
 * A CA's issuance record as an import source (R-INV-2, CA import): an OpenSSL CA database or certflow's internal
 * CA. Its certificates come as any CertificateSource's do; beside them it knows which ones the CA revoked, which the
 * import records before assigning managed certificates, so a revoked certificate never becomes one's version.
 */
import type { CertificateSource } from './certificate-source';

/** A revocation the CA recorded: when (ISO 8601 UTC) and the RFC 5280 reason name (`keyCompromise` …). */
export interface RecordedRevocation {
  readonly at: string;
  readonly reason: string;
}

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
  /** The certificates, one place per record entry; an entry that cannot be read is that place's error. */
  readonly certificates: CertificateSource;
  /** The revocation of a certificate `certificates` has yielded, by SHA-256 fingerprint; undefined when valid. */
  revocationOf(fingerprint: string): RecordedRevocation | undefined;
  /** Entries yielded so far by status: complete once `certificates` is exhausted. */
  counts(): CaRecordCounts;
}
