/**
 * Where an import finds certificates (R-INV-2): files and folders today, network endpoints next. A source reads
 * and decodes its own formats (PKCS#12 passwords, TLS handshakes) and yields, place by place, what it found there;
 * the import use case stores it the same way whatever the source.
 */
import type { ParsedCertificate } from '../domain/certificates/certificate-facts';
import type { CertificateLocation, CertificateRevocation } from '../domain/inventory/model';

/** What a source found at one place: the certificates there, the problems reading them, or why it passed it over. */
export interface FoundCertificates {
  /** Shown in reports and audit entries: a path or host:port. */
  readonly name: string;
  /** Where the certificates are installed, when the source says so (a file path, an endpoint). */
  readonly location?: CertificateLocation;
  readonly certificates: readonly ParsedCertificate[];
  /**
   * Revocations of some of `certificates`, by SHA-256 fingerprint: the import records them before it assigns managed
   * certificates, so a revoked certificate never becomes one's version and no lifecycle starts for it.
   */
  readonly revocations?: ReadonlyMap<string, CertificateRevocation>;
  /**
   * Problems the user must fix (missing file, no permission, a corrupt block, a wrong password), each a whole report
   * line; the certificates found are still imported and the import goes on (R-INV-4).
   */
  readonly errors: readonly string[];
  /** Set for places deliberately passed over (too large, not a certificate file): reported, no error. */
  readonly skipped?: string;
  /**
   * True when this is a later part of the place yielded just before: a source reads a large bundle in pieces so
   * memory stays bounded, and the import counts the place once.
   */
  readonly continues?: boolean;
}

/** A certificate source: read one place at a time, so a source may stream more places than fit in memory. */
export type CertificateSource = AsyncIterable<FoundCertificates> | Iterable<FoundCertificates>;
