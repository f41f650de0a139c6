/**
 * The lifecycle's notification activities: a notification sent to the people and channel of a role, with the owners'
 * reminder that goes with the schedule's escalation, and an approval request's decision shown in place.
 */
import { parsePerson } from '../domain/inventory/person';
import type { OwnerGroup, Person } from '../domain/inventory/model';
import { groupReminderDays } from '../domain/policy/group-reminder-days';
import type { Policy } from '../domain/policy/policy';
import { computeLifecycleSchedule, reminderWithEscalation } from '../domain/schedule/lifecycle-schedule';
import type { InventoryStore } from '../ports/inventory-store';
import type {
  Audience,
  DecisionUpdate,
  EscalationNotification,
  LifecycleNotification,
  NotificationPort,
  NotificationReceipt,
  ReminderNotification,
} from '../ports/notification-port';
import type { LifecycleAudit } from './lifecycle-audit';
import { permanentOnRejection } from './lifecycle-failures';

/** What the notification activities need: the inventory (contacts, phase), the policy in force and the notifier. */
export interface LifecycleNotificationDeps {
  readonly store: InventoryStore;
  readonly loadPolicy: () => Promise<Policy>;
  readonly notifications: NotificationPort;
}

/** Who receives a notification, by role: the activity turns it into people and a channel. */
export type AudienceRole = 'owners' | 'approvers' | 'escalation' | 'incident';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A notification as the workflow describes it: the activity adds the audience. */
export type LifecycleNotificationInput = DistributiveOmit<LifecycleNotification, 'audience'> & {
  readonly audienceRole: AudienceRole;
  readonly actor: string;
};

function peopleOf(group: OwnerGroup | null, extra: readonly string[], role: AudienceRole): Person[] {
  const listed = extra.flatMap((entry) => {
    try {
      return [parsePerson(/^[UW][A-Z0-9]{2,}$/.test(entry) ? `slack:${entry}` : entry)];
    } catch {
      return [];
    }
  });
  if (group === null) return listed;
  const escalation = [group.managementContact, group.incidentResponseContact].filter((p): p is Person => p !== null);
  switch (role) {
    case 'owners':
      return [...group.contacts, ...listed];
    case 'approvers':
      return [...group.approvers];
    case 'escalation':
      return escalation;
    case 'incident':
      return [...escalation, ...group.contacts];
  }
}

/** The Slack user groups whose members share a role's DMs: the group's owners' or approvers' (R-OWN-1). */
function slackUserGroupsOf(group: OwnerGroup | null, role: AudienceRole): string[] {
  const id =
    role === 'owners' ? group?.slack.userGroupId : role === 'approvers' ? group?.slack.approverUserGroupId : undefined;
  return id ? [id] : [];
}

/** Creates the notification activities of the lifecycle. */
export function createLifecycleNotificationActivities(deps: LifecycleNotificationDeps, audit: LifecycleAudit) {
  const { store } = deps;

  async function metadataContacts(fingerprint: string): Promise<{ contacts: string[]; approvers: string[] }> {
    const certificate = await store.getCertificate(fingerprint);
    return {
      contacts: [...(certificate?.metadata.contacts ?? [])],
      approvers: [...(certificate?.metadata.approvers ?? [])],
    };
  }

  async function deliver(
    notification: DistributiveOmit<LifecycleNotification, 'audience'>,
    audienceRole: AudienceRole,
    actor: string,
  ): Promise<NotificationReceipt> {
    const extra = await metadataContacts(notification.certificate.fingerprintSha256);
    const people = peopleOf(
      notification.group,
      audienceRole === 'owners' ? extra.contacts : audienceRole === 'approvers' ? extra.approvers : [],
      audienceRole,
    );
    const userGroupIds = slackUserGroupsOf(notification.group, audienceRole);
    const audience: Audience = {
      people,
      channelId: notification.group?.slack.channelId ?? null,
      ...(userGroupIds.length > 0 ? { userGroupIds } : {}),
    };
    const receipt = await permanentOnRejection(() => deps.notifications.send({ ...notification, audience }));
    await audit({
      idempotencyKey: notification.idempotencyKey,
      actor,
      action: `notification.${notification.kind}`,
      subject: notification.certificate.fingerprintSha256,
      details: {
        audience: audienceRole,
        recipients: people.length,
        ...(userGroupIds.length > 0 ? { userGroups: userGroupIds } : {}),
        channel: audience.channelId,
        messages: receipt.messages.length,
      },
    });
    return receipt;
  }

  /**
   * The owners' reminder due with the schedule's escalation: gathered from the policy in force and the lifecycle's
   * phase, decided by the pure schedule. Null when no reminder falls at the escalation's instant (a group's own
   * reminder days may have none there) or a request is under way (the reminder would ask for what is asked already).
   */
  async function reminderBesideEscalation(
    escalation: Omit<EscalationNotification, 'audience'>,
  ): Promise<Omit<ReminderNotification, 'audience'> | null> {
    const { certificate } = escalation;
    const managed = await store.getManagedCertificate(certificate.managedCertificateId);
    if (managed !== null && managed.phase !== 'monitoring') return null;
    const policy = await deps.loadPolicy();
    const schedule = computeLifecycleSchedule({
      notBefore: certificate.notBefore,
      notAfter: certificate.notAfter,
      now: escalation.dueAt,
      settings: policy.schedule,
      groupReminderDays: groupReminderDays(policy, escalation.group),
    });
    if (reminderWithEscalation(schedule) === null) return null;
    return {
      kind: 'reminder',
      idempotencyKey: `${escalation.idempotencyKey}/owners`,
      dueAt: escalation.dueAt,
      certificate,
      group: escalation.group,
      ticket: escalation.ticket,
      link: escalation.link,
      daysLeft: escalation.daysLeft,
      renewalDeadline: schedule.renewalDeadline,
    };
  }

  return {
    /**
     * Sends one notification to the people of `audienceRole` (idempotent per key) and audits it. The schedule's
     * escalation also sends the owners the reminder planned at its instant (R-MON-1: owners keep their 30-day
     * reminder when management is told), unless a request is already under way.
     */
    sendLifecycleNotification: async (input: LifecycleNotificationInput): Promise<NotificationReceipt> => {
      const { audienceRole, actor, ...notification } = input;
      if (notification.kind === 'escalation' && notification.cause === 'not-renewed') {
        const reminder = await reminderBesideEscalation(notification);
        if (reminder !== null) await deliver(reminder, 'owners', actor);
      }
      return await deliver(notification, audienceRole, actor);
    },

    /** Replaces an approval request's buttons with its decision, in place. */
    showApprovalDecision: async (input: { receipt: NotificationReceipt; update: DecisionUpdate }): Promise<void> => {
      await permanentOnRejection(() => deps.notifications.showDecision(input.receipt, input.update));
    },
  };
}
