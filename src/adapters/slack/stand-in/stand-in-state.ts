/**
 * What the Slack stand-in remembers: its workspace (users, user groups, channels) and everything the app did in it
 * (messages with their edit history, ephemeral messages, views, DM channels, response_url posts, trigger ids), so
 * tests can read the outcome the way a person would see it in Slack.
 */

/** The stand-in workspace's team. */
export const STAND_IN_TEAM = { id: 'T0CERTFLOW', domain: 'certflow-stand-in' } as const;

/** The app's bot identity, as `auth.test` reports it. */
export const STAND_IN_BOT = { userId: 'U0CERTBOT', botId: 'B0CERTBOT', appId: 'A0CERTFLOW', name: 'certflow' } as const;

/** A workspace member. */
export interface StandInUser {
  readonly id: string;
  /** The handle, e.g. `alice`. */
  readonly name: string;
  readonly realName?: string;
  readonly email?: string;
  /**
   * Someone from another organisation in a shared channel: they can click and run commands, but the workspace's
   * directory does not list them, so `users.info` answers `user_not_found` and `users.lookupByEmail` misses them.
   */
  readonly external?: boolean;
}

/** A user group (`S…`) and the ids of its members, as `usergroups.users.list` returns them. */
export interface StandInUserGroup {
  readonly id: string;
  readonly handle: string;
  readonly users: readonly string[];
}

/** A public or private channel the app can post in. */
export interface StandInChannel {
  readonly id: string;
  readonly name: string;
  /** Member ids; when given, ephemeral messages to anyone else fail with `user_not_in_channel`. */
  readonly members?: readonly string[];
}

/** Block Kit as the app sent it: the stand-in keeps it as JSON and does not validate it. */
export type RecordedBlocks = readonly Record<string, unknown>[];

/** An earlier version of an edited message. */
export interface MessageVersion {
  readonly text: string;
  readonly blocks: RecordedBlocks;
  /** The `ts` of the edit that replaced this version. */
  readonly replacedAt: string;
}

/** A message in a channel; edits replace it in place and push the previous version onto `edits`. */
/** A file uploaded through files.getUploadURLExternal; `content` stays null until its bytes arrive at the upload URL. */
export interface RecordedFile {
  readonly id: string;
  readonly name: string;
  /** The length files.getUploadURLExternal was told. */
  readonly length: number;
  title: string;
  content: Uint8Array | null;
  /** Set once files.completeUploadExternal shared it. */
  completed: boolean;
}

export interface RecordedMessage {
  readonly channel: string;
  readonly ts: string;
  text: string;
  blocks: RecordedBlocks;
  /** Who posted it: the bot user id, or the user a `response_type: in_channel` answer came from. */
  readonly user: string;
  readonly threadTs?: string;
  /** The message metadata the app posted it with (`event_type`, `event_payload`), which conversations.history shows. */
  readonly metadata?: Record<string, unknown>;
  /** Files shared with the message (files.completeUploadExternal). */
  readonly files?: readonly RecordedFile[];
  /** Oldest first. */
  readonly edits: MessageVersion[];
  deleted: boolean;
}

/** A message only one user saw. */
export interface RecordedEphemeral {
  readonly channel: string;
  readonly user: string;
  readonly messageTs: string;
  readonly text: string;
  readonly blocks: RecordedBlocks;
  /** `chat.postEphemeral`, a response_url post, or the body of the app's acknowledgement of a slash command. */
  readonly source: 'chat.postEphemeral' | 'response_url' | 'command_ack';
}

/** A view the app opened, pushed or published, as Slack would return it. */
export interface RecordedView {
  readonly id: string;
  readonly user: string;
  readonly type: 'home' | 'modal';
  /** The view as the app last sent it (blocks, callback_id, private_metadata, title …). */
  definition: Record<string, unknown>;
  hash: string;
  /** A modal the user submitted or closed, or one the app cleared. */
  closed: boolean;
}

/** Everything the app posted to one response_url. */
export interface RecordedResponseUrl {
  readonly id: string;
  readonly url: string;
  readonly user: string;
  readonly channel?: string;
  /** The message whose button was clicked, when there was one. */
  readonly messageTs?: string;
  readonly posts: Record<string, unknown>[];
}

/** One Web API call and how the stand-in answered it. */
export interface RecordedCall {
  readonly method: string;
  readonly status: number;
  /** Slack's error name when it answered `ok: false`, or the HTTP fault. */
  readonly error?: string;
}

/** The stand-in's memory. Mutated only by the stand-in; tests read it through the stand-in's accessors. */
export class StandInState {
  readonly users = new Map<string, StandInUser>();
  readonly userGroups = new Map<string, StandInUserGroup>();
  readonly channels = new Map<string, StandInChannel>();
  readonly messages = new Map<string, RecordedMessage[]>();
  readonly ephemeral = new Map<string, RecordedEphemeral[]>();
  readonly views = new Map<string, RecordedView>();
  /** User id → the id of the app's DM channel with them. */
  readonly dmChannels = new Map<string, string>();
  readonly responseUrls = new Map<string, RecordedResponseUrl>();
  /** Trigger id → the user whose interaction produced it. */
  readonly triggers = new Map<string, string>();
  readonly calls: RecordedCall[] = [];
  readonly files = new Map<string, RecordedFile>();
  /** The stand-in's base URL, once it listens: upload URLs point at it. */
  baseUrl = '';
  private lastMicros = 0;
  private nextId = 1;

  constructor(
    private readonly nowMilliseconds: () => number,
    workspace: {
      users?: readonly StandInUser[];
      userGroups?: readonly StandInUserGroup[];
      channels?: readonly StandInChannel[];
    },
  ) {
    for (const user of workspace.users ?? []) this.users.set(user.id, user);
    for (const group of workspace.userGroups ?? []) this.userGroups.set(group.id, group);
    for (const channel of workspace.channels ?? []) {
      this.channels.set(channel.id, channel);
      this.messages.set(channel.id, []);
    }
  }

  /** A Slack timestamp (`<seconds>.<6 digits>`), strictly later than every earlier one even within a microsecond. */
  nextTs(): string {
    this.lastMicros = Math.max(this.nowMilliseconds() * 1000, this.lastMicros + 1);
    const seconds = Math.floor(this.lastMicros / 1_000_000);
    return `${seconds}.${String(this.lastMicros % 1_000_000).padStart(6, '0')}`;
  }

  /** A new id with Slack's prefix for its kind (`D` DM channel, `V` view …). */
  nextIdentifier(prefix: string): string {
    return `${prefix}0${String(this.nextId++).padStart(8, '0')}`;
  }

  /** The channel id for an id, a name or `#name`, or a user id (the app's DM with them); undefined when unknown. */
  resolveChannel(reference: string): string | undefined {
    return this.users.has(reference) ? this.openDm(reference) : this.findChannel(reference);
  }

  /** Like resolveChannel, but only reads: a user id finds the DM channel only when it is already open. */
  findChannel(reference: string): string | undefined {
    if (this.channels.has(reference) || this.messages.has(reference)) return reference;
    if (this.users.has(reference)) return this.dmChannels.get(reference);
    const name = reference.startsWith('#') ? reference.slice(1) : reference;
    for (const channel of this.channels.values()) if (channel.name === name) return channel.id;
    return undefined;
  }

  /** The app's DM channel with a user, opened on first use. */
  openDm(userId: string): string {
    let channel = this.dmChannels.get(userId);
    if (channel === undefined) {
      channel = this.nextIdentifier('D');
      this.dmChannels.set(userId, channel);
      this.messages.set(channel, []);
    }
    return channel;
  }

  /** Appends a message to a channel and returns it. */
  post(
    channel: string,
    message: {
      text: string;
      blocks: RecordedBlocks;
      user: string;
      threadTs?: string;
      metadata?: Record<string, unknown>;
      files?: readonly RecordedFile[];
    },
  ) {
    const recorded: RecordedMessage = { channel, ts: this.nextTs(), edits: [], deleted: false, ...message };
    this.messages.get(channel)?.push(recorded);
    return recorded;
  }

  /** Replaces a message in place, keeping its previous version; undefined when there is no such message. */
  edit(channel: string, ts: string, next: { text: string; blocks: RecordedBlocks }): RecordedMessage | undefined {
    const message = this.messages.get(channel)?.find((candidate) => candidate.ts === ts && !candidate.deleted);
    if (message === undefined) return undefined;
    message.edits.push({ text: message.text, blocks: message.blocks, replacedAt: this.nextTs() });
    message.text = next.text;
    message.blocks = next.blocks;
    return message;
  }

  /** Records an ephemeral message for its user. */
  postEphemeral(ephemeral: Omit<RecordedEphemeral, 'messageTs'>): RecordedEphemeral {
    const recorded = { ...ephemeral, messageTs: this.nextTs() };
    const list = this.ephemeral.get(ephemeral.user) ?? [];
    list.push(recorded);
    this.ephemeral.set(ephemeral.user, list);
    return recorded;
  }

  /** A new trigger id for an interaction by `userId`, which `views.open` accepts. */
  issueTrigger(userId: string): string {
    const trigger = `${this.nextTs()}.${this.nextId++}.stand-in`;
    this.triggers.set(trigger, userId);
    return trigger;
  }
}
