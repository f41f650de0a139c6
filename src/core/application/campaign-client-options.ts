/** Options of `createCampaignClient` (campaign-client.ts), kept apart so user interfaces can wire it early. */
import type { Client } from '@temporalio/client';
import type { CampaignStore } from '../ports/campaign-store';
import type { InventoryStore } from '../ports/inventory-store';
import type { ReadPublishedRoles } from '../ports/published-roles';
import type { CampaignTimings } from '../workflows/definitions';

/** How the campaign client reaches Temporal and the inventory, and who may run campaigns. */
export interface CampaignClientOptions {
  readonly client: Client;
  /** Task queue of the certflow worker. */
  readonly taskQueue: string;
  readonly store: InventoryStore;
  readonly campaigns: CampaignStore;
  /**
   * The security leads and admins the worker published (SqlPublishedRoles): its configuration is the one source of
   * roles, never the client's own environment. Null before any worker has published: role-gated calls are refused.
   */
  readonly roles: ReadPublishedRoles;
  /** Slack channel of progress messages when the launch names none (CERTFLOW_CAMPAIGN_CHANNEL). */
  readonly defaultChannelId?: string | null;
  /** Set certflow's search attributes on the campaign workflow (default true; false on the time-skipping server). */
  readonly searchAttributes?: boolean;
  /** Where calls come from, for the audit log. */
  readonly where?: string;
  /** Shorter campaign timings (tests); production uses the workflow's defaults. */
  readonly timings?: Partial<CampaignTimings>;
  /** How long a pause, resume, cancel or query waits for the worker (default 30 s). */
  readonly callTimeoutMs?: number;
  /** The clock, injectable for tests. */
  readonly now?: () => Date;
}
