/**
 * Runs the real lifecycle workflow (the bundle global-setup built) with its real activities on a worker of a test's
 * own, for the tests that drive lifecycles through the client layer and the CLI: the test's inventory, NIST's
 * default policy, an internal CA and a file key store in a temporary folder, recording notification and ticketing
 * adapters the test can read, and no deployer unless the test asks for the files deployer.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/core/activities';
import { DEFAULT_POLICY } from '../../src/core/domain/policy/load-policy';
import { openInternalCa, type InternalCa } from '../../src/adapters/ca/internal-ca';
import { FileDeployer } from '../../src/adapters/deploy/file-deployer';
import type { InventoryStore } from '../../src/core/ports/inventory-store';
import { FileKeyStore } from '../../src/adapters/keys/file-key-store';
import { RecordingNotifier } from './fakes/recording-notifier';
import { RecordingTicketing } from './fakes/recording-ticketing';
import type { LifecycleView } from '../../src/core/domain/lifecycle/lifecycle-view';
import { workflowBundle } from './temporal';
import { waitForLifecycle } from './wait-for-lifecycle';
import { certificateAuthorities } from '../../src/core/ports/certificate-authorities';

const IDENTITY = 'lifecycle-test-worker';

/** Options of {@link startLifecycleTestWorker}. */
export interface LifecycleTestWorkerOptions {
  /** Principals with roles that do not come from the inventory's owner groups. */
  readonly securityLeads?: readonly string[];
  readonly admins?: readonly string[];
  /**
   * Install renewals at file locations with the files deployer, as certflow's worker does (default false: an
   * approved renewal of a certificate without a location stops at installation).
   */
  readonly installFiles?: boolean;
}

/** A running worker for the real lifecycle workflow, with what its activities sent. */
export interface LifecycleTestWorker {
  readonly notifier: RecordingNotifier;
  readonly ticketing: RecordingTicketing;
  readonly ca: InternalCa;
  /**
   * Polls the lifecycle's state until `predicate` holds, querying only while the run is quiet (no activity or
   * workflow task in flight), so the test waits for a state rather than a guessed time and its next step never
   * races the lifecycle's own inventory writes.
   */
  waitFor(
    managedCertificateId: string,
    predicate: (view: LifecycleView) => boolean,
    what: string,
  ): Promise<LifecycleView>;
  /** Shuts the worker down, waits for it and removes its temporary folder. */
  stop(): Promise<void>;
}

/** Starts a worker polling `taskQueue` on `env` for the real lifecycle workflow, over the test's `store`. */
export async function startLifecycleTestWorker(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  store: InventoryStore,
  options: LifecycleTestWorkerOptions = {},
): Promise<LifecycleTestWorker> {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'certflow-lifecycle-worker-'));
  try {
    const ca = await openInternalCa({
      folder: path.join(folder, 'ca'),
      passphrase: 'test passphrase',
      publicBaseUrl: 'http://127.0.0.1:1',
    });
    const keyStore = new FileKeyStore(path.join(folder, 'keys'));
    const notifier = new RecordingNotifier();
    const ticketing = new RecordingTicketing();
    const worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      identity: IDENTITY,
      workflowBundle: workflowBundle(),
      // A worker that caches workflows cannot shut down while they run, and these tests stop theirs with
      // lifecycles still running: without a cache every task replays, which short histories make cheap.
      maxCachedWorkflows: 0,
      activities: createActivities({
        workerIdentity: IDENTITY,
        lifecycle: {
          store,
          loadPolicy: () => Promise.resolve(DEFAULT_POLICY),
          keyStore,
          issuers: certificateAuthorities([ca]),
          deployers: options.installFiles ? [new FileDeployer({ keyStore })] : [],
          notifications: notifier,
          ticketing,
          securityLeads: options.securityLeads ?? [],
          admins: options.admins ?? [],
          publicUrl: 'https://certflow.test',
        },
      }),
    });
    const running = worker.run();
    return {
      notifier,
      ticketing,
      ca,
      waitFor: (managedCertificateId, predicate, what) => waitForLifecycle(env, managedCertificateId, predicate, what),
      async stop() {
        try {
          worker.shutdown();
          await running;
        } finally {
          await fs.rm(folder, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    await fs.rm(folder, { recursive: true, force: true });
    throw error;
  }
}
