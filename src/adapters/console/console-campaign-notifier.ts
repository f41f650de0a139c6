import type { Kysely } from 'kysely';
import { progressBar } from '../../core/domain/campaigns/progress-bar';
import type { InventoryDatabase } from '../database/kysely-inventory-store';
import type { CampaignNotifier, NotificationReceipt } from '../../core/ports/notification-port';
import type { CampaignProgress } from '../../core/domain/campaigns/model';
import { SqlConsoleDeliveryStore } from './sql-console-delivery-store';

/** Options of {@link ConsoleCampaignNotifier}. */
export interface ConsoleCampaignNotifierOptions {
  /** The inventory database, migrated: what was printed outlives the worker. */
  readonly db: Kysely<InventoryDatabase>;
  readonly log: (line: string) => void;
}

/**
 * The campaign notifier of `npm start` without Slack credentials: one readable log line per call, once per
 * idempotency key, also across restarts (the keys and receipts are kept in the inventory database).
 */
export class ConsoleCampaignNotifier implements CampaignNotifier {
  private readonly deliveries: SqlConsoleDeliveryStore;
  private readonly log: (line: string) => void;

  constructor(options: ConsoleCampaignNotifierOptions) {
    this.deliveries = new SqlConsoleDeliveryStore(options.db);
    this.log = options.log;
  }

  /** Logs the campaign's status and progress bar. */
  async publishProgress(input: Parameters<CampaignNotifier['publishProgress']>[0]): Promise<NotificationReceipt> {
    const { progress } = input;
    return this.logged({ idempotencyKey: input.idempotencyKey, progress, continues: input.receipt }, () => {
      const bar = progressBar(progress.done, progress.total);
      return `[campaign] ${progress.campaign.id} ${progress.status}: ${bar}`;
    });
  }

  /** Logs the groups not done at the deadline. */
  async escalateLaggards(input: Parameters<CampaignNotifier['escalateLaggards']>[0]): Promise<NotificationReceipt> {
    return this.logged({ idempotencyKey: input.idempotencyKey, progress: input.progress, continues: null }, () => {
      const groups = input.groups.map(({ progress }) => `${progress.group} ${progress.done}/${progress.total}`);
      return `[campaign] ESCALATION ${input.progress.campaign.id}: deadline passed, not done: ${groups.join(', ') || 'none'}`;
    });
  }

  /** Logs that the report is ready, with its first line. */
  async postReport(input: Parameters<CampaignNotifier['postReport']>[0]): Promise<NotificationReceipt> {
    return this.logged({ idempotencyKey: input.idempotencyKey, progress: input.progress, continues: null }, () => {
      const first = input.markdown.split('\n').find((line) => line.trim() !== '') ?? '';
      return `[campaign] report of ${input.progress.campaign.id}: ${first.replace(/^#+\s*/, '')}`;
    });
  }

  private async logged(
    call: { idempotencyKey: string; progress: CampaignProgress; continues: NotificationReceipt | null },
    line: () => string,
  ): Promise<NotificationReceipt> {
    const { receipt, delivered } = await this.deliveries.deliverOnce({
      idempotencyKey: call.idempotencyKey,
      channel: call.progress.campaign.channelId ?? 'campaign',
      continues: call.continues,
    });
    if (delivered) this.log(line());
    return receipt;
  }
}
