/**
 * certflow's client layer for certificate lifecycles: starts the lifecycle workflows of managed certificates in bulk,
 * signals them, and sends them requests, decisions and queries, translating Temporal's failures into typed errors
 * that say what to do. The CLI, the Slack bot and the campaign activities (through the lifecycle port) use it; it
 * speaks only the messages of src/core/workflows/definitions.ts and the ports, never the workflow's code.
 */
import { randomUUID } from 'node:crypto';
import {
  isGrpcDeadlineError,
  ServiceError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import {
  ApplicationFailure,
  TypedSearchAttributes,
  WorkflowNotFoundError,
  type SearchAttributePair,
} from '@temporalio/common';
// Public client calls cannot tell a started workflow from an existing one under USE_EXISTING; the raw start
// response can (`started`). These two helpers encode its input and search attributes exactly as the client does.
import { encodeUnifiedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { encodeToPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import type { LifecycleRequest } from '../domain/lifecycle/model';
import type { InventoryStore, ManagedCertificate } from '../ports/inventory-store';
import {
  LifecycleNotFoundError,
  LifecycleRefusedError,
  type EnsureIssue,
  type EnsureReport,
  type LifecyclePort,
  type RequestRenewalInput,
  type WithdrawCampaignRequestInput,
} from '../ports/lifecycle-port';
import type { ChangeTicketUpdate } from '../ports/ticketing-port';
import {
  certificateReplacedSignal,
  changeTicketUpdatedSignal,
  decideRequestUpdate,
  LIFECYCLE_REFUSAL,
  LIFECYCLE_WORKFLOW_TYPE,
  lifecycleInputsChangedSignal,
  lifecycleStateQuery,
  lifecycleWorkflowId,
  requestRenewalUpdate,
  requestRevocationUpdate,
  withdrawCampaignRequestSignal,
  type CertificateLifecycleInput,
  type CertificateReplacedInput,
  type DecideRequestInput,
  type LifecycleInputsChangedInput,
  type RequestRevocationInput,
} from '../workflows/definitions';
import { parseRequestId } from '../domain/lifecycle/request-id';
import type { LifecycleView } from '../domain/lifecycle/lifecycle-view';
import { certificateIdAttribute, notAfterAttribute, ownerGroupAttribute } from '../workflows/search-attributes';
import {
  GRPC,
  grpcCode,
  InvalidRequestIdError,
  LifecycleRequestFailedError,
  LifecycleTimeoutError,
  messageOf,
  SearchAttributesMissingError,
  temporalUnavailable,
} from './lifecycle-errors';

/** Options of {@link createLifecycleClient}. */
export interface LifecycleClientOptions {
  readonly client: Client;
  /** Task queue of the certflow worker. */
  readonly taskQueue: string;
  readonly store: InventoryStore;
  /**
   * Set certflow's search attributes when starting lifecycles (default true); false only for servers that cannot
   * hold them, like the time-skipping test server.
   */
  readonly searchAttributes?: boolean;
  /** Where calls come from, for the audit log: `cli@<host>`, `slack` … (default `certflow-client`). */
  readonly where?: string;
  /** How long a request, decision or query waits for the worker (default 30 s). */
  readonly callTimeoutMs?: number;
  /** The clock, injectable for tests. */
  readonly now?: () => Date;
}

/**
 * A managed certificate to ensure a lifecycle for: its id, or what `eachManagedCertificate` streams, with the owner
 * group of its current version when the caller knows it (saves a lookup per certificate).
 */
export type LifecycleTarget =
  string | { readonly managed: ManagedCertificate; readonly notAfter: string; readonly ownerGroup?: string | null };

/** Progress of {@link LifecycleClient.ensureLifecycles}. */
export interface EnsureProgress {
  readonly done: number;
  /** Known when the caller said how many there are. */
  readonly total: number | null;
}

/** Options of {@link LifecycleClient.ensureLifecycles}. */
export interface EnsureOptions {
  /** Starts in flight at once (default 32). */
  readonly concurrency?: number;
  /** How many targets there are, for progress. */
  readonly total?: number;
  readonly onProgress?: (progress: EnsureProgress) => void;
}

/** Which lifecycles {@link LifecycleClient.notifyInputsChanged} signals. */
export type InputsChangedTarget =
  { readonly managedCertificateId: string } | { readonly ownerGroup: string } | { readonly all: true };

/** What a fan-out signal reached. */
export interface SignalReport {
  readonly signalled: number;
  /** Lifecycles that were not running (ended, or never started). */
  readonly notRunning: number;
  /** How the lifecycles were found: directly, by Temporal's visibility, or from the inventory when that failed. */
  readonly via: 'direct' | 'visibility' | 'inventory';
}

/** The lifecycle operations certflow's user interfaces and campaigns need. */
export interface LifecycleClient extends LifecyclePort {
  /** Starts the lifecycles of these managed certificates that are not running, a bounded number at a time. */
  ensureLifecycles(
    targets: Iterable<LifecycleTarget> | AsyncIterable<LifecycleTarget>,
    options?: EnsureOptions,
  ): Promise<EnsureReport>;
  /** `certflow lifecycle sync`: ensures a lifecycle for every active managed certificate that has not expired. */
  syncLifecycles(options?: Omit<EnsureOptions, 'total'>): Promise<EnsureReport & { readonly total: number }>;
  /** Tells a lifecycle that the inventory found a newer version; `not-running` when no lifecycle runs. */
  notifyReplaced(managedCertificateId: string, input: CertificateReplacedInput): Promise<'signalled' | 'not-running'>;
  /**
   * Tells the lifecycle whose open change ticket it is that the ticket was approved, rejected or moved back to
   * pending (the Jira webhook, R-MON-2); `unknown-ticket` when no managed certificate has that ticket open.
   */
  notifyChangeTicketUpdated(input: ChangeTicketUpdate): Promise<'signalled' | 'unknown-ticket' | 'not-running'>;
  /** Tells a lifecycle that a cancelled campaign withdraws the renewal it asked for, if it still waits for approval. */
  withdrawCampaignRequest(
    managedCertificateId: string,
    input: WithdrawCampaignRequestInput,
  ): Promise<'signalled' | 'not-running'>;
  /** Tells one lifecycle, every running lifecycle of an owner group, or all of them, to re-read its inputs and re-plan. */
  notifyInputsChanged(target: InputsChangedTarget, input: LifecycleInputsChangedInput): Promise<SignalReport>;
  /** Asks for a renewal; refusals throw {@link LifecycleRefusedError}. */
  requestRenewal(managedCertificateId: string, input: RequestRenewalInput): Promise<LifecycleRequest>;
  /** Asks for a revocation; refusals throw {@link LifecycleRefusedError}. */
  requestRevocation(managedCertificateId: string, input: RequestRevocationInput): Promise<LifecycleRequest>;
  /** Approves or rejects the request its id names; refusals throw {@link LifecycleRefusedError}. */
  decide(input: DecideRequestInput): Promise<LifecycleRequest>;
  /** The lifecycle's state, dated plan and records. */
  status(managedCertificateId: string): Promise<LifecycleView>;
}

/** What ensuring one lifecycle did. */
type EnsureOutcome =
  | { readonly kind: 'started' }
  | { readonly kind: 'already-running' }
  | { readonly kind: 'skipped' | 'failed'; readonly issue: EnsureIssue };

const DEFAULT_CONCURRENCY = 32;
const MAX_CONCURRENCY = 1024;
const STORE_BATCH = 1000;
const { WorkflowIdConflictPolicy } = temporal.api.enums.v1;

/** Builds the lifecycle client on a connected Temporal client and the inventory. */
export function createLifecycleClient(options: LifecycleClientOptions): LifecycleClient {
  const { client, taskQueue, store } = options;
  const now = options.now ?? (() => new Date());
  const callTimeoutMs = options.callTimeoutMs ?? 30_000;
  const withSearchAttributes = options.searchAttributes ?? true;
  const where = options.where ?? 'certflow-client';

  const handleOf = (managedCertificateId: string) =>
    client.workflow.getHandle(lifecycleWorkflowId(managedCertificateId));

  /** Runs one call on a lifecycle with a deadline, translating Temporal's failures. */
  async function call<T>(managedCertificateId: string, work: () => Promise<T>): Promise<T> {
    // A real deadline: the injectable clock is for what the inventory and audit log record.
    const deadline = Date.now() + callTimeoutMs;
    try {
      return await client.withDeadline(deadline, work);
    } catch (error) {
      throw translate(error, managedCertificateId, Date.now() >= deadline);
    }
  }

  /**
   * Runs an update; a refusal is logged before it is thrown (R-RA-2: an unauthorised attempt changes nothing, is
   * told why, and is logged). Validators cannot write, so the caller's side does.
   */
  async function update<T>(
    managedCertificateId: string,
    attempt: { readonly actor: string; readonly operation: string; readonly requestId?: string },
    work: () => Promise<T>,
  ): Promise<T> {
    try {
      return await call(managedCertificateId, work);
    } catch (error) {
      if (error instanceof LifecycleRefusedError) {
        await store.appendAudit([
          {
            at: now().toISOString(),
            actor: attempt.actor,
            action: 'lifecycle.refused',
            subject: managedCertificateId,
            where,
            details: {
              operation: attempt.operation,
              requestId: attempt.requestId,
              code: error.code,
              reason: error.message,
            },
          },
        ]);
      }
      throw error;
    }
  }

  /** The certflow error a Temporal failure means; `pastDeadline` when it came after the call's own deadline. */
  function translate(error: unknown, managedCertificateId: string, pastDeadline = false): unknown {
    if (error instanceof WorkflowUpdateFailedError) {
      const cause = error.cause;
      if (cause instanceof ApplicationFailure && cause.type === LIFECYCLE_REFUSAL) {
        const code: unknown = cause.details?.[0];
        return new LifecycleRefusedError(typeof code === 'string' ? code : 'refused', cause.message);
      }
      return new LifecycleRequestFailedError(
        `the lifecycle of ${managedCertificateId} could not take the request: ${cause?.message ?? error.message}`,
        { cause: error },
      );
    }
    if (error instanceof WorkflowNotFoundError) return new LifecycleNotFoundError(managedCertificateId);
    // Past the deadline a server may answer with another code than DEADLINE_EXCEEDED (the call it ran for us was
    // cancelled): that is still a lifecycle that did not answer in time, unless Temporal itself is unreachable.
    const lateAnswer = pastDeadline && error instanceof ServiceError && grpcCode(error) !== GRPC.unavailable;
    if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isGrpcDeadlineError(error) || lateAnswer) {
      return new LifecycleTimeoutError(managedCertificateId, callTimeoutMs, taskQueue);
    }
    return temporalUnavailable(error) ?? error;
  }

  /** Starts one lifecycle unless it runs; throws for failures that would fail every start (stop the batch). */
  async function ensureOne(target: LifecycleTarget): Promise<EnsureOutcome> {
    const id = typeof target === 'string' ? target : target.managed.id;
    const issue = (kind: 'skipped' | 'failed', reason: string): EnsureOutcome => ({
      kind,
      issue: { managedCertificateId: id, reason },
    });
    const managed = typeof target === 'string' ? await store.getManagedCertificate(target) : target.managed;
    if (managed === null) return issue('failed', 'not a managed certificate in the inventory');
    if (managed.retired) return issue('skipped', 'retired: nothing to watch');
    let notAfter: string;
    let ownerGroup: string | null;
    if (typeof target === 'string' || target.ownerGroup === undefined) {
      const current = await store.getCertificate(managed.currentFingerprint);
      if (current === null) return issue('failed', 'its current version is not in the inventory');
      notAfter = current.facts.notAfter;
      ownerGroup = current.metadata.ownerGroup;
    } else {
      notAfter = target.notAfter;
      ownerGroup = target.ownerGroup;
    }
    if (Date.parse(notAfter) <= now().getTime()) return issue('skipped', `expired ${notAfter}: nothing to watch`);
    const input: CertificateLifecycleInput = { managedCertificateId: managed.id };
    const pairs: SearchAttributePair[] = [
      { key: certificateIdAttribute, value: managed.id },
      { key: notAfterAttribute, value: new Date(notAfter) },
    ];
    if (ownerGroup !== null) pairs.push({ key: ownerGroupAttribute, value: ownerGroup });
    try {
      const response = await client.workflowService.startWorkflowExecution({
        namespace: client.options.namespace,
        identity: client.options.identity,
        requestId: randomUUID(),
        workflowId: lifecycleWorkflowId(managed.id),
        workflowType: { name: LIFECYCLE_WORKFLOW_TYPE },
        taskQueue: { name: taskQueue },
        input: { payloads: await encodeToPayloads(client.options.loadedDataConverter, input) },
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
        searchAttributes: withSearchAttributes
          ? { indexedFields: encodeUnifiedSearchAttributes(undefined, new TypedSearchAttributes(pairs)) }
          : undefined,
      });
      return response.started === false ? { kind: 'already-running' } : { kind: 'started' };
    } catch (error) {
      const unavailable = temporalUnavailable(error);
      if (unavailable) throw unavailable;
      const code = grpcCode(error);
      if (code === GRPC.invalidArgument && /search attribute/i.test(messageOf(error))) {
        throw new SearchAttributesMissingError(messageOf(error));
      }
      if (code === GRPC.notFound && /namespace/i.test(messageOf(error))) throw error;
      return issue('failed', messageOf(error));
    }
  }

  async function ensureLifecycles(
    targets: Iterable<LifecycleTarget> | AsyncIterable<LifecycleTarget>,
    ensure: EnsureOptions = {},
  ): Promise<EnsureReport> {
    const concurrency = ensure.concurrency ?? DEFAULT_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
      throw new RangeError(`concurrency ${String(concurrency)} is not a whole number from 1 to ${MAX_CONCURRENCY}`);
    }
    const iterator = toAsyncIterator(targets);
    const skipped: EnsureIssue[] = [];
    const failed: EnsureIssue[] = [];
    let started = 0;
    let alreadyRunning = 0;
    let done = 0;
    let stop: { error: unknown } | null = null;
    const worker = async () => {
      while (stop === null) {
        const next = await iterator.next();
        if (next.done) return;
        let outcome: EnsureOutcome;
        try {
          outcome = await ensureOne(next.value);
        } catch (error) {
          stop ??= { error };
          return;
        }
        if (outcome.kind === 'started') started += 1;
        else if (outcome.kind === 'already-running') alreadyRunning += 1;
        else if (outcome.kind === 'skipped') skipped.push(outcome.issue);
        else failed.push(outcome.issue);
        done += 1;
        ensure.onProgress?.({ done, total: ensure.total ?? null });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    if (stop !== null) throw (stop as { error: unknown }).error;
    return { started, alreadyRunning, skipped, failed };
  }

  /** Ids of running lifecycles by visibility; empty where the server cannot list them (the starts find out). */
  async function runningLifecycleIds(): Promise<Set<string>> {
    const ids = new Set<string>();
    try {
      const query = `WorkflowType = '${LIFECYCLE_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`;
      for await (const execution of client.workflow.list({ query })) ids.add(execution.workflowId);
    } catch (error) {
      const unavailable = temporalUnavailable(error);
      if (unavailable) throw unavailable;
      ids.clear();
    }
    return ids;
  }

  /** Every running lifecycle (a policy change concerns them all): by visibility, else every unexpired one in the inventory. */
  async function allRunningLifecycles(): Promise<{ ids: string[]; via: SignalReport['via'] }> {
    const listed = await runningLifecycleIds();
    if (listed.size > 0) return { ids: [...listed], via: 'visibility' };
    const ids: string[] = [];
    for await (const batch of store.eachManagedCertificate({ notAfterFrom: now().toISOString() }, STORE_BATCH)) {
      ids.push(...batch.map((item) => lifecycleWorkflowId(item.managed.id)));
    }
    return { ids, via: 'inventory' };
  }

  async function runningLifecyclesOfGroup(ownerGroup: string): Promise<{ ids: string[]; via: SignalReport['via'] }> {
    const query =
      `WorkflowType = '${LIFECYCLE_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND ` +
      `${ownerGroupAttribute.name} = '${ownerGroup.replace(/['\\]/g, '\\$&')}'`;
    try {
      const ids: string[] = [];
      for await (const execution of client.workflow.list({ query })) ids.push(execution.workflowId);
      return { ids, via: 'visibility' };
    } catch (error) {
      const unavailable = temporalUnavailable(error);
      if (unavailable) throw unavailable;
    }
    // Servers without certflow's search attributes or advanced visibility: the inventory knows the group too.
    const ids = new Set<string>();
    for (let offset = 0; ; offset += STORE_BATCH) {
      const page = await store.searchCertificates(
        { ownerGroup, role: 'end-entity', notAfterFrom: now().toISOString() },
        { limit: STORE_BATCH, offset },
      );
      for (const certificate of page.items) {
        const managed = await store.findManagedCertificateByFingerprint(certificate.facts.fingerprintSha256);
        if (managed && !managed.retired && managed.currentFingerprint === certificate.facts.fingerprintSha256) {
          ids.add(lifecycleWorkflowId(managed.id));
        }
      }
      if (offset + page.items.length >= page.total || page.items.length === 0) break;
    }
    return { ids: [...ids], via: 'inventory' };
  }

  async function signalWorkflow(workflowId: string, input: LifecycleInputsChangedInput): Promise<boolean> {
    try {
      await client.workflow.getHandle(workflowId).signal(lifecycleInputsChangedSignal, input);
      return true;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw translate(error, workflowId);
    }
  }

  return {
    ensureLifecycles,

    async syncLifecycles(sync = {}) {
      const filter = { notAfterFrom: now().toISOString() };
      // One pass over the inventory instead of a lookup per certificate: 10,000 lookups on SQLite block the event
      // loop for seconds, while the starts wait on it.
      const ownerGroups = new Map<string, string | null>();
      for await (const batch of store.eachCertificate(STORE_BATCH)) {
        const endEntities = batch.filter((certificate) => certificate.facts.role === 'end-entity');
        for (const certificate of endEntities) {
          ownerGroups.set(certificate.facts.fingerprintSha256, certificate.metadata.ownerGroup);
        }
        // Certificates recorded before lifecycles existed, or by other means than an import, get their managed
        // certificate here (assigning an assigned one changes nothing).
        await store.assignManagedCertificates(
          endEntities.map((certificate) => certificate.facts.fingerprintSha256),
          now().toISOString(),
        );
      }
      let total = 0;
      for await (const batch of store.eachManagedCertificate(filter, 10_000)) total += batch.length;
      // Most lifecycles run already: one visibility listing saves a start call each. A lifecycle visibility has not
      // caught up with is started again, which USE_EXISTING makes harmless.
      const running = await runningLifecycleIds();
      let listedRunning = 0;
      let ensured = 0;
      const progress = () => sync.onProgress?.({ done: listedRunning + ensured, total });
      async function* targets(): AsyncIterable<LifecycleTarget> {
        for await (const batch of store.eachManagedCertificate(filter, STORE_BATCH)) {
          for (const item of batch) {
            if (running.has(lifecycleWorkflowId(item.managed.id))) {
              listedRunning += 1;
              progress();
            } else {
              yield { ...item, ownerGroup: ownerGroups.get(item.managed.currentFingerprint) };
            }
          }
        }
      }
      const report = await ensureLifecycles(targets(), {
        concurrency: sync.concurrency,
        onProgress: ({ done }) => {
          ensured = done;
          progress();
        },
      });
      return { ...report, alreadyRunning: report.alreadyRunning + listedRunning, total };
    },

    async notifyReplaced(managedCertificateId, input) {
      try {
        await call(managedCertificateId, () => handleOf(managedCertificateId).signal(certificateReplacedSignal, input));
        return 'signalled';
      } catch (error) {
        if (error instanceof LifecycleNotFoundError) return 'not-running';
        throw error;
      }
    },

    async withdrawCampaignRequest(managedCertificateId, input) {
      try {
        await call(managedCertificateId, () =>
          handleOf(managedCertificateId).signal(withdrawCampaignRequestSignal, input),
        );
        return 'signalled';
      } catch (error) {
        if (error instanceof LifecycleNotFoundError) return 'not-running';
        throw error;
      }
    },

    async notifyChangeTicketUpdated(input) {
      const managed = await options.store.findManagedCertificateByTicketKey(input.ticketKey);
      if (managed === null) return 'unknown-ticket';
      try {
        await call(managed.id, () => handleOf(managed.id).signal(changeTicketUpdatedSignal, input));
        return 'signalled';
      } catch (error) {
        if (error instanceof LifecycleNotFoundError) return 'not-running';
        throw error;
      }
    },

    async notifyInputsChanged(target, input) {
      if ('managedCertificateId' in target) {
        const signalled = await signalWorkflow(lifecycleWorkflowId(target.managedCertificateId), input);
        return { signalled: signalled ? 1 : 0, notRunning: signalled ? 0 : 1, via: 'direct' };
      }
      const { ids, via } =
        'ownerGroup' in target ? await runningLifecyclesOfGroup(target.ownerGroup) : await allRunningLifecycles();
      let signalled = 0;
      const queue = ids.values();
      const worker = async () => {
        for (let next = queue.next(); !next.done; next = queue.next()) {
          if (await signalWorkflow(next.value, input)) signalled += 1;
        }
      };
      await Promise.all(Array.from({ length: Math.min(DEFAULT_CONCURRENCY, ids.length) }, worker));
      return { signalled, notRunning: ids.length - signalled, via };
    },

    async requestRenewal(managedCertificateId, input) {
      return await update(managedCertificateId, { actor: input.requestedBy.id, operation: 'request-renewal' }, () =>
        handleOf(managedCertificateId).executeUpdate(requestRenewalUpdate, { args: [input] }),
      );
    },

    async requestRevocation(managedCertificateId, input) {
      return await update(managedCertificateId, { actor: input.requestedBy.id, operation: 'request-revocation' }, () =>
        handleOf(managedCertificateId).executeUpdate(requestRevocationUpdate, { args: [input] }),
      );
    },

    async decide(input) {
      const parsed = parseRequestId(input.requestId);
      if (parsed === null) throw new InvalidRequestIdError(input.requestId);
      const requestId = input.requestId.trim();
      const attempt = { actor: input.decidedBy.id, operation: input.decision, requestId };
      return await update(parsed.managedCertificateId, attempt, () =>
        handleOf(parsed.managedCertificateId).executeUpdate(decideRequestUpdate, { args: [{ ...input, requestId }] }),
      );
    },

    async status(managedCertificateId) {
      return await call(managedCertificateId, () => handleOf(managedCertificateId).query(lifecycleStateQuery));
    },
  };
}

function toAsyncIterator<T>(items: Iterable<T> | AsyncIterable<T>): AsyncIterator<T> {
  if (Symbol.asyncIterator in items) return items[Symbol.asyncIterator]();
  const iterator = items[Symbol.iterator]();
  return { next: async () => iterator.next() };
}
