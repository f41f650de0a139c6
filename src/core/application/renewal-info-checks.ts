/**
 * The daily renewal-information check (R-REN-3) for every entry point: one Temporal Schedule, `renewal-info-check`,
 * starts renewalInfoCheckWorkflow once a day, ensured at every worker start (created once, updated to the
 * configuration in force), and the signal through which the check tells a lifecycle its CA's suggested window.
 */
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { lifecycleWorkflowId, renewalWindowSuggestedSignal } from '../workflows/definitions';
import type { RenewalInfoCheckInput } from '../workflows/renewal-info-check';
import type { RenewalWindowSignals } from '../ports/renewal-window-signals';

/** The schedule's id. */
export const RENEWAL_INFO_SCHEDULE_ID = 'renewal-info-check';

/** Creates the daily check's schedule, or brings an existing one to this task queue; returns which. */
export async function ensureRenewalInfoSchedule(options: {
  readonly client: Client;
  readonly taskQueue: string;
}): Promise<'created' | 'updated'> {
  const { client, taskQueue } = options;
  const input: RenewalInfoCheckInput = {};
  const schedule = {
    spec: { intervals: [{ every: '1 day' as const }] },
    action: {
      type: 'startWorkflow' as const,
      workflowType: 'renewalInfoCheckWorkflow',
      // The schedule appends the scheduled time: one id per day.
      workflowId: RENEWAL_INFO_SCHEDULE_ID,
      taskQueue,
      args: [input],
    },
    // A worker down when the day's check falls due still checks when it is back the same day.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' as const },
  };
  try {
    await client.schedule.create({ scheduleId: RENEWAL_INFO_SCHEDULE_ID, ...schedule });
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  await client.schedule.getHandle(RENEWAL_INFO_SCHEDULE_ID).update((previous) => ({ ...previous, ...schedule }));
  return 'updated';
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
