/**
 * The one place certflow posts Slack messages. Slack has no idempotency key for posts, so every message carries its
 * delivery key in Slack's message metadata; when an earlier attempt's outcome is unknown (a 500 after Slack posted,
 * a timeout, a worker killed before it recorded the ts), the next attempt looks for the key in the channel's history
 * and adopts the message it finds instead of posting it a second time (R-CAM-4's exactly-once, issue 17).
 */
import type { WebClient } from '@slack/web-api';
import type { SlackMessage } from './views/blocks';
import type { SlackDelivery } from './slack-delivery-store';
import { NotificationInDoubtError } from '../../core/ports/notification-port';
import { SLACK_CALL_TIMEOUT_MS } from './slack-web-client';

/** The metadata event type of certflow's messages. */
export const DELIVERY_EVENT_TYPE = 'certflow_delivery';

/** How far beyond an attempt's recorded posts a look-up reaches, both ways: certflow's clock and Slack's may differ. */
export const LOOKUP_MARGIN_MS = 5 * 60_000;

/**
 * How long after a post was sent Slack may still show it when certflow never heard back: the client's timeout, then
 * a margin for a request Slack had queued. A look-up before then could miss the message and post it twice.
 */
export const POST_LANDING_MS = SLACK_CALL_TIMEOUT_MS + 15_000;

/** When an earlier attempt of a key began posting: its first post, and its latest (which may still appear). */
export interface EarlierPosts {
  readonly firstBegunAt: Date;
  readonly lastBegunAt: Date;
}

/**
 * Throws {@link NotificationInDoubtError} while an earlier attempt's post may still appear in Slack, with how long
 * the next attempt waits; returns once a look-up can tell whether it did.
 */
export function ensureLanded(earlier: EarlierPosts, landingMs: number, what: string, nowMs = Date.now()): void {
  const waitMs = earlier.lastBegunAt.getTime() + landingMs - nowMs;
  if (waitMs <= 0) return;
  throw new NotificationInDoubtError(
    `${what}: an earlier attempt's post got no answer and may still appear in Slack, so certflow looks for it in ` +
      `${Math.ceil(waitMs / 1000)} s instead of posting it twice`,
    waitMs,
  );
}

/** The earlier posts a key's recorded delivery tells of; null when no post of it was ever begun. */
export function earlierPostsOf(delivery: SlackDelivery | undefined): EarlierPosts | null {
  return delivery === undefined ? null : { firstBegunAt: delivery.startedAt, lastBegunAt: delivery.lastPostBegunAt };
}

/**
 * certflow's messages in `channel` carrying any of `keys` that earlier posts left, once they can have appeared
 * ({@link ensureLanded}), read from the minutes in which they could: the first one's begin to the latest one's landing.
 */
export async function findLanded(
  client: WebClient,
  channel: string,
  keys: ReadonlySet<string>,
  earlier: EarlierPosts,
  input: { landingMs: number; what: string },
): Promise<MarkedMessage[]> {
  ensureLanded(earlier, input.landingMs, input.what);
  const until = new Date(earlier.lastBegunAt.getTime() + input.landingMs);
  return await findMarked(client, channel, keys, { since: earlier.firstBegunAt, until });
}

/** Messages per conversations.history page: Slack recommends at most 200. */
const HISTORY_PAGE_SIZE = 200;

/**
 * Pages a look-up reads at most (10,000 messages since the attempt): past that the channel is too busy to search and
 * the message is posted, as a duplicate there is less harmful than a notification never sent.
 */
const HISTORY_MAX_PAGES = 50;

/** What a message delivers: one idempotency key, or a digest's id with the keys of its members. */
export interface DeliveryMark {
  readonly key: string;
  readonly members?: readonly string[];
}

/** A message of certflow's found in a channel, with what it delivers. */
export interface MarkedMessage {
  readonly ts: string;
  readonly mark: DeliveryMark;
}

/** Where Slack put a message. */
export interface PostedRef {
  readonly channel: string;
  readonly ts: string;
}

/** The idempotency keys a message delivers. */
export function keysOf(mark: DeliveryMark): readonly string[] {
  return mark.members ?? [mark.key];
}

/** Posts the message with its delivery mark in the metadata; sent once (see createSlackWebClient). */
export async function postMarked(
  client: WebClient,
  channel: string,
  message: SlackMessage,
  mark: DeliveryMark,
): Promise<PostedRef> {
  const answer = await client.chat.postMessage({
    channel,
    ...message,
    metadata: {
      event_type: DELIVERY_EVENT_TYPE,
      event_payload: {
        key: mark.key,
        ...(mark.members === undefined ? {} : { members: mark.members.map((key) => ({ key })) }),
      },
    },
  });
  if (answer.ts === undefined) throw new Error('Slack answered chat.postMessage without a ts');
  return { channel: answer.channel ?? channel, ts: answer.ts };
}

/**
 * certflow's messages in `channel` that deliver any of `keys`, posted while the earlier posts could appear: from the
 * first one's begin to the latest one's landing (each widened by {@link LOOKUP_MARGIN_MS}), oldest first; reads
 * conversations.history with metadata, page by page. Bounded both ways, a look-up reads the minutes around the lost
 * post, not everything a busy channel received since (a look-up over a campaign's hour outlasted every attempt).
 */
export async function findMarked(
  client: WebClient,
  channel: string,
  keys: ReadonlySet<string>,
  window: { since: Date; until: Date },
): Promise<MarkedMessage[]> {
  const oldest = ((window.since.getTime() - LOOKUP_MARGIN_MS) / 1000).toFixed(6);
  const latest = ((window.until.getTime() + LOOKUP_MARGIN_MS) / 1000).toFixed(6);
  const found: MarkedMessage[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < HISTORY_MAX_PAGES; page++) {
    const answer = await client.conversations.history({
      channel,
      oldest,
      latest,
      inclusive: true,
      limit: HISTORY_PAGE_SIZE,
      include_all_metadata: true,
      ...(cursor === undefined ? {} : { cursor }),
    });
    for (const message of answer.messages ?? []) {
      const mark = markOf(message.metadata);
      if (message.ts !== undefined && mark !== undefined && keysOf(mark).some((key) => keys.has(key))) {
        found.push({ ts: message.ts, mark });
      }
    }
    cursor = answer.response_metadata?.next_cursor;
    if (answer.has_more !== true || cursor === undefined || cursor === '') break;
  }
  return found.sort((a, b) => Number(a.ts) - Number(b.ts));
}

/**
 * Delivers one key's message to a channel once: when `earlier` is set (an earlier attempt may have posted it), waits
 * until its posts can have appeared ({@link findLanded}), then adopts the message carrying the key if the channel
 * has one, else records the post's begin (`beforePost`) and posts.
 */
export async function postOnce(
  client: WebClient,
  input: {
    channel: string;
    message: SlackMessage;
    key: string;
    earlier: EarlierPosts | null;
    landingMs: number;
    beforePost: () => Promise<void>;
  },
): Promise<PostedRef> {
  const { channel, key, earlier } = input;
  if (earlier !== null) {
    const what = `posting ${key} to ${channel}`;
    const [found] = await findLanded(client, channel, new Set([key]), earlier, { landingMs: input.landingMs, what });
    if (found !== undefined) return { channel, ts: found.ts };
  }
  await input.beforePost();
  return postMarked(client, channel, input.message, { key });
}

/** The delivery mark in a message's metadata, when it is one of certflow's. */
function markOf(metadata: unknown): DeliveryMark | undefined {
  if (!isRecord(metadata) || metadata.event_type !== DELIVERY_EVENT_TYPE) return undefined;
  const payload = metadata.event_payload;
  if (!isRecord(payload) || typeof payload.key !== 'string') return undefined;
  if (!Array.isArray(payload.members)) return { key: payload.key };
  const members = payload.members.flatMap((member: unknown) =>
    isRecord(member) && typeof member.key === 'string' ? [member.key] : [],
  );
  return { key: payload.key, members };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
