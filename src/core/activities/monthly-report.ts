/**
 * The monthly report's activities (R-MON-5): gather which owner groups have certificates expiring in the month's
 * window, and send one report (an owner group's, or the organisation's to the security leads) as a message with its
 * CSV. A report is read and sent within one activity because a large organisation's rows exceed what a workflow's
 * history should carry; its delivery is keyed by month and audience, so a retried activity or a second run of the
 * month sends nothing twice.
 */
import type { Policy } from '../domain/policy/policy';
import {
  monthlyReportCsv,
  reportFileName,
  reportId,
  reportPath,
  reportRows,
  reportWindow,
  summarizeReport,
  type ReportAudience,
  type ReportSummary,
} from '../domain/reports/monthly-report';
import type { ExpiringCertificates } from '../ports/expiring-certificates';
import type { AuditLog, OwnerGroupStore } from '../ports/inventory-store';
import type { ReportNotifier } from '../ports/notification-port';
import { ownerGroupAudience, securityAudience, type SecurityContacts } from './audiences';
import { permanentOnRejection } from './lifecycle-failures';

/** What the monthly report's activities need. */
export interface MonthlyReportActivityDeps {
  readonly expiring: ExpiringCertificates;
  readonly groups: OwnerGroupStore;
  readonly audit: AuditLog;
  readonly notifier: ReportNotifier;
  readonly loadPolicy: () => Promise<Policy>;
  /** The security channel (Slack channel id) and leads (principals): the organisation-wide report's audience. */
  readonly security: SecurityContacts;
  readonly publicUrl: string | null;
}

/** Who the audit log names for the report's deliveries. */
export const MONTHLY_REPORT_ACTOR = 'schedule:monthly-report';

/** What one report's delivery did. */
export interface SentReport {
  readonly id: string;
  readonly certificates: number;
  readonly messages: number;
}

/** Creates the monthly report's activities. */
export function createMonthlyReportActivities(deps: MonthlyReportActivityDeps) {
  return {
    /** The owner groups (that exist) with certificates expiring in the window of the report at `asOf`, by id. */
    gatherMonthlyReportGroups: async (input: { asOf: string }): Promise<string[]> => {
      const counts = await deps.expiring.countExpiringByGroup(reportWindow(input.asOf));
      const known = new Set((await deps.groups.listOwnerGroups()).map((group) => group.id));
      return counts.flatMap(({ ownerGroup }) => (ownerGroup !== null && known.has(ownerGroup) ? [ownerGroup] : []));
    },

    /** Builds one report from the inventory and sends it with its CSV, once per month and audience; audited. */
    sendMonthlyReport: async (input: {
      month: string;
      asOf: string;
      audience: ReportAudience;
    }): Promise<SentReport> => {
      const { month, asOf, audience } = input;
      const id = reportId(month, audience);
      const group = audience.kind === 'group' ? await deps.groups.getOwnerGroup(audience.groupId) : null;
      // A group deleted since the run gathered it has nobody to tell.
      if (audience.kind === 'group' && group === null) return { id, certificates: 0, messages: 0 };
      const built = await buildReport(deps, { asOf, audience });
      const link = deps.publicUrl === null ? null : `${deps.publicUrl}${reportPath(month, audience)}`;
      const receipt = await permanentOnRejection(() =>
        deps.notifier.sendReport({
          idempotencyKey: id,
          month,
          group,
          audience: group === null ? securityAudience(deps.security) : ownerGroupAudience(group),
          summary: built.summary,
          windowEnd: reportWindow(asOf).to,
          file: { name: reportFileName(month, audience), csv: built.csv },
          link,
        }),
      );
      await deps.audit.appendAudit([
        {
          idempotencyKey: `${id}/sent`,
          at: new Date().toISOString(),
          actor: MONTHLY_REPORT_ACTOR,
          action: 'report.monthly-sent',
          subject: group === null ? 'organisation' : `group:${group.id}`,
          where: 'worker',
          details: { month, certificates: built.summary.certificates, messages: receipt.messages.length, link },
        },
      ]);
      return { id, certificates: built.summary.certificates, messages: receipt.messages.length };
    },
  };
}

/** A report's CSV and summary from the inventory: the same rows whoever asks (the workflow or the CLI). */
export async function buildReport(
  deps: Pick<MonthlyReportActivityDeps, 'expiring' | 'groups' | 'loadPolicy'>,
  input: { readonly asOf: string; readonly audience: ReportAudience },
): Promise<{ readonly csv: string; readonly summary: ReportSummary }> {
  const window = reportWindow(input.asOf);
  const certificates = await deps.expiring.listExpiring(
    input.audience.kind === 'group' ? { ...window, ownerGroup: input.audience.groupId } : window,
  );
  const groups = new Map((await deps.groups.listOwnerGroups()).map((group) => [group.id, group]));
  const rows = reportRows(certificates, { asOf: input.asOf, policy: await deps.loadPolicy(), groups });
  return { csv: monthlyReportCsv(rows), summary: summarizeReport(rows, input.asOf) };
}

/** The monthly report's activities as workflows see them. */
export type MonthlyReportActivities = ReturnType<typeof createMonthlyReportActivities>;
