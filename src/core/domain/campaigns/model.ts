/**
 * Crypto-agility campaigns (NIST SP 1800-16B 3.3, 5.1.12; R-CAM-1 … R-CAM-4): what a security lead launches, the
 * states a selected certificate goes through, and the progress everybody watches. Pure types, shared by the
 * workflow, the store, the Slack app, Jira and the CLI.
 */
import type { KeyAlgorithm, SignatureHash } from '../certificates/certificate-facts';
import type { Actor } from '../lifecycle/model';

/** Why a campaign runs; it sets the revocation reason of the replaced certificates. */
export type CampaignKind = 'ca-compromise' | 'algorithm-deprecation' | 'weak-key' | 'key-generation-bug' | 'other';

/** Every campaign kind, in the order help texts list them. */
export const CAMPAIGN_KINDS: readonly CampaignKind[] = [
  'ca-compromise',
  'algorithm-deprecation',
  'weak-key',
  'key-generation-bug',
  'other',
];

/**
 * Which certificates a campaign replaces (R-CAM-1). Every given field must match (AND); a list matches when any of
 * its values does. Only the current versions of active managed end-entity certificates are ever selected.
 */
export interface CampaignSelector {
  /** Issuer DN, compared after DN normalisation (attribute order and case of the attribute names kept as parsed). */
  readonly issuerDn?: string;
  /** SHA-256 fingerprint (hex) of the issuing CA certificate. */
  readonly issuerFingerprint?: string;
  /** Signature hash of the certificate's signature algorithm, any of (e.g. `SHA-1`). */
  readonly signatureHashes?: readonly Exclude<SignatureHash, null>[];
  readonly keyAlgorithm?: KeyAlgorithm;
  /** Keys strictly shorter than this many bits (with `keyAlgorithm`, keys of that algorithm only). */
  readonly keySizeBelow?: number;
  /** ISO 8601 UTC, inclusive: notBefore at or after this instant. */
  readonly notBeforeFrom?: string;
  /** ISO 8601 UTC, exclusive: notBefore before this instant. */
  readonly notBeforeUntil?: string;
  /** Globs on the subject CN and DNS SANs, any of; `*` matches any run of characters (`*.example.com`). */
  readonly names?: readonly string[];
  /** Owner group ids, any of. */
  readonly ownerGroups?: readonly string[];
  /** Tags, any of. */
  readonly tags?: readonly string[];
  /** Policy rule ids the certificate violates, any of (`R-POL-3`). */
  readonly violations?: readonly string[];
}

/**
 * Where one selected certificate stands in a campaign (R-CAM-3). `pending` until the campaign asks its lifecycle
 * for the renewal; `failed` after an attempt failed (retried until the campaign's attempts run out); `skipped` when
 * there is nothing to replace any more (retired, expired, replaced outside certflow, campaign cancelled).
 */
export type CampaignMemberState =
  | 'pending'
  | 'awaiting-approval'
  | 'approved'
  | 'issued'
  | 'installed'
  | 'verified'
  | 'old-revoked'
  | 'failed'
  | 'skipped';

/** Every member state in lifecycle order. */
export const CAMPAIGN_MEMBER_STATES: readonly CampaignMemberState[] = [
  'pending',
  'awaiting-approval',
  'approved',
  'issued',
  'installed',
  'verified',
  'old-revoked',
  'failed',
  'skipped',
];

/** States in which a member needs nothing more from the campaign. */
export const FINISHED_MEMBER_STATES: readonly CampaignMemberState[] = ['old-revoked', 'skipped'];

/** Exact number of members in each state. */
export type CampaignStateCounts = Record<CampaignMemberState, number>;

/** Owner group key of members without an owner group. */
export const NO_OWNER_GROUP = '(no group)';

/**
 * Lifecycle of the campaign itself. It ends `completed` when no member failed, `completed-with-failures` when some
 * were replaced and some failed, `failed` when members failed and none was replaced, or `cancelled`.
 */
export type CampaignStatus = 'running' | 'paused' | 'cancelled' | 'completed' | 'completed-with-failures' | 'failed';

/** Statuses of a campaign that has ended: nothing more happens to it. */
export const ENDED_CAMPAIGN_STATUSES: readonly CampaignStatus[] = [
  'completed',
  'completed-with-failures',
  'failed',
  'cancelled',
];

/** Whether a campaign in this status has ended. */
export function campaignEnded(status: CampaignStatus): boolean {
  return ENDED_CAMPAIGN_STATUSES.includes(status);
}

/** What a security lead launches (R-CAM-1, R-CAM-2). */
export interface CampaignDefinition {
  /** Short id, e.g. `cmp-20261201-7f3a2c`; names the workflow `certflow-campaign-<id>`. */
  readonly id: string;
  /** Human title, e.g. "Replace certificates of Old Issuing CA". */
  readonly title: string;
  readonly kind: CampaignKind;
  /** Why (required), e.g. "CA X compromised". */
  readonly reason: string;
  readonly selector: CampaignSelector;
  /** ISO 8601 UTC: every member should be replaced by then; groups not done are escalated. */
  readonly deadline: string;
  readonly launchedBy: Actor;
  /** ISO 8601 UTC. */
  readonly launchedAt: string;
  /** The launching security lead pre-approves every renewal (emergency policy), audited per certificate. */
  readonly emergency: boolean;
  /** Renewals under way at once (dispatched and not yet finished, awaiting approval excluded). */
  readonly parallelism: number;
  /** Attempts per certificate before it stays failed. */
  readonly maxAttempts: number;
  /** Slack channel of the progress message, when the campaign reports to Slack. */
  readonly channelId: string | null;
  /**
   * The issuer every member is renewed through (issue 19: moving certificates away from a compromised CA), e.g.
   * `acme:pebble`; absent or null: each certificate's usual issuer (owner group, policy, current issuer, default).
   */
  readonly issuer?: string | null;
}

/** One owner group's share of a campaign. */
export interface CampaignGroupProgress {
  /** Owner group id, or {@link NO_OWNER_GROUP}. */
  readonly group: string;
  readonly total: number;
  readonly counts: CampaignStateCounts;
  /** Members in a finished state ({@link FINISHED_MEMBER_STATES}). */
  readonly done: number;
}

/** Answer of the campaign's progress query (R-CAM-3): exact counts, overall and per owner group. */
export interface CampaignProgress {
  readonly campaign: CampaignDefinition;
  readonly status: CampaignStatus;
  /** Why it is paused or was cancelled, and by whom. */
  readonly statusReason: string | null;
  readonly total: number;
  readonly counts: CampaignStateCounts;
  readonly done: number;
  /** Sorted by group id. */
  readonly groups: readonly CampaignGroupProgress[];
  /** Groups not done, least done first (the laggards). */
  readonly laggards: readonly CampaignGroupProgress[];
  /** Attempts that failed so far, retried or not. */
  readonly failedAttempts: number;
  /**
   * Why attempts failed (a lifecycle's refusal, a failed step), most frequent first, at most a few; absent in the
   * progress of campaigns from before it was kept.
   */
  readonly failureReasons?: ReadonlyArray<{ readonly reason: string; readonly count: number }>;
  /** ISO 8601 UTC when 50 %, 90 % and 100 % of the members were finished, once reached. */
  readonly milestones: { readonly p50: string | null; readonly p90: string | null; readonly p100: string | null };
  /** The deadline passed and the laggards were escalated. */
  readonly escalated: boolean;
  /** ISO 8601 UTC of this answer (workflow time). */
  readonly asOf: string;
}

/** A selected certificate as the campaign store keeps it. */
export interface CampaignMember {
  readonly campaignId: string;
  readonly managedCertificateId: string;
  /** The certificate version selected for replacement. */
  readonly fingerprintSha256: string;
  /** Owner group at enrolment ({@link NO_OWNER_GROUP} when none): progress is counted per this group. */
  readonly ownerGroup: string;
  readonly subject: string;
  readonly notAfter: string;
  readonly state: CampaignMemberState;
  /** Renewal attempts asked for so far. */
  readonly attempts: number;
  /** The failure or skip reason, when there is one. */
  readonly detail: string | null;
  /** ISO 8601 UTC. */
  readonly enrolledAt: string;
  readonly updatedAt: string;
  /** When it reached a finished state. */
  readonly finishedAt: string | null;
}

/** What a preview shows before anything starts (R-CAM-1). */
export interface CampaignPreview {
  readonly selector: CampaignSelector;
  readonly total: number;
  readonly byOwnerGroup: ReadonlyArray<{ readonly key: string; readonly count: number }>;
  readonly byIssuer: ReadonlyArray<{ readonly key: string; readonly count: number }>;
  /** Expiry bands relative to the preview instant: `expired`, `<30d`, `30-90d`, `90-365d`, `>365d`. */
  readonly byExpiryBand: ReadonlyArray<{ readonly key: string; readonly count: number }>;
  /** Up to 20 examples. */
  readonly sample: ReadonlyArray<{
    readonly managedCertificateId: string;
    readonly subject: string;
    readonly ownerGroup: string;
    readonly notAfter: string;
  }>;
}
