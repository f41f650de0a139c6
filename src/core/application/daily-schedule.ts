/**
 * A Temporal Schedule that starts one workflow a day, as certflow's daily jobs use them (the monthly report's check,
 * the renewal-information check): created once, brought to the configuration in force at every worker start.
 */
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleSpec } from '@temporalio/client';

/** What a daily schedule starts, and when. */
export interface DailySchedule {
  readonly scheduleId: string;
  /** When in the day (a calendar at an hour, or every 24 hours). */
  readonly spec: ScheduleSpec;
  readonly workflowType: string;
  readonly taskQueue: string;
  readonly input: unknown;
}

/** Creates the schedule, or brings an existing one to `schedule`; returns which. */
export async function ensureDailySchedule(client: Client, schedule: DailySchedule): Promise<'created' | 'updated'> {
  const options = {
    spec: schedule.spec,
    action: {
      type: 'startWorkflow' as const,
      workflowType: schedule.workflowType,
      // The schedule appends the scheduled time: <scheduleId>-<time>, one id per day.
      workflowId: schedule.scheduleId,
      taskQueue: schedule.taskQueue,
      args: [schedule.input],
    },
    // A worker down when the day's run falls due still runs it when it is back the same day; never two at once.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' as const },
  };
  try {
    await client.schedule.create({ scheduleId: schedule.scheduleId, ...options });
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  await client.schedule.getHandle(schedule.scheduleId).update((previous) => ({ ...previous, ...options }));
  return 'updated';
}
