/**
 * Which owner groups a person belongs to, and in which of them they approve (R-OWN-1, R-SEC-2): what "my groups" means
 * in Slack's App Home and `/certflow`. Decided with the lifecycle's own roster, so a person is a member here exactly
 * when the lifecycle would give them the role, under any alias their actor carries.
 */
import type { OwnerGroup } from '../inventory/model';
import type { Actor } from './model';
import { buildRoster, rolesOf } from './roles';

/** One owner group the actor belongs to. */
export interface GroupMembership {
  readonly group: OwnerGroup;
  /** The actor may approve or reject the group's requests. */
  readonly approver: boolean;
}

/** The groups in which the actor is a contact or an approver, in the order given; approvers are members too. */
export function groupMemberships(actor: Actor, groups: readonly OwnerGroup[]): GroupMembership[] {
  return groups.flatMap((group) => {
    // The group's own roster only: per-certificate contacts make someone an owner of that certificate, not a member.
    const roster = buildRoster({
      group,
      metadata: { ownerGroup: group.id, contacts: [], approvers: [] },
      securityLeads: [],
      admins: [],
    });
    const roles = rolesOf(actor, roster);
    return roles.length === 0 ? [] : [{ group, approver: roles.includes('approver') }];
  });
}
