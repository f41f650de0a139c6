/**
 * The deploy port (R-REN-2): install a certificate, its chain and key where it is used, verify that it is really
 * served, and put the previous one back when verification fails. Adapters: PEM files with a reload command, and a
 * TLS endpoint certflow manages.
 */
import type { CertificateLocation } from '../domain/inventory/model';
import type { KeyRef } from './key-store';

/** What to install at one location. */
export interface InstallRequest {
  /** Same key, same installation: a retry finds the certificate already in place and does nothing. */
  readonly idempotencyKey: string;
  readonly location: CertificateLocation;
  readonly certificatePem: string;
  /** Issuing CA first, excluding the root. */
  readonly chainPems: readonly string[];
  readonly keyRef: KeyRef;
  readonly fingerprintSha256: string;
}

/** What an installation did. */
export interface InstallResult {
  readonly location: CertificateLocation;
  /** False when the certificate was already installed (a retry). */
  readonly changed: boolean;
  /** Fingerprint of what was there before, when known: what a rollback restores. */
  readonly previousFingerprint: string | null;
  /** What was written or reloaded, for the audit log (paths, endpoint). */
  readonly detail: string;
}

/** What to check after installing. */
export interface VerifyRequest {
  readonly location: CertificateLocation;
  readonly expectedFingerprint: string;
  /** The root to build the served chain up to, PEM. */
  readonly trustAnchorPems: readonly string[];
  /** Names the served certificate must cover (DNS names and IPs). */
  readonly names: readonly string[];
}

/** The outcome of a verification; `problems` says what is wrong in words a person can act on. */
export interface VerificationResult {
  readonly location: CertificateLocation;
  readonly ok: boolean;
  /** Fingerprint actually served or found, or null when nothing could be read. */
  readonly servedFingerprint: string | null;
  readonly chainComplete: boolean;
  readonly namesMatch: boolean;
  readonly problems: readonly string[];
}

/** Installs certificates at the locations it supports. */
export interface Deployer {
  /** Adapter name for audit entries: `files`, `tls-endpoint`. */
  readonly name: string;
  supports(location: CertificateLocation): boolean;
  install(request: InstallRequest): Promise<InstallResult>;
  /** Checks over the network or on disk that the expected certificate is in use with a complete chain. */
  verify(request: VerifyRequest): Promise<VerificationResult>;
  /** Restores what `install` replaced for this key; nothing to restore is fine. */
  rollback(input: { readonly idempotencyKey: string; readonly location: CertificateLocation }): Promise<void>;
}

/** No deployer handles a location, or a deployer refuses it for good: retrying cannot help. */
export class DeployRejectedError extends Error {
  override readonly name = 'DeployRejectedError';
}
