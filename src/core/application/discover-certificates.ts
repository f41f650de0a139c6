/**
 * Network discovery (R-INV-2) and its re-checks (R-MON-6), for every entry point that scans (the CLI now, a scheduled
 * scan in the worker next): the scanner streams what each endpoint served, the served chains go into the inventory
 * through the import use case, the discovery store remembers each location, and the re-check rules' findings are
 * opened, kept or resolved there, with audit entries. Batches of endpoints keep memory flat however many are scanned.
 */
import {
  decideEndpointFindings,
  describeLocation,
  locationKey,
  type EndpointFinding,
  type EndpointLocation,
  type EndpointScan,
  type FindingKind,
  type PreviousObservation,
} from '../domain/discovery/endpoint-findings';
import type { CertificateLocation, NewAuditEntry } from '../domain/inventory/model';
import type { Policy } from '../domain/policy/policy';
import type { FoundCertificates } from '../ports/certificate-source';
import type { UnownedCertificate } from '../ports/discovery-scans';
import type { DiscoveryStore, ObservationWrite, StoredFinding } from '../ports/discovery-store';
import type { InventoryStore } from '../ports/inventory-store';
import type { EndpointObservation, NetworkScanner, ScanLimits, ScanTarget } from '../ports/network-scanner';
import {
  importCertificates,
  type ImportActor,
  type ImportIssue,
  type ImportReport,
  type ManagedReplacement,
} from './import-certificates';

/** Options of {@link discoverCertificates}. */
export interface DiscoverOptions extends ImportActor {
  /** What to scan, streamed: a range is never expanded in memory. certflow scans only what it is given. */
  readonly targets: AsyncIterable<ScanTarget> | Iterable<ScanTarget>;
  readonly scanner: NetworkScanner;
  readonly limits: ScanLimits;
  readonly store: InventoryStore;
  readonly discovery: DiscoveryStore;
  readonly policy: Policy;
  /** Clock of the checks; injectable for tests. */
  readonly now?: () => Date;
  /** Endpoints per batch (import, findings, one transaction of observations). */
  readonly batchSize?: number;
  /** Called with each batch's changes as it is recorded: where a scheduled scan tells owners and the security channel. */
  readonly onBatch?: (batch: DiscoveryBatch) => Promise<void> | void;
  /** Called as endpoints complete, with the number scanned so far. */
  readonly onProgress?: (scanned: number) => void;
}

export type { UnownedCertificate };

/** What one batch of endpoints changed. */
export interface DiscoveryBatch {
  readonly opened: readonly EndpointFinding[];
  readonly resolved: readonly StoredFinding[];
  /** New end-entity certificates without an owner group. */
  readonly unowned: readonly UnownedCertificate[];
}

/** What a scan did. Lists that grow with the scan keep their first {@link LISTED} entries beside a count. */
export interface DiscoveryReport {
  readonly endpoints: {
    readonly scanned: number;
    readonly served: number;
    readonly failed: number;
    /** Endpoints by outcome: `served`, `refused`, `timeout` … */
    readonly byOutcome: Readonly<Record<string, number>>;
  };
  /** Endpoints that served nothing, each with why and the fix: the first {@link LISTED}. */
  readonly failures: readonly ImportIssue[];
  readonly certificates: {
    /** Certificates read, counting one per endpoint that served it. */
    readonly read: number;
    readonly new: number;
    readonly known: number;
    readonly nonCompliant: number;
    readonly issuerLinks: number;
  };
  /** Served certificates that did not parse, and the like: the first {@link LISTED}. */
  readonly errors: readonly ImportIssue[];
  readonly errorCount: number;
  readonly findings: {
    readonly opened: number;
    readonly resolved: number;
    /** Open findings this scan found again. */
    readonly stillOpen: number;
    readonly openedByKind: Readonly<Partial<Record<FindingKind, number>>>;
    /** Findings opened with severity `incident` (an expired certificate still served). */
    readonly incidents: number;
  };
  readonly unowned: { readonly count: number; readonly sample: readonly UnownedCertificate[] };
  /** For the caller to start and tell lifecycles, as after an import (`startImportedLifecycles`). */
  readonly managed: ImportReport['managed'];
}

/** Entries a report lists of a kind that grows with the scan; counts cover the rest. */
export const LISTED = 100;
/** Endpoints per batch: one import and one store transaction each, small enough to keep the scan flowing. */
const DEFAULT_BATCH = 500;

/** The scan result as the re-check rules read it. */
function scanOf(observation: EndpointObservation, location: EndpointLocation): EndpointScan {
  if (observation.outcome !== 'served') return { served: false, location, failure: observation.outcome };
  return {
    served: true,
    location,
    chain: observation.chain.map((certificate) => certificate.facts),
    protocol: observation.protocol,
    verdictCode: observation.verdict.trusted ? null : (observation.verdict.code ?? 'UNTRUSTED'),
  };
}

function locationOf(target: ScanTarget): EndpointLocation {
  const host = target.host.toLowerCase();
  return target.sni ? { host, port: target.port, sni: target.sni.toLowerCase() } : { host, port: target.port };
}

function inventoryLocation(location: EndpointLocation): CertificateLocation {
  return { kind: 'endpoint', ...location };
}

/** Accumulates the batches' outcomes into one report. */
class ReportBuilder {
  readonly byOutcome: Record<string, number> = {};
  readonly failures: ImportIssue[] = [];
  readonly errors: ImportIssue[] = [];
  readonly openedByKind: Partial<Record<FindingKind, number>> = {};
  readonly unownedSample: UnownedCertificate[] = [];
  readonly managedCreated: string[] = [];
  readonly managedReplaced = new Map<string, ManagedReplacement>();
  scanned = 0;
  errorCount = 0;
  read = 0;
  created = 0;
  known = 0;
  nonCompliant = 0;
  issuerLinks = 0;
  opened = 0;
  resolved = 0;
  stillOpen = 0;
  incidents = 0;
  unowned = 0;

  observed(observation: EndpointObservation, location: EndpointLocation): void {
    this.scanned += 1;
    this.byOutcome[observation.outcome] = (this.byOutcome[observation.outcome] ?? 0) + 1;
    if (observation.outcome !== 'served' && this.failures.length < LISTED) {
      this.failures.push({ source: describeLocation(location), message: observation.message });
    }
  }

  imported(report: ImportReport): void {
    this.read += report.certificatesRead;
    this.created += report.created;
    this.known += report.updated;
    this.nonCompliant += report.nonCompliant;
    this.issuerLinks += report.issuerLinks;
    this.errorCount += report.errors.length;
    this.errors.push(...report.errors.slice(0, LISTED - this.errors.length));
    this.managedCreated.push(...report.managed.created);
    for (const replacement of report.managed.replaced) {
      // Replaced in two batches: the lifecycle needs the newest version and the first it had, as import keeps them.
      const earlier = this.managedReplaced.get(replacement.managedCertificateId);
      this.managedReplaced.set(replacement.managedCertificateId, {
        ...replacement,
        previousFingerprint: earlier?.previousFingerprint ?? replacement.previousFingerprint,
      });
    }
  }

  recorded(batch: DiscoveryBatch, stillOpen: number): void {
    this.opened += batch.opened.length;
    this.resolved += batch.resolved.length;
    this.stillOpen += stillOpen;
    for (const finding of batch.opened) {
      this.openedByKind[finding.kind] = (this.openedByKind[finding.kind] ?? 0) + 1;
      if (finding.severity === 'incident') this.incidents += 1;
    }
    this.unowned += batch.unowned.length;
    this.unownedSample.push(...batch.unowned.slice(0, LISTED - this.unownedSample.length));
  }

  report(): DiscoveryReport {
    const served = this.byOutcome.served ?? 0;
    return {
      endpoints: { scanned: this.scanned, served, failed: this.scanned - served, byOutcome: this.byOutcome },
      failures: this.failures,
      certificates: {
        read: this.read,
        new: this.created,
        known: this.known,
        nonCompliant: this.nonCompliant,
        issuerLinks: this.issuerLinks,
      },
      errors: this.errors,
      errorCount: this.errorCount,
      findings: {
        opened: this.opened,
        resolved: this.resolved,
        stillOpen: this.stillOpen,
        openedByKind: this.openedByKind,
        incidents: this.incidents,
      },
      unowned: { count: this.unowned, sample: this.unownedSample },
      managed: { created: this.managedCreated, replaced: [...this.managedReplaced.values()] },
    };
  }
}

/**
 * Scans the targets and records what they serve (R-INV-2), then re-checks every scanned location (R-MON-6): served
 * chains are imported (managed certificates found renewed outside certflow come back in `managed.replaced`, as from
 * an import), each location's observation is kept, findings are opened, kept or resolved, and every step is audited
 * (R-LOG-1). An endpoint that fails is a per-item result, never a failed scan (R-INV-4).
 */
export async function discoverCertificates(options: DiscoverOptions): Promise<DiscoveryReport> {
  const now = options.now ?? (() => new Date());
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const report = new ReportBuilder();
  const startedAt = now().toISOString();

  const processBatch = async (batch: ReadonlyArray<readonly [EndpointObservation, EndpointLocation]>) => {
    const served = batch.flatMap(([observation, location]) =>
      observation.outcome === 'served' ? [{ observation, location }] : [],
    );
    const leaves = served.flatMap(({ observation, location }) => {
      const leaf = observation.chain[0];
      return leaf ? [{ leaf, location }] : [];
    });
    const known = await options.store.knownFingerprints(leaves.map(({ leaf }) => leaf.facts.fingerprintSha256));
    const source: FoundCertificates[] = served.map(({ observation, location }) => ({
      name: describeLocation(location),
      location: inventoryLocation(location),
      certificates: observation.chain,
      errors: observation.errors,
    }));
    if (source.length > 0) {
      report.imported(
        await importCertificates(source, {
          store: options.store,
          policy: options.policy,
          actor: options.actor,
          where: options.where,
          now,
        }),
      );
    }
    const at = now().toISOString();
    const records = await options.discovery.endpointRecords(batch.map(([, location]) => location));
    const managedIdOf = async (fingerprint: string) =>
      (await options.store.findManagedCertificateByFingerprint(fingerprint))?.id ?? null;
    const findings: EndpointFinding[] = [];
    const writes: ObservationWrite[] = [];
    for (const [observation, location] of batch) {
      const record = records.get(locationKey(location));
      const previous: PreviousObservation | null = record
        ? {
            fingerprint: record.fingerprint,
            lastSeenAt: record.lastSeenAt,
            managedCertificateId: record.fingerprint === null ? null : await managedIdOf(record.fingerprint),
          }
        : null;
      const leaf = observation.outcome === 'served' ? observation.chain[0] : undefined;
      const fingerprint = leaf?.facts.fingerprintSha256 ?? null;
      const stored = fingerprint === null ? null : await options.store.getCertificate(fingerprint);
      const managed =
        fingerprint === null ? null : await options.store.findManagedCertificateByFingerprint(fingerprint);
      findings.push(
        ...decideEndpointFindings({
          scan: scanOf(observation, location),
          previous,
          leaf: { policy: stored?.policy ?? null, managed },
          now: at,
        }),
      );
      writes.push({
        location,
        outcome: observation.outcome,
        observedAt: observation.observedAt,
        fingerprint,
        protocol: observation.outcome === 'served' ? observation.protocol : null,
        cipher: observation.outcome === 'served' ? observation.cipher : null,
        message: observation.outcome === 'served' ? observation.errors.join('; ') || null : observation.message,
      });
    }
    const changes = await options.discovery.recordScans(writes, findings);
    // What an endpoint serves as its own certificate needs an owner whatever its role: a self-signed certificate made
    // with `openssl req -x509` carries the CA flag, and is the one most likely deployed without anyone's knowledge.
    const unowned = leaves.flatMap(({ leaf, location }): UnownedCertificate[] =>
      known.has(leaf.facts.fingerprintSha256)
        ? []
        : [{ fingerprint: leaf.facts.fingerprintSha256, subject: leaf.facts.subject.text, location }],
    );
    // The same new certificate served at several endpoints of this batch is one to assign.
    const unique = [...new Map(unowned.map((item) => [item.fingerprint, item])).values()];
    await options.store.appendAudit(findingAudit(changes.opened, changes.resolved, at, options));
    const outcome: DiscoveryBatch = { opened: changes.opened, resolved: changes.resolved, unowned: unique };
    report.recorded(outcome, changes.stillOpen);
    await options.onBatch?.(outcome);
  };

  // One batch is recorded while the next one fills, so the scan does not wait on the database.
  let recording: Promise<void> = Promise.resolve();
  let failure: { error: unknown } | null = null;
  const record = (batch: ReadonlyArray<readonly [EndpointObservation, EndpointLocation]>) => {
    recording = processBatch(batch).catch((error: unknown) => {
      failure = { error };
    });
  };
  let batch: Array<readonly [EndpointObservation, EndpointLocation]> = [];
  for await (const observation of options.scanner.scan(options.targets, options.limits)) {
    const location = locationOf(observation.target);
    report.observed(observation, location);
    options.onProgress?.(report.scanned);
    batch.push([observation, location]);
    if (batch.length < batchSize) continue;
    await recording;
    if (failure) break;
    record(batch);
    batch = [];
  }
  await recording;
  if (!failure && batch.length > 0) {
    record(batch);
    await recording;
  }
  if (failure) throw (failure as { error: unknown }).error;

  const result = report.report();
  await options.store.appendAudit([
    {
      at: now().toISOString(),
      actor: options.actor,
      action: 'discovery.completed',
      subject: 'network',
      where: options.where,
      details: {
        startedAt,
        endpoints: result.endpoints,
        certificates: result.certificates,
        findings: result.findings,
        unowned: result.unowned.count,
        failures: result.failures.slice(0, LISTED),
        errorCount: result.errorCount,
        managedCreated: result.managed.created.length,
        managedReplaced: result.managed.replaced.length,
      },
    },
  ]);
  return result;
}

function findingAudit(
  opened: readonly EndpointFinding[],
  resolved: readonly StoredFinding[],
  at: string,
  actor: ImportActor,
): NewAuditEntry[] {
  const entry = (action: string, finding: EndpointFinding, details: Record<string, unknown>): NewAuditEntry => ({
    at,
    actor: actor.actor,
    action,
    subject: finding.fingerprint,
    where: actor.where,
    details: { kind: finding.kind, severity: finding.severity, location: finding.location, ...details },
  });
  return [
    ...opened.map((finding) => entry('finding.opened', finding, { message: finding.message })),
    ...resolved.map((finding) => entry('finding.resolved', finding, { firstSeenAt: finding.firstSeenAt })),
  ];
}
