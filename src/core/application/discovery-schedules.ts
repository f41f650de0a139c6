/**
 * Scheduled network discovery (R-INV-2, R-MON-6), for every entry point that manages it (the CLI now, the HTTP API
 * next): one Temporal Schedule per scan definition, id `discovery:<name>`, whose action starts the discovery workflow
 * with the definition as its input. A definition is validated when the schedule is created, so a malformed target is
 * refused then, not at its first run; overlapping runs are skipped, so one definition never scans twice at once.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  WorkflowNotFoundError,
  type Client,
  type ScheduleHandle,
} from '@temporalio/client';
import type { EndpointFinding } from '../domain/discovery/endpoint-findings';
import { countAddresses, expandTargets, InvalidTargetError, parseTarget } from '../domain/discovery/targets';
import {
  DELIVERED_AT_MOST,
  type ScanDefinition,
  type ScanOutcome,
  type UnownedCertificate,
} from '../ports/discovery-scans';
import type { AuditLog } from '../ports/inventory-store';
import type { DiscoveryScanInput, DiscoveryScanResult } from '../workflows/discovery-scan';
import { discoverCertificates, type DiscoverOptions } from './discover-certificates';
import { startImportedLifecycles, type WhenLifecyclesReachable } from './imported-lifecycles';

/** Prefix of every discovery schedule's id. */
export const DISCOVERY_SCHEDULE_PREFIX = 'discovery:';
/** Names: lower-case letters, digits and dashes, as an id and a Slack message show them. */
const NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const MIN_INTERVAL_MS = 60_000;
const MAX_INTERVAL_MS = 366 * 24 * 3_600_000;
const MAX_TIMEOUT_MS = 5 * 60_000;
/** Runs `show` reports, newest first. */
const RECENT_RUNS = 5;

/** A name, interval or scan definition that cannot be scheduled; the message says the fix. */
export class InvalidDiscoveryScheduleError extends Error {
  override readonly name = 'InvalidDiscoveryScheduleError';
}

/** No discovery schedule has this name. */
export class DiscoveryScheduleNotFoundError extends Error {
  override readonly name = 'DiscoveryScheduleNotFoundError';
  constructor(readonly scheduleName: string) {
    super(`no discovery schedule is named "${scheduleName}": certflow discover schedule list shows the ones there are`);
  }
}

/** A discovery schedule with this name exists already. */
export class DiscoveryScheduleExistsError extends Error {
  override readonly name = 'DiscoveryScheduleExistsError';
  constructor(readonly scheduleName: string) {
    super(
      `a discovery schedule named "${scheduleName}" exists already: delete it first ` +
        `(certflow discover schedule delete ${scheduleName}) or choose another name`,
    );
  }
}

/** The schedule id of a name. */
export function discoveryScheduleId(name: string): string {
  return `${DISCOVERY_SCHEDULE_PREFIX}${name}`;
}

/** Refuses a name that is not lower-case letters, digits and dashes (at most 63). */
export function checkScheduleName(name: string): void {
  if (!NAME.test(name)) {
    throw new InvalidDiscoveryScheduleError(
      `schedule name "${name}" must be 1 to 63 lower-case letters, digits and dashes, starting and ending with a ` +
        'letter or digit, e.g. dmz-nightly',
    );
  }
}

/** Refuses a definition a run would fail on: no target, a malformed one, more addresses than it allows, bad limits. */
export function checkScanDefinition(definition: ScanDefinition): void {
  const refuse = (message: string): never => {
    throw new InvalidDiscoveryScheduleError(message);
  };
  if (definition.targets.length === 0) {
    refuse('a scheduled scan needs targets: certflow scans only what it is given (e.g. www.example.com:443)');
  }
  const specs = definition.targets.map((text) => {
    try {
      return parseTarget(text);
    } catch (error) {
      if (error instanceof InvalidTargetError) return refuse(`target ${error.message}`);
      throw error;
    }
  });
  const addresses = countAddresses(specs);
  if (addresses > BigInt(definition.maxAddresses)) {
    refuse(
      `the targets cover ${addresses.toLocaleString('en-US')} addresses, more than --max-addresses ` +
        `${definition.maxAddresses.toLocaleString('en-US')}: narrow the ranges or raise --max-addresses`,
    );
  }
  const { concurrency, connectTimeoutMs, handshakeTimeoutMs, connectionsPerSecond } = definition.limits;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000) {
    refuse(`concurrency ${concurrency} must be a whole number from 1 to 10000`);
  }
  for (const [flag, ms] of [
    ['connect-timeout', connectTimeoutMs],
    ['handshake-timeout', handshakeTimeoutMs],
  ] as const) {
    if (!(ms > 0 && ms <= MAX_TIMEOUT_MS)) refuse(`--${flag} must be more than 0 and at most 5m`);
  }
  if (connectionsPerSecond !== undefined && !(connectionsPerSecond > 0)) {
    refuse('--rate must be more than 0 connections per second');
  }
}

/** Refuses an interval under a minute or over a year. */
export function checkInterval(everyMs: number): void {
  if (!(everyMs >= MIN_INTERVAL_MS && everyMs <= MAX_INTERVAL_MS)) {
    throw new InvalidDiscoveryScheduleError('--every must be at least 1m and at most 366d, e.g. 6h');
  }
}

/** A discovery schedule as `list` shows it. */
export interface DiscoveryScheduleSummary {
  readonly name: string;
  readonly everyMs: number | null;
  readonly paused: boolean;
  /** Why it was paused, or the schedule's note. */
  readonly note: string | null;
  readonly targets: readonly string[];
  readonly nextRunAt: string | null;
  readonly lastRunAt: string | null;
}

/** One run of a schedule, with its report once it finished. */
export interface DiscoveryRun {
  readonly workflowId: string;
  readonly startedAt: string;
  /** Temporal's status: RUNNING, COMPLETED, FAILED, TERMINATED … */
  readonly status: string;
  readonly result: DiscoveryScanResult | null;
  /** Why a failed run failed. */
  readonly failure: string | null;
}

/** A discovery schedule as `show` shows it. */
export interface DiscoveryScheduleDetails extends DiscoveryScheduleSummary {
  readonly definition: ScanDefinition;
  readonly createdBy: string | null;
  /** The most recent runs, newest first. */
  readonly runs: readonly DiscoveryRun[];
}

/** Options of {@link createDiscoverySchedules}. */
export interface DiscoverySchedulesOptions {
  readonly client: Client;
  /** Task queue of the certflow worker that runs the scans. */
  readonly taskQueue: string;
  /** Where schedule changes are audited (R-LOG-1). */
  readonly audit: AuditLog;
  /** Where the change came from, e.g. `certflow discover schedule`. */
  readonly where: string;
  readonly now?: () => Date;
}

/** Operations on discovery schedules. */
export interface DiscoverySchedules {
  create(input: {
    readonly name: string;
    readonly everyMs: number;
    readonly definition: ScanDefinition;
    readonly by: string;
  }): Promise<DiscoveryScheduleDetails>;
  list(): Promise<DiscoveryScheduleSummary[]>;
  show(name: string): Promise<DiscoveryScheduleDetails>;
  pause(name: string, input: { readonly by: string; readonly reason: string | null }): Promise<void>;
  unpause(name: string, input: { readonly by: string }): Promise<void>;
  /** Starts a run now, unless one is running (skipped, as the schedule would). */
  trigger(name: string, input: { readonly by: string }): Promise<void>;
  delete(name: string, input: { readonly by: string }): Promise<void>;
}

function isoOrNull(date: Date | undefined): string | null {
  return date === undefined ? null : date.toISOString();
}

function intervalOf(spec: { intervals?: ReadonlyArray<{ every: unknown }> }): number | null {
  const every = spec.intervals?.[0]?.every;
  return typeof every === 'number' ? every : null;
}

/** Discovery schedules over a Temporal client. */
export function createDiscoverySchedules(options: DiscoverySchedulesOptions): DiscoverySchedules {
  const { client } = options;
  const now = options.now ?? (() => new Date());

  const handleOf = (name: string): ScheduleHandle => {
    checkScheduleName(name);
    return client.schedule.getHandle(discoveryScheduleId(name));
  };
  const audited = async (action: string, name: string, by: string, details: Record<string, unknown>) => {
    await options.audit.appendAudit([
      { at: now().toISOString(), actor: by, action, subject: discoveryScheduleId(name), where: options.where, details },
    ]);
  };
  const found = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) throw new DiscoveryScheduleNotFoundError(name);
      throw error;
    }
  };

  async function runOf(workflowId: string, runId: string, startedAt: Date): Promise<DiscoveryRun> {
    const handle = client.workflow.getHandle<(input: DiscoveryScanInput) => Promise<DiscoveryScanResult>>(
      workflowId,
      runId,
    );
    try {
      const { status } = await handle.describe();
      let result: DiscoveryScanResult | null = null;
      let failure: string | null = null;
      if (status.name === 'COMPLETED') result = await handle.result();
      if (status.name === 'FAILED')
        failure = await handle.result().then(
          () => null,
          (error: unknown) => (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message,
        );
      return { workflowId, startedAt: startedAt.toISOString(), status: status.name, result, failure };
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      // Past the namespace's retention the run is gone; the schedule still lists it.
      return { workflowId, startedAt: startedAt.toISOString(), status: 'GONE', result: null, failure: null };
    }
  }

  async function details(name: string): Promise<DiscoveryScheduleDetails> {
    const description = await found(name, () => handleOf(name).describe());
    const action = description.action;
    const input = (action.type === 'startWorkflow' ? action.args?.[0] : undefined) as DiscoveryScanInput | undefined;
    if (input?.definition === undefined) {
      throw new InvalidDiscoveryScheduleError(
        `schedule ${discoveryScheduleId(name)} does not start a discovery scan: it was not made by certflow discover schedule`,
      );
    }
    const recent = [...description.info.recentActions].reverse().slice(0, RECENT_RUNS);
    const runs: DiscoveryRun[] = [];
    for (const taken of recent) {
      runs.push(
        await runOf(taken.action.workflow.workflowId, taken.action.workflow.firstExecutionRunId, taken.takenAt),
      );
    }
    const createdBy = description.memo?.createdBy;
    return {
      name,
      everyMs: intervalOf(description.spec),
      paused: description.state.paused,
      note: description.state.note ?? null,
      targets: input.definition.targets,
      nextRunAt: isoOrNull(description.info.nextActionTimes[0]),
      lastRunAt: isoOrNull(description.info.recentActions.at(-1)?.takenAt),
      definition: input.definition,
      createdBy: typeof createdBy === 'string' ? createdBy : null,
      runs,
    };
  }

  return {
    async create(input) {
      checkScheduleName(input.name);
      checkInterval(input.everyMs);
      checkScanDefinition(input.definition);
      const workflowInput: DiscoveryScanInput = { scan: input.name, definition: input.definition };
      try {
        await client.schedule.create({
          scheduleId: discoveryScheduleId(input.name),
          spec: { intervals: [{ every: input.everyMs }] },
          action: {
            type: 'startWorkflow',
            workflowType: 'discoveryScanWorkflow',
            // The schedule appends the run's start time: discovery:<name>-<time>, one id per run.
            workflowId: discoveryScheduleId(input.name),
            taskQueue: options.taskQueue,
            args: [workflowInput],
            memo: { scan: input.name, targets: input.definition.targets.slice(0, 20).join(' ') },
          },
          policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' },
          memo: { createdBy: input.by, targets: input.definition.targets.slice(0, 20).join(' ') },
          state: { note: `created by ${input.by}` },
        });
      } catch (error) {
        if (error instanceof ScheduleAlreadyRunning) throw new DiscoveryScheduleExistsError(input.name);
        throw error;
      }
      await audited('discovery.schedule-created', input.name, input.by, {
        everyMs: input.everyMs,
        targets: input.definition.targets.length,
      });
      return await details(input.name);
    },

    async list() {
      const schedules: DiscoveryScheduleSummary[] = [];
      for await (const schedule of client.schedule.list()) {
        if (!schedule.scheduleId.startsWith(DISCOVERY_SCHEDULE_PREFIX)) continue;
        const targets = schedule.memo?.targets;
        schedules.push({
          name: schedule.scheduleId.slice(DISCOVERY_SCHEDULE_PREFIX.length),
          everyMs: schedule.spec === undefined ? null : intervalOf(schedule.spec),
          paused: schedule.state.paused,
          note: schedule.state.note ?? null,
          targets: typeof targets === 'string' && targets !== '' ? targets.split(' ') : [],
          nextRunAt: isoOrNull(schedule.info.nextActionTimes[0]),
          lastRunAt: isoOrNull(schedule.info.recentActions.at(-1)?.takenAt),
        });
      }
      return schedules.sort((a, b) => a.name.localeCompare(b.name));
    },

    show: details,

    async pause(name, input) {
      await found(name, () => handleOf(name).pause(`paused by ${input.by}${input.reason ? `: ${input.reason}` : ''}`));
      await audited('discovery.schedule-paused', name, input.by, { reason: input.reason });
    },

    async unpause(name, input) {
      await found(name, () => handleOf(name).unpause(`unpaused by ${input.by}`));
      await audited('discovery.schedule-unpaused', name, input.by, {});
    },

    async trigger(name, input) {
      await found(name, () => handleOf(name).trigger(ScheduleOverlapPolicy.SKIP));
      await audited('discovery.schedule-triggered', name, input.by, {});
    },

    async delete(name, input) {
      await found(name, () => handleOf(name).delete());
      await audited('discovery.schedule-deleted', name, input.by, {});
    },
  };
}

/** What {@link runScanDefinition} needs: the discovery use case's ports, and how lifecycles are reached. */
export interface RunScanDefinitionOptions extends Pick<
  DiscoverOptions,
  'scanner' | 'store' | 'discovery' | 'policy' | 'actor' | 'where' | 'onProgress'
> {
  readonly definition: ScanDefinition;
  readonly whenReachable: WhenLifecyclesReachable;
}

/**
 * Runs one scheduled scan: the definition's targets through {@link discoverCertificates}, then the lifecycles of the
 * managed certificates it found started or told as after an import; returns the summary and the changes to deliver,
 * each list capped at {@link DELIVERED_AT_MOST}.
 */
export async function runScanDefinition(options: RunScanDefinitionOptions): Promise<ScanOutcome> {
  const { definition } = options;
  checkScanDefinition(definition);
  const opened: EndpointFinding[] = [];
  const resolved: EndpointFinding[] = [];
  const unowned: UnownedCertificate[] = [];
  const keep = <T>(list: T[], items: readonly T[]) => list.push(...items.slice(0, DELIVERED_AT_MOST - list.length));
  const report = await discoverCertificates({
    targets: expandTargets(
      definition.targets.map((text) => parseTarget(text)),
      {
        maxAddresses: definition.maxAddresses,
      },
    ),
    scanner: options.scanner,
    limits: definition.limits,
    store: options.store,
    discovery: options.discovery,
    policy: options.policy,
    actor: options.actor,
    where: options.where,
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    onBatch: (batch) => {
      keep(opened, batch.opened);
      keep(
        resolved,
        batch.resolved.map(({ kind, severity, location, fingerprint, message }) => ({
          kind,
          severity,
          location,
          fingerprint,
          message,
        })),
      );
      keep(unowned, batch.unowned);
    },
  });
  const lifecycles = await startImportedLifecycles(report.managed, {
    whenReachable: options.whenReachable,
    actor: options.actor,
  });
  const told = lifecycles !== null && 'signalled' in lifecycles ? lifecycles : null;
  return {
    summary: {
      endpoints: report.endpoints,
      certificates: { read: report.certificates.read, new: report.certificates.new, known: report.certificates.known },
      findings: report.findings,
      unowned: report.unowned.count,
      lifecycles: { started: told?.started ?? 0, told: told?.signalled ?? 0 },
      failures: report.failures.slice(0, 20).map((failure) => failure.message),
    },
    opened,
    resolved,
    unowned,
  };
}
