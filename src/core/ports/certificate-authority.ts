/**
 * The CA port (R-REN-1): issue a certificate for a CSR, revoke one, and describe the issuing chain. certflow's
 * internal CA is the first adapter; ACME and commercial CAs follow the same interface (Lemur's issuer plugins).
 */
import type { PolicyViolation } from '../domain/inventory/model';
import type { RevocationReason } from '../domain/lifecycle/model';

/** What to issue. The CA takes names from the request, never from the CSR alone. */
export interface IssueRequest {
  /** Same key, same certificate: a retried issuance returns the certificate issued the first time. */
  readonly idempotencyKey: string;
  /** PKCS#10, PEM; its signature proves possession of the key. */
  readonly csrPem: string;
  /** RFC 4514 DN of the subject. */
  readonly subject: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  /** Requested lifetime; the CA may shorten it to its own maximum. */
  readonly validityDays: number;
}

/** A certificate the CA issued. */
export interface IssuedCertificate {
  readonly certificatePem: string;
  /** Issuing CA first, up to (excluding) the root. */
  readonly chainPems: readonly string[];
  /** The root the chain ends at, PEM: what verification trusts. */
  readonly rootPem: string;
  readonly fingerprintSha256: string;
  /** Hex, lower case. */
  readonly serialNumber: string;
  /** ISO 8601 UTC. */
  readonly notBefore: string;
  readonly notAfter: string;
  /** SHA-256 fingerprint of the issuing CA certificate. */
  readonly issuerFingerprintSha256: string;
}

/** What to revoke. */
export interface RevokeRequest {
  readonly idempotencyKey: string;
  /** Hex, any case. */
  readonly serialNumber: string;
  /** RFC 4514 DN of the certificate's issuer: the CA checks it is the one. */
  readonly issuer: string;
  readonly reason: RevocationReason;
}

/** A revocation as recorded by the CA. */
export interface RevocationRecord {
  readonly serialNumber: string;
  /** ISO 8601 UTC. */
  readonly revokedAt: string;
  readonly reason: RevocationReason;
  /** False when it was already revoked (a retry). */
  readonly newlyRevoked: boolean;
  /** Where relying parties find the revocation (the CRL URL). */
  readonly publishedAt: string | null;
}

/** A CA's renewal suggestion for one certificate (ACME Renewal Information, RFC 9773). */
export interface RenewalInfo {
  /** ISO 8601 UTC: renew at a random time inside this window. */
  readonly suggestedWindow: { readonly start: string; readonly end: string };
  /** Why the window moved, for people (e.g. the CA's incident report), or null. */
  readonly explanationUrl: string | null;
  /** When to ask again (the CA's Retry-After), in seconds, or null when it did not say. */
  readonly retryAfterSeconds: number | null;
}

/** A certificate authority certflow can issue from. */
export interface CertificateAuthorityPort {
  /** Stable name used in configuration and audit entries, e.g. `internal`. */
  readonly name: string;
  issue(request: IssueRequest): Promise<IssuedCertificate>;
  /** Revokes a certificate this CA issued; idempotent. Throws CaRejectedError for a certificate it did not issue. */
  revoke(request: RevokeRequest): Promise<RevocationRecord>;
  /** Whether this CA issued certificates with this issuer DN, so revocation can go through it. */
  issues(issuerDn: string): Promise<boolean>;
  /**
   * The CA's suggested renewal window for a certificate it issued (R-REN-3), or null when it offers none; absent on
   * CAs that have no renewal information at all.
   */
  renewalInfo?(certificateDer: Uint8Array): Promise<RenewalInfo | null>;
}

/** The CA refused the request for good (bad CSR, name not allowed, unknown certificate): retrying cannot help. */
export class CaRejectedError extends Error {
  override readonly name = 'CaRejectedError';
}

/**
 * The CA refused to issue a certificate the policy in force would flag (R-POL-6): the message names each rule and
 * its fix, and `violations` lists them. Permanent like every CaRejectedError: the request must change, or the policy.
 */
export class CaPolicyRejectedError extends CaRejectedError {
  constructor(
    message: string,
    readonly violations: readonly PolicyViolation[],
  ) {
    super(message);
  }
}

/** The CA cannot be reached or failed; retrying later may help. */
export class CaUnavailableError extends Error {
  override readonly name = 'CaUnavailableError';
  constructor(
    message: string,
    /** How long the CA asked certflow to wait (its Retry-After, e.g. when rate limited), in seconds; null: not said. */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
  }
}
