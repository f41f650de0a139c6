/**
 * Monthly reports without Slack (R-MON-5): the report's CSV is written under the data folder
 * (`reports/monthly/<month>/<file>`) and one log line names it and who would have received it, once per report.
 */
import path from 'node:path';
import fs from 'node:fs/promises';
import type { Kysely } from 'kysely';
import { formatPerson } from '../../core/domain/inventory/person';
import type { NotificationReceipt, ReportDelivery, ReportNotifier } from '../../core/ports/notification-port';
import type { InventoryDatabase } from '../database/kysely-inventory-store';
import { writeFileAtomic } from '../shared/durable-file';
import { SqlConsoleDeliveryStore } from './sql-console-delivery-store';

/** The folder a month's reports are written to. */
export function monthlyReportFolder(dataDir: string, month: string): string {
  return path.join(dataDir, 'reports', 'monthly', month);
}

/** Writes each report's CSV into the data folder and logs its path, once per key across restarts. */
export class ConsoleReportNotifier implements ReportNotifier {
  private readonly deliveries: SqlConsoleDeliveryStore;

  constructor(
    private readonly options: {
      readonly db: Kysely<InventoryDatabase>;
      readonly dataDir: string;
      readonly log: (line: string) => void;
    },
  ) {
    this.deliveries = new SqlConsoleDeliveryStore(options.db);
  }

  /** Writes the CSV (again, the same bytes, when a retry comes) and logs it the first time. */
  async sendReport(report: ReportDelivery): Promise<NotificationReceipt> {
    const folder = monthlyReportFolder(this.options.dataDir, report.month);
    const file = path.join(folder, report.file.name);
    await fs.mkdir(folder, { recursive: true, mode: 0o700 });
    await writeFileAtomic(file, report.file.csv);
    const { receipt, delivered } = await this.deliveries.deliverOnce({
      idempotencyKey: report.idempotencyKey,
      channel: report.audience.channelId ?? 'report',
      continues: null,
    });
    if (delivered) {
      const whose = report.group === null ? 'the organisation' : report.group.id;
      const to = report.audience.people.map(formatPerson).join(', ') || 'nobody configured';
      this.log(
        `[report] monthly report ${report.month} for ${whose}: ${report.summary.certificates} certificate(s) ` +
          `expiring before ${report.windowEnd.slice(0, 10)} (to ${to}): ${file}`,
      );
    }
    return receipt;
  }

  private log(line: string): void {
    this.options.log(line);
  }
}
