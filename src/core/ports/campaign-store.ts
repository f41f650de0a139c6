/**
 * The store of crypto-agility campaigns (R-CAM-1 … R-CAM-4): where campaigns and their members are kept (the
 * inventory database). How their progress reaches Slack and Jira is the campaign face of the notification and
 * ticketing ports. Every method is idempotent per its key.
 */
import type {
  CampaignDefinition,
  CampaignMember,
  CampaignMemberState,
  CampaignPreview,
  CampaignSelector,
  CampaignStatus,
} from '../domain/campaigns/model';

/** A campaign as the store keeps it: its definition and the status its workflow last mirrored. */
export interface StoredCampaign {
  readonly definition: CampaignDefinition;
  readonly status: CampaignStatus;
  readonly updatedAt: string;
}

/** A member handed to the campaign for a renewal attempt. */
export interface ClaimedMember {
  readonly managedCertificateId: string;
  readonly fingerprintSha256: string;
  readonly ownerGroup: string;
  /** The state the member was in before the claim: `pending`, or `failed` for a retry. */
  readonly previousState: CampaignMemberState;
  /** This attempt's number, 1 for the first. */
  readonly attempt: number;
}

/** Result of {@link CampaignStore.claimMembers}. */
export interface ClaimResult {
  readonly members: readonly ClaimedMember[];
  /** ISO 8601 UTC of the earliest failed member that may be retried later, or null when none waits. */
  readonly nextRetryAt: string | null;
}

/** Counts enrolled by one {@link CampaignStore.enrolMembers} call, per owner group. */
export interface EnrolmentResult {
  readonly enrolled: number;
  readonly byOwnerGroup: ReadonlyArray<{ readonly group: string; readonly count: number }>;
}

/** A member's change of state, reported by its lifecycle or by the campaign. */
export interface MemberStateChange {
  readonly campaignId: string;
  readonly fingerprintSha256: string;
  readonly state: CampaignMemberState;
  readonly detail: string | null;
  /** A failure no retry can fix (a person rejected the renewal): the member stays failed. */
  readonly final?: boolean;
  /** ISO 8601 UTC. */
  readonly at: string;
}

/** Campaigns and their members in the inventory database (migration 006). */
export interface CampaignStore {
  /** Records a campaign; a second call with the same id keeps the first definition and returns it. */
  createCampaign(definition: CampaignDefinition, at: string): Promise<StoredCampaign>;
  getCampaign(id: string): Promise<StoredCampaign | null>;
  /** Newest first. */
  listCampaigns(options?: { readonly status?: CampaignStatus; readonly limit?: number }): Promise<StoredCampaign[]>;
  setCampaignStatus(id: string, status: CampaignStatus, at: string): Promise<void>;
  /** Counts of what a selector selects now, without enrolling anything (R-CAM-1). */
  previewSelector(selector: CampaignSelector, now: string): Promise<CampaignPreview>;
  /**
   * Enrols the current versions of active managed end-entity certificates that match the selector and are not
   * members yet, as `pending`, in a stable order. A managed certificate the campaign already replaced (or is
   * replacing) is never enrolled again, so a replacement that still matches does not loop; a newer version of one
   * that was skipped may join. Idempotent: a second call enrols only what is new.
   */
  enrolMembers(campaignId: string, selector: CampaignSelector, at: string): Promise<EnrolmentResult>;
  /**
   * Claims up to `limit` members for a renewal attempt, in enrolment order: pending ones first, then failed ones with
   * attempts left whose last failure is at least `retryAfterMs` old. Claimed members become `pending` with their
   * attempt counted. The same `claimKey` returns the same members (a retried activity claims nothing twice).
   */
  claimMembers(input: {
    readonly campaignId: string;
    readonly claimKey: string;
    readonly limit: number;
    readonly maxAttempts: number;
    readonly retryAfterMs: number;
    readonly now: string;
  }): Promise<ClaimResult>;
  /** Applies a state change; a finished member (`old-revoked`, `skipped`) does not change again. */
  updateMemberState(change: MemberStateChange): Promise<void>;
  /** Sets every `pending` member (not claimed) to `skipped` with the detail; returns how many per owner group. */
  skipPendingMembers(
    campaignId: string,
    detail: string,
    at: string,
  ): Promise<ReadonlyArray<{ readonly group: string; readonly count: number }>>;
  /** One member by its certificate version, or null. */
  getMember(campaignId: string, fingerprintSha256: string): Promise<CampaignMember | null>;
  /** Members in enrolment order, optionally only some states or one owner group. */
  listMembers(
    campaignId: string,
    options?: {
      readonly states?: readonly CampaignMemberState[];
      readonly ownerGroup?: string;
      readonly limit?: number;
      readonly offset?: number;
    },
  ): Promise<CampaignMember[]>;
  /** Streams every member in enrolment order, in batches (reports). */
  eachMember(campaignId: string, batchSize: number): AsyncIterable<readonly CampaignMember[]>;
  /** Exact counts per owner group and state, from the rows (reconciliation and reports). */
  countMembers(
    campaignId: string,
  ): Promise<ReadonlyArray<{ readonly group: string; readonly state: CampaignMemberState; readonly count: number }>>;
}
