/**
 * The daily renewal-information check's activity (R-REN-3): for every active managed certificate whose current
 * version a configured issuer with renewal information issued (an ACME CA), ask the CA for its suggested window, and
 * tell the lifecycle when that window ends before the policy's renewal deadline, so a CA's mass revocation reaches
 * every lifecycle by itself. The inventory is read in batches and the CA asked a bounded number at a time; the
 * activity heartbeats the last managed certificate it finished, so a retry resumes there, and returns only counts,
 * so neither its input nor its result grows with the inventory. The lifecycle decides what the window does to its
 * deadline (it may already follow it): this only filters out windows the policy's deadline already meets.
 */
import { Context } from '@temporalio/activity';
import type { SuggestedRenewalWindow } from '../domain/lifecycle/ca-renewal-window';
import type { Policy } from '../domain/policy/policy';
import { computeLifecycleSchedule } from '../domain/schedule/lifecycle-schedule';
import type { CertificateAuthorities } from '../ports/certificate-authorities';
import type { CertificateStore, ManagedCertificate, ManagedCertificateStore } from '../ports/inventory-store';
import type { RenewalWindowSignals } from '../ports/renewal-window-signals';
import { mapBounded } from './map-bounded';

/** What the check's activity needs. */
export interface RenewalInfoActivityDeps {
  readonly store: Pick<ManagedCertificateStore, 'eachManagedCertificate'> &
    Pick<CertificateStore, 'getCertificate' | 'getCertificateDer'>;
  readonly issuers: CertificateAuthorities;
  readonly loadPolicy: () => Promise<Policy>;
  /** Built on first use: the lifecycle client it signals through is made after the worker. */
  readonly lifecycles: () => RenewalWindowSignals;
  /** CA requests in flight at once (default 8). */
  readonly concurrency?: number;
}

/** What one check found, in counts (and the first few failures, to read). */
export interface RenewalInfoCheckResult {
  /** Managed certificates whose issuer offers renewal information. */
  readonly asked: number;
  /** Whose window ends before the policy's deadline: their lifecycles were told. */
  readonly signalled: number;
  /** Of those, without a running lifecycle. */
  readonly notRunning: number;
  readonly failed: number;
  /** The first {@link MAX_REPORTED_FAILURES} failures, each naming the managed certificate. */
  readonly failures: readonly string[];
}

/** Managed certificates read from the inventory at once. */
const BATCH = 200;
const MAX_REPORTED_FAILURES = 10;

type Outcome = 'skipped' | 'kept' | 'signalled' | 'not-running' | { failed: string };

/** Creates the check's activity. */
export function createRenewalInfoActivities(deps: RenewalInfoActivityDeps) {
  const concurrency = deps.concurrency ?? 8;

  /** Asks the CA about one managed certificate's current version and tells its lifecycle when it asks earlier. */
  async function checkOne(managed: ManagedCertificate, policy: Policy, now: string): Promise<Outcome> {
    const certificate = await deps.store.getCertificate(managed.currentFingerprint);
    if (certificate === null) return 'skipped';
    const issuerName = await deps.issuers.issuerOf(certificate.facts.issuer.text);
    const issuer = issuerName === null ? null : deps.issuers.get(issuerName);
    if (issuer?.renewalInfo === undefined) return 'skipped';
    const der = await deps.store.getCertificateDer(managed.currentFingerprint);
    if (der === null) return 'skipped';
    try {
      const info = await issuer.renewalInfo(der);
      if (info === null) return 'kept';
      const { renewalDeadline } = computeLifecycleSchedule({
        notBefore: certificate.facts.notBefore,
        notAfter: certificate.facts.notAfter,
        now,
        settings: policy.schedule,
      });
      if (Date.parse(info.suggestedWindow.end) >= Date.parse(renewalDeadline)) return 'kept';
      const window: SuggestedRenewalWindow = {
        fingerprintSha256: managed.currentFingerprint,
        issuer: issuer.name,
        start: info.suggestedWindow.start,
        end: info.suggestedWindow.end,
        explanationUrl: info.explanationUrl,
      };
      return await deps.lifecycles().suggestRenewalWindow(managed.id, window);
    } catch (error) {
      return { failed: `managed certificate ${managed.id} (${issuer.name}): ${(error as Error).message}` };
    }
  }

  return {
    /**
     * Checks every active managed certificate after `after` (the heartbeat of an earlier attempt resumes there),
     * heartbeating the last one finished; see the module comment.
     */
    checkRenewalInfo: async (input: { after: string | null }): Promise<RenewalInfoCheckResult> => {
      const context = Context.current();
      const resumed = (context.info.heartbeatDetails as string | undefined) ?? input.after;
      const policy = await deps.loadPolicy();
      const now = new Date().toISOString();
      const counts = { asked: 0, signalled: 0, notRunning: 0, failed: 0 };
      const failures: string[] = [];
      // Where a retry resumes: the end of the last batch finished. Heartbeats repeat it after every certificate, so
      // a slow CA keeps the attempt alive while a stuck one is noticed.
      let finishedUpTo = resumed;
      for await (const batch of deps.store.eachManagedCertificate({ notAfterFrom: now }, BATCH)) {
        const todo = batch.filter(({ managed }) => resumed === null || managed.id > resumed);
        const outcomes = await mapBounded(todo, concurrency, async ({ managed }) => {
          const outcome = await checkOne(managed, policy, now);
          context.heartbeat(finishedUpTo);
          return outcome;
        });
        for (const outcome of outcomes) {
          if (outcome === 'skipped') continue;
          counts.asked += 1;
          if (outcome === 'signalled') counts.signalled += 1;
          if (outcome === 'not-running') {
            counts.signalled += 1;
            counts.notRunning += 1;
          }
          if (typeof outcome === 'object') {
            counts.failed += 1;
            if (failures.length < MAX_REPORTED_FAILURES) failures.push(outcome.failed);
          }
        }
        finishedUpTo = batch[batch.length - 1]?.managed.id ?? finishedUpTo;
        context.heartbeat(finishedUpTo);
      }
      return { ...counts, failures };
    },
  };
}

/** The check's activities as its workflow sees them (type-only import in workflows/). */
export type RenewalInfoActivities = ReturnType<typeof createRenewalInfoActivities>;
