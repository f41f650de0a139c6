/**
 * Activities of the certificate lifecycle: thin, idempotent I/O around the ports. Each takes an idempotency key
 * (workflow id + cycle + step) that the port and the audit log (R-LOG-1) use, so a retry never notifies, tickets,
 * issues or revokes twice. Private keys stay in the key store; only key references pass through here (R-KEY-1).
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { OwnerGroup, PolicyViolation } from '../domain/inventory/model';
import type { CertificateSummary, LifecyclePhase } from '../domain/lifecycle/model';
import { summarizeCertificate } from '../domain/lifecycle/renewal-plan';
import { buildRoster, type LifecycleRoster } from '../domain/lifecycle/roles';
import { groupReminderDays } from '../domain/policy/group-reminder-days';
import type { LifecycleSettings, Policy, RenewalSettings } from '../domain/policy/policy';
import type { IssuerSettings } from '../domain/issuers/choose-issuer';
import type { CertificateAuthorities } from '../ports/certificate-authorities';
import type { Deployer } from '../ports/deployer';
import type { InventoryStore } from '../ports/inventory-store';
import type { CampaignStore, MemberStateChange } from '../ports/campaign-store';
import type { KeyStore } from '../ports/key-store';
import type { NotificationPort } from '../ports/notification-port';
import type { TicketingPort } from '../ports/ticketing-port';
import { createLifecycleAudit } from './lifecycle-audit';
import { createLifecycleNotificationActivities, type LifecycleNotificationInput } from './lifecycle-notifications';
import { createLifecycleRenewalActivities, gatherIssuerSettings } from './lifecycle-renewal';
import { createLifecycleTicketActivities } from './lifecycle-tickets';

/** Everything the lifecycle activities need from the outside world. */
export interface LifecycleActivityDeps {
  readonly store: InventoryStore;
  /** Reads the policy in force (re-read on every lifecycle reload, so a policy change re-plans). */
  readonly loadPolicy: () => Promise<Policy>;
  readonly keyStore: KeyStore;
  /** Every configured issuer by name (`internal`, `acme:<name>`): the renewal's is chosen per certificate. */
  readonly issuers: CertificateAuthorities;
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
  /** What decides the renewal's issuer but the campaign's target (issue 19); absent in contexts gathered before. */
  readonly issuerSettings?: IssuerSettings;
}

type TicketActivities = ReturnType<typeof createLifecycleTicketActivities>;
type CertificateActivities = ReturnType<typeof createLifecycleRenewalActivities>;

/**
 * Bookkeeping a step's audit activity does before the step's own row (issue 21): the ticket comment, transition,
 * notification or version switch that goes with the step, each idempotent per its own key as its own activity is.
 */
export type StepBookkeeping =
  | { readonly comment: Parameters<TicketActivities['commentOnTicket']>[0] }
  | { readonly transition: Parameters<TicketActivities['transitionTicket']>[0] }
  | { readonly notification: LifecycleNotificationInput }
  | { readonly activate: Parameters<CertificateActivities['activateCertificateVersion']>[0] };

/** One lifecycle step to audit and mirror into the inventory, with the bookkeeping that goes before it. */
export interface LifecycleStepInput {
  managedCertificateId: string;
  idempotencyKey: string;
  actor: string;
  action: string;
  subject: string;
  details: Record<string, unknown>;
  phase?: { phase: LifecyclePhase; detail: string | null; ticketKey?: string | null; retired?: boolean };
  /** The campaign member's new state, when the step moves one on (R-CAM-3). */
  campaignMember?: MemberStateChange;
  along?: readonly StepBookkeeping[];
}

/** Creates the lifecycle activities over their ports. */
export function createLifecycleActivities(deps: LifecycleActivityDeps) {
  const { store } = deps;
  const audit = createLifecycleAudit(store);
  const notifications = createLifecycleNotificationActivities(deps, audit);
  const tickets = createLifecycleTicketActivities(deps, audit);
  const certificates = createLifecycleRenewalActivities(deps, audit);
  const keep = async (item: StepBookkeeping): Promise<unknown> => {
    if ('comment' in item) return await tickets.commentOnTicket(item.comment);
    if ('transition' in item) return await tickets.transitionTicket(item.transition);
    if ('notification' in item) return await notifications.sendLifecycleNotification(item.notification);
    return await certificates.activateCertificateVersion(item.activate);
  };
  const recordStep = async (input: LifecycleStepInput): Promise<void> => {
    const { campaignMember, along = [], ...step } = input;
    for (const item of along) await keep(item);
    await audit(campaignMember ? { ...step, details: { ...step.details, campaign: campaignMember } } : step);
    if (input.phase) {
      await store.updateManagedLifecycle(input.managedCertificateId, input.phase, new Date().toISOString());
    }
    if (campaignMember && deps.campaigns) await deps.campaigns.updateMemberState(campaignMember);
  };
  /** Gathers what the lifecycle plans with: the version, its owner group, the roster and the policy in force. */
  const loadContext = async (input: {
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
      issuerSettings: await gatherIssuerSettings(deps.issuers, {
        group,
        policy,
        certificateIssuerDn: certificate.facts.issuer.text,
      }),
    };
  };
  return {
    /** Gathers what the lifecycle plans with: the version, its owner group, the roster and the policy in force. */
    loadLifecycleContext: loadContext,

    /**
     * Appends one lifecycle step to the audit log and mirrors the phase into the inventory, after the bookkeeping that
     * goes with the step (`along`, in order): a retry repeats none of it, each part being idempotent per its key. With
     * `contextAfter`, then gathers that version's context for the next run to start with (issue 21: a renewal's next
     * run loads nothing), else answers null.
     */
    recordLifecycleStep: async (
      input: LifecycleStepInput & { contextAfter?: { managedCertificateId: string; fingerprint: string } },
    ): Promise<LifecycleContext | null> => {
      const { contextAfter, ...step } = input;
      await recordStep(step);
      return contextAfter === undefined ? null : await loadContext(contextAfter);
    },
    ...notifications,
    ...tickets,
    ...certificates,
    /**
     * {@link createLifecycleRenewalActivities}' issuance, after recording the step that starts it (`startedBy`, issue
     * 21: the renewal's start and its issuance in one activity); a retry records the step once, as its key says.
     */
    issueReplacementCertificate: async (
      input: Parameters<CertificateActivities['issueReplacementCertificate']>[0] & { startedBy?: LifecycleStepInput },
    ): ReturnType<CertificateActivities['issueReplacementCertificate']> => {
      const { startedBy, ...issue } = input;
      if (startedBy) await recordStep(startedBy);
      return await certificates.issueReplacementCertificate(issue);
    },
  };
}

/** The lifecycle activities as workflows see them (type-only import in workflows/). */
export type LifecycleActivities = ReturnType<typeof createLifecycleActivities>;
