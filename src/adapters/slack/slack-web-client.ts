/**
 * The WebClient certflow talks to Slack with, and what Slack's errors mean for a delivery: which ones retrying
 * cannot fix (a person must act, named in the message) and which ones a retried activity may get past.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ErrorCode,
  LogLevel,
  type RetryOptions,
  WebClient,
  type WebAPICallResult,
  retryPolicies,
} from '@slack/web-api';
import { NotificationRejectedError } from '../../core/ports/notification-port';

/** How to reach Slack (or the stand-in). */
export interface SlackWebClientOptions {
  /** The Bot User OAuth Token (`xoxb-…`). */
  readonly botToken: string;
  /** Web API base, `https://slack.com/api/` by default; the stand-in's `apiUrl` in tests and `npm start`. */
  readonly slackApiUrl?: string;
  /**
   * Retries of 5xx, network errors and 429 (after Retry-After); five in about five minutes by default. Never for
   * chat.postMessage, which only waits out 429s: see {@link createSlackWebClient}.
   */
  readonly retryConfig?: RetryOptions;
  /** Milliseconds one HTTP call may take; 30 s by default. */
  readonly timeoutMs?: number;
}

/** Milliseconds one HTTP call to Slack may take unless configured otherwise. */
export const SLACK_CALL_TIMEOUT_MS = 30_000;

/** How many 429s in a row one chat.postMessage waits out before it fails (and the activity retries later). */
const POST_RATE_LIMIT_WAITS = 5;

/**
 * A WebClient that waits out rate limits (429 Retry-After) and retries server errors before giving up, except that
 * chat.postMessage is sent once: Slack has no idempotency key for posts, so a 500 or a timeout may hide a message
 * Slack did post, and a blind retry would post it twice. Such a failure reaches the caller, whose next attempt looks
 * for the message by its delivery key (slack-keyed-post.ts). A 429 means Slack did not post: it is waited out.
 */
export function createSlackWebClient(options: SlackWebClientOptions): WebClient {
  const common = {
    slackApiUrl: options.slackApiUrl,
    timeout: options.timeoutMs ?? SLACK_CALL_TIMEOUT_MS,
    logLevel: LogLevel.ERROR,
  };
  const posting = new WebClient(options.botToken, {
    ...common,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
  return new PostOnceWebClient(posting, options.botToken, {
    ...common,
    // Waiting out Retry-After inside the call keeps the activity's own retries for real failures.
    rejectRateLimitedCalls: false,
    retryConfig: options.retryConfig ?? retryPolicies.fiveRetriesInFiveMinutes,
  });
}

/** Sends chat.postMessage through a client without retries, waiting out 429s itself; every other method as usual. */
class PostOnceWebClient extends WebClient {
  constructor(
    private readonly posting: WebClient,
    ...args: ConstructorParameters<typeof WebClient>
  ) {
    super(...args);
  }

  override async apiCall(method: string, options?: Record<string, unknown>): Promise<WebAPICallResult> {
    if (method !== 'chat.postMessage') return super.apiCall(method, options);
    for (let waits = 0; ; waits++) {
      try {
        return await this.posting.apiCall(method, options);
      } catch (error) {
        if (!isRateLimited(error) || waits >= POST_RATE_LIMIT_WAITS) throw error;
        await sleep(error.retryAfter * 1000);
      }
    }
  }
}

function isRateLimited(error: unknown): error is { retryAfter: number } {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    error.code === ErrorCode.RateLimitedError &&
    'retryAfter' in error &&
    typeof error.retryAfter === 'number'
  );
}

/** Slack's error name (`channel_not_found` …) when Slack answered `ok: false`; undefined for HTTP or network errors. */
export function slackErrorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error) || error.code !== ErrorCode.PlatformError) {
    return undefined;
  }
  const data = 'data' in error ? error.data : undefined;
  return typeof data === 'object' && data !== null && 'error' in data && typeof data.error === 'string'
    ? data.error
    : undefined;
}

const TOKEN_FIX =
  'reinstall the certflow Slack app (src/adapters/slack/manifest.yaml) and configure certflow with its current Bot User OAuth Token (xoxb-…)';
const MESSAGE_FIX = "this is a bug in certflow's Slack messages: please report it with the notification kind";

/** Errors that make every other call of the same send fail too: stop at the first. */
const WHOLE_SEND_FIXES: Readonly<Record<string, string>> = {
  invalid_auth: `Slack does not accept the bot token: ${TOKEN_FIX}`,
  not_authed: `no Slack bot token was sent: ${TOKEN_FIX}`,
  account_inactive: `the Slack bot token belongs to a deleted user or app: ${TOKEN_FIX}`,
  token_revoked: `the Slack bot token was revoked: ${TOKEN_FIX}`,
  token_expired: `the Slack bot token expired: ${TOKEN_FIX}`,
  not_allowed_token_type: `Slack needs a bot token (xoxb-…) here: ${TOKEN_FIX}`,
  missing_scope: 'the Slack app lacks a scope it needs: reinstall it from src/adapters/slack/manifest.yaml',
  team_access_not_granted: `the Slack bot token has no access to this workspace: ${TOKEN_FIX}`,
  invalid_blocks: `Slack refused the message's blocks: ${MESSAGE_FIX}`,
  invalid_blocks_format: `Slack could not read the message's blocks: ${MESSAGE_FIX}`,
  msg_too_long: `the message is too long for Slack: ${MESSAGE_FIX}`,
  no_text: `the message has no text: ${MESSAGE_FIX}`,
  invalid_arguments: `Slack refused the call's arguments: ${MESSAGE_FIX}`,
};

/** Errors about one channel: the other recipients still get the message. */
const CHANNEL_FIXES: Readonly<Record<string, (channel: string) => string>> = {
  channel_not_found: (channel) =>
    `Slack has no channel ${channel} that the certflow app can see: set the owner group's channel with ` +
    '`certflow groups update <group> --slack-channel <id>`, and invite the app if the channel is private',
  not_in_channel: (channel) => `the certflow app is not a member of ${channel}: invite it with \`/invite @certflow\``,
  is_archived: (channel) =>
    `channel ${channel} is archived: unarchive it or set another one with \`certflow groups update <group> --slack-channel <id>\``,
  restricted_action: (channel) =>
    `the workspace does not let apps post in ${channel}: allow it in the channel's posting permissions`,
  message_not_found: (channel) => `the message in ${channel} no longer exists`,
  cant_update_message: (channel) => `Slack does not let certflow edit its message in ${channel}`,
  edit_window_closed: (channel) =>
    `the workspace's edit window for messages in ${channel} has closed: widen it or allow apps to edit`,
};

/** Errors that mean a person cannot be reached in Slack: they are skipped and logged. */
export const UNREACHABLE_PERSON_ERRORS: ReadonlySet<string> = new Set([
  'users_not_found',
  'user_not_found',
  'user_disabled',
  'cannot_dm_bot',
]);

/** Whether an error stops the whole send (bad token, malformed message) rather than one recipient. */
export function stopsWholeSend(error: unknown): boolean {
  const name = slackErrorName(error);
  return name !== undefined && name in WHOLE_SEND_FIXES;
}

/**
 * What to throw for a failed call about `channel`: a NotificationRejectedError naming the fix when retrying cannot
 * help, else a SlackDeliveryError the activity retries.
 */
export function deliveryFailure(error: unknown, channel: string, what: string): Error {
  const name = slackErrorName(error);
  const whole = name === undefined ? undefined : WHOLE_SEND_FIXES[name];
  if (whole !== undefined) return new NotificationRejectedError(`${what} failed (${name}): ${whole}`);
  const perChannel = name === undefined ? undefined : CHANNEL_FIXES[name];
  if (perChannel !== undefined)
    return new NotificationRejectedError(`${what} failed (${name}): ${perChannel(channel)}`);
  return new SlackDeliveryError(what, error);
}

/** Slack could not be reached or failed after WebClient's retries: the activity retries later. */
export class SlackDeliveryError extends Error {
  override readonly name = 'SlackDeliveryError';
  constructor(what: string, cause: unknown) {
    const detail = slackErrorName(cause) ?? (cause instanceof Error ? cause.message : String(cause));
    super(`${what} failed (${detail}); Slack may be down or slow, and the step is retried`, { cause });
  }
}
