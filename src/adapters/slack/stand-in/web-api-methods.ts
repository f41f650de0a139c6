/**
 * The Web API methods certflow calls, answering with Slack's response shapes and error names. Each takes the parsed
 * arguments and the stand-in's state, and returns the `ok: true` body or throws SlackMethodError.
 */
import {
  blocksArgument,
  isObject,
  type MethodArguments,
  optionalJson,
  optionalText,
  requiredText,
  SlackMethodError,
  viewArgument,
} from './method-arguments';
import type { SocketModeStandIn } from './socket-mode';
import {
  type RecordedFile,
  type RecordedMessage,
  type RecordedView,
  STAND_IN_BOT,
  STAND_IN_TEAM,
  type StandInState,
  type StandInUser,
} from './stand-in-state';

/** One Web API method. */
export type WebApiMethod = (
  args: MethodArguments,
  state: StandInState,
  socketMode: SocketModeStandIn,
) => Record<string, unknown>;

/** The methods that take the app-level token (`xapp-…`); every other method takes the bot token. */
export const APP_TOKEN_METHODS: ReadonlySet<string> = new Set(['apps.connections.open']);

/** A message as the Web API and interaction payloads show it (metadata only where asked for, as Slack does). */
export function messageJson(message: RecordedMessage, withMetadata = false): Record<string, unknown> {
  return {
    type: 'message',
    user: message.user,
    bot_id: STAND_IN_BOT.botId,
    app_id: STAND_IN_BOT.appId,
    team: STAND_IN_TEAM.id,
    text: message.text,
    blocks: message.blocks,
    ts: message.ts,
    ...(message.threadTs === undefined ? {} : { thread_ts: message.threadTs }),
    ...(message.files === undefined ? {} : { files: message.files.map((file) => fileJson(file)) }),
    ...(withMetadata && message.metadata !== undefined ? { metadata: message.metadata } : {}),
    ...(message.edits.length === 0
      ? {}
      : { edited: { user: STAND_IN_BOT.userId, ts: message.edits.at(-1)?.replacedAt } }),
  };
}

function userJson(user: StandInUser): Record<string, unknown> {
  return {
    id: user.id,
    team_id: STAND_IN_TEAM.id,
    name: user.name,
    deleted: false,
    real_name: user.realName ?? user.name,
    is_bot: false,
    profile: { real_name: user.realName ?? user.name, display_name: user.name, email: user.email },
  };
}

/** A view as the Web API and interaction payloads show it. */
export function viewJson(view: RecordedView): Record<string, unknown> {
  return {
    ...view.definition,
    id: view.id,
    team_id: STAND_IN_TEAM.id,
    type: view.type,
    hash: view.hash,
    state: { values: {} },
    app_id: STAND_IN_BOT.appId,
    bot_id: STAND_IN_BOT.botId,
  };
}

/** A file as the Web API shows it. */
function fileJson(file: RecordedFile, shares?: Record<string, unknown>): Record<string, unknown> {
  return {
    id: file.id,
    name: file.name,
    title: file.title,
    size: file.length,
    mimetype: file.name.endsWith('.csv') ? 'text/csv' : 'application/octet-stream',
    ...(shares === undefined ? {} : { shares }),
  };
}

/** The files of files.completeUploadExternal: each uploaded in full and not yet shared. */
function uploadedFiles(args: MethodArguments, state: StandInState): RecordedFile[] {
  const listed = optionalJson(args, 'files', 'invalid_arguments');
  if (!Array.isArray(listed) || listed.length === 0) {
    throw new SlackMethodError('invalid_arguments', 'give "files" as a JSON array of {id, title}');
  }
  return listed.map((entry) => {
    const id = isObject(entry) && typeof entry.id === 'string' ? entry.id : '';
    const file = state.files.get(id);
    if (file === undefined || file.completed) throw new SlackMethodError('file_not_found', `no pending upload "${id}"`);
    if (file.content === null || file.content.length !== file.length) {
      throw new SlackMethodError('file_upload_size_mismatch', `the bytes uploaded for ${id} are not ${file.length}`);
    }
    if (isObject(entry) && typeof entry.title === 'string') file.title = entry.title;
    return file;
  });
}

function channelOf(args: MethodArguments, state: StandInState): string {
  const reference = requiredText(args, 'channel', 'channel_not_found');
  const channel = state.resolveChannel(reference);
  if (channel === undefined) throw new SlackMethodError('channel_not_found', `no channel "${reference}"`);
  return channel;
}

function messageContent(args: MethodArguments): { text: string; blocks: readonly Record<string, unknown>[] } {
  const blocks = blocksArgument(args);
  const text = optionalText(args, 'text');
  if (text === undefined && blocks.length === 0) throw new SlackMethodError('no_text', 'give "text" or "blocks"');
  return { text: text ?? '', blocks };
}

function knownUser(args: MethodArguments, state: StandInState, field: string): StandInUser {
  const id = requiredText(args, field, 'user_not_found');
  const user = state.users.get(id);
  if (user === undefined) throw new SlackMethodError('user_not_found', `no user "${id}"`);
  return user;
}

function storeView(
  state: StandInState,
  user: string,
  definition: Record<string, unknown>,
  existing?: RecordedView,
): RecordedView {
  const type = definition.type;
  if (type !== 'modal' && type !== 'home')
    throw new SlackMethodError('invalid_arguments', 'view.type must be modal/home');
  const view: RecordedView = existing ?? {
    id: state.nextIdentifier('V'),
    user,
    type,
    definition,
    hash: '',
    closed: false,
  };
  view.definition = definition;
  view.hash = state.nextTs();
  state.views.set(view.id, view);
  return view;
}

/** The `metadata` argument of a post: an object with a string `event_type` and an object `event_payload`. */
function metadataArgument(args: MethodArguments): Record<string, unknown> | undefined {
  const metadata = optionalJson(args, 'metadata', 'invalid_metadata_format');
  if (metadata === undefined) return undefined;
  if (!isObject(metadata) || typeof metadata.event_type !== 'string' || !isObject(metadata.event_payload)) {
    throw new SlackMethodError(
      'invalid_metadata_format',
      'metadata needs a string event_type and an object event_payload',
    );
  }
  return { event_type: metadata.event_type, event_payload: metadata.event_payload };
}

/** Slack's largest conversations.history page. */
const HISTORY_MAX_LIMIT = 999;

/** A time bound of conversations.history (`oldest`, `latest`): a Slack timestamp, or `fallback` when absent. */
function timeBound(args: MethodArguments, name: string, fallback: number): number {
  const text = optionalText(args, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new SlackMethodError('invalid_ts_' + name, `"${name}" is not a timestamp`);
  return value;
}

/**
 * One page of a channel's history as Slack gives it: newest first, top-level messages and thread parents only,
 * between `oldest` and `latest` (exclusive unless `inclusive`), `limit` (100 by default, at most 999) per page, the
 * `cursor` of the previous page's `response_metadata.next_cursor` continuing it; metadata with include_all_metadata.
 */
function history(args: MethodArguments, messages: readonly RecordedMessage[]): Record<string, unknown> {
  const oldest = timeBound(args, 'oldest', 0);
  const latest = timeBound(args, 'latest', Number.POSITIVE_INFINITY);
  const inclusive = optionalText(args, 'inclusive') === 'true' || optionalText(args, 'inclusive') === '1';
  const limitText = optionalText(args, 'limit');
  const limit = limitText === undefined ? 100 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 0) throw new SlackMethodError('invalid_limit', `"limit" is not a count`);
  const cursorText = optionalText(args, 'cursor');
  let before = Number.POSITIVE_INFINITY;
  if (cursorText !== undefined) {
    const decoded = /^next_ts:(\d+\.\d+)$/.exec(Buffer.from(cursorText, 'base64').toString('utf8'));
    if (decoded?.[1] === undefined)
      throw new SlackMethodError('invalid_cursor', `"cursor" is not one the stand-in gave`);
    before = Number(decoded[1]);
  }
  const within = (ts: number) => (inclusive ? ts >= oldest && ts <= latest : ts > oldest && ts < latest) && ts < before;
  const visible = messages
    .filter((message) => !message.deleted && (message.threadTs === undefined || message.threadTs === message.ts))
    .filter((message) => within(Number(message.ts)))
    .sort((a, b) => Number(b.ts) - Number(a.ts));
  const page = visible.slice(0, Math.min(limit === 0 ? 100 : limit, HISTORY_MAX_LIMIT));
  const hasMore = visible.length > page.length;
  const last = page.at(-1);
  const withMetadata = optionalText(args, 'include_all_metadata') === 'true';
  return {
    messages: page.map((message) => messageJson(message, withMetadata)),
    has_more: hasMore,
    pin_count: 0,
    response_metadata: {
      next_cursor: hasMore && last !== undefined ? Buffer.from(`next_ts:${last.ts}`).toString('base64') : '',
    },
  };
}

/** The methods the stand-in answers, by Web API name. */
export const WEB_API_METHODS: Readonly<Record<string, WebApiMethod>> = {
  'apps.connections.open': (_args, _state, socketMode) => ({ url: socketMode.openUrl() }),

  'auth.test': () => ({
    url: `https://${STAND_IN_TEAM.domain}.slack.com/`,
    team: STAND_IN_TEAM.domain,
    user: STAND_IN_BOT.name,
    team_id: STAND_IN_TEAM.id,
    user_id: STAND_IN_BOT.userId,
    bot_id: STAND_IN_BOT.botId,
    is_enterprise_install: false,
  }),

  'chat.postMessage': (args, state) => {
    const channel = channelOf(args, state);
    const threadTs = optionalText(args, 'thread_ts');
    const metadata = metadataArgument(args);
    const message = state.post(channel, {
      ...messageContent(args),
      user: STAND_IN_BOT.userId,
      threadTs,
      ...(metadata === undefined ? {} : { metadata }),
    });
    return { channel, ts: message.ts, message: messageJson(message) };
  },

  'chat.update': (args, state) => {
    const channel = channelOf(args, state);
    const ts = requiredText(args, 'ts', 'message_not_found');
    const message = state.edit(channel, ts, messageContent(args));
    if (message === undefined) throw new SlackMethodError('message_not_found', `no message ${ts} in ${channel}`);
    return { channel, ts, text: message.text, message: messageJson(message) };
  },

  'chat.delete': (args, state) => {
    const channel = channelOf(args, state);
    const ts = requiredText(args, 'ts', 'message_not_found');
    const message = state.messages.get(channel)?.find((candidate) => candidate.ts === ts && !candidate.deleted);
    if (message === undefined) throw new SlackMethodError('message_not_found', `no message ${ts} in ${channel}`);
    message.deleted = true;
    return { channel, ts };
  },

  'chat.postEphemeral': (args, state) => {
    const channel = channelOf(args, state);
    const user = knownUser(args, state, 'user');
    const members = state.channels.get(channel)?.members;
    if (members !== undefined && !members.includes(user.id)) {
      throw new SlackMethodError('user_not_in_channel', `${user.id} is not a member of ${channel}`);
    }
    const ephemeral = state.postEphemeral({
      channel,
      user: user.id,
      ...messageContent(args),
      source: 'chat.postEphemeral',
    });
    return { message_ts: ephemeral.messageTs };
  },

  'conversations.history': (args, state) => {
    const reference = requiredText(args, 'channel', 'channel_not_found');
    const channel = state.findChannel(reference);
    if (channel === undefined || state.users.has(reference)) {
      throw new SlackMethodError('channel_not_found', `no channel "${reference}"`);
    }
    return history(args, state.messages.get(channel) ?? []);
  },

  'files.getUploadURLExternal': (args, state) => {
    const filename = requiredText(args, 'filename', 'invalid_arguments');
    const length = Number(requiredText(args, 'length', 'invalid_arguments'));
    if (!Number.isInteger(length) || length <= 0) throw new SlackMethodError('invalid_arguments', 'length must be > 0');
    const id = state.nextIdentifier('F');
    state.files.set(id, { id, name: filename, length, title: filename, content: null, completed: false });
    return { upload_url: `${state.baseUrl}/upload/${id}`, file_id: id };
  },

  'files.completeUploadExternal': (args, state) => {
    const files = uploadedFiles(args, state);
    const reference = optionalText(args, 'channel_id');
    const channel = reference === undefined ? undefined : state.resolveChannel(reference);
    if (reference !== undefined && channel === undefined) {
      throw new SlackMethodError('channel_not_found', `no channel "${reference}"`);
    }
    for (const file of files) file.completed = true;
    if (channel === undefined) return { files: files.map((file) => fileJson(file)) };
    const message = state.post(channel, {
      text: optionalText(args, 'initial_comment') ?? '',
      blocks: [],
      user: STAND_IN_BOT.userId,
      files,
    });
    const shares = { public: { [channel]: [{ ts: message.ts, channel_name: channel }] } };
    return { files: files.map((file) => fileJson(file, shares)) };
  },

  'conversations.open': (args, state) => {
    const ids = (optionalText(args, 'users') ?? '').split(',').filter((id) => id !== '');
    if (ids.length === 0) throw new SlackMethodError('users_list_not_supplied', 'give "users"');
    if (ids.length > 1) throw new SlackMethodError('not_supported', 'the stand-in opens DMs with one user only');
    const [id = ''] = ids;
    if (!state.users.has(id)) throw new SlackMethodError('user_not_found', `no user "${id}"`);
    return { channel: { id: state.openDm(id), is_im: true, user: id } };
  },

  'views.open': (args, state) => {
    const trigger = requiredText(args, 'trigger_id', 'invalid_trigger_id');
    const user = state.triggers.get(trigger);
    if (user === undefined) throw new SlackMethodError('invalid_trigger_id', `unknown trigger id "${trigger}"`);
    const definition = viewArgument(args);
    if (definition.type !== 'modal') throw new SlackMethodError('invalid_arguments', 'views.open opens modals only');
    return { view: viewJson(storeView(state, user, definition)) };
  },

  'views.publish': (args, state) => {
    const user = knownUser(args, state, 'user_id');
    const definition = viewArgument(args);
    if (definition.type !== 'home') throw new SlackMethodError('invalid_arguments', 'views.publish takes a home view');
    const existing = [...state.views.values()].find((view) => view.user === user.id && view.type === 'home');
    return { view: viewJson(storeView(state, user.id, definition, existing)) };
  },

  'views.update': (args, state) => {
    const id = requiredText(args, 'view_id', 'view_not_found');
    const existing = state.views.get(id);
    if (existing === undefined) throw new SlackMethodError('view_not_found', `no view "${id}"`);
    const hash = optionalText(args, 'hash');
    if (hash !== undefined && hash !== existing.hash) {
      throw new SlackMethodError('hash_conflict', `view ${id} changed since hash ${hash}`);
    }
    return { view: viewJson(storeView(state, existing.user, viewArgument(args), existing)) };
  },

  'users.info': (args, state) => {
    const user = knownUser(args, state, 'user');
    if (user.external === true) throw new SlackMethodError('user_not_found', `${user.id} is not in this workspace`);
    return { user: userJson(user) };
  },

  'users.lookupByEmail': (args, state) => {
    const email = requiredText(args, 'email', 'users_not_found').toLowerCase();
    const user = [...state.users.values()].find(
      (candidate) => candidate.external !== true && candidate.email?.toLowerCase() === email,
    );
    if (user === undefined) throw new SlackMethodError('users_not_found', `nobody has the address ${email}`);
    return { user: userJson(user) };
  },

  'usergroups.users.list': (args, state) => {
    const id = requiredText(args, 'usergroup', 'no_such_subteam');
    const group = state.userGroups.get(id);
    if (group === undefined) throw new SlackMethodError('no_such_subteam', `no user group "${id}"`);
    return { users: [...group.users] };
  },
};
