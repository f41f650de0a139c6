/**
 * `certflow report monthly [--month YYYY-MM] [--group <id>] [--output <file.csv>] [--json] [--send-now]` (R-MON-5):
 * builds a month's report from the inventory here (the CSV to stdout or --output, the same rows the schedule sends),
 * or with --send-now asks the worker to send the month's reports now (each audience still once per month).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { SqlExpiringCertificates } from '../../adapters/database/sql-expiring-certificates';
import { buildReport } from '../../core/activities/monthly-report';
import { reportId, reportInstant, type ReportAudience } from '../../core/domain/reports/monthly-report';
import { InvalidReportCalendarError, parseReportMonth, reportDay } from '../../core/domain/reports/working-day';
import { UsageError } from '../errors';
import { parseCommandLine } from '../options';
import type { LifecycleCommandContext } from './lifecycle';

const USAGE = 'certflow report monthly [--month YYYY-MM] [--group <id>] [--output <file.csv>] [--json] [--send-now]';

/** Options of `certflow report monthly`. */
export const REPORT_OPTIONS = {
  month: { type: 'string' },
  group: { type: 'string' },
  output: { type: 'string' },
  json: { type: 'boolean', default: false },
  'send-now': { type: 'boolean', default: false },
} as const;

/** A parsed `certflow report monthly` command line. */
export interface ReportCommand {
  readonly month: string | null;
  readonly group: string | null;
  /** Absolute path, or null for stdout. */
  readonly output: string | null;
  readonly json: boolean;
  readonly sendNow: boolean;
}

/** Reads `certflow report monthly …`; refuses a bad month, or --send-now with options only a local report takes. */
export function readReportCommand(cwd: string, args: string[]): ReportCommand {
  const [kind, ...rest] = args;
  if (kind !== 'monthly') throw new UsageError(`certflow report takes "monthly": ${USAGE}`);
  const { values } = parseCommandLine(rest, REPORT_OPTIONS);
  let month: string | null;
  try {
    month = values.month === undefined ? null : parseReportMonth(values.month);
  } catch (error) {
    if (error instanceof InvalidReportCalendarError) throw new UsageError(`--month: ${error.message}`);
    throw error;
  }
  if (values['send-now'] && (values.group !== undefined || values.output !== undefined)) {
    throw new UsageError('--send-now sends every report of the month: leave out --group and --output');
  }
  if (values.group === '') throw new UsageError('--group needs an owner group id, e.g. --group payments-web');
  return {
    month,
    group: values.group ?? null,
    output: values.output === undefined ? null : path.resolve(cwd, values.output),
    json: values.json,
    sendNow: values['send-now'],
  };
}

/** Runs `certflow report monthly`. */
export async function runReport(
  command: ReportCommand,
  context: LifecycleCommandContext,
  io: { out: (line: string) => void; now?: () => Date },
): Promise<void> {
  const { calendar } = context.config.monthlyReport;
  const month = command.month ?? reportDay((io.now?.() ?? new Date()).getTime(), calendar).month;
  if (command.sendNow) {
    const session = await context.connect(context.config, context.store, context.where, context.db);
    try {
      if (session.monthlyReports === undefined) throw new Error('this session has no monthly reports client');
      const result = await session.monthlyReports.sendNow({ calendar, month });
      if (command.json) return io.out(JSON.stringify(result, null, 2));
      for (const sent of result.sent) {
        io.out(`${sent.id}: ${sent.certificates} certificate(s), ${sent.messages} message(s)`);
      }
      for (const failure of result.failed) io.out(`failed: ${failure}`);
      return;
    } finally {
      await session.close();
    }
  }
  if (command.group !== null && (await context.store.getOwnerGroup(command.group)) === null) {
    throw new UsageError(`no owner group "${command.group}": certflow groups list shows the ones there are`);
  }
  const audience: ReportAudience =
    command.group === null ? { kind: 'organisation' } : { kind: 'group', groupId: command.group };
  const asOf = reportInstant(month, calendar.holidays);
  const report = await buildReport(
    {
      expiring: new SqlExpiringCertificates({ db: context.db }),
      groups: context.store,
      loadPolicy: () => Promise.resolve(context.policy),
    },
    { asOf, audience },
  );
  if (command.output !== null) await fs.writeFile(command.output, report.csv);
  if (command.json) {
    return io.out(
      JSON.stringify(
        { id: reportId(month, audience), month, asOf, summary: report.summary, output: command.output },
        null,
        2,
      ),
    );
  }
  if (command.output === null) return io.out(report.csv.replace(/\r\n$/, ''));
  io.out(
    `wrote ${report.summary.certificates} certificate(s) expiring from ${asOf.slice(0, 10)} within 120 days ` +
      `(${report.summary.overdue} past their renewal deadline) to ${command.output}`,
  );
}
