/**
 * What `/certflow` and App Home show one person: the certificates of their owner groups and the requests waiting for
 * their decision. The inventory answers the bulk questions in batches; lifecycles are queried only for what the
 * answer shows, a few at a time, so a big group never costs thousands of workflow queries.
 */
import { type LifecycleClient } from '../../../../core/application/lifecycle-client';
import {
  ManagedCertificateNotFoundError,
  resolveManagedCertificate,
} from '../../../../core/application/resolve-managed-certificate';
import type { InventoryCertificate } from '../../../../core/domain/inventory/model';
import { groupMemberships, type GroupMembership } from '../../../../core/domain/lifecycle/group-membership';
import type { Actor, LifecycleRequest } from '../../../../core/domain/lifecycle/model';
import { summarizeCertificate } from '../../../../core/domain/lifecycle/renewal-plan';
import { samePerson } from '../../../../core/domain/lifecycle/roles';
import type { CertificateFilter, InventoryStore, ManagedCertificate } from '../../../../core/ports/inventory-store';
import type { DueCertificate, PendingApproval } from '../../views/certificate-lists';
import { DAY_MS } from '../../../../core/domain/duration';

/** What gathering needs: the inventory, the lifecycles' state query, and where failed queries are logged. */
export interface MyCertificatesDependencies {
  readonly store: InventoryStore;
  readonly lifecycles: Pick<LifecycleClient, 'status'>;
  readonly log: (message: string) => void;
}

/** A managed certificate with its current version. */
interface CurrentCertificate {
  readonly managed: ManagedCertificate;
  readonly certificate: InventoryCertificate;
}

/** Inventory page size; the store's maximum. */
const PAGE = 1000;
/** Lifecycle queries (or single inventory lookups) in flight at once for one answer. */
const CONCURRENCY = 8;
/** Up to this many certificates are matched to their managed certificate one lookup each; more, in one pass. */
const LOOKUP_LIMIT = 200;
/** Phases in which the lifecycle has a request open: the list shows it instead of *Request renewal*. */
const OPEN_REQUEST_PHASES: ReadonlySet<string> = new Set(['awaiting-approval', 'issuing', 'installing', 'verifying']);
/** Request states that still need nobody to ask again. */
const OPEN_REQUEST_STATES: ReadonlySet<LifecycleRequest['status']> = new Set(['awaiting-approval', 'approved']);

/** Several certificates carry the name the user typed; they must pick one by id. */
export class AmbiguousCertificateNameError extends Error {
  override readonly name = 'AmbiguousCertificateNameError';
}

/** Runs `work` on every item, at most `limit` at a time, keeping the order of `items`. */
async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) {
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The owner groups the actor belongs to, under any of its principals (e-mail, Slack user group … aliases). */
export async function myGroups(store: InventoryStore, actor: Actor): Promise<GroupMembership[]> {
  return groupMemberships(actor, await store.listOwnerGroups());
}

/** Every end-entity certificate of these groups matching `filter`, past versions included, by fingerprint. */
async function groupCertificates(
  store: InventoryStore,
  groupIds: readonly string[],
  filter: CertificateFilter,
): Promise<Map<string, InventoryCertificate>> {
  const found = new Map<string, InventoryCertificate>();
  for (const ownerGroup of groupIds) {
    for (let offset = 0; ; offset += PAGE) {
      const page = await store.searchCertificates(
        { ...filter, ownerGroup, role: 'end-entity' },
        { limit: PAGE, offset, sort: 'notAfter' },
      );
      for (const certificate of page.items) found.set(certificate.facts.fingerprintSha256, certificate);
      if (page.items.length === 0 || offset + page.items.length >= page.total) break;
    }
  }
  return found;
}

/**
 * The active managed certificates whose current version is among `certificates`: past versions (a renewed
 * certificate's predecessor still expires soon) and retired ones drop out.
 */
async function currentVersions(
  store: InventoryStore,
  certificates: ReadonlyMap<string, InventoryCertificate>,
  keep: (managed: ManagedCertificate) => boolean = () => true,
): Promise<CurrentCertificate[]> {
  // By managed id: past versions in `certificates` lead to the same managed certificate as its current one.
  const found = new Map<string, CurrentCertificate>();
  const add = (managed: ManagedCertificate | null) => {
    const certificate = managed && certificates.get(managed.currentFingerprint);
    if (managed && certificate && !managed.retired && keep(managed)) found.set(managed.id, { managed, certificate });
  };
  if (certificates.size <= LOOKUP_LIMIT) {
    const managed = await mapBounded([...certificates.keys()], CONCURRENCY, (fingerprint) =>
      store.findManagedCertificateByFingerprint(fingerprint),
    );
    managed.forEach(add);
  } else {
    // Thousands of single lookups would block SQLite's event loop; one batched pass over the managed ones does not.
    for await (const batch of store.eachManagedCertificate({}, PAGE)) for (const item of batch) add(item.managed);
  }
  return [...found.values()];
}

/**
 * The certificates of these groups expiring within `withinDays` of `now` (expired ones too), soonest first. The
 * first `show` of them whose lifecycle has a request open are asked for it, so the list shows it instead of a button.
 */
export async function dueCertificates(
  dependencies: MyCertificatesDependencies,
  groupIds: readonly string[],
  input: { readonly now: Date; readonly withinDays: number; readonly show: number },
): Promise<DueCertificate[]> {
  // A day more than asked: the answer's own day arithmetic decides the edge.
  const notAfterBefore = new Date(input.now.getTime() + (input.withinDays + 1) * DAY_MS).toISOString();
  const certificates = await groupCertificates(dependencies.store, groupIds, { notAfterBefore });
  const current = (await currentVersions(dependencies.store, certificates)).sort(
    (a, b) => Date.parse(a.certificate.facts.notAfter) - Date.parse(b.certificate.facts.notAfter),
  );
  const shown = current.slice(0, input.show);
  const requests = await mapBounded(shown, CONCURRENCY, async ({ managed }) =>
    OPEN_REQUEST_PHASES.has(managed.phase) ? await openRequestOf(dependencies, managed.id) : null,
  );
  return current.map(({ managed, certificate }, index) => ({
    certificate: summarizeCertificate(managed.id, certificate),
    openRequest: requests[index] ?? null,
  }));
}

async function openRequestOf(
  dependencies: MyCertificatesDependencies,
  managedCertificateId: string,
): Promise<LifecycleRequest | null> {
  try {
    const { request } = await dependencies.lifecycles.status(managedCertificateId);
    return request && OPEN_REQUEST_STATES.has(request.status) ? request : null;
  } catch (error) {
    // The list still shows the certificate; its button asks again, which returns an open request as it is.
    dependencies.log(`lifecycle of ${managedCertificateId} did not answer for Slack: ${messageOf(error)}`);
    return null;
  }
}

/** What {@link pendingApprovals} found. */
export interface PendingApprovals {
  /** Requests waiting for the actor's decision, asked of their lifecycles. */
  readonly approvals: readonly PendingApproval[];
  /** Further requests the inventory says wait for approval, not asked for because they would not fit. */
  readonly unchecked: number;
}

/**
 * Requests waiting for a decision in the groups where the actor approves, except the actor's own (another approver
 * must decide those). The inventory's mirror of each lifecycle's phase finds the candidates; only the first `show`
 * lifecycles, oldest waiting first, are queried for their request.
 */
export async function pendingApprovals(
  dependencies: MyCertificatesDependencies,
  actor: Actor,
  approverGroupIds: readonly string[],
  show: number,
): Promise<PendingApprovals> {
  if (approverGroupIds.length === 0) return { approvals: [], unchecked: 0 };
  const certificates = await groupCertificates(dependencies.store, approverGroupIds, {});
  const waiting = (
    await currentVersions(dependencies.store, certificates, (managed) => managed.phase === 'awaiting-approval')
  ).sort((a, b) => Date.parse(a.managed.updatedAt) - Date.parse(b.managed.updatedAt));
  const checked = waiting.slice(0, show);
  const found = await mapBounded(checked, CONCURRENCY, async ({ managed, certificate }) => {
    try {
      const view = await dependencies.lifecycles.status(managed.id);
      const { request } = view;
      if (request?.status !== 'awaiting-approval' || samePerson(actor, request.requestedBy)) return null;
      return { request, certificate: view.certificate ?? summarizeCertificate(managed.id, certificate) };
    } catch (error) {
      dependencies.log(`lifecycle of ${managed.id} did not answer for Slack: ${messageOf(error)}`);
      return null;
    }
  });
  return {
    approvals: found.filter((item): item is PendingApproval => item !== null),
    unchecked: waiting.length - checked.length,
  };
}

/**
 * The managed certificate a user names: a managed id, a fingerprint or an id prefix (as the CLI takes them), or a
 * name the certificate carries (its subject CN, a DNS name or an IP address).
 */
export async function resolveCertificateTarget(store: InventoryStore, target: string): Promise<ManagedCertificate> {
  if (/^[0-9a-f]{8,64}$/i.test(target)) return await resolveManagedCertificate(store, target);
  const name = target.toLowerCase();
  const page = await store.searchCertificates({ text: name, role: 'end-entity' }, { limit: PAGE });
  const named = new Map(
    page.items
      .filter(({ facts }) =>
        [facts.subject.commonName, ...facts.subjectAltNames.dns, ...facts.subjectAltNames.ip].some(
          (candidate) => candidate?.toLowerCase() === name,
        ),
      )
      .map((certificate) => [certificate.facts.fingerprintSha256, certificate]),
  );
  const current = await currentVersions(store, named);
  const ids = [...new Set(current.map(({ managed }) => managed.id))];
  const [first] = current;
  if (ids.length === 1 && first) return first.managed;
  if (ids.length === 0) {
    throw new ManagedCertificateNotFoundError(
      `no managed certificate is named "${target}"; \`/certflow expiring 366d\` lists your groups' certificates ` +
        'and their ids, `certflow list` the whole inventory',
    );
  }
  throw new AmbiguousCertificateNameError(
    `${ids.length} managed certificates are named "${target}" (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ' …' : ''}); ` +
      `name one by its id, e.g. \`/certflow status ${ids[0] ?? ''}\``,
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
