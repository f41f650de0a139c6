/**
 * What a campaign asks of certificate lifecycles: a renewal for each member, a start for a lifecycle that never
 * started, the withdrawal of a cancelled campaign's renewal. The lifecycle client (core/application) implements it
 * over Temporal; the campaign activities use it, and tell the errors below apart.
 */
import type { Actor, LifecycleRequest, RequestSource, RevocationReason } from '../domain/lifecycle/model';

/** Input of a lifecycle's `requestRenewal` update. */
export interface RequestRenewalInput {
  requestedBy: Actor;
  reason: string;
  /** Default `owner`. */
  source?: RequestSource;
  campaignId?: string;
  /**
   * The campaign member this renewal replaces (with `source: 'campaign'`): the lifecycle refuses it with code
   * `already-replaced` when its certificate is no longer that version, reports each step of the member to the
   * campaign, and revokes the replaced certificate as soon as the new one is verified.
   */
  campaignMember?: {
    fingerprintSha256: string;
    ownerGroup: string;
    revocationReason: RevocationReason;
    /** The issuer the campaign moves the certificate to (issue 19: away from a compromised CA); absent: as usual. */
    issuer?: string;
  };
  /**
   * An approval given in advance (a campaign's approving security lead under an emergency policy, or the group's
   * auto-renew setting); recorded on the request and in the audit log.
   */
  preApprovedBy?: Actor;
}

/** Input of a lifecycle's `withdrawCampaignRequest` signal. */
export interface WithdrawCampaignRequestInput {
  campaignId: string;
  reason: string;
  by: string;
}

/** A managed certificate whose lifecycle was not started, and why. */
export interface EnsureIssue {
  readonly managedCertificateId: string;
  readonly reason: string;
}

/** What ensuring lifecycles did. */
export interface EnsureReport {
  readonly started: number;
  readonly alreadyRunning: number;
  /** Retired or expired managed certificates named explicitly: nothing to watch. */
  readonly skipped: readonly EnsureIssue[];
  readonly failed: readonly EnsureIssue[];
}

/** A lifecycle's validator refused the request (R-RA-2); `code` is the refusal code, the message says why. */
export class LifecycleRefusedError extends Error {
  override readonly name = 'LifecycleRefusedError';
  constructor(
    /** Stable refusal code from src/core/domain/lifecycle/roles.ts: `not-approver`, `self-approval` … */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** No lifecycle workflow runs for the managed certificate (never started, or ended). */
export class LifecycleNotFoundError extends Error {
  override readonly name = 'LifecycleNotFoundError';
  constructor(readonly managedCertificateId: string) {
    super(
      `no lifecycle is running for managed certificate ${managedCertificateId}: run \`certflow lifecycle sync\` ` +
        'once certflow is running (npm start) to start the missing lifecycles',
    );
  }
}

/** The lifecycle operations a campaign needs. */
export interface LifecyclePort {
  /** Starts the lifecycles of these managed certificates that are not running. */
  ensureLifecycles(managedCertificateIds: readonly string[]): Promise<EnsureReport>;
  /**
   * Asks for a renewal; throws {@link LifecycleRefusedError} when the lifecycle refuses it and
   * {@link LifecycleNotFoundError} when no lifecycle runs.
   */
  requestRenewal(managedCertificateId: string, input: RequestRenewalInput): Promise<LifecycleRequest>;
  /** Tells a lifecycle that a cancelled campaign withdraws the renewal it asked for, if it still waits for approval. */
  withdrawCampaignRequest(
    managedCertificateId: string,
    input: WithdrawCampaignRequestInput,
  ): Promise<'signalled' | 'not-running'>;
}
