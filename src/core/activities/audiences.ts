/**
 * Who hears about an owner group's certificates and who hears what concerns the whole organisation, as scheduled
 * jobs (discovery, the monthly report) address them: the group's contacts, channel and owners' Slack user group, and
 * the security leads in the security channel.
 */
import type { OwnerGroup } from '../domain/inventory/model';
import { peopleOfPrincipals } from '../domain/inventory/person';
import type { Audience } from '../ports/notification-port';

/** The security channel (Slack channel id) and leads (principals), from the worker's configuration. */
export interface SecurityContacts {
  readonly channelId: string | null;
  readonly leads: readonly string[];
}

/** An owner group's owners: its contacts, its channel and its owners' Slack user group. */
export function ownerGroupAudience(group: OwnerGroup): Audience {
  const userGroupIds = group.slack.userGroupId ? [group.slack.userGroupId] : [];
  return {
    people: group.contacts,
    channelId: group.slack.channelId ?? null,
    ...(userGroupIds.length > 0 ? { userGroupIds } : {}),
  };
}

/** The security leads, each a person where their principal names one, and the security channel. */
export function securityAudience(security: SecurityContacts): Audience {
  return { people: peopleOfPrincipals(security.leads), channelId: security.channelId };
}
