import os from 'node:os';
import path from 'node:path';
import {
  bundleWorkflowCode,
  DefaultLogger,
  type NativeConnection,
  Worker,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import { createActivities } from '../core/activities';
import type { CampaignActivityDeps } from '../core/activities/campaign';
import type { DiscoveryActivityDeps } from '../core/activities/discovery';
import type { LifecycleActivityDeps } from '../core/activities/lifecycle';
import type { MonthlyReportActivityDeps } from '../core/activities/monthly-report';
import { FAILURE_CONVERTER_PATH, payloadDataConverter, type PayloadKey } from './payload-codec';

/** Options of {@link createCertflowWorker}. */
export interface CertflowWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Prebuilt workflow bundle (tests build it once); by default the worker bundles workflows/ itself. */
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
  /** Keys sealing payloads (CERTFLOW_PAYLOAD_KEYS), newest first; none: payloads in clear. */
  payloadKeys?: readonly PayloadKey[];
}

/** The folder the worker bundles workflows from: workflows/ next to this module, in source and in dist/. */
export const WORKFLOWS_PATH = path.join(__dirname, '..', 'core', 'workflows');

/**
 * Bundles workflows/ for the sandbox with certflow's failure converter (workflow failures are converted inside the
 * bundle), keeping webpack's report out of the worker's log unless it fails.
 */
export async function bundleWorkflows(): ReturnType<typeof bundleWorkflowCode> {
  return await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: new DefaultLogger('WARN'),
  });
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
    workflowBundle: options.workflowBundle ?? (await bundleWorkflows()),
    activities: createActivities({
      workerIdentity: identity,
      lifecycle: options.lifecycle,
      ...(options.campaign === undefined ? {} : { campaign: options.campaign }),
      ...(options.discovery === undefined ? {} : { discovery: options.discovery }),
      ...(options.monthlyReport === undefined ? {} : { monthlyReport: options.monthlyReport }),
    }),
  });
}
