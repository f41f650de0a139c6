/**
 * Activities of the certificate lifecycle: thin, idempotent I/O around the ports. Each takes an idempotency key
 * (workflow id + cycle + step) that the port and the audit log (R-LOG-1) use, so a retry never notifies, tickets,
 * issues or revokes twice. Private keys stay in the key store; only key references pass through here (R-KEY-1).
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { decodeCertificates } from '../domain/certificates/decode-certificates';
import type {
  CertificateLocation,
  CertificateMetadataPatch,
  OwnerGroup,
  Person,
  PolicyViolation,
} from '../domain/inventory/model';
import { parsePerson } from '../domain/inventory/person';
import type {
  CertificateSummary,
  KeySpec,
  LifecyclePhase,
  RevocationReason,
  TicketRef,
} from '../domain/lifecycle/model';
import { summarizeCertificate } from '../domain/lifecycle/renewal-plan';
import { buildRoster, type LifecycleRoster } from '../domain/lifecycle/roles';
import { evaluateCertificatePolicy } from '../domain/policy/evaluate-policy';
import { groupReminderDays, type LifecycleSettings, type Policy, type RenewalSettings } from '../domain/policy/policy';
import { computeLifecycleSchedule, reminderWithEscalation } from '../domain/schedule/lifecycle-schedule';
import { CaRejectedError, type CertificateAuthorityPort, type IssuedCertificate } from '../ports/certificate-authority';
import { DeployRejectedError, type Deployer, type InstallResult, type VerificationResult } from '../ports/deployer';
import { selectDeployer } from '../ports/select-deployer';
import type { InventoryStore } from '../ports/inventory-store';
import type { CampaignStore, MemberStateChange } from '../ports/campaign-store';
import { KeyNotFoundError, type KeyRef, type KeyStore } from '../ports/key-store';
import {
  NotificationRejectedError,
  type Audience,
  type DecisionUpdate,
  type EscalationNotification,
  type LifecycleNotification,
  type NotificationPort,
  type NotificationReceipt,
  type ReminderNotification,
} from '../ports/notification-port';
import {
  TicketRejectedError,
  type ChangeTicketRequest,
  type TicketEscalationLevel,
  type TicketingPort,
  type TicketState,
  type TicketStep,
} from '../ports/ticketing-port';

/** Everything the lifecycle activities need from the outside world. */
export interface LifecycleActivityDeps {
  readonly store: InventoryStore;
  /** Reads the policy in force (re-read on every lifecycle reload, so a policy change re-plans). */
  readonly loadPolicy: () => Promise<Policy>;
  readonly keyStore: KeyStore;
  readonly ca: CertificateAuthorityPort;
  readonly deployers: readonly Deployer[];
  readonly notifications: NotificationPort;
  readonly ticketing: TicketingPort;
  readonly securityLeads: readonly string[];
  readonly admins: readonly string[];
  /** certflow's public base URL for links back, or null. */
  readonly publicUrl: string | null;
  /** Campaign members: the steps of a campaign's renewals update them (absent where campaigns are not wired). */
  readonly campaigns?: CampaignStore;
}

/** What a lifecycle needs to plan and to check roles: gathered by {@link LifecycleActivities.loadLifecycleContext}. */
export interface LifecycleContext {
  readonly certificate: CertificateSummary;
  /** The managed certificate's current version: differs from `certificate` when it was replaced meanwhile. */
  readonly currentFingerprint: string;
  readonly retired: boolean;
  readonly group: OwnerGroup | null;
  readonly roster: LifecycleRoster;
  readonly schedule: LifecycleSettings;
  readonly groupReminderDays: readonly number[] | null;
  readonly renewal: RenewalSettings;
  readonly keySizeRule: Pick<Policy['rules']['keySize'], 'minRsaBits' | 'minEcBits'>;
  readonly policy: Pick<Policy, 'renewal' | 'rules'>;
  readonly violations: readonly PolicyViolation[];
  readonly link: string | null;
}

/** Who receives a notification, by role: the activity turns it into people and a channel. */
export type AudienceRole = 'owners' | 'approvers' | 'escalation' | 'incident';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A notification as the workflow describes it: the activity adds the audience. */
export type LifecycleNotificationInput = DistributiveOmit<LifecycleNotification, 'audience'> & {
  readonly audienceRole: AudienceRole;
  readonly actor: string;
};

/** The new certificate of a renewal; the private key stays in the key store under `keyRef`. */
export interface ReplacementCertificate {
  readonly certificate: CertificateSummary;
  readonly certificatePem: string;
  readonly chainPems: readonly string[];
  readonly rootPem: string;
  readonly keyRef: KeyRef;
}

/** Outcome of {@link LifecycleActivities.revokeCertificate}. */
export interface RevocationOutcome {
  readonly outcome: 'revoked' | 'already-revoked' | 'not-issued-by-certflow';
  /** Where the revocation is published, or what to do by hand. */
  readonly detail: string;
}

/** Failure types the lifecycle treats as permanent: retrying cannot help, a person must act. */
export const PERMANENT_FAILURES = [
  'CaRejectedError',
  'DeployRejectedError',
  'KeyNotFoundError',
  'NotificationRejectedError',
  'TicketRejectedError',
  'UnknownManagedCertificate',
] as const;

const PERMANENT_CLASSES = [
  CaRejectedError,
  DeployRejectedError,
  KeyNotFoundError,
  NotificationRejectedError,
  TicketRejectedError,
];

/** Runs `fn`, turning the ports' permanent errors into non-retryable failures of the same type name. */
async function permanentOnRejection<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (PERMANENT_CLASSES.some((type) => error instanceof type)) {
      const { name, message } = error as Error;
      throw ApplicationFailure.nonRetryable(message, name);
    }
    throw error;
  }
}

function where(): string {
  return Context.current().info.workflowExecution?.workflowId ?? 'activity';
}

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

/** What became of a comment, transition or escalation: applied, or refused for good by the ticketing system. */
export interface TicketStepOutcome {
  readonly applied: boolean;
  /** The ticketing system's reason and the fix, when refused. */
  readonly problem: string | null;
}

/** Creates the lifecycle activities over their ports. */
export function createLifecycleActivities(deps: LifecycleActivityDeps) {
  const { store } = deps;

  async function audit(entry: {
    idempotencyKey: string;
    actor: string;
    action: string;
    subject: string;
    details: Record<string, unknown>;
  }): Promise<void> {
    await store.appendAudit([{ ...entry, at: new Date().toISOString(), where: where() }]);
  }

  /**
   * Applies one comment, transition or escalation and audits it. A refusal for good (a status the ticket's workflow
   * does not allow from where it is, a field the project lacks) is audited as `ticket.refused` and returned: the
   * ticket is the change manager's record, and a renewal must not fail because it cannot be moved.
   */
  async function ticketStep(
    input: { ticket: TicketRef; idempotencyKey: string; actor: string; subject: string },
    action: string,
    details: Record<string, unknown>,
    apply: () => Promise<void>,
  ): Promise<TicketStepOutcome> {
    try {
      await apply();
    } catch (error) {
      if (!(error instanceof TicketRejectedError)) throw error;
      await audit({
        idempotencyKey: `${input.idempotencyKey}/refused`,
        actor: input.actor,
        action: 'ticket.refused',
        subject: input.subject,
        details: { ticket: input.ticket.key, step: action, ...details, reason: error.message },
      });
      return { applied: false, problem: error.message };
    }
    await audit({
      idempotencyKey: input.idempotencyKey,
      actor: input.actor,
      action,
      subject: input.subject,
      details: { ticket: input.ticket.key, ...details },
    });
    return { applied: true, problem: null };
  }

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
    /** Gathers what the lifecycle plans with: the version, its owner group, the roster and the policy in force. */
    loadLifecycleContext: async (input: {
      managedCertificateId: string;
      fingerprint: string | null;
    }): Promise<LifecycleContext> => {
      const managed = await store.getManagedCertificate(input.managedCertificateId);
      if (managed === null) {
        throw ApplicationFailure.nonRetryable(
          `managed certificate ${input.managedCertificateId} is not in the inventory; import it, then run certflow lifecycle sync`,
          'UnknownManagedCertificate',
        );
      }
      const fingerprint = input.fingerprint ?? managed.currentFingerprint;
      const certificate = await store.getCertificate(fingerprint);
      if (certificate === null) {
        throw ApplicationFailure.nonRetryable(
          `certificate ${fingerprint} of managed certificate ${managed.id} is missing from the inventory`,
          'UnknownManagedCertificate',
        );
      }
      const policy = await deps.loadPolicy();
      const groupId = certificate.metadata.ownerGroup;
      const group = groupId === null ? null : await store.getOwnerGroup(groupId);
      return {
        certificate: summarizeCertificate(managed.id, certificate),
        currentFingerprint: managed.currentFingerprint,
        retired: managed.retired,
        group,
        roster: buildRoster({
          group,
          metadata: certificate.metadata,
          securityLeads: deps.securityLeads,
          admins: deps.admins,
        }),
        schedule: policy.schedule,
        groupReminderDays: groupReminderDays(policy, group),
        renewal: policy.renewal,
        keySizeRule: { minRsaBits: policy.rules.keySize.minRsaBits, minEcBits: policy.rules.keySize.minEcBits },
        policy: { renewal: policy.renewal, rules: policy.rules },
        violations: certificate.policy?.violations ?? [],
        link: deps.publicUrl === null ? null : `${deps.publicUrl}/certificates/${managed.id}`,
      };
    },

    /** Appends one lifecycle step to the audit log and mirrors the phase into the inventory. */
    recordLifecycleStep: async (input: {
      managedCertificateId: string;
      idempotencyKey: string;
      actor: string;
      action: string;
      subject: string;
      details: Record<string, unknown>;
      phase?: { phase: LifecyclePhase; detail: string | null; ticketKey?: string | null; retired?: boolean };
      /** The campaign member's new state, when the step moves one on (R-CAM-3). */
      campaignMember?: MemberStateChange;
    }): Promise<void> => {
      const { campaignMember, ...step } = input;
      await audit(campaignMember ? { ...step, details: { ...step.details, campaign: campaignMember } } : step);
      if (input.phase) {
        await store.updateManagedLifecycle(input.managedCertificateId, input.phase, new Date().toISOString());
      }
      if (campaignMember && deps.campaigns) await deps.campaigns.updateMemberState(campaignMember);
    },

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

    /** Opens the cycle's change ticket, or finds the one already opened for this key (R-MON-2). */
    ensureChangeTicket: async (input: ChangeTicketRequest & { actor: string }): Promise<TicketRef> => {
      const { actor, ...request } = input;
      const ticket = await permanentOnRejection(() => deps.ticketing.ensureChangeTicket(request));
      await audit({
        idempotencyKey: request.idempotencyKey,
        actor,
        action: 'ticket.opened',
        subject: request.certificate.fingerprintSha256,
        details: { ticket: ticket.key, url: ticket.url, renewalDeadline: request.renewalDeadline },
      });
      return ticket;
    },

    /** Comments one lifecycle step on the ticket. */
    commentOnTicket: async (input: {
      ticket: TicketRef;
      idempotencyKey: string;
      step: TicketStep;
      body: string;
      actor: string;
      subject: string;
    }): Promise<TicketStepOutcome> =>
      await ticketStep(input, 'ticket.commented', { step: input.step }, () => deps.ticketing.comment(input)),

    /** Moves the ticket to a logical state. */
    transitionTicket: async (input: {
      ticket: TicketRef;
      idempotencyKey: string;
      to: TicketState;
      actor: string;
      subject: string;
    }): Promise<TicketStepOutcome> =>
      await ticketStep(input, 'ticket.transitioned', { to: input.to }, () => deps.ticketing.transition(input)),

    /** Escalates the ticket (R-MON-3): priority, management, incident. */
    escalateTicket: async (input: {
      ticket: TicketRef;
      idempotencyKey: string;
      level: TicketEscalationLevel;
      reason: string;
      group: OwnerGroup | null;
      actor: string;
      subject: string;
    }): Promise<TicketStepOutcome> =>
      await ticketStep(input, 'ticket.escalated', { level: input.level, reason: input.reason }, () =>
        deps.ticketing.escalate(input),
      ),

    /**
     * Generates a new key pair in the key store (R-REN-1, R-KEY-1), has the CA issue a certificate for it and records
     * it in the inventory with the replaced version's metadata. A retry reuses the key and gets the same certificate.
     */
    issueReplacementCertificate: async (input: {
      idempotencyKey: string;
      managedCertificateId: string;
      replacing: CertificateSummary;
      keyRef: KeyRef;
      keySpec: KeySpec;
      validityDays: number;
      actor: string;
    }): Promise<ReplacementCertificate> => {
      return await permanentOnRejection(async () => {
        const { replacing } = input;
        const key = await deps.keyStore.ensureKeyPair(input.keyRef, input.keySpec);
        if (key.created) {
          await audit({
            idempotencyKey: `${input.idempotencyKey}/key`,
            actor: input.actor,
            action: 'key.generated',
            subject: input.keyRef,
            details: { spec: input.keySpec, publicKeySha256: key.publicKeySha256 },
          });
        }
        const csrPem = await deps.keyStore.createCsr(input.keyRef, {
          subject: replacing.subject,
          dnsNames: replacing.dnsNames,
          ipAddresses: replacing.ipAddresses,
        });
        const issued: IssuedCertificate = await deps.ca.issue({
          idempotencyKey: input.idempotencyKey,
          csrPem,
          subject: replacing.subject,
          dnsNames: replacing.dnsNames,
          ipAddresses: replacing.ipAddresses,
          validityDays: input.validityDays,
        });
        const decoded = decodeCertificates(new TextEncoder().encode(issued.certificatePem), 'issued certificate');
        const parsed = decoded.certificates[0];
        if (parsed === undefined) throw new CaRejectedError(`${deps.ca.name} CA returned no readable certificate`);
        const previous = await store.getCertificate(replacing.fingerprintSha256);
        const metadata: CertificateMetadataPatch = previous?.metadata ?? { locations: replacing.locations };
        const now = new Date().toISOString();
        await store.upsertCertificates([{ facts: parsed.facts, der: parsed.der, metadata }], now);
        const policy = await deps.loadPolicy();
        await store.savePolicyResults([evaluateCertificatePolicy(parsed.facts, policy, now)]);
        await audit({
          idempotencyKey: input.idempotencyKey,
          actor: input.actor,
          action: 'certificate.issued',
          subject: issued.fingerprintSha256,
          details: {
            ca: deps.ca.name,
            replaces: replacing.fingerprintSha256,
            serialNumber: issued.serialNumber,
            notAfter: issued.notAfter,
            keyRef: input.keyRef,
          },
        });
        const record = await store.getCertificate(issued.fingerprintSha256);
        if (record === null) throw new Error(`issued certificate ${issued.fingerprintSha256} was not recorded`);
        return {
          certificate: summarizeCertificate(input.managedCertificateId, record),
          certificatePem: issued.certificatePem,
          chainPems: issued.chainPems,
          rootPem: issued.rootPem,
          keyRef: input.keyRef,
        };
      });
    },

    /** Installs the certificate at every location through the deployer that handles it (R-REN-2). */
    installCertificate: async (input: {
      idempotencyKey: string;
      locations: CertificateLocation[];
      certificatePem: string;
      chainPems: string[];
      keyRef: KeyRef;
      fingerprintSha256: string;
      actor: string;
    }): Promise<InstallResult[]> => {
      return await permanentOnRejection(async () => {
        if (input.locations.length === 0) {
          throw new DeployRejectedError(
            'the certificate has no recorded location to install to; add one (import --metadata with a locations column) and request the renewal again',
          );
        }
        const results: InstallResult[] = [];
        for (const [index, location] of input.locations.entries()) {
          const deployer = selectDeployer(deps.deployers, location);
          const key = `${input.idempotencyKey}/${index}`;
          const result = await deployer.install({ ...input, idempotencyKey: key, location });
          Context.current().heartbeat(index);
          await audit({
            idempotencyKey: key,
            actor: input.actor,
            action: 'certificate.installed',
            subject: input.fingerprintSha256,
            details: { deployer: deployer.name, location, changed: result.changed, detail: result.detail },
          });
          results.push(result);
        }
        return results;
      });
    },

    /** Checks every location serves the new certificate with a complete chain and the right names (R-REN-2). */
    verifyInstallation: async (input: {
      idempotencyKey: string;
      locations: CertificateLocation[];
      expectedFingerprint: string;
      trustAnchorPems: string[];
      names: string[];
      actor: string;
    }): Promise<VerificationResult[]> => {
      return await permanentOnRejection(async () => {
        const results: VerificationResult[] = [];
        for (const location of input.locations) {
          results.push(await selectDeployer(deps.deployers, location).verify({ ...input, location }));
        }
        await audit({
          idempotencyKey: input.idempotencyKey,
          actor: input.actor,
          action: results.every((result) => result.ok) ? 'certificate.verified' : 'certificate.verification-failed',
          subject: input.expectedFingerprint,
          details: {
            results: results.map(({ location, ok, servedFingerprint, problems }) => ({
              location,
              ok,
              servedFingerprint,
              problems,
            })),
          },
        });
        return results;
      });
    },

    /** Puts back what the installation replaced, at every location (the old certificate stays in service). */
    rollbackInstallation: async (input: {
      idempotencyKey: string;
      locations: CertificateLocation[];
      actor: string;
      subject: string;
    }): Promise<void> => {
      await permanentOnRejection(async () => {
        for (const [index, location] of input.locations.entries()) {
          // Where no deployer works, nothing was installed and there is nothing to put back.
          if (!deps.deployers.some((deployer) => deployer.supports(location))) continue;
          await selectDeployer(deps.deployers, location).rollback({
            idempotencyKey: `${input.idempotencyKey}/${index}`,
            location,
          });
        }
      });
      await audit({
        idempotencyKey: `${input.idempotencyKey}/rollback`,
        actor: input.actor,
        action: 'certificate.rolled-back',
        subject: input.subject,
        details: { locations: input.locations },
      });
    },

    /** Makes the verified certificate the managed certificate's current version in the inventory. */
    activateCertificateVersion: async (input: {
      managedCertificateId: string;
      fingerprintSha256: string;
    }): Promise<void> => {
      await store.setManagedCertificateVersion(
        input.managedCertificateId,
        input.fingerprintSha256,
        new Date().toISOString(),
      );
    },

    /**
     * Revokes a certificate through the CA that issued it (R-REV-1) and deletes its key; a certificate of a CA certflow
     * does not run is reported for revocation by hand.
     */
    revokeCertificate: async (input: {
      idempotencyKey: string;
      fingerprintSha256: string;
      serialNumber: string;
      issuer: string;
      reason: RevocationReason;
      keyRef: KeyRef | null;
      actor: string;
    }): Promise<RevocationOutcome> => {
      return await permanentOnRejection(async () => {
        if (!(await deps.ca.issues(input.issuer))) {
          const detail = `issued by ${input.issuer}, which certflow does not run: revoke serial ${input.serialNumber} at that CA by hand`;
          await audit({
            idempotencyKey: input.idempotencyKey,
            actor: input.actor,
            action: 'certificate.revocation-manual',
            subject: input.fingerprintSha256,
            details: { issuer: input.issuer, serialNumber: input.serialNumber, reason: input.reason },
          });
          return { outcome: 'not-issued-by-certflow', detail };
        }
        const record = await deps.ca.revoke({
          idempotencyKey: input.idempotencyKey,
          serialNumber: input.serialNumber,
          issuer: input.issuer,
          reason: input.reason,
        });
        await store.recordRevocation(input.fingerprintSha256, { at: record.revokedAt, reason: record.reason });
        if (input.keyRef !== null) await deps.keyStore.deleteKey(input.keyRef);
        await audit({
          idempotencyKey: input.idempotencyKey,
          actor: input.actor,
          action: 'certificate.revoked',
          subject: input.fingerprintSha256,
          details: {
            ca: deps.ca.name,
            serialNumber: record.serialNumber,
            reason: record.reason,
            revokedAt: record.revokedAt,
            publishedAt: record.publishedAt,
          },
        });
        return {
          outcome: record.newlyRevoked ? 'revoked' : 'already-revoked',
          detail: record.publishedAt ? `published on ${record.publishedAt}` : `revoked at ${deps.ca.name}`,
        };
      });
    },
  };
}

/** The lifecycle activities as workflows see them (type-only import in workflows/). */
export type LifecycleActivities = ReturnType<typeof createLifecycleActivities>;
