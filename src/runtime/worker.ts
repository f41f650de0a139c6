import os from 'node:os';
import v8 from 'node:v8';
import { type NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities } from '../core/activities';
import type { CampaignActivityDeps } from '../core/activities/campaign';
import type { DiscoveryActivityDeps } from '../core/activities/discovery';
import type { LifecycleActivityDeps } from '../core/activities/lifecycle';
import type { MonthlyReportActivityDeps } from '../core/activities/monthly-report';
import type { RenewalInfoActivityDeps } from '../core/activities/renewal-info';
import type { WorkerCapacitySettings } from './config-readers';
import { payloadDataConverter, type PayloadKey } from './payload-codec';
import { workerWorkflowBundle } from './workflow-bundle';

/** Options of {@link createCertflowWorker}. */
export interface CertflowWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Prebuilt workflow bundle (tests build it once); by default dist/'s prebuilt one, or one bundled now. */
  workflowBundle?: WorkflowBundleOption;
  identity?: string;
  /** Ports and stores of the lifecycle activities (see src/runtime/services.ts). */
  lifecycle: LifecycleActivityDeps;
  /** Ports of the campaign activities; without them the worker runs no campaigns. */
  campaign?: CampaignActivityDeps;
  /** Ports of scheduled discovery's activities; without them the worker runs no scheduled scans. */
  discovery?: DiscoveryActivityDeps;
  /** Ports of the monthly report's activities; without them the worker sends no monthly reports. */
  monthlyReport?: MonthlyReportActivityDeps;
  /** Ports of the daily renewal-information check (R-REN-3); without them the worker runs no check. */
  renewalInfo?: RenewalInfoActivityDeps;
  /** Keys sealing payloads (CERTFLOW_PAYLOAD_KEYS), newest first; none: payloads in clear. */
  payloadKeys?: readonly PayloadKey[];
  /** Cache and slots (CERTFLOW_WORKER_*); unset ones are derived from this process's heap. */
  capacity?: WorkerCapacitySettings;
}

/** The worker's cache and slots as Temporal's worker options name them. */
export interface WorkerCapacity {
  readonly maxCachedWorkflows: number;
  readonly maxConcurrentWorkflowTaskExecutions: number;
  readonly maxConcurrentActivityTaskExecutions: number;
}

/**
 * What one cached lifecycle holds, rounded up: `npm run bench -- parked-lifecycles` measured 248 KiB (1,200 parked
 * with a cache of 1,000: 354 MiB at 300, 571 MiB at 1,200), most of it the SDK's own modules, which every cached
 * workflow evaluates anew (the workflow bundle holds nothing else by value: test/runtime/workflow-bundle.test.ts).
 */
const CACHED_WORKFLOW_BYTES = 0.25 * 2 ** 20;
/** The share of the V8 heap the default cache may fill: the rest is the worker's own (activities, the inventory). */
const CACHE_HEAP_SHARE = 1 / 64;
/**
 * The default cache's ceiling: parked lifecycles wake days apart and replay a history of a few dozen events when
 * they do, so a larger cache buys little; a campaign's lifecycles in flight (its parallelism) fit many times over.
 */
const MAX_DEFAULT_CACHED_WORKFLOWS = 1000;
/** Temporal's own defaults for the slots. */
const DEFAULT_WORKFLOW_TASKS = 40;
const DEFAULT_ACTIVITIES = 100;

/**
 * The worker's capacity: the configured values, and for the cache by default a sixty-fourth of the V8 heap at
 * {@link CACHED_WORKFLOW_BYTES} a workflow (256 with Node's 4 GiB heap: 64 MiB), at most
 * {@link MAX_DEFAULT_CACHED_WORKFLOWS}. The SDK's default (about 60% of the heap at 1.7 MiB each: 2,311 workflows)
 * would hold every parked lifecycle up to that many.
 */
export function workerCapacity(settings: WorkerCapacitySettings, heapLimitBytes: number): WorkerCapacity {
  const fromHeap = Math.floor((heapLimitBytes * CACHE_HEAP_SHARE) / CACHED_WORKFLOW_BYTES);
  const maxCachedWorkflows = settings.cachedWorkflows ?? Math.max(2, Math.min(MAX_DEFAULT_CACHED_WORKFLOWS, fromHeap));
  const workflowTasks = settings.workflowTasks ?? DEFAULT_WORKFLOW_TASKS;
  return {
    maxCachedWorkflows,
    // A workflow task runs on a cached workflow: never more at once than the cache holds (none: no such bound).
    maxConcurrentWorkflowTaskExecutions:
      maxCachedWorkflows === 0 ? workflowTasks : Math.max(2, Math.min(workflowTasks, maxCachedWorkflows)),
    maxConcurrentActivityTaskExecutions: settings.activities ?? DEFAULT_ACTIVITIES,
  };
}

/** {@link workerCapacity} for this process's heap: what a worker created here runs with. */
export function processWorkerCapacity(settings: WorkerCapacitySettings): WorkerCapacity {
  return workerCapacity(settings, v8.getHeapStatistics().heap_size_limit);
}

/** Creates certflow's worker: every workflow in workflows/ and every activity, wired with their dependencies. */
export async function createCertflowWorker(options: CertflowWorkerOptions): Promise<Worker> {
  const identity = options.identity ?? `certflow-worker@${os.hostname()}:${process.pid}`;
  return await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    identity,
    dataConverter: payloadDataConverter(options.payloadKeys ?? []),
    workflowBundle: options.workflowBundle ?? (await workerWorkflowBundle()),
    ...processWorkerCapacity(options.capacity ?? {}),
    activities: createActivities({
      workerIdentity: identity,
      lifecycle: options.lifecycle,
      ...(options.campaign === undefined ? {} : { campaign: options.campaign }),
      ...(options.discovery === undefined ? {} : { discovery: options.discovery }),
      ...(options.monthlyReport === undefined ? {} : { monthlyReport: options.monthlyReport }),
      ...(options.renewalInfo === undefined ? {} : { renewalInfo: options.renewalInfo }),
    }),
  });
}
