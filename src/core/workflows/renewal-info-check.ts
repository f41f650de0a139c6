/**
 * The daily renewal-information check (R-REN-3): a Temporal Schedule starts this workflow every day; its one activity
 * asks each ACME issuer for the suggested window of every certificate it issued and tells each lifecycle whose window
 * ends before the policy's renewal deadline (a CA's mass revocation), so the lifecycle moves its deadline by itself.
 * The activity streams the inventory and heartbeats its place, so the history holds one activity whatever the
 * inventory's size, and a retried attempt resumes where the last one stopped.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { RenewalInfoActivities, RenewalInfoCheckResult } from '../activities/renewal-info';

/** Input of {@link renewalInfoCheckWorkflow}: nothing yet; an object so fields can be added. */
export type RenewalInfoCheckInput = Record<string, never>;

const checking = proxyActivities<RenewalInfoActivities>({
  // A large inventory at a slow CA takes long; the heartbeat, not this, notices a stuck check.
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '5 minutes',
  retry: { initialInterval: '1 minute', backoffCoefficient: 2, maximumInterval: '30 minutes', maximumAttempts: 5 },
});

/** Runs one day's check and returns what it found. */
export async function renewalInfoCheckWorkflow(_input: RenewalInfoCheckInput): Promise<RenewalInfoCheckResult> {
  return await checking.checkRenewalInfo({ after: null });
}
