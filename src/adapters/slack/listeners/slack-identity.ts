/**
 * Who a Slack user is to certflow (R-SEC-2): `slack:<user id>`, plus as aliases the e-mail address Slack has for
 * them and every Slack user group of an owner group they belong to (`slack-usergroup:<id>`), so a person listed in an
 * owner group by e-mail, or made an owner or approver through a Slack user group, holds their role when they click.
 */
import type { WebClient } from '@slack/web-api';
import type { Actor } from '../../../core/domain/lifecycle/model';
import { slackUserGroupPrincipal } from '../../../core/domain/lifecycle/roles';

/** How long a user group's member list is trusted before Slack is asked again: a removed member keeps the role that long. */
export const DEFAULT_MEMBERSHIP_TTL_MS = 5 * 60_000;

/** Options of {@link SlackIdentities}. */
export interface SlackIdentityOptions {
  /** The Slack user groups certflow gives roles to (owner groups' `slack.userGroupId` and `approverUserGroupId`). */
  readonly userGroups?: () => Promise<readonly string[]>;
  /** How long a fetched member list is used; {@link DEFAULT_MEMBERSHIP_TTL_MS} by default. */
  readonly membershipTtlMs?: number;
  /** The clock of the membership cache; `Date.now` by default. */
  readonly nowMilliseconds?: () => number;
}

interface Membership {
  readonly members: ReadonlySet<string>;
  readonly fetchedAt: number;
}

/** Slack's answers that say a user group is gone or disabled: it has no members certflow can trust. */
const GONE_USER_GROUP_ERRORS = new Set(['no_such_subteam', 'subteam_not_found', 'disabled_subteam']);

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Whether the workspace's directory lists a user: `listed`, `not-listed` (Slack does not find them, or they were
 * deactivated: someone from another organisation in a shared channel), or `unknown` when Slack could not be asked.
 */
export type DirectoryStatus = 'listed' | 'not-listed' | 'unknown';

/** Resolves and caches the e-mail addresses and user group memberships of Slack users. */
export class SlackIdentities {
  private readonly emails = new Map<string, string | null>();
  private readonly memberships = new Map<string, Membership>();
  private readonly fetching = new Map<string, Promise<Membership | null>>();
  private readonly userGroups: () => Promise<readonly string[]>;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly log: (message: string) => void,
    options: SlackIdentityOptions = {},
  ) {
    this.userGroups = options.userGroups ?? (() => Promise.resolve([]));
    this.ttlMs = options.membershipTtlMs ?? DEFAULT_MEMBERSHIP_TTL_MS;
    this.now = options.nowMilliseconds ?? Date.now;
  }

  /**
   * The actor for a Slack user; without `users:read.email` (or an address) and outside every known user group it
   * is the Slack id alone.
   */
  async actorFor(
    client: WebClient,
    user: { readonly id: string; readonly name?: string; readonly username?: string },
  ): Promise<Actor> {
    const displayName = user.name ?? user.username;
    const [email, groups] = await Promise.all([this.emailOf(client, user.id), this.userGroupsOf(client, user.id)]);
    const aliases = [...(email ? [`email:${email.toLowerCase()}`] : []), ...groups.map(slackUserGroupPrincipal)];
    return {
      id: `slack:${user.id}`,
      ...(displayName ? { displayName } : {}),
      ...(aliases.length > 0 ? { aliases } : {}),
    };
  }

  /** Whether Slack's directory lists the user; only a listed user is remembered, so a failure is asked again. */
  async directoryStatus(client: WebClient, userId: string): Promise<DirectoryStatus> {
    if (this.emails.has(userId)) return 'listed';
    try {
      const answer = await client.users.info({ user: userId });
      if (answer.user === undefined || answer.user.deleted === true) return 'not-listed';
      this.emails.set(userId, answer.user.profile?.email ?? null);
      return 'listed';
    } catch (error) {
      const name = (error as { data?: { error?: string } } | null)?.data?.error;
      if (name === 'user_not_found' || name === 'user_not_visible') return 'not-listed';
      this.log(`Slack users.info for ${userId} failed: ${errorText(error)}`);
      return 'unknown';
    }
  }

  private async emailOf(client: WebClient, userId: string): Promise<string | null> {
    if (this.emails.has(userId)) return this.emails.get(userId) ?? null;
    try {
      const answer = await client.users.info({ user: userId });
      const email = answer.user?.profile?.email ?? null;
      this.emails.set(userId, email);
      return email;
    } catch (error) {
      // Not cached: a passing Slack error must not cost the user their role for good.
      this.log(`Slack users.info for ${userId} failed: ${errorText(error)}`);
      return null;
    }
  }

  /** The known user groups the user is a member of, sorted. */
  private async userGroupsOf(client: WebClient, userId: string): Promise<string[]> {
    let known: readonly string[];
    try {
      known = await this.userGroups();
    } catch (error) {
      this.log(`the owner groups' Slack user groups could not be read: ${errorText(error)}`);
      return [];
    }
    const unique = [...new Set(known)].sort();
    const memberships = await Promise.all(unique.map((id) => this.membership(client, id)));
    return unique.filter((_, index) => memberships[index]?.members.has(userId) === true);
  }

  /** A user group's members: cached for the TTL; on a Slack error the last list still serves, or none at all. */
  private async membership(client: WebClient, userGroupId: string): Promise<Membership | null> {
    const cached = this.memberships.get(userGroupId);
    if (cached !== undefined && this.now() - cached.fetchedAt < this.ttlMs) return cached;
    const running = this.fetching.get(userGroupId);
    if (running !== undefined) return running;
    const fetching = this.fetchMembership(client, userGroupId, cached ?? null).finally(() =>
      this.fetching.delete(userGroupId),
    );
    this.fetching.set(userGroupId, fetching);
    return fetching;
  }

  private async fetchMembership(
    client: WebClient,
    userGroupId: string,
    stale: Membership | null,
  ): Promise<Membership | null> {
    try {
      const answer = await client.usergroups.users.list({ usergroup: userGroupId });
      const membership = { members: new Set(answer.users ?? []), fetchedAt: this.now() };
      this.memberships.set(userGroupId, membership);
      return membership;
    } catch (error) {
      const name = (error as { data?: { error?: string } } | null)?.data?.error;
      if (name !== undefined && GONE_USER_GROUP_ERRORS.has(name)) {
        this.log(`Slack user group ${userGroupId} is gone (${name}): nobody holds a role through it`);
        const empty = { members: new Set<string>(), fetchedAt: this.now() };
        this.memberships.set(userGroupId, empty);
        return empty;
      }
      this.log(
        `Slack usergroups.users.list for ${userGroupId} failed: ${errorText(error)}` +
          (stale ? '; using the member list fetched before' : ''),
      );
      return stale;
    }
  }
}
