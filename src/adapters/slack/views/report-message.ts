/**
 * The text beside a monthly report's CSV in Slack (R-MON-5): whose report, how many certificates expire before the
 * window's end, how many are past their renewal deadline or wait for an approval, and the link to the report.
 */
import type { ReportDelivery } from '../../../core/ports/notification-port';

/** The file's title and the message's text (mrkdwn), as files.completeUploadExternal takes them. */
export function reportMessage(report: ReportDelivery): { readonly title: string; readonly text: string } {
  const whose = report.group === null ? 'the organisation' : report.group.name;
  const { summary } = report;
  const until = report.windowEnd.slice(0, 10);
  const lines = [
    `*Monthly certificate report ${report.month} for ${whose}*`,
    summary.certificates === 0
      ? `No certificate expires before ${until}.`
      : `${summary.certificates} certificate${summary.certificates === 1 ? '' : 's'} expire before ${until}, ` +
        `the first on ${summary.firstExpiry?.slice(0, 10) ?? '-'}: each with its renewal deadline and reminders in the file.`,
    ...(summary.overdue > 0 ? [`:warning: ${summary.overdue} past the renewal deadline.`] : []),
    ...(summary.awaitingApproval > 0 ? [`${summary.awaitingApproval} awaiting approval.`] : []),
    ...(report.link === null ? [] : [`<${report.link}|Open the report in certflow>`]),
  ];
  return { title: `certflow report ${report.month} ${whose}`, text: lines.join('\n') };
}
