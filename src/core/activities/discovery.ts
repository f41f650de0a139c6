/**
 * The activities of a scheduled discovery scan (R-INV-2, R-MON-6): run the scan through the runtime's
 * {@link DiscoveryScans}, gather who owns what it found, and deliver: one digest per owner group, a comment on each
 * managed certificate's open ticket, the incident path of R-MON-3 for an expired certificate still served, and the
 * unowned certificates to the security channel once each. Every delivery is idempotent per key and audited.
 */
import { Context } from '@temporalio/activity';
import type { PlannedCertificateDelivery, PlannedDigest } from '../domain/discovery/finding-deliveries';
import { describeLocation, type EndpointFinding } from '../domain/discovery/endpoint-findings';
import type { Policy } from '../domain/policy/policy';
import type {
  DiscoveryScans,
  FindingOwner,
  ScanDefinition,
  ScanOutcome,
  UnownedCertificate,
} from '../ports/discovery-scans';
import type { InventoryStore } from '../ports/inventory-store';
import type { DiscoveryNotifier, NotificationPort, NotificationReceipt } from '../ports/notification-port';
import type { TicketingPort } from '../ports/ticketing-port';
import { ownerGroupAudience, securityAudience, type SecurityContacts } from './audiences';
import { createLifecycleAudit } from './lifecycle-audit';
import { permanentOnRejection } from './lifecycle-failures';
import { createLifecycleNotificationActivities } from './lifecycle-notifications';

/** What the discovery activities need. */
export interface DiscoveryActivityDeps {
  /** Runs scans; a function because the runtime builds it after the worker's clients. */
  readonly scans: () => DiscoveryScans;
  readonly store: InventoryStore;
  readonly notifier: DiscoveryNotifier;
  /** The lifecycle's notifier and ticketing: an incident takes the lifecycle's escalation path (R-MON-3). */
  readonly notifications: NotificationPort;
  readonly ticketing: TicketingPort;
  readonly loadPolicy: () => Promise<Policy>;
  /** The security channel (Slack channel id) and leads (principals), from the worker's configuration. */
  readonly security: SecurityContacts;
  readonly publicUrl: string | null;
}

/** Who the audit log names for a schedule's runs. */
export function scheduleActor(scan: string): string {
  return `schedule:discovery:${scan}`;
}

function findingLine(finding: EndpointFinding): string {
  return `${finding.severity} ${finding.kind} at ${describeLocation(finding.location)}: ${finding.message}`;
}

/** Creates the discovery activities. */
export function createDiscoveryActivities(deps: DiscoveryActivityDeps) {
  const { store } = deps;
  const audit = createLifecycleAudit(store);
  const lifecycleNotifications = createLifecycleNotificationActivities(deps, audit);
  const linkOf = (managedCertificateId: string) =>
    deps.publicUrl === null ? null : `${deps.publicUrl}/certificates/${managedCertificateId}`;

  return {
    /** Runs one scan, heartbeating with the endpoints scanned so far, so a stuck scan is retried. */
    runDiscoveryScan: async (input: { scan: string; definition: ScanDefinition }): Promise<ScanOutcome> => {
      const context = Context.current();
      return await deps.scans().run({
        definition: input.definition,
        actor: scheduleActor(input.scan),
        where: context.info.workflowExecution?.workflowId ?? 'activity',
        onProgress: (scanned) => context.heartbeat(scanned),
      });
    },

    /** Who owns the certificates findings are about: the owner group, the managed certificate and its open ticket. */
    gatherFindingOwners: async (input: { fingerprints: readonly string[] }): Promise<FindingOwner[]> => {
      const owners: FindingOwner[] = [];
      for (const fingerprint of input.fingerprints) {
        const certificate = await store.getCertificate(fingerprint);
        const managed = await store.findManagedCertificateByFingerprint(fingerprint);
        const lifecycle = managed === null ? null : await deps.scans().openTicket(managed.id);
        owners.push({
          fingerprint,
          ownerGroup: certificate?.metadata.ownerGroup ?? null,
          managedCertificateId: managed?.id ?? null,
          certificate: lifecycle?.certificate ?? null,
          ticket: lifecycle?.ticket ?? null,
        });
      }
      return owners;
    },

    /** Sends one owner group's digest of the scan to its owners and channel, and audits it. */
    deliverFindingDigest: async (input: {
      scan: string;
      scanRunId: string;
      digest: PlannedDigest;
    }): Promise<NotificationReceipt | null> => {
      const { digest } = input;
      const group = await store.getOwnerGroup(digest.ownerGroup);
      // A group deleted since the certificate named it has nobody to tell; `list --findings` still shows them.
      if (group === null) return null;
      const receipt = await permanentOnRejection(() =>
        deps.notifier.sendFindingDigest({
          idempotencyKey: digest.idempotencyKey,
          scan: input.scan,
          scanRunId: input.scanRunId,
          group,
          audience: ownerGroupAudience(group),
          opened: digest.opened,
          resolved: digest.resolved,
          notListed: digest.notListed,
        }),
      );
      await audit({
        idempotencyKey: digest.idempotencyKey,
        actor: scheduleActor(input.scan),
        action: 'discovery.digest-sent',
        subject: `group:${group.id}`,
        details: {
          opened: digest.opened.length,
          resolved: digest.resolved.length,
          notListed: digest.notListed,
          channel: group.slack.channelId ?? null,
          messages: receipt.messages.length,
        },
      });
      return receipt;
    },

    /**
     * Tells a managed certificate's lifecycle path what the scan found: a comment on its open change ticket, and for
     * an expired certificate still served the incident notification and the ticket's `incident` escalation (R-MON-3).
     */
    deliverCertificateFindings: async (input: {
      scan: string;
      scanRunId: string;
      delivery: PlannedCertificateDelivery;
      owner: FindingOwner;
    }): Promise<void> => {
      const { delivery, owner } = input;
      const actor = scheduleActor(input.scan);
      const { ticket, certificate } = owner;
      if (ticket !== null) {
        const body = [
          `certflow's scheduled discovery "${input.scan}" (${input.scanRunId}) found:`,
          ...delivery.opened.map((finding) => `- ${findingLine(finding)}`),
        ].join('\n');
        const key = `${delivery.idempotencyKey}/comment`;
        await permanentOnRejection(() =>
          deps.ticketing.comment({ ticket, idempotencyKey: key, step: 'discovery-findings', body }),
        );
        await audit({
          idempotencyKey: key,
          actor,
          action: 'discovery.ticket-commented',
          subject: owner.fingerprint,
          details: { ticket: ticket.key, findings: delivery.opened.length },
        });
      }
      const incident = delivery.incident;
      if (incident === null || certificate === null) return;
      const group = delivery.ownerGroup === null ? null : await store.getOwnerGroup(delivery.ownerGroup);
      const reason = `discovery found it expired and still served at ${describeLocation(incident.location)}: ${incident.message}`;
      await lifecycleNotifications.sendLifecycleNotification({
        kind: 'incident',
        idempotencyKey: `${delivery.idempotencyKey}/incident`,
        dueAt: new Date().toISOString(),
        certificate,
        group,
        ticket,
        link: linkOf(delivery.managedCertificateId),
        reason,
        audienceRole: 'incident',
        actor,
      });
      if (ticket !== null) {
        const key = `${delivery.idempotencyKey}/escalation`;
        await permanentOnRejection(() =>
          deps.ticketing.escalate({ ticket, idempotencyKey: key, level: 'incident', reason, group }),
        );
        await audit({
          idempotencyKey: key,
          actor,
          action: 'discovery.ticket-escalated',
          subject: owner.fingerprint,
          details: { ticket: ticket.key, level: 'incident' },
        });
      }
    },

    /**
     * Announces new certificates nobody owns to the security channel and leads, each fingerprint once ever: one
     * already announced (its audit entry says so) is left out. Returns how many were announced.
     */
    announceUnownedCertificates: async (input: {
      scan: string;
      scanRunId: string;
      unowned: readonly UnownedCertificate[];
    }): Promise<number> => {
      const fresh: UnownedCertificate[] = [];
      for (const certificate of input.unowned) {
        const earlier = await store.queryAudit(
          { action: UNOWNED_ANNOUNCED, subject: certificate.fingerprint },
          { limit: 1 },
        );
        if (earlier.items.length === 0) fresh.push(certificate);
      }
      if (fresh.length === 0) return 0;
      const idempotencyKey = `${input.scanRunId}/unowned`;
      const receipt = await permanentOnRejection(() =>
        deps.notifier.announceUnowned({
          idempotencyKey,
          scan: input.scan,
          scanRunId: input.scanRunId,
          audience: securityAudience(deps.security),
          certificates: fresh,
        }),
      );
      const at = new Date().toISOString();
      await store.appendAudit(
        fresh.map((certificate) => ({
          // One key per fingerprint: the log keeps one announcement of each, ever.
          idempotencyKey: `discovery/unowned/${certificate.fingerprint}`,
          at,
          actor: scheduleActor(input.scan),
          action: UNOWNED_ANNOUNCED,
          subject: certificate.fingerprint,
          where: input.scanRunId,
          details: {
            location: describeLocation(certificate.location),
            channel: deps.security.channelId,
            messages: receipt.messages.length,
          },
        })),
      );
      return fresh.length;
    },
  };
}

/** The audit action of an unowned certificate announced to the security channel. */
const UNOWNED_ANNOUNCED = 'discovery.unowned-announced';

/** The discovery activities as the workflow sees them. */
export type DiscoveryActivities = ReturnType<typeof createDiscoveryActivities>;
