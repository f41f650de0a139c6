/**
 * Acts as a Slack user against the app: clicks buttons, submits modals, runs slash commands and opens App Home. Over
 * HTTP each is a request to the app's Bolt endpoint signed the way Slack signs it (v0 HMAC-SHA256 of
 * `v0:<timestamp>:<raw body>`), interactive payloads form-encoded in a `payload` field because Bolt parses only that
 * exact content type. Over Socket Mode each is an envelope on the app's connection, and the acknowledgement's payload
 * is the answer.
 */
import { createHmac } from 'node:crypto';
import { isObject } from './method-arguments';
import type { EnvelopeType, SocketModeStandIn } from './socket-mode';
import { type RecordedView, STAND_IN_BOT, STAND_IN_TEAM, type StandInState, type StandInUser } from './stand-in-state';
import { messageJson, viewJson } from './web-api-methods';

/**
 * How the driver signs: correctly, with the wrong secret, correctly but 6 minutes old or 6 minutes ahead, or not at
 * all, so tests can check that the app refuses what Slack would never send.
 */
export type SignatureMode = 'valid' | 'forged' | 'stale' | 'future' | 'missing';

/** How a driver reaches the app. */
export interface UserDriverOptions {
  /** The Bolt endpoint, e.g. `http://127.0.0.1:3000/slack/events`; the stand-in's `appUrl` by default. */
  readonly appUrl?: string;
  /** HTTP only: Socket Mode envelopes are not signed. */
  readonly signature?: SignatureMode;
  /** `http` when an appUrl is known, otherwise `socket` when an app is connected over Socket Mode. */
  readonly transport?: 'http' | 'socket';
}

/** Where a driver's actions go: signed posts to the app's Bolt endpoint, or envelopes over Socket Mode. */
export type AppTransport =
  | { readonly kind: 'http'; readonly appUrl: string; readonly signature: SignatureMode }
  | { readonly kind: 'socket'; readonly socketMode: SocketModeStandIn };

/** One request exactly as the driver posted it over HTTP, so a test can send it again byte for byte (a replay). */
export interface SentRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The app's answer to one action: its HTTP answer, or over Socket Mode status 200 and the acknowledgement's payload. */
export interface AppAnswer {
  readonly status: number;
  readonly body: string;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  readonly json: unknown;
  /** Over HTTP, the request that got this answer. */
  readonly sent?: SentRequest;
}

/** Posts a request again as it was sent (same body, timestamp and signature): what an attacker replaying it does. */
export async function resendRequest(sent: SentRequest): Promise<AppAnswer> {
  const response = await fetch(sent.url, { method: 'POST', headers: sent.headers, body: sent.body });
  return { ...(await answerOf(response)), sent };
}

async function answerOf(response: Response): Promise<AppAnswer> {
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, body: text, json };
}

/** The answer to an interaction, with the ids Slack gave the app along with it. */
export interface InteractionAnswer extends AppAnswer {
  readonly triggerId: string;
  /** Where the app may answer later; read what it posted with the stand-in's `responseUrl(url)`. */
  readonly responseUrl?: string;
}

/** A button on a message in a channel, or on a view (App Home or modal). */
export type ClickTarget =
  | { readonly channel: string; readonly ts: string; readonly actionId: string }
  | { readonly viewId: string; readonly actionId: string };

/** A user action the stand-in cannot perform: the message, button, view or user does not exist. */
export class SlackDriverError extends Error {
  override readonly name = 'SlackDriverError';
  constructor(detail: string) {
    super(`the Slack stand-in cannot do that: ${detail}`);
  }
}

/** What the driver needs from the stand-in. */
export interface UserDriverContext {
  readonly state: StandInState;
  readonly signingSecret: string;
  readonly nowMilliseconds: () => number;
  readonly newResponseUrl: (user: string, channel?: string, messageTs?: string) => string;
}

/** Slack's v0 request signature: `v0=` and the hex HMAC-SHA256 of `v0:<timestamp>:<raw body>`. */
export function signSlackRequest(signingSecret: string, timestampSeconds: number, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${rawBody}`).digest('hex')}`;
}

const OFF_BY_SECONDS = 6 * 60;

function findAction(blocks: unknown, actionId: string) {
  for (const block of Array.isArray(blocks) ? (blocks as unknown[]) : []) {
    if (!isObject(block)) continue;
    const elements: unknown[] = [
      ...(Array.isArray(block.elements) ? (block.elements as unknown[]) : []),
      block.accessory,
    ];
    const element = elements.find((candidate) => isObject(candidate) && candidate.action_id === actionId);
    if (isObject(element)) return { block, element };
  }
  return undefined;
}

/** A Slack user acting against the app. */
export class SlackUserDriver {
  private readonly user: StandInUser;

  constructor(
    private readonly context: UserDriverContext,
    userId: string,
    private readonly transport: AppTransport,
  ) {
    const user = context.state.users.get(userId);
    if (user === undefined) throw new SlackDriverError(`no user "${userId}": add it to the stand-in's users`);
    this.user = user;
  }

  /** Clicks a button (found by action_id in the message's or view's blocks): a `block_actions` payload. */
  async click(target: ClickTarget): Promise<InteractionAnswer> {
    const { state } = this.context;
    const triggerId = state.issueTrigger(this.user.id);
    let where: Record<string, unknown>;
    let blocks: unknown;
    let responseUrl: string | undefined;
    if ('viewId' in target) {
      const view = this.view(target.viewId);
      blocks = view.definition.blocks;
      where = { container: { type: 'view', view_id: view.id }, view: viewJson(view) };
    } else {
      const channel = state.resolveChannel(target.channel) ?? target.channel;
      const message = state.messages
        .get(channel)
        ?.find((candidate) => candidate.ts === target.ts && !candidate.deleted);
      if (message === undefined) throw new SlackDriverError(`no message ${target.ts} in channel ${target.channel}`);
      blocks = message.blocks;
      responseUrl = this.context.newResponseUrl(this.user.id, channel, message.ts);
      where = {
        container: { type: 'message', message_ts: message.ts, channel_id: channel, is_ephemeral: false },
        channel: { id: channel, name: state.channels.get(channel)?.name ?? 'directmessage' },
        message: messageJson(message),
        response_url: responseUrl,
      };
    }
    const found = findAction(blocks, target.actionId);
    if (found === undefined) throw new SlackDriverError(`no element with action_id "${target.actionId}" there`);
    const action = { ...found.element, block_id: found.block.block_id, action_ts: state.nextTs() };
    const payload = {
      type: 'block_actions',
      ...this.envelope(triggerId),
      ...where,
      state: { values: {} },
      actions: [action],
    };
    const answer = await this.postInteraction(payload);
    return { ...answer, triggerId, ...(responseUrl === undefined ? {} : { responseUrl }) };
  }

  /**
   * Submits a modal with plain-text values by block id and action id: a `view_submission` payload. The app's answer
   * is applied as Slack would: `errors` keeps the modal open, `update` replaces it, anything else closes it.
   */
  async submitView(viewId: string, values: Record<string, Record<string, string>> = {}): Promise<InteractionAnswer> {
    const view = this.view(viewId);
    if (view.type !== 'modal' || view.closed) throw new SlackDriverError(`view ${viewId} is not an open modal`);
    const stateValues = Object.fromEntries(
      Object.entries(values).map(([blockId, byAction]) => [
        blockId,
        Object.fromEntries(
          Object.entries(byAction).map(([actionId, value]) => [actionId, { type: 'plain_text_input', value }]),
        ),
      ]),
    );
    const triggerId = this.context.state.issueTrigger(this.user.id);
    const payload = {
      type: 'view_submission',
      ...this.envelope(triggerId),
      view: { ...viewJson(view), state: { values: stateValues } },
      response_urls: [],
    };
    const answer = await this.postInteraction(payload);
    if (answer.status === 200) this.applyViewAnswer(view, answer.json);
    return { ...answer, triggerId };
  }

  /** Runs a slash command in the user's DM with the app (or `channel`); a body in the ack is shown to the user. */
  async slashCommand(command: string, text: string, channel?: string): Promise<InteractionAnswer> {
    const { state } = this.context;
    const channelId = channel === undefined ? state.openDm(this.user.id) : (state.resolveChannel(channel) ?? channel);
    const triggerId = state.issueTrigger(this.user.id);
    const responseUrl = this.context.newResponseUrl(this.user.id, channelId);
    const form = new URLSearchParams({
      token: 'stand-in-verification-token',
      team_id: STAND_IN_TEAM.id,
      team_domain: STAND_IN_TEAM.domain,
      channel_id: channelId,
      channel_name: state.channels.get(channelId)?.name ?? 'directmessage',
      user_id: this.user.id,
      user_name: this.user.name,
      command,
      text,
      api_app_id: STAND_IN_BOT.appId,
      is_enterprise_install: 'false',
      response_url: responseUrl,
      trigger_id: triggerId,
    });
    const answer = await this.send(
      'slash_commands',
      Object.fromEntries(form),
      'application/x-www-form-urlencoded',
      form.toString(),
    );
    if (answer.status === 200 && answer.body.trim() !== '') this.showCommandAck(channelId, answer);
    return { ...answer, triggerId, responseUrl };
  }

  /** Opens the app's Home tab: an `app_home_opened` event. */
  async openHome(): Promise<AppAnswer> {
    const { state } = this.context;
    const home = [...state.views.values()].find((view) => view.user === this.user.id && view.type === 'home');
    const eventTs = state.nextTs();
    const event = {
      type: 'app_home_opened',
      user: this.user.id,
      channel: state.openDm(this.user.id),
      tab: 'home',
      event_ts: eventTs,
      ...(home === undefined ? {} : { view: viewJson(home) }),
    };
    const body = {
      token: 'stand-in-verification-token',
      team_id: STAND_IN_TEAM.id,
      api_app_id: STAND_IN_BOT.appId,
      event,
      type: 'event_callback',
      event_id: state.nextIdentifier('Ev'),
      event_time: Math.floor(this.context.nowMilliseconds() / 1000),
      authorizations: [{ team_id: STAND_IN_TEAM.id, user_id: STAND_IN_BOT.userId, is_bot: true }],
    };
    return this.send('events_api', body, 'application/json', JSON.stringify(body));
  }

  private envelope(triggerId: string): Record<string, unknown> {
    return {
      user: { id: this.user.id, username: this.user.name, name: this.user.name, team_id: STAND_IN_TEAM.id },
      api_app_id: STAND_IN_BOT.appId,
      token: 'stand-in-verification-token',
      trigger_id: triggerId,
      team: { id: STAND_IN_TEAM.id, domain: STAND_IN_TEAM.domain },
      enterprise: null,
      is_enterprise_install: false,
    };
  }

  private view(viewId: string): RecordedView {
    const view = this.context.state.views.get(viewId);
    if (view === undefined || view.user !== this.user.id) {
      throw new SlackDriverError(`user ${this.user.id} has no view "${viewId}"`);
    }
    return view;
  }

  private applyViewAnswer(view: RecordedView, answer: unknown): void {
    const action = isObject(answer) ? answer.response_action : undefined;
    if (action === 'errors') return;
    if (action === 'update' && isObject(answer) && isObject(answer.view)) {
      view.definition = answer.view;
      view.hash = this.context.state.nextTs();
      return;
    }
    if (action === 'clear') {
      for (const other of this.context.state.views.values()) if (other.user === view.user) other.closed = true;
    }
    view.closed = true;
  }

  private showCommandAck(channel: string, answer: AppAnswer): void {
    const json = isObject(answer.json) ? answer.json : { text: answer.body };
    const text = typeof json.text === 'string' ? json.text : '';
    const blocks = Array.isArray(json.blocks) ? json.blocks.filter((block) => isObject(block)) : [];
    if (json.response_type === 'in_channel') {
      this.context.state.post(channel, { text, blocks, user: STAND_IN_BOT.userId });
    } else {
      this.context.state.postEphemeral({ channel, user: this.user.id, text, blocks, source: 'command_ack' });
    }
  }

  private postInteraction(payload: Record<string, unknown>): Promise<AppAnswer> {
    const form = new URLSearchParams({ payload: JSON.stringify(payload) });
    return this.send('interactive', payload, 'application/x-www-form-urlencoded', form.toString());
  }

  /** Delivers `payload` as an envelope of `type` over Socket Mode, or posts `body` over HTTP. */
  private async send(
    type: EnvelopeType,
    payload: Record<string, unknown>,
    contentType: string,
    body: string,
  ): Promise<AppAnswer> {
    if (this.transport.kind === 'http') return this.post(this.transport, contentType, body);
    const ack = await this.transport.socketMode.deliver(type, payload);
    // An empty acknowledgement is what an empty HTTP 200 is: no answer.
    const empty = Object.keys(ack).length === 0;
    return { status: 200, body: empty ? '' : JSON.stringify(ack), json: empty ? undefined : ack };
  }

  private async post(
    { signature, appUrl }: { signature: SignatureMode; appUrl: string },
    contentType: string,
    body: string,
  ): Promise<AppAnswer> {
    const offset = signature === 'stale' ? -OFF_BY_SECONDS : signature === 'future' ? OFF_BY_SECONDS : 0;
    const timestamp = Math.floor(this.context.nowMilliseconds() / 1000) + offset;
    const secret = signature === 'forged' ? `forged-${this.context.signingSecret}` : this.context.signingSecret;
    const headers: Record<string, string> = { 'Content-Type': contentType };
    if (signature !== 'missing') {
      headers['X-Slack-Signature'] = signSlackRequest(secret, timestamp, body);
      headers['X-Slack-Request-Timestamp'] = String(timestamp);
    }
    const response = await fetch(appUrl, { method: 'POST', headers, body });
    return { ...(await answerOf(response)), sent: { url: appUrl, headers, body } };
  }
}
