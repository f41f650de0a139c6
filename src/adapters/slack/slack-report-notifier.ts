/**
 * Monthly reports on Slack (R-MON-5): one message with the report's CSV attached, in the owner group's channel (or
 * the security channel) and by direct message to each of its people, through Slack's current upload flow:
 * files.getUploadURLExternal, the bytes POSTed to the URL it gives, then files.completeUploadExternal shares the file
 * with the message as its comment (files.upload is retired). Once per key and target, recorded before the next.
 */
import type {
  DeliveredMessage,
  NotificationReceipt,
  ReportDelivery,
  ReportNotifier,
} from '../../core/ports/notification-port';
import { NotificationRejectedError } from '../../core/ports/notification-port';
import { SlackOnceSender } from './slack-once-sender';
import { deliveryFailure, stopsWholeSend } from './slack-web-client';
import { reportMessage } from './views/report-message';

/** The upload URL refused the file's bytes. */
export class SlackUploadError extends Error {
  override readonly name = 'SlackUploadError';
}

/** Where a file goes: a channel, or a person's DM with the app. */
interface FileTarget {
  readonly key: string;
  readonly channelId: string | null;
  readonly userId: string | null;
}

/** Sends monthly reports as files through Slack's Web API, once per idempotency key. */
export class SlackReportNotifier extends SlackOnceSender implements ReportNotifier {
  /** Shares the report's CSV with its message in the audience's channel and with each person. */
  sendReport(report: ReportDelivery): Promise<NotificationReceipt> {
    return this.once(report.idempotencyKey, () => this.deliverFile(report));
  }

  private async deliverFile(report: ReportDelivery): Promise<NotificationReceipt> {
    const key = report.idempotencyKey;
    const delivered = new Map((await this.deliveries.load(key))?.delivered ?? []);
    const rejections: NotificationRejectedError[] = [];
    for (const target of await this.targetsOf(report)) {
      if (delivered.has(target.key)) continue;
      let channel = target.channelId;
      try {
        if (target.userId !== null) channel = await this.people.directChannelOf(target.userId);
        if (channel === null) continue;
        const record: DeliveredMessage = {
          ...(await this.upload(channel, report)),
          recipient: target.userId,
        };
        await this.deliveries.saveMessage({
          target: target.key,
          message: record,
          digest: null,
          members: [{ idempotencyKey: key, certificate: null }],
        });
        delivered.set(target.key, record);
      } catch (error) {
        const failure =
          error instanceof SlackUploadError
            ? error
            : deliveryFailure(error, channel ?? target.key, `sharing ${report.file.name} with ${target.key}`);
        if (!(failure instanceof NotificationRejectedError) || stopsWholeSend(error)) throw failure;
        rejections.push(failure);
      }
    }
    if (rejections.length > 0) {
      throw new NotificationRejectedError(rejections.map((rejection) => rejection.message).join('; '));
    }
    if (delivered.size === 0) this.log({ kind: 'nobody-reached', idempotencyKey: key });
    return this.finish({ idempotencyKey: key, messages: [...delivered.values()], digest: null });
  }

  /** Uploads the CSV and shares it in one channel; the message's ts when Slack tells it, else the file's id. */
  private async upload(channel: string, report: ReportDelivery): Promise<{ channel: string; ts: string }> {
    const bytes = Buffer.from(report.file.csv, 'utf8');
    const { title, text } = reportMessage(report);
    const slot = await this.client.files.getUploadURLExternal({ filename: report.file.name, length: bytes.length });
    if (slot.upload_url === undefined || slot.file_id === undefined) {
      throw new Error('Slack answered files.getUploadURLExternal without upload_url or file_id');
    }
    const sent = await fetch(slot.upload_url, {
      method: 'POST',
      headers: { 'Content-Type': 'text/csv; charset=utf-8' },
      body: bytes,
      signal: AbortSignal.timeout(60_000),
    });
    await sent.arrayBuffer();
    if (!sent.ok) throw new SlackUploadError(`Slack's upload URL answered HTTP ${sent.status} for ${report.file.name}`);
    const completed = await this.client.files.completeUploadExternal({
      files: [{ id: slot.file_id, title }],
      channel_id: channel,
      initial_comment: text,
    });
    // Slack shares a file asynchronously: the message's ts is in the answer only when the share was quick.
    const ts = completed.files?.[0]?.shares?.public?.[channel]?.[0]?.ts;
    return { channel, ts: ts ?? slot.file_id };
  }

  /** The audience's channel, and each person Slack can reach once. */
  private async targetsOf(report: ReportDelivery): Promise<FileTarget[]> {
    const { audience } = report;
    const targets: FileTarget[] = [];
    if (audience.channelId !== null) {
      targets.push({ key: `channel:${audience.channelId}`, channelId: audience.channelId, userId: null });
    }
    const users = new Set<string>();
    for (const person of audience.people) {
      const userId = await this.people.userIdOf(person, report.idempotencyKey);
      if (userId !== null) users.add(userId);
    }
    for (const userId of users) targets.push({ key: `user:${userId}`, channelId: null, userId });
    return targets;
  }
}
