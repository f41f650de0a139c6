/** Who a certflow person is on Slack: shared by the lifecycle's and the campaign's Slack notifiers. */
import type { WebClient } from '@slack/web-api';
import type { Person } from '../../core/domain/inventory/model';
import type { SlackNotifierEvent } from './slack-notifier';
import { deliveryFailure, slackErrorName, UNREACHABLE_PERSON_ERRORS } from './slack-web-client';

/** What a {@link SlackPeopleDirectory} needs. */
export interface SlackPeopleDirectoryOptions {
  /** A client made by `createSlackWebClient`. */
  readonly client: WebClient;
  /** Told about skipped people. */
  readonly log: (event: SlackNotifierEvent) => void;
  /** Who a failed e-mail lookup names in its error; the lower-cased e-mail by default. */
  readonly describe?: (person: Person, email: string) => string;
  /** How long a user group's member list is reused; 5 minutes by default (Slack allows ~20 lookups a minute). */
  readonly memberListTtlMs?: number;
  /** The clock of that cache; the wall clock by default. */
  readonly now?: () => number;
}

/** Slack's error names for a user group that no longer exists or is disabled: nobody is in it. */
const GONE_USER_GROUP_ERRORS: ReadonlySet<string> = new Set([
  'no_such_subteam',
  'subteam_not_found',
  'disabled_subteam',
]);

/** Slack's error name when it says the person cannot be reached; otherwise throws the delivery failure. */
export function unreachableReason(error: unknown, what: string): string {
  const name = slackErrorName(error);
  if (name === undefined || !UNREACHABLE_PERSON_ERRORS.has(name)) throw deliveryFailure(error, 'Slack', what);
  return name;
}

/** Resolves people to Slack user ids: their `slackUserId`, else `users.lookupByEmail`, cached per instance. */
export class SlackPeopleDirectory {
  private readonly client: WebClient;
  private readonly log: (event: SlackNotifierEvent) => void;
  private readonly describe: (person: Person, email: string) => string;
  /** Lower-cased e-mail → Slack user id; only hits are kept, so someone who joins Slack later is found then. */
  private readonly userIdsByEmail = new Map<string, string>();
  /** User group id → its members when fetched. */
  private readonly members = new Map<string, { readonly userIds: readonly string[]; readonly fetchedAt: number }>();
  /** Slack user id → the app's direct-message channel with them (a DM channel does not change). */
  private readonly directChannels = new Map<string, string>();
  private readonly memberListTtlMs: number;
  private readonly now: () => number;

  constructor(options: SlackPeopleDirectoryOptions) {
    this.client = options.client;
    this.log = options.log;
    this.describe = options.describe ?? ((_person, email) => email);
    this.memberListTtlMs = options.memberListTtlMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** The app's direct-message channel with a user (`conversations.open`), opened once; throws what Slack answered. */
  async directChannelOf(userId: string): Promise<string> {
    const known = this.directChannels.get(userId);
    if (known !== undefined) return known;
    const answer = await this.client.conversations.open({ users: userId });
    const id = answer.channel?.id;
    if (id === undefined) throw new Error('Slack answered conversations.open without a channel id');
    this.directChannels.set(userId, id);
    return id;
  }

  /**
   * The Slack user ids in a user group (`usergroups.users.list`), reused for the cache's lifetime; none (logged) when
   * Slack says the group is gone. Other failures throw the delivery failure, so the send is retried.
   */
  async membersOf(userGroupId: string, idempotencyKey: string): Promise<readonly string[]> {
    const cached = this.members.get(userGroupId);
    if (cached !== undefined && this.now() - cached.fetchedAt < this.memberListTtlMs) return cached.userIds;
    try {
      const answer = await this.client.usergroups.users.list({ usergroup: userGroupId });
      const userIds = answer.users ?? [];
      this.members.set(userGroupId, { userIds, fetchedAt: this.now() });
      return userIds;
    } catch (error) {
      const name = slackErrorName(error);
      if (name === undefined || !GONE_USER_GROUP_ERRORS.has(name)) {
        throw deliveryFailure(error, 'Slack', `listing the members of Slack user group ${userGroupId}`);
      }
      this.log({ kind: 'user-group-skipped', idempotencyKey, userGroupId, reason: name });
      return [];
    }
  }

  /** The person's Slack user id (by id, else by e-mail), or null (logged) when Slack does not know them. */
  async userIdOf(person: Person, idempotencyKey: string): Promise<string | null> {
    if (person.slackUserId) return person.slackUserId;
    if (!person.email) {
      this.log({ kind: 'person-skipped', idempotencyKey, person, reason: 'no slackUserId or email' });
      return null;
    }
    const email = person.email.toLowerCase();
    const known = this.userIdsByEmail.get(email);
    if (known !== undefined) return known;
    try {
      const answer = await this.client.users.lookupByEmail({ email });
      const id = answer.user?.id;
      if (id === undefined) throw new Error('Slack answered users.lookupByEmail without a user id');
      this.userIdsByEmail.set(email, id);
      return id;
    } catch (error) {
      const reason = unreachableReason(error, `looking up ${this.describe(person, email)} in Slack`);
      this.log({ kind: 'person-skipped', idempotencyKey, person, reason });
      return null;
    }
  }
}
