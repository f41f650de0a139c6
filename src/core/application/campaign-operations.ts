/**
 * What certflow's user interfaces (the Slack app and the CLI) can do with crypto-agility campaigns (R-CAM-1 …
 * R-CAM-3). Only security leads (and admins) may preview, start, pause, resume or cancel (R-SEC-2); every refusal is
 * a {@link CampaignRefusedError} whose message tells the user why. `createCampaignClient` implements it on Temporal
 * and the inventory; tests of the user interfaces use a fake.
 */
import type {
  CampaignDefinition,
  CampaignKind,
  CampaignMember,
  CampaignMemberState,
  CampaignPreview,
  CampaignProgress,
  CampaignSelector,
} from '../domain/campaigns/model';
import type { Actor } from '../domain/lifecycle/model';
import type { StoredCampaign } from '../ports/campaign-store';

/** The largest parallelism and attempts a campaign may have: the client refuses more, the CLI says so first. */
export const CAMPAIGN_LIMITS = { maxParallelism: 1000, maxAttempts: 10 } as const;

/** What a security lead gives to start a campaign. */
export interface StartCampaignInput {
  readonly selector: CampaignSelector;
  readonly kind: CampaignKind;
  /** Required, e.g. "CA X compromised". */
  readonly reason: string;
  /** Default: the selector described. */
  readonly title?: string;
  /** ISO 8601 UTC; default two days after the start. */
  readonly deadline?: string;
  /** The launching security lead pre-approves every renewal (audited per certificate). Default true. */
  readonly emergency?: boolean;
  readonly parallelism?: number;
  readonly maxAttempts?: number;
  /** Slack channel of the progress message; default the configured campaign channel. */
  readonly channelId?: string | null;
  /** The issuer every member is renewed through (a configured issuer's name); default each one's usual issuer. */
  readonly issuer?: string;
  readonly launchedBy: Actor;
  /**
   * The count the person confirmed: the start is refused when the selector now selects a different number, so
   * nobody launches on a stale preview.
   */
  readonly confirmedCount?: number;
}

/** A campaign report: the progress plus every member, for Markdown, CSV and Slack. */
export interface CampaignReportData {
  readonly progress: CampaignProgress;
  readonly members: readonly CampaignMember[];
}

/** Campaign operations of the user interfaces. */
export interface CampaignOperations {
  /** Counts by owner group, issuer and expiry band; refuses non-security-leads. */
  preview(selector: CampaignSelector, actor: Actor): Promise<CampaignPreview>;
  /** Records and starts the campaign workflow; refuses non-security-leads and a missing reason. */
  start(input: StartCampaignInput): Promise<CampaignDefinition>;
  /** Newest first. */
  list(options?: { readonly limit?: number }): Promise<StoredCampaign[]>;
  /** The campaign's exact progress (its workflow's query). */
  progress(campaignId: string): Promise<CampaignProgress>;
  pause(campaignId: string, actor: Actor, reason: string): Promise<CampaignProgress>;
  resume(campaignId: string, actor: Actor): Promise<CampaignProgress>;
  cancel(campaignId: string, actor: Actor, reason: string): Promise<CampaignProgress>;
  /** Members, optionally some states only (laggards: everything not finished). */
  members(
    campaignId: string,
    options?: { readonly states?: readonly CampaignMemberState[]; readonly limit?: number },
  ): Promise<CampaignMember[]>;
  report(campaignId: string): Promise<CampaignReportData>;
  /**
   * Tells every running or paused campaign that the inventory changed (an import), so what its selector now selects
   * joins at once instead of at the next rescan. A campaign that cannot be told is listed, not an error.
   */
  inventoryChanged(by: string): Promise<InventoryChangeReport>;
}

/** Which campaigns {@link CampaignOperations.inventoryChanged} told, and which it could not reach, with why. */
export interface InventoryChangeReport {
  readonly told: readonly string[];
  readonly unreachable: ReadonlyArray<{ readonly campaignId: string; readonly reason: string }>;
}

/** The actor may not do this (R-SEC-2), or the input is refused; the message says why and what to do. */
export class CampaignRefusedError extends Error {
  override readonly name = 'CampaignRefusedError';
  constructor(
    /** `not-security-lead`, `reason-required`, `count-changed`, `nothing-selected`, `not-running`, … */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** No campaign has this id. */
export class CampaignNotFoundError extends Error {
  override readonly name = 'CampaignNotFoundError';
  constructor(readonly campaignId: string) {
    super(`no campaign ${campaignId}: \`certflow campaign list\` shows the campaigns`);
  }
}

/** Temporal answered but no certflow worker handled the call in time. */
export class CampaignTimeoutError extends Error {
  override readonly name = 'CampaignTimeoutError';
  constructor(campaignId: string, timeoutMs: number, taskQueue: string) {
    super(
      `campaign ${campaignId} did not answer within ${Math.round(timeoutMs / 1000)} s: is the certflow worker ` +
        `running (npm start) and polling task queue "${taskQueue}"?`,
    );
  }
}
