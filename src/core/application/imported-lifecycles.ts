/**
 * What follows an import, for every entry point that imports (the CLI, the HTTP API): the lifecycles of new managed
 * certificates start, those replaced outside certflow hear of their newer version, running campaigns hear of the new
 * certificates, and lifecycles whose metadata changed re-read it. Temporal being down is no import failure: the
 * caller says how lifecycles are reached and gets back why they were not.
 */
import type { ManagedCertificateStore } from '../ports/inventory-store';
import type { CampaignOperations, InventoryChangeReport } from './campaign-operations';
import type { ImportReport } from './import-certificates';
import type { EnsureIssue } from '../ports/lifecycle-port';
import type { LifecycleClient } from './lifecycle-client';

/** The lifecycle and campaign operations an import's follow-up uses. */
export interface ImportFollowUpClients {
  readonly lifecycles: Pick<LifecycleClient, 'ensureLifecycles' | 'notifyReplaced' | 'notifyInputsChanged'>;
  readonly campaigns: Pick<CampaignOperations, 'inventoryChanged'>;
}

/** Runs `work` when certflow's lifecycles can be reached; when they cannot (or cannot take the work), says why. */
export type WhenLifecyclesReachable = <T>(
  work: (clients: ImportFollowUpClients) => Promise<T>,
) => Promise<{ readonly done: T } | { readonly unavailable: string }>;

/** Progress of starting lifecycles, for a progress bar. */
export interface LifecycleStartProgress {
  setTotal(total: number): void;
  update(done: number): void;
  finish(): void;
}

/** What an import did to lifecycles: started and signalled them, or why it could not. */
export type ImportLifecycles =
  | {
      readonly started: number;
      readonly alreadyRunning: number;
      /** Managed certificates whose lifecycle was told about their newer version. */
      readonly signalled: number;
      readonly failed: readonly EnsureIssue[];
      /** Running campaigns told of the new certificates (their selectors may select them). */
      readonly campaigns: InventoryChangeReport;
    }
  | { readonly notStarted: string };

/** Options of {@link startImportedLifecycles}. */
export interface StartImportedLifecyclesOptions {
  readonly whenReachable: WhenLifecyclesReachable;
  /** Who imported, as lifecycles and campaigns record it. */
  readonly actor: string;
  readonly progress?: LifecycleStartProgress;
}

const SIGNAL_CONCURRENCY = 16;

/**
 * Starts the lifecycles of the managed certificates an import created and tells those it replaced outside certflow
 * about their newer version (a replaced one without a running lifecycle gets one). Null when the import touched no
 * managed certificate: lifecycles are not reached at all then.
 */
export async function startImportedLifecycles(
  managed: ImportReport['managed'],
  options: StartImportedLifecyclesOptions,
): Promise<ImportLifecycles | null> {
  if (managed.created.length + managed.replaced.length === 0) return null;
  const outcome = await options.whenReachable(async ({ lifecycles, campaigns }) => {
    const notRunning: string[] = [];
    let signalled = 0;
    const queue = managed.replaced.values();
    const signal = async () => {
      for (let next = queue.next(); !next.done; next = queue.next()) {
        const replaced = next.value;
        const answer = await lifecycles.notifyReplaced(replaced.managedCertificateId, {
          fingerprintSha256: replaced.fingerprint,
          detectedBy: options.actor,
        });
        if (answer === 'signalled') signalled += 1;
        else notRunning.push(replaced.managedCertificateId);
      }
    };
    await Promise.all(Array.from({ length: SIGNAL_CONCURRENCY }, signal));
    const targets = [...managed.created, ...notRunning];
    options.progress?.setTotal(targets.length);
    const ensured = await lifecycles.ensureLifecycles(targets, {
      onProgress: ({ done }) => options.progress?.update(done),
    });
    options.progress?.finish();
    return {
      started: ensured.started,
      alreadyRunning: ensured.alreadyRunning,
      signalled,
      failed: ensured.failed,
      // After the lifecycles started: a campaign asks them for renewals as soon as it enrols the new certificates.
      campaigns: await campaigns.inventoryChanged(options.actor),
    };
  });
  return 'done' in outcome ? outcome.done : { notStarted: outcome.unavailable };
}

/** How many lifecycles re-read their owners and contacts, or why none could be told. */
export type MetadataLifecycles = { readonly done: number } | { readonly unavailable: string };

/** Options of {@link tellLifecyclesOfMetadata}. */
export interface TellLifecyclesOfMetadataOptions {
  readonly store: Pick<ManagedCertificateStore, 'findManagedCertificateByFingerprint'>;
  readonly whenReachable: WhenLifecyclesReachable;
  /** Who changed the metadata, as the lifecycles record it. */
  readonly actor: string;
}

/**
 * Owners, contacts and approvers come from metadata: the lifecycles of the current versions whose metadata changed
 * re-read them (R-OWN-1). Null when nothing changed a current version: lifecycles are not reached at all then.
 */
export async function tellLifecyclesOfMetadata(
  fingerprints: readonly string[],
  options: TellLifecyclesOfMetadataOptions,
): Promise<MetadataLifecycles | null> {
  const managedIds = new Set<string>();
  for (const fingerprint of fingerprints) {
    const managed = await options.store.findManagedCertificateByFingerprint(fingerprint);
    if (managed && !managed.retired && managed.currentFingerprint === fingerprint) managedIds.add(managed.id);
  }
  if (managedIds.size === 0) return null;
  return await options.whenReachable(async ({ lifecycles }) => {
    let told = 0;
    for (const managedCertificateId of managedIds) {
      const report = await lifecycles.notifyInputsChanged(
        { managedCertificateId },
        { reason: 'metadata', by: options.actor },
      );
      told += report.signalled;
    }
    return told;
  });
}
