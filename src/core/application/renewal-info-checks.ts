/**
 * The daily renewal-information check (R-REN-3) for every entry point: one Temporal Schedule, `renewal-info-check`,
 * starts renewalInfoCheckWorkflow once a day, ensured at every worker start (created once, updated to the
 * configuration in force), and the signal through which the check tells a lifecycle its CA's suggested window.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { lifecycleWorkflowId, renewalWindowSuggestedSignal } from '../workflows/definitions';
import type { RenewalInfoCheckInput } from '../workflows/renewal-info-check';
import type { RenewalWindowSignals } from '../ports/renewal-window-signals';
import { ensureDailySchedule } from './daily-schedule';

/** The schedule's id. */
export const RENEWAL_INFO_SCHEDULE_ID = 'renewal-info-check';

/** Creates the daily check's schedule, or brings an existing one to this task queue; returns which. */
export async function ensureRenewalInfoSchedule(options: {
  readonly client: Client;
  readonly taskQueue: string;
}): Promise<'created' | 'updated'> {
  const input: RenewalInfoCheckInput = {};
  return await ensureDailySchedule(options.client, {
    scheduleId: RENEWAL_INFO_SCHEDULE_ID,
    spec: { intervals: [{ every: '1 day' }] },
    workflowType: 'renewalInfoCheckWorkflow',
    taskQueue: options.taskQueue,
    input,
  });
}

/** Tells lifecycles their CAs' suggested windows over Temporal. */
export function renewalWindowSignals(client: Client): RenewalWindowSignals {
  return {
    async suggestRenewalWindow(managedCertificateId, window) {
      try {
        await client.workflow
          .getHandle(lifecycleWorkflowId(managedCertificateId))
          .signal(renewalWindowSuggestedSignal, window);
        return 'signalled';
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return 'not-running';
        throw error;
      }
    },
  };
}
