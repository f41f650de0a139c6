/** What makes an owner group complete enough to store (R-OWN-1): a display name and someone to approve renewals. */
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
