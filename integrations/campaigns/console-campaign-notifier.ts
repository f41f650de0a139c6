import { progressBar } from '../../bots/slack/views/campaign-messages';
import type { NotificationReceipt } from '../notifications/notification-port';
import type { CampaignNotifier } from './campaign-ports';
import { RecordingCampaignNotifier } from './recording-campaign-notifier';

/**
 * The campaign notifier of `npm start` without Slack credentials: one readable log line per call, once per
 * idempotency key.
 */
export class ConsoleCampaignNotifier implements CampaignNotifier {
  private readonly delivered = new RecordingCampaignNotifier();

  constructor(private readonly log: (line: string) => void) {}

  /** Logs the campaign's status and progress bar. */
  async publishProgress(input: Parameters<CampaignNotifier['publishProgress']>[0]): Promise<NotificationReceipt> {
    const { progress } = input;
    return this.logged(
      () => this.delivered.publishProgress(input),
      () => {
        const bar = progressBar(progress.done, progress.total);
        return `[campaign] ${progress.campaign.id} ${progress.status}: ${bar}`;
      },
    );
  }

  /** Logs the groups not done at the deadline. */
  async escalateLaggards(input: Parameters<CampaignNotifier['escalateLaggards']>[0]): Promise<NotificationReceipt> {
    return this.logged(
      () => this.delivered.escalateLaggards(input),
      () => {
        const groups = input.groups.map(({ progress }) => `${progress.group} ${progress.done}/${progress.total}`);
        return `[campaign] ESCALATION ${input.progress.campaign.id}: deadline passed, not done: ${groups.join(', ') || 'none'}`;
      },
    );
  }

  /** Logs that the report is ready, with its first line. */
  async postReport(input: Parameters<CampaignNotifier['postReport']>[0]): Promise<NotificationReceipt> {
    return this.logged(
      () => this.delivered.postReport(input),
      () => {
        const first = input.markdown.split('\n').find((line) => line.trim() !== '') ?? '';
        return `[campaign] report of ${input.progress.campaign.id}: ${first.replace(/^#+\s*/, '')}`;
      },
    );
  }

  private async logged(deliver: () => Promise<NotificationReceipt>, line: () => string): Promise<NotificationReceipt> {
    const before = this.delivered.calls.length;
    const receipt = await deliver();
    if (this.delivered.calls.length > before) this.log(line());
    return receipt;
  }
}
