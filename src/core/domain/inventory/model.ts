/**
 * The inventory's records beside the parsed certificate (R-INV-1 metadata, R-OWN-1 owner groups, R-POL-6 policy
 * results, R-LOG-1 audit entries). Plain JSON data shared by the store, the importers, the CLI and workflows.
 */
import type { CertificateFacts } from '../certificates/certificate-facts';

/** Where a certificate is installed: a TLS endpoint or a file on a host. */
export type CertificateLocation =
  | { readonly kind: 'endpoint'; readonly host: string; readonly port: number; readonly sni?: string }
  | { readonly kind: 'file'; readonly path: string; readonly host?: string };

/** Metadata kept beside a certificate (R-INV-1). Lists are sets; absent scalars are null. */
export interface CertificateMetadata {
  readonly locations: readonly CertificateLocation[];
  /** Id of the owning group (R-OWN-1), or null while unassigned. */
  readonly ownerGroup: string | null;
  /** People to remind: e-mail addresses or Slack user ids. */
  readonly contacts: readonly string[];
  /** People who may approve this certificate's renewals, beyond the group's approvers. */
  readonly approvers: readonly string[];
  /** e.g. `web server`, `load balancer`, `mail relay`. */
  readonly systemType: string | null;
  /** Business application the certificate serves. */
  readonly application: string | null;
  /** Applicable regulations: `PCI-DSS`, `HIPAA` … */
  readonly regulations: readonly string[];
  readonly tags: readonly string[];
}

/** A change to metadata: lists are added to (set union), scalars replace when given. */
export type CertificateMetadataPatch = {
  readonly [K in keyof CertificateMetadata]?: CertificateMetadata[K];
};

/** Metadata with nothing set. */
export const EMPTY_METADATA: CertificateMetadata = {
  locations: [],
  ownerGroup: null,
  contacts: [],
  approvers: [],
  systemType: null,
  application: null,
  regulations: [],
  tags: [],
};

/** A person reachable in Slack and Jira. At least one of the identities is set. */
export interface Person {
  readonly name?: string;
  readonly email?: string;
  readonly slackUserId?: string;
  readonly jiraAccountId?: string;
}

/** A functional group that owns certificates (R-OWN-1): never one person. */
export interface OwnerGroup {
  /** Stable slug, e.g. `payments-web`. */
  readonly id: string;
  readonly name: string;
  readonly contacts: readonly Person[];
  readonly approvers: readonly Person[];
  readonly managementContact: Person | null;
  readonly incidentResponseContact: Person | null;
  /**
   * Where the group is in Slack: its channel, the Slack user group whose members are its owners, and the one whose
   * members are its approvers (R-SEC-2); user group members hold the role for as long as Slack lists them.
   */
  readonly slack: {
    readonly userGroupId?: string;
    readonly approverUserGroupId?: string;
    readonly channelId?: string;
  };
  readonly jira: { readonly group?: string; readonly projectKey?: string };
  /** Group override of the reminder offsets in days before notAfter (R-MON-1), or null for the policy's. */
  readonly reminderDays: readonly number[] | null;
  /** The schedule requests renewal at the ticket instant by itself, pre-approved by this setting (audited). */
  readonly autoRenew: boolean;
  /**
   * The issuer that renews the group's certificates (issue 19), e.g. `acme:pebble`; absent or null: the policy's,
   * else the issuer of the current version, else the default.
   */
  readonly issuer?: string | null;
}

/** Severity of a policy violation, most severe first. */
export type ViolationSeverity = 'critical' | 'high' | 'medium' | 'low';

/** One broken policy rule for one certificate (R-POL-6): the rule, what is wrong, and the fix. */
export interface PolicyViolation {
  /** Requirement id of the rule, e.g. `R-POL-4`. */
  readonly ruleId: string;
  /** Stable rule name, e.g. `signature-algorithm`. */
  readonly rule: string;
  readonly severity: ViolationSeverity;
  readonly message: string;
  readonly remedy: string;
}

/** The result of evaluating one certificate against one policy version. */
export interface PolicyResult {
  readonly fingerprintSha256: string;
  /** Content hash of the policy evaluated, so a policy change is detectable. */
  readonly policyVersion: string;
  readonly compliant: boolean;
  readonly violations: readonly PolicyViolation[];
  readonly evaluatedAt: string;
}

/** A certificate as the inventory holds it. */
export interface InventoryCertificate {
  /** Short stable id (first 16 hex digits of the SHA-256 fingerprint) for humans and URLs. */
  readonly id: string;
  readonly facts: CertificateFacts;
  readonly metadata: CertificateMetadata;
  /** Fingerprint of the issuing certificate when it is in the inventory. */
  readonly issuerFingerprint: string | null;
  /** Latest policy result, or null before the first evaluation. */
  readonly policy: PolicyResult | null;
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
  /** Set once the certificate is known revoked (by certflow, or its CA's record): the first revocation counts. */
  readonly revocation: CertificateRevocation | null;
}

/** When a certificate was revoked (ISO 8601 UTC) and the RFC 5280 reason name (`keyCompromise` …). */
export interface CertificateRevocation {
  readonly revokedAt: string;
  readonly reason: string;
}

/** One entry of the append-only audit log (R-LOG-1): who did what, when, where. */
export interface AuditEntry {
  /** Monotonic sequence number assigned by the store. */
  readonly seq: number;
  /** ISO 8601 UTC. */
  readonly at: string;
  /** Who: `user:<name>`, `slack:<user id>`, `system`, `workflow:<id>`. */
  readonly actor: string;
  /** What, as `<noun>.<verb>`: `certificate.imported`, `group.updated`, `policy.evaluated` … */
  readonly action: string;
  /** The thing acted on: a fingerprint, a group id, a file path. */
  readonly subject: string;
  /** Where: host name, source path, `cli`, `slack`, workflow id. */
  readonly where: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** An audit entry before the store numbers it; `idempotencyKey` makes a retried append a no-op. */
export type NewAuditEntry = Omit<AuditEntry, 'seq'> & { readonly idempotencyKey?: string };
