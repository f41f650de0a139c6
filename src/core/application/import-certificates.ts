import type { ParsedCertificate } from '../domain/certificates/certificate-facts';
import type {
  CertificateLocation,
  CertificateMetadataPatch,
  CertificateRevocation,
  NewAuditEntry,
} from '../domain/inventory/model';
import { compilePolicy, evaluateCertificatePolicy } from '../domain/policy/evaluate-policy';
import type { Policy } from '../domain/policy/policy';
import type { CertificateSource } from '../ports/certificate-source';
import type { InventoryStore, ManagedAssignment } from '../ports/inventory-store';
import { reevaluatePolicy } from './reevaluate-policy';

/** Who runs an import and from where, for the audit log (R-LOG-1). */
export interface ImportActor {
  /** `user:<name>`, `system`, `workflow:<id>`. */
  readonly actor: string;
  /** Host name or `cli@<host>`. */
  readonly where: string;
}

/** Options of {@link importCertificates}. */
export interface ImportOptions extends ImportActor {
  readonly store: InventoryStore;
  readonly policy: Policy;
  /** Clock for seen/evaluated instants; injectable for tests. */
  readonly now?: () => Date;
  /** Metadata merged into every imported certificate (`--owner`, `--tag` on the command line). */
  readonly metadata?: CertificateMetadataPatch;
  /** Certificates per store transaction. */
  readonly batchSize?: number;
  /** Called after each place the source yields, with the number of places done. */
  readonly onProgress?: (done: number, source: string) => void;
}

/** A per-item problem: the rest of the import went on (R-INV-4). */
export interface ImportIssue {
  readonly source: string;
  readonly message: string;
}

/** A managed certificate whose current version an import replaced: a newer certificate with the same names. */
export interface ManagedReplacement {
  readonly managedCertificateId: string;
  readonly previousFingerprint: string;
  readonly fingerprint: string;
}

/**
 * What an import did. Failures are listed item by item; the import itself does not throw on bad input. The counts
 * add up: `certificatesRead = created + updated + repeated`, and `created + updated` is the number of distinct
 * certificates the import saw.
 */
export interface ImportReport {
  readonly sources: number;
  /** Sources that held at least one certificate. */
  readonly sourcesWithCertificates: number;
  /** Certificates read, counting a certificate once per place (file, block) it appeared in. */
  readonly certificatesRead: number;
  /** Distinct certificates new to the inventory. */
  readonly created: number;
  /** Distinct certificates already in the inventory: metadata merged, last seen updated. */
  readonly updated: number;
  /** Certificates read again in this import (a second copy in a bundle, another file): their locations are merged. */
  readonly repeated: number;
  /** Distinct certificates of this import whose stored policy result is non-compliant, as `list --violations` counts. */
  readonly nonCompliant: number;
  readonly issuerLinks: number;
  /**
   * Certificates already in the inventory that took this import's metadata (`--owner` and the like): their lifecycles
   * must re-read owners and contacts. Empty when the import gave no metadata.
   */
  readonly metadataMerged: readonly string[];
  readonly errors: readonly ImportIssue[];
  /** Sources that hold no certificate (text, keys, other files) and were passed over. */
  readonly skipped: readonly ImportIssue[];
  /**
   * Managed certificates (issue 4): ids of those this import started, and those whose current version it replaced
   * (renewed outside certflow), so the caller can start and signal their lifecycles.
   */
  readonly managed: { readonly created: readonly string[]; readonly replaced: readonly ManagedReplacement[] };
}

/**
 * Certificates per store transaction. Each commit writes every index page its inserts touched, and fingerprints
 * scatter inserts over the indexes: a batch of B into an index of L leaf pages dirties about L·(1−e^(−B/L)) of them,
 * so larger batches share pages, the more so the larger the inventory. 5,000 new certificates into 100k wrote 7.4
 * pages per certificate in batches of 2,000, 4.9 in one of 5,000 (3.8 in batches of 10,000). 5,000 holds SQLite's
 * write lock about a second, well inside the 5 s other writers wait, and 16 MB of parsed certificates.
 */
const DEFAULT_BATCH = 5_000;
/** Audit entries keep this many per-item problems; the CLI report has them all. */
const AUDITED_ISSUES = 100;

interface Pending {
  parsed: ParsedCertificate;
  locations: CertificateLocation[];
  /** The revocation a source reported for it and the place that did, recorded before managed certificates are assigned. */
  revocation?: CertificateRevocation & { readonly source: string };
  /** False when an earlier batch of this import already stored and counted this certificate. */
  firstSeen: boolean;
}

/**
 * Imports what a certificate source found through policy → store (R-INV-2): evaluates the policy, upserts in
 * batches (idempotent by fingerprint), links issuers and writes audit entries. The source's per-place problems
 * become per-item errors; the import itself does not throw on bad input.
 */
export async function importCertificates(source: CertificateSource, options: ImportOptions): Promise<ImportReport> {
  const now = options.now ?? (() => new Date());
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const compiled = compilePolicy(options.policy);
  const version = compiled.version;
  const errors: ImportIssue[] = [];
  const skipped: ImportIssue[] = [];
  let pending = new Map<string, Pending>();
  /** Every certificate of this import and whether its latest stored policy result is compliant. */
  const compliance = new Map<string, boolean>();
  let sourceCount = 0;
  let withCertificates = 0;
  let placeHasCertificates = false;
  let certificatesRead = 0;
  let created = 0;
  let updated = 0;
  let repeated = 0;
  let issuerLinks = 0;
  /** Certificates whose issuer link this import changed: a policy naming CAs by fingerprint judges them again. */
  const relinked = new Set<string>();
  const metadataMerged = new Set<string>();
  const givesMetadata = options.metadata !== undefined && Object.keys(options.metadata).length > 0;
  const managedCreated: string[] = [];
  const managedReplaced = new Map<string, ManagedReplacement>();

  const flush = async () => {
    if (pending.size === 0) return;
    const byFingerprint = pending;
    const batch = [...byFingerprint.values()];
    pending = new Map();
    const at = now().toISOString();
    const results = batch.map(({ parsed }) => evaluateCertificatePolicy(parsed.facts, compiled, at));
    // One transaction per batch: one commit, and the issuer links rewrite rows still in the page cache.
    const { outcome, links, assignment } = await options.store.transaction(async (store) => {
      const outcome = await store.upsertCertificates(
        batch.map(({ parsed, locations }) => ({
          facts: parsed.facts,
          der: parsed.der,
          metadata: mergePatch(options.metadata, locations),
        })),
        at,
      );
      // Only new certificates can need a link: known ones were linked when they were new, or by a CA new since.
      const links = await store.linkIssuers(outcome.created);
      await store.savePolicyResults(results);
      // Before assignment, so a revoked certificate never becomes a managed certificate's version.
      const revoked = await recordRevocations(store, batch);
      // Known certificates too: one imported before managed certificates existed is assigned when it is seen again.
      const assignment = await store.assignManagedCertificates([...byFingerprint.keys()], at);
      await store.appendAudit(
        batchAudit(outcome.created, assignment, { byFingerprint, revoked, at, version, options }),
      );
      return { outcome, links, assignment };
    });
    for (const result of results) compliance.set(result.fingerprintSha256, result.compliant);
    created += outcome.created.length;
    issuerLinks += links.length;
    for (const fingerprint of links) relinked.add(fingerprint);
    // A certificate stored by an earlier batch comes back as known: it was counted then, and is a repeat now.
    updated += outcome.updated.filter((fingerprint) => byFingerprint.get(fingerprint)?.firstSeen !== false).length;
    if (givesMetadata) for (const fingerprint of outcome.updated) metadataMerged.add(fingerprint);
    managedCreated.push(...assignment.created.map((managed) => managed.id));
    for (const { managed, previousFingerprint } of assignment.replaced) {
      // Replaced twice in one import (two batches): the lifecycle needs the newest version and the first it had.
      const earlier = managedReplaced.get(managed.id);
      managedReplaced.set(managed.id, {
        managedCertificateId: managed.id,
        previousFingerprint: earlier?.previousFingerprint ?? previousFingerprint,
        fingerprint: managed.currentFingerprint,
      });
    }
  };

  const add = (
    parsed: ParsedCertificate,
    location: CertificateLocation | undefined,
    revocation: Pending['revocation'],
  ) => {
    certificatesRead += 1;
    const fingerprint = parsed.facts.fingerprintSha256;
    const earlier = pending.get(fingerprint);
    if (earlier !== undefined || compliance.has(fingerprint)) repeated += 1;
    // A repeat in a later batch is stored again for its locations; firstSeen keeps it out of the counts.
    const entry = earlier ?? { parsed, locations: [], firstSeen: !compliance.has(fingerprint) };
    if (location) entry.locations.push(location);
    entry.revocation ??= revocation;
    if (!earlier) pending.set(fingerprint, entry);
  };

  for await (const found of source) {
    // A later part of the same place (a large bundle read in pieces) is not another source.
    if (found.continues !== true) {
      sourceCount += 1;
      placeHasCertificates = false;
    }
    for (const message of found.errors) errors.push({ source: found.name, message });
    if (found.skipped !== undefined) skipped.push({ source: found.name, message: found.skipped });
    if (found.certificates.length > 0 && !placeHasCertificates) {
      placeHasCertificates = true;
      withCertificates += 1;
    }
    for (const parsed of found.certificates) {
      const revocation = found.revocations?.get(parsed.facts.fingerprintSha256);
      add(parsed, found.location, revocation && { ...revocation, source: found.name });
    }
    if (pending.size >= batchSize) await flush();
    options.onProgress?.(sourceCount, found.name);
  }
  await flush();
  // CAs named by fingerprint match through issuer links, which exist only now: judge again what they changed, not the
  // whole inventory (an import's cost would grow with it).
  if (relinked.size > 0 && namesCasByFingerprint(options.policy)) {
    await reevaluatePolicy(options.store, options.policy, {
      ...options,
      now,
      only: [...relinked],
      onResults: (results) => {
        for (const result of results) {
          if (compliance.has(result.fingerprintSha256)) compliance.set(result.fingerprintSha256, result.compliant);
        }
      },
    });
  }
  let nonCompliant = 0;
  for (const compliant of compliance.values()) if (!compliant) nonCompliant += 1;

  const report: ImportReport = {
    sources: sourceCount,
    sourcesWithCertificates: withCertificates,
    certificatesRead,
    created,
    updated,
    repeated,
    nonCompliant,
    issuerLinks,
    metadataMerged: [...metadataMerged],
    errors,
    skipped,
    managed: { created: managedCreated, replaced: [...managedReplaced.values()] },
  };
  await options.store.appendAudit([
    {
      at: now().toISOString(),
      actor: options.actor,
      action: 'import.completed',
      subject: 'inventory',
      where: options.where,
      details: {
        ...report,
        errors: report.errors.slice(0, AUDITED_ISSUES),
        errorCount: report.errors.length,
        skipped: undefined,
        skippedCount: report.skipped.length,
        managed: undefined,
        managedCreated: report.managed.created.length,
        managedReplaced: report.managed.replaced.length,
        policyVersion: version,
      },
    },
  ]);
  return report;
}

/** Whether the policy names an approved or a private CA by fingerprint, which only an issuer link can match. */
function namesCasByFingerprint(policy: Policy): boolean {
  const { approvedCas, validityPeriod } = policy.rules;
  return [...approvedCas.cas, ...validityPeriod.privateCas].some((ca) => ca.fingerprintSha256 !== undefined);
}

/**
 * Records the revocations the source reported among a batch, one statement each (none for the others); returns the
 * fingerprints this import revoked, not those the inventory had already recorded revoked.
 */
async function recordRevocations(store: InventoryStore, batch: readonly Pending[]): Promise<string[]> {
  const recorded: string[] = [];
  for (const { parsed, revocation } of batch) {
    if (revocation === undefined) continue;
    const fingerprint = parsed.facts.fingerprintSha256;
    if (await store.recordRevocation(fingerprint, { at: revocation.revokedAt, reason: revocation.reason })) {
      recorded.push(fingerprint);
    }
  }
  return recorded;
}

/**
 * The audit entries of one stored batch: its new certificates, the revocations it recorded, and the managed
 * certificates it started or replaced.
 */
function batchAudit(
  created: readonly string[],
  assignment: ManagedAssignment,
  context: {
    byFingerprint: ReadonlyMap<string, Pending>;
    revoked: readonly string[];
    at: string;
    version: string;
    options: ImportActor;
  },
): NewAuditEntry[] {
  const { byFingerprint, revoked, at, version, options } = context;
  return [
    ...created.map((fingerprint): NewAuditEntry => {
      const item = byFingerprint.get(fingerprint);
      return {
        at,
        actor: options.actor,
        action: 'certificate.imported',
        subject: fingerprint,
        where: options.where,
        details: {
          subject: item?.parsed.facts.subject.text,
          notAfter: item?.parsed.facts.notAfter,
          locations: item?.locations,
          policyVersion: version,
        },
      };
    }),
    ...revoked.map((fingerprint): NewAuditEntry => {
      const revocation = byFingerprint.get(fingerprint)?.revocation;
      return {
        at,
        actor: options.actor,
        action: 'certificate.revocation-imported',
        subject: fingerprint,
        where: options.where,
        details: { revokedAt: revocation?.revokedAt, reason: revocation?.reason, source: revocation?.source },
      };
    }),
    ...assignment.created.map((managed): NewAuditEntry => ({
      at,
      actor: options.actor,
      action: 'lifecycle.managed-created',
      subject: managed.id,
      where: options.where,
      details: { fingerprint: managed.currentFingerprint, names: managed.namesKey },
    })),
    ...assignment.replaced.map(({ managed, previousFingerprint }): NewAuditEntry => ({
      at,
      actor: options.actor,
      action: 'certificate.replaced-outside-certflow',
      subject: managed.id,
      where: options.where,
      details: { previousFingerprint, fingerprint: managed.currentFingerprint, names: managed.namesKey },
    })),
  ];
}

function mergePatch(
  base: CertificateMetadataPatch | undefined,
  locations: readonly CertificateLocation[],
): CertificateMetadataPatch | undefined {
  if (locations.length === 0) return base;
  return { ...base, locations: [...(base?.locations ?? []), ...locations] };
}
