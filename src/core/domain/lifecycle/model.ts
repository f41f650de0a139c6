/**
 * The lifecycle of a managed certificate as workflows, activities, the CLI and the bots see it: who acts, what a
 * renewal or revocation request is, where a lifecycle stands. Plain JSON data, safe in workflow history.
 */
import type { KeyAlgorithm } from '../certificates/certificate-facts';
import type { CertificateLocation } from '../inventory/model';

/**
 * Someone or something acting on certflow. `id` is a principal: `slack:U024BE7LH`, `email:alice@example.com`,
 * `jira:<account id>`, `user:<login>` (the CLI), `system` (the schedule) or `campaign:<id>`.
 */
export interface Actor {
  readonly id: string;
  /** How to show the actor to people; the id when absent. */
  readonly displayName?: string;
  /** Other principals of the same person, e.g. the e-mail address Slack knows for a Slack user (R-SEC-2). */
  readonly aliases?: readonly string[];
}

/** Roles of R-SEC-2, as far as a lifecycle checks them. */
export type Role = 'owner' | 'approver' | 'security-lead' | 'admin';

/** What a notification, a ticket or an approver needs to know about one version of a managed certificate. */
export interface CertificateSummary {
  /** Stable id of the managed certificate (the inventory id of its first version). */
  readonly managedCertificateId: string;
  /** Inventory id (first 16 hex digits of the fingerprint) of this version. */
  readonly id: string;
  readonly fingerprintSha256: string;
  readonly serialNumber: string;
  readonly subject: string;
  readonly commonName: string | null;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly issuer: string;
  /** ISO 8601 UTC. */
  readonly notBefore: string;
  readonly notAfter: string;
  readonly keyAlgorithm: KeyAlgorithm;
  readonly keySize: number | null;
  readonly curve: string | null;
  readonly locations: readonly CertificateLocation[];
  readonly ownerGroup: string | null;
  readonly application: string | null;
}

/** A key pair to generate. ECDSA P-256 is certflow's default. */
export type KeySpec =
  | { readonly algorithm: 'EC'; readonly curve: 'P-256' | 'P-384' }
  | { readonly algorithm: 'RSA'; readonly bits: 2048 | 3072 | 4096 };

/** Who or what asked for a request. */
export type RequestSource = 'owner' | 'schedule' | 'campaign' | 'security';

/** A renewal replaces the certificate; a revocation revokes it (after replacing it, unless told not to). */
export type RequestKind = 'renewal' | 'revocation';

/** RFC 5280 CRL reason codes certflow uses. */
export const REVOCATION_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
] as const;

/** One of {@link REVOCATION_REASONS}. */
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

/** Where a request stands. */
export type RequestStatus = 'awaiting-approval' | 'approved' | 'rejected' | 'completed' | 'failed' | 'superseded';

/** A renewal or revocation request and its approval (R-RA-1 … R-RA-3). */
export interface LifecycleRequest {
  /** `<managed id>.<cycle>.<n>`: names its workflow, so the CLI and Slack need no lookup. */
  readonly id: string;
  readonly kind: RequestKind;
  readonly source: RequestSource;
  readonly requestedBy: Actor;
  /** ISO 8601 UTC. */
  readonly requestedAt: string;
  readonly reason: string;
  readonly status: RequestStatus;
  /** Campaign that asked for it, if any. */
  readonly campaignId: string | null;
  /** Set for revocations. */
  readonly revocationReason: RevocationReason | null;
  /** Revocations: issue and install a replacement first (default), or only revoke. */
  readonly replace: boolean;
  readonly decidedBy: Actor | null;
  readonly decidedAt: string | null;
  /** The approver's rejection reason or note. */
  readonly decisionReason: string | null;
  /** How often approvers were reminded of it (R-RA-3). */
  readonly approvalReminders: number;
  readonly approvalEscalated: boolean;
  /** Why the request failed, when it did. */
  readonly failure: string | null;
}

/** Where a lifecycle stands. */
export type LifecyclePhase =
  | 'monitoring'
  | 'awaiting-approval'
  | 'issuing'
  | 'installing'
  | 'verifying'
  | 'revocation-pending'
  | 'expired'
  | 'retired';

/** A change ticket (Jira in production). */
export interface TicketRef {
  readonly key: string;
  readonly url: string;
}

/** One thing the lifecycle did that someone saw: a notification sent, a ticket opened or changed. */
export interface LifecycleRecord {
  /** ISO 8601 UTC (workflow time). */
  readonly at: string;
  /** `reminder`, `ticket.opened`, `approval.requested`, `escalation`, `certificate.issued`, … */
  readonly kind: string;
  readonly detail: string;
}
