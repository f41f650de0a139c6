/**
 * The monthly report's schedule and its manual run (R-MON-5), for every entry point: one Temporal Schedule,
 * `monthly-report`, starts monthlyReportWorkflow daily at the configured hour in the calendar's time zone, and the
 * workflow itself decides whether the day is the month's first working day. `ensureSchedule` is idempotent (created
 * once, updated to the configuration in force at every worker start); `sendNow` runs the month's report at once, still
 * delivered at most once per audience and month.
 */
import type { Client } from '@temporalio/client';
import type { WorkingCalendar } from '../domain/reports/working-day';
import type { MonthlyReportInput, MonthlyReportResult } from '../workflows/monthly-report';
import { ensureDailySchedule } from './daily-schedule';

/** The schedule's id. */
export const MONTHLY_REPORT_SCHEDULE_ID = 'monthly-report';

/** When the daily check runs and what calendar it checks. */
export interface MonthlyReportTiming {
  /** Hour of the day (0-23) in the calendar's time zone. */
  readonly hour: number;
  readonly calendar: WorkingCalendar;
}

/** The monthly report's schedule and manual run. */
export interface MonthlyReports {
  /** Creates the schedule, or brings an existing one to this timing; returns which. */
  ensureSchedule(timing: MonthlyReportTiming): Promise<'created' | 'updated'>;
  /** Runs a month's report now (the current month by default) and waits for what it sent. */
  sendNow(input: { readonly calendar: WorkingCalendar; readonly month?: string }): Promise<MonthlyReportResult>;
}

/** The monthly reports on a Temporal client. */
export function createMonthlyReports(options: {
  readonly client: Client;
  readonly taskQueue: string;
  readonly now?: () => Date;
}): MonthlyReports {
  const { client, taskQueue } = options;
  const now = options.now ?? (() => new Date());
  return {
    async ensureSchedule(timing) {
      const input: MonthlyReportInput = { calendar: timing.calendar };
      return await ensureDailySchedule(client, {
        scheduleId: MONTHLY_REPORT_SCHEDULE_ID,
        spec: { calendars: [{ hour: timing.hour, minute: 0, second: 0 }], timezone: timing.calendar.timeZone },
        workflowType: 'monthlyReportWorkflow',
        taskQueue,
        input,
      });
    },

    async sendNow(input) {
      const workflowInput: MonthlyReportInput = {
        calendar: input.calendar,
        sendNow: true,
        ...(input.month === undefined ? {} : { month: input.month }),
      };
      return await client.workflow.execute<(input: MonthlyReportInput) => Promise<MonthlyReportResult>>(
        'monthlyReportWorkflow',
        {
          workflowId: `${MONTHLY_REPORT_SCHEDULE_ID}-now-${input.month ?? 'current'}-${now().getTime()}`,
          taskQueue,
          args: [workflowInput],
        },
      );
    },
  };
}
