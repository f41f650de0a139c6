/**
 * The monthly report (R-MON-5): a Temporal Schedule starts this workflow every day at a configured hour, and the
 * workflow decides from its scheduled instant whether that day is the month's first working day (pure logic in
 * domain/reports, so time zones and holidays are table-tested, which a calendar spec could not express). On that day
 * it sends each owner group with certificates expiring within 120 days its report, and the security leads the
 * organisation's; each delivery is keyed by month and audience, so a retried or repeated run sends nothing twice and
 * one failing delivery stops no other.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { ActivityFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { MonthlyReportActivities, SentReport } from '../activities/monthly-report';
import { reportInstant, type ReportAudience } from '../domain/reports/monthly-report';
import { reportDay, type WorkingCalendar } from '../domain/reports/working-day';

/** Set by Temporal on every run a schedule starts: the instant it was scheduled for (not when it started). */
const scheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** Input of {@link monthlyReportWorkflow}. */
export interface MonthlyReportInput {
  readonly calendar: WorkingCalendar;
  /** Send this month's report (`YYYY-MM`) whatever the day: `certflow report monthly --send-now --month`. */
  readonly month?: string;
  /** Send the current month's report even when today is not its first working day. */
  readonly sendNow?: boolean;
  /** The instant to decide for (ISO 8601); the schedule's scheduled time, else the run's start, by default. */
  readonly at?: string;
}

/** What one run did. */
export interface MonthlyReportResult {
  readonly month: string;
  /** The local date the run decided for. */
  readonly date: string;
  /** Null when reports were sent; else why not (not the first working day). */
  readonly skipped: string | null;
  readonly sent: readonly SentReport[];
  /** Deliveries that failed after their retries, each with why. */
  readonly failed: readonly string[];
}

const gathering = proxyActivities<MonthlyReportActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

/** Slack: retried for about half an hour, then reported in the run's result. */
const delivering = proxyActivities<MonthlyReportActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 10 },
});

function decisionInstant(input: MonthlyReportInput): number {
  if (input.at !== undefined) return Date.parse(input.at);
  return workflowInfo().typedSearchAttributes.get(scheduledStartTime)?.getTime() ?? Date.now();
}

/** Sends the month's reports on its first working day (or when asked to); does nothing on any other day. */
export async function monthlyReportWorkflow(input: MonthlyReportInput): Promise<MonthlyReportResult> {
  const day = reportDay(decisionInstant(input), input.calendar);
  const month = input.month ?? day.month;
  if (input.month === undefined && input.sendNow !== true && !day.isFirstWorkingDay) {
    const skipped = `${day.date} is not the first working day of ${day.month} (${day.firstWorkingDay} is)`;
    return { month, date: day.date, skipped, sent: [], failed: [] };
  }
  const asOf = reportInstant(month, input.calendar.holidays);
  const groups = await gathering.gatherMonthlyReportGroups({ asOf });
  const audiences: ReportAudience[] = [
    ...groups.map((groupId): ReportAudience => ({ kind: 'group', groupId })),
    { kind: 'organisation' },
  ];
  const sent: SentReport[] = [];
  const failed: string[] = [];
  for (const audience of audiences) {
    try {
      sent.push(await delivering.sendMonthlyReport({ month, asOf, audience }));
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      const who = audience.kind === 'group' ? `group ${audience.groupId}` : 'the organisation';
      failed.push(`report to ${who}: ${error.cause?.message ?? error.message}`);
    }
  }
  return { month, date: day.date, skipped: null, sent, failed };
}
