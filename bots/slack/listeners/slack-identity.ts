/**
 * Who a Slack user is to certflow (R-SEC-2): `slack:<user id>`, plus the e-mail address Slack has for them as an
 * alias, so a person listed in an owner group by e-mail holds their role when they click in Slack.
 */
import type { WebClient } from '@slack/web-api';
import type { Actor } from '../../../domain/lifecycle/model';

/** Resolves and caches the e-mail addresses of Slack users. */
export class SlackIdentities {
  private readonly emails = new Map<string, string | null>();

  constructor(private readonly log: (message: string) => void) {}

  /** The actor for a Slack user; without `users:read.email` (or an address) it is the Slack id alone. */
  async actorFor(
    client: WebClient,
    user: { readonly id: string; readonly name?: string; readonly username?: string },
  ): Promise<Actor> {
    const displayName = user.name ?? user.username;
    const email = await this.emailOf(client, user.id);
    return {
      id: `slack:${user.id}`,
      ...(displayName ? { displayName } : {}),
      ...(email ? { aliases: [`email:${email.toLowerCase()}`] } : {}),
    };
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
      this.log(`Slack users.info for ${userId} failed: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  }
}
