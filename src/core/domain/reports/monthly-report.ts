/**
 * The monthly report (R-MON-5): everything an owner group owns that expires within the window (120 days), each with
 * its renewal plan (the renewal deadline and the reminders still ahead, from the lifecycle schedule) and where its
 * lifecycle stands; one report per owner group and one for the whole organisation (the security leads').
 *
 * A month's report is fixed by its month: it looks from the month's first working day (00:00 UTC) ahead, so the
 * report sent by the schedule and one regenerated later for the same month cover the same window.
 */
import { DAY_MS } from '../duration';
import { computeLifecycleSchedule } from '../schedule/lifecycle-schedule';
import type { OwnerGroup } from '../inventory/model';
import { groupReminderDays } from '../policy/group-reminder-days';
import type { LifecycleSettings, Policy } from '../policy/policy';
import { toCsv } from './csv';
import { firstWorkingDay, type ReportMonth } from './working-day';

/** Days ahead the report looks (R-MON-5's <120>). */
export const REPORT_WINDOW_DAYS = 120;

/** A managed certificate whose current version expires within the window, as the inventory gives it. */
export interface ExpiringCertificate {
  readonly managedCertificateId: string;
  readonly fingerprintSha256: string;
  readonly commonName: string | null;
  /** DNS and IP names. */
  readonly names: readonly string[];
  readonly ownerGroup: string | null;
  readonly notBefore: string;
  readonly notAfter: string;
  /** The lifecycle phase its workflow last reported (`monitoring`, `awaiting-approval`, …). */
  readonly phase: string;
  readonly ticketKey: string | null;
}

/** One line of the report. */
export interface MonthlyReportRow {
  readonly managedCertificateId: string;
  readonly fingerprintSha256: string;
  readonly ownerGroup: string | null;
  readonly commonName: string | null;
  readonly names: readonly string[];
  readonly notAfter: string;
  /** Whole days from the report's instant to notAfter (negative once expired). */
  readonly daysLeft: number;
  readonly renewalDeadline: string;
  /** Reminder instants still ahead of the report's instant. */
  readonly reminders: readonly string[];
  /** Where the schedule stands (`pending`, `reminding`, `overdue`, …). */
  readonly stage: string;
  readonly phase: string;
  /** The renewal's approval, as far as the lifecycle reported it. */
  readonly approval: 'none requested' | 'awaiting approval' | 'approved, renewing' | 'not applicable';
  readonly ticketKey: string | null;
}

/** Who a report is for: one owner group, or the organisation (the security leads). */
export type ReportAudience = { readonly kind: 'group'; readonly groupId: string } | { readonly kind: 'organisation' };

/** The instant a month's report looks from: its first working day at 00:00 UTC. */
export function reportInstant(month: ReportMonth, holidays: readonly string[]): string {
  return `${firstWorkingDay(month, holidays)}T00:00:00.000Z`;
}

/** The notAfter range of a month's report: [from, to). */
export function reportWindow(asOf: string): { readonly from: string; readonly to: string } {
  return { from: asOf, to: new Date(Date.parse(asOf) + REPORT_WINDOW_DAYS * DAY_MS).toISOString() };
}

/** The report's stable id, the idempotency key of its delivery: one per audience and month. */
export function reportId(month: ReportMonth, audience: ReportAudience): string {
  return audience.kind === 'group'
    ? `monthly-report/${month}/group/${audience.groupId}`
    : `monthly-report/${month}/organisation`;
}

/** Where certflow's HTTP server will serve the report's CSV (the dashboard links it). */
export function reportPath(month: ReportMonth, audience: ReportAudience): string {
  return audience.kind === 'group'
    ? `/reports/monthly/${month}/groups/${encodeURIComponent(audience.groupId)}.csv`
    : `/reports/monthly/${month}/organisation.csv`;
}

/** The file name of the report's CSV. */
export function reportFileName(month: ReportMonth, audience: ReportAudience): string {
  return audience.kind === 'group'
    ? `certflow-${month}-${audience.groupId.replace(/[^A-Za-z0-9._-]/g, '_')}.csv`
    : `certflow-${month}-organisation.csv`;
}

function approvalOf(phase: string): MonthlyReportRow['approval'] {
  if (phase === 'monitoring') return 'none requested';
  if (phase === 'awaiting-approval') return 'awaiting approval';
  if (phase === 'issuing' || phase === 'installing' || phase === 'verifying') return 'approved, renewing';
  return 'not applicable';
}

/** One certificate's line: its days left and plan at `asOf`, with the group's reminder offsets when it has its own. */
export function reportRow(
  certificate: ExpiringCertificate,
  plan: {
    readonly asOf: string;
    readonly settings: LifecycleSettings;
    readonly groupReminderDays: readonly number[] | null;
  },
): MonthlyReportRow {
  const schedule = computeLifecycleSchedule({
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
    now: plan.asOf,
    settings: plan.settings,
    groupReminderDays: plan.groupReminderDays,
  });
  const asOfMs = Date.parse(plan.asOf);
  return {
    managedCertificateId: certificate.managedCertificateId,
    fingerprintSha256: certificate.fingerprintSha256,
    ownerGroup: certificate.ownerGroup,
    commonName: certificate.commonName,
    names: certificate.names,
    notAfter: schedule.notAfter,
    daysLeft: Math.floor((Date.parse(schedule.notAfter) - asOfMs) / DAY_MS),
    renewalDeadline: schedule.renewalDeadline,
    reminders: schedule.events
      .filter((event) => event.kind === 'reminder' && Date.parse(event.at) > asOfMs)
      .map((event) => event.at),
    stage: schedule.stage,
    phase: certificate.phase,
    approval: approvalOf(certificate.phase),
    ticketKey: certificate.ticketKey,
  };
}

/** The report's rows at `asOf`, each planned with its owner group's reminder offsets, soonest to expire first. */
export function reportRows(
  certificates: readonly ExpiringCertificate[],
  context: { readonly asOf: string; readonly policy: Policy; readonly groups: ReadonlyMap<string, OwnerGroup> },
): MonthlyReportRow[] {
  return sortReportRows(
    certificates.map((certificate) =>
      reportRow(certificate, {
        asOf: context.asOf,
        settings: context.policy.schedule,
        groupReminderDays: groupReminderDays(
          context.policy,
          certificate.ownerGroup === null ? null : (context.groups.get(certificate.ownerGroup) ?? null),
        ),
      }),
    ),
  );
}

/** Rows soonest to expire first, ties by id, so two runs of one month list them alike. */
export function sortReportRows(rows: readonly MonthlyReportRow[]): MonthlyReportRow[] {
  return [...rows].sort(
    (a, b) => a.notAfter.localeCompare(b.notAfter) || a.managedCertificateId.localeCompare(b.managedCertificateId),
  );
}

const HEADER = [
  'owner_group',
  'common_name',
  'names',
  'not_after',
  'days_left',
  'renewal_deadline',
  'next_reminders',
  'stage',
  'lifecycle_phase',
  'approval',
  'ticket',
  'managed_certificate_id',
  'fingerprint_sha256',
] as const;

/** The report as CSV (RFC 4180, formula-safe), one line per certificate in the given order. */
export function monthlyReportCsv(rows: readonly MonthlyReportRow[]): string {
  return toCsv(
    HEADER,
    rows.map((row) => [
      row.ownerGroup,
      row.commonName,
      row.names.join(' '),
      row.notAfter,
      row.daysLeft,
      row.renewalDeadline,
      row.reminders.join(' '),
      row.stage,
      row.phase,
      row.approval,
      row.ticketKey,
      row.managedCertificateId,
      row.fingerprintSha256,
    ]),
  );
}

/** What a report says in its message beside the file: how many, how soon, how many need a decision. */
export interface ReportSummary {
  readonly certificates: number;
  /** Past their renewal deadline at the report's instant. */
  readonly overdue: number;
  readonly awaitingApproval: number;
  /** The earliest notAfter, null when the report is empty. */
  readonly firstExpiry: string | null;
}

/** Counts for the report's message. */
export function summarizeReport(rows: readonly MonthlyReportRow[], asOf: string): ReportSummary {
  const asOfMs = Date.parse(asOf);
  return {
    certificates: rows.length,
    overdue: rows.filter((row) => Date.parse(row.renewalDeadline) <= asOfMs).length,
    awaitingApproval: rows.filter((row) => row.approval === 'awaiting approval').length,
    firstExpiry: rows.reduce<string | null>(
      (first, row) => (first === null || row.notAfter < first ? row.notAfter : first),
      null,
    ),
  };
}
