/**
 * One run of a scheduled discovery scan (R-INV-2, R-MON-6): a Temporal Schedule per scan definition starts it, the
 * schedule's overlap policy keeps two runs of one definition from scanning at once. The scan is one heartbeating
 * activity; then the findings' owners are gathered, a pure rule decides who hears what, and each delivery is its own
 * activity, idempotent per scan run, so a retried run tells nobody twice and one failing delivery stops no other.
 */
import { ActivityFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { DiscoveryActivities } from '../activities/discovery';
import { planFindingDeliveries } from '../domain/discovery/finding-deliveries';
import type { ScanDefinition, ScanSummary } from '../ports/discovery-scans';

/** Input of {@link discoveryScanWorkflow}: the schedule's action input, validated when the schedule was created. */
export interface DiscoveryScanInput {
  /** The schedule's name (its id is `discovery:<name>`). */
  readonly scan: string;
  readonly definition: ScanDefinition;
}

/** What one run did: the scan's summary and what it delivered; shown by `certflow discover schedule show`. */
export interface DiscoveryScanResult {
  readonly scan: string;
  readonly summary: ScanSummary;
  readonly delivered: {
    /** Owner-group digests sent. */
    readonly digests: number;
    /** Managed certificates whose open ticket or incident path was told. */
    readonly certificates: number;
    readonly incidents: number;
    /** Unowned certificates announced to the security channel (ones announced before are not again). */
    readonly unowned: number;
  };
  /** Deliveries that failed after their retries, each with why; the findings stay in `certflow list --findings`. */
  readonly failedDeliveries: readonly string[];
}

/** Findings a digest lists; the rest are counted. */
const LISTED_PER_DIGEST = 50;

const gathering = proxyActivities<DiscoveryActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

/** Slack and Jira: retried for about ten minutes, then reported in the run's result. */
const delivering = proxyActivities<DiscoveryActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 8 },
});

/** Runs one scan of a definition and delivers its findings to the owner groups and its unowned certificates. */
export async function discoveryScanWorkflow(input: DiscoveryScanInput): Promise<DiscoveryScanResult> {
  const scanRunId = workflowInfo().workflowId;
  const { limits } = input.definition;
  // An endpoint finishes within its connect and handshake timeouts, so a silence longer than both means a stuck scan.
  const scanning = proxyActivities<DiscoveryActivities>({
    startToCloseTimeout: '12 hours',
    heartbeatTimeout: limits.connectTimeoutMs + limits.handshakeTimeoutMs + 60_000,
    retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 3 },
  });
  const outcome = await scanning.runDiscoveryScan({ scan: input.scan, definition: input.definition });

  const fingerprints = [...new Set([...outcome.opened, ...outcome.resolved].map((finding) => finding.fingerprint))];
  const owners = fingerprints.length === 0 ? [] : await gathering.gatherFindingOwners({ fingerprints });
  const plan = planFindingDeliveries({
    scanRunId,
    opened: outcome.opened,
    resolved: outcome.resolved,
    owners,
    listedAtMost: LISTED_PER_DIGEST,
  });

  const failedDeliveries: string[] = [];
  const attempt = async (what: string, delivery: () => Promise<unknown>): Promise<boolean> => {
    try {
      await delivery();
      return true;
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      failedDeliveries.push(`${what}: ${error.cause?.message ?? error.message}`);
      return false;
    }
  };
  let digests = 0;
  for (const digest of plan.digests) {
    const sent = await attempt(`digest to ${digest.ownerGroup}`, () =>
      delivering.deliverFindingDigest({ scan: input.scan, scanRunId, digest }),
    );
    if (sent) digests += 1;
  }
  let certificates = 0;
  let incidents = 0;
  const ownerOf = new Map(owners.map((owner) => [owner.managedCertificateId, owner]));
  for (const delivery of plan.certificates) {
    const owner = ownerOf.get(delivery.managedCertificateId);
    if (owner === undefined) continue;
    const told = await attempt(`managed certificate ${delivery.managedCertificateId}`, () =>
      delivering.deliverCertificateFindings({ scan: input.scan, scanRunId, delivery, owner }),
    );
    if (told) certificates += 1;
    if (told && delivery.incident !== null && owner.certificate !== null) incidents += 1;
  }
  let unowned = 0;
  if (outcome.unowned.length > 0) {
    await attempt('unowned certificates to the security channel', async () => {
      unowned = await delivering.announceUnownedCertificates({
        scan: input.scan,
        scanRunId,
        unowned: outcome.unowned,
      });
    });
  }
  return {
    scan: input.scan,
    summary: outcome.summary,
    delivered: { digests, certificates, incidents, unowned },
    failedDeliveries,
  };
}
