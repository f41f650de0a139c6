/**
 * What makes an owner group complete enough to store (R-OWN-1): a display name and someone to approve renewals; and
 * the empty group a create starts from.
 */
import type { OwnerGroup } from './model';

/** Why `group` cannot be stored, with the fix; null when it can. */
export function ownerGroupProblem(group: OwnerGroup): string | null {
  if (!group.name.trim()) return `group ${group.id} needs a display name: --name "Payments web team"`;
  if (group.approvers.length === 0 && group.slack.approverUserGroupId === undefined) {
    return (
      `group ${group.id} needs at least one approver (--approver alice@example.com, or --slack-approver-usergroup ` +
      'S0123ABCD) to approve renewals'
    );
  }
  return null;
}

/** A group with nothing set yet: what `certflow groups create` and the API's create fill in. */
export function emptyOwnerGroup(id: string): OwnerGroup {
  return {
    id,
    name: '',
    contacts: [],
    approvers: [],
    managementContact: null,
    incidentResponseContact: null,
    slack: {},
    jira: {},
    reminderDays: null,
    autoRenew: false,
  };
}
