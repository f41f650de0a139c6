/**
 * Everything a lifecycle workflow test runs against: a time-skipping server of its own, a SQLite inventory, the
 * internal CA, the file key store, a real TLS endpoint certflow manages, and recording notification and ticketing
 * adapters. Certificates are issued on the wall clock (TLS verification checks validity against it), so a test
 * that renews does so before it skips time.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/core/activities';
import type { LifecycleActivityDeps } from '../../src/core/activities/lifecycle';
import { decodeCertificates } from '../../src/core/domain/certificates/decode-certificates';
import type { CertificateLocation, OwnerGroup } from '../../src/core/domain/inventory/model';
import { DEFAULT_POLICY } from '../../src/core/domain/policy/load-policy';
import type { Policy } from '../../src/core/domain/policy/policy';
import type { CertificateAuthorityPort } from '../../src/core/ports/certificate-authority';
import { openInternalCa, type InternalCa } from '../../src/adapters/ca/internal-ca';
import type { Deployer } from '../../src/core/ports/deployer';
import {
  startManagedTlsEndpoint,
  TlsEndpointRegistry,
  writeEndpointMaterial,
  type ManagedTlsEndpoint,
} from '../../src/adapters/deploy/tls-endpoint';
import { TlsEndpointDeployer } from '../../src/adapters/deploy/tls-endpoint-deployer';
import { openInventoryStore } from '../../src/adapters/database/database';
import type { InventoryStore } from '../../src/core/ports/inventory-store';
import { FileKeyStore } from '../../src/adapters/keys/file-key-store';
import type { NotificationPort } from '../../src/core/ports/notification-port';
import { RecordingNotifier } from './fakes/recording-notifier';
import { RecordingTicketing } from './fakes/recording-ticketing';
import type { TicketingPort } from '../../src/core/ports/ticketing-port';
import type { certificateLifecycleWorkflow } from '../../src/core/workflows/certificate-lifecycle';
import {
  LIFECYCLE_WORKFLOW_TYPE,
  lifecycleStateQuery,
  lifecycleWorkflowId,
} from '../../src/core/workflows/definitions';
import type { LifecycleView } from '../../src/core/domain/lifecycle/lifecycle-view';
import { createTimeSkippingEnv, uniqueTaskQueue, workflowBundle } from './temporal';
import { waitForLifecycle } from './wait-for-lifecycle';
import { DAY_MS } from '../../src/core/domain/duration';
import { certificateAuthorities } from '../../src/core/ports/certificate-authorities';

/** The activities a lifecycle test worker runs. */
export type Activities = ReturnType<typeof createActivities>;

export { DAY_MS };

/** The people of the test owner group, by role. */
export const PEOPLE = {
  owner: { id: 'email:owner@example.com' },
  ann: { id: 'email:ann@example.com', displayName: 'Ann Approver' },
  bob: { id: 'email:bob@example.com', displayName: 'Bob Approver' },
  security: { id: 'email:sec@example.com' },
  stranger: { id: 'email:mallory@example.com' },
} as const;

/** The owner group of test certificates. */
export const GROUP: OwnerGroup = {
  id: 'payments-web',
  name: 'Payments web',
  contacts: [{ email: 'owner@example.com' }],
  approvers: [{ email: 'ann@example.com' }, { email: 'bob@example.com' }],
  managementContact: { email: 'boss@example.com' },
  incidentResponseContact: { email: 'ir@example.com' },
  slack: { channelId: 'C0PAYMENTS' },
  jira: { projectKey: 'CHG' },
  reminderDays: null,
  autoRenew: false,
};

/** A certificate put into the inventory (and onto the endpoint) before a lifecycle starts. */
export interface SeededCertificate {
  readonly managedCertificateId: string;
  readonly fingerprint: string;
  readonly serialNumber: string;
  readonly notAfter: string;
  readonly certificatePem: string;
}

/** A running lifecycle test setup; `close()` tears everything down. */
export interface LifecycleHarness {
  readonly env: TestWorkflowEnvironment;
  readonly taskQueue: string;
  readonly folder: string;
  readonly store: InventoryStore;
  readonly ca: InternalCa;
  readonly keyStore: FileKeyStore;
  readonly endpoint: ManagedTlsEndpoint;
  readonly notifier: RecordingNotifier;
  readonly ticketing: RecordingTicketing;
  /** The policy the activities read; replace it to change the policy mid-life. */
  policy: Policy;
  /**
   * The ports the activities use; tests swap in faulty ones, a real Slack notifier for the recording one, or the Jira
   * adapter for the recording ticketing.
   */
  readonly deps: {
    ca: CertificateAuthorityPort;
    deployers: Deployer[];
    notifications: NotificationPort;
    ticketing: TicketingPort;
  };
  readonly location: CertificateLocation;
  /** Issues a certificate `lifetimeDays` long with `daysLeft` to go, serves it on the endpoint and records it. */
  seed(options: {
    daysLeft: number;
    lifetimeDays: number;
    names?: string[];
    slot?: string;
  }): Promise<SeededCertificate>;
  /** Starts the lifecycle; `historyEventBudget` makes it continue as new sooner. */
  start(
    managedCertificateId: string,
    options?: { historyEventBudget?: number },
  ): Promise<WorkflowHandleWithFirstExecutionRunId<typeof certificateLifecycleWorkflow>>;
  /** Runs a worker (a new one each call) while `fn` runs; `wrapActivities` lets a test hold a step at a chosen point. */
  withWorker<T>(
    fn: () => Promise<T>,
    options?: {
      identity?: string;
      maxCachedWorkflows?: number;
      wrapActivities?: (activities: Activities) => Activities;
    },
  ): Promise<T>;
  view(managedCertificateId: string): Promise<LifecycleView>;
  /** Polls the state query until `predicate` holds: waits for a state, not for a guessed time. */
  waitFor(
    managedCertificateId: string,
    predicate: (view: LifecycleView) => boolean,
    what: string,
  ): Promise<LifecycleView>;
  close(): Promise<void>;
}

/** Creates a harness with a time-skipping server, inventory, CA, key store and TLS endpoint of its own. */
export async function createLifecycleHarness(): Promise<LifecycleHarness> {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'certflow-lifecycle-'));
  const env = await createTimeSkippingEnv();
  const store = await openInventoryStore({ url: `sqlite:${path.join(folder, 'inventory.sqlite')}` });
  const caOptions = {
    folder: path.join(folder, 'ca'),
    passphrase: 'test passphrase',
    publicBaseUrl: 'http://127.0.0.1:1',
    // The policy in force, read at each issuance as the worker's CA reads it: a test that changes it reaches the CA.
    policy: () => Promise.resolve(harness.policy),
  };
  const ca = await openInternalCa(caOptions);
  const keyStore = new FileKeyStore(path.join(folder, 'keys'));
  const registry = new TlsEndpointRegistry();
  const endpoint = await startManagedTlsEndpoint({ host: '127.0.0.1', port: 0, folder: path.join(folder, 'endpoint') });
  registry.add(endpoint, ['api.payments.example.com']);
  const location: CertificateLocation = { kind: 'endpoint', host: '127.0.0.1', port: endpoint.address().port };
  const notifier = new RecordingNotifier();
  const ticketing = new RecordingTicketing();
  await store.upsertOwnerGroup(GROUP);
  const taskQueue = uniqueTaskQueue('lifecycle');
  let seeds = 0;

  const harness: LifecycleHarness = {
    env,
    taskQueue,
    folder,
    store,
    ca,
    keyStore,
    endpoint,
    notifier,
    ticketing,
    policy: DEFAULT_POLICY,
    deps: {
      ca,
      deployers: [new TlsEndpointDeployer({ keyStore, registry })],
      notifications: notifier,
      ticketing,
    },
    location,

    async seed({ daysLeft, lifetimeDays, names = ['api.payments.example.com'], slot }) {
      seeds += 1;
      const issuedAt = Date.now() - (lifetimeDays - daysLeft) * DAY_MS;
      const seedCa = await openInternalCa({ ...caOptions, now: () => new Date(issuedAt) });
      const keyRef = `seed/${slot ?? seeds}`;
      await keyStore.ensureKeyPair(keyRef, { algorithm: 'EC', curve: 'P-256' });
      const subject = `CN=${names[0] ?? 'unnamed'}, O=Example Payments`;
      const issued = await seedCa.issue({
        idempotencyKey: `seed-${seeds}-${slot ?? ''}`,
        csrPem: await keyStore.createCsr(keyRef, { subject, dnsNames: names, ipAddresses: [] }),
        subject,
        dnsNames: names,
        ipAddresses: [],
        validityDays: lifetimeDays,
      });
      await writeEndpointMaterial(endpoint.folder, {
        certPem: issued.certificatePem,
        chainPems: issued.chainPems,
        keyPem: await keyStore.readPrivateKeyPem(keyRef),
      });
      await endpoint.reload();
      const parsed = decodeCertificates(new TextEncoder().encode(issued.certificatePem), 'seed').certificates[0];
      if (!parsed) throw new Error('seed certificate did not parse');
      const now = new Date().toISOString();
      await store.upsertCertificates(
        [{ facts: parsed.facts, der: parsed.der, metadata: { ownerGroup: GROUP.id, locations: [location] } }],
        now,
      );
      const assigned = await store.assignManagedCertificates([parsed.facts.fingerprintSha256], now);
      const managed =
        assigned.created[0] ??
        assigned.replaced[0]?.managed ??
        (await store.findManagedCertificateByFingerprint(parsed.facts.fingerprintSha256));
      if (!managed) throw new Error('seed certificate was not assigned to a managed certificate');
      return {
        managedCertificateId: managed.id,
        fingerprint: parsed.facts.fingerprintSha256,
        serialNumber: issued.serialNumber,
        notAfter: issued.notAfter,
        certificatePem: issued.certificatePem,
      };
    },

    async start(managedCertificateId, options = {}) {
      return await env.client.workflow.start<typeof certificateLifecycleWorkflow>(LIFECYCLE_WORKFLOW_TYPE, {
        taskQueue,
        workflowId: lifecycleWorkflowId(managedCertificateId),
        args: [{ managedCertificateId, ...options }],
      });
    },

    async withWorker(fn, options = {}) {
      const lifecycle: LifecycleActivityDeps = {
        store,
        loadPolicy: () => Promise.resolve(harness.policy),
        keyStore,
        issuers: certificateAuthorities([
          {
            name: 'internal',
            issue: (request) => harness.deps.ca.issue(request),
            revoke: (request) => harness.deps.ca.revoke(request),
            issues: (issuer) => harness.deps.ca.issues(issuer),
          },
        ]),
        deployers: harness.deps.deployers,
        notifications: harness.deps.notifications,
        ticketing: harness.deps.ticketing,
        securityLeads: [PEOPLE.security.id],
        admins: [],
        publicUrl: 'https://certflow.test',
      };
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        identity: options.identity ?? 'lifecycle-test-worker',
        workflowBundle: workflowBundle(),
        ...(options.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: options.maxCachedWorkflows }),
        activities: (options.wrapActivities ?? ((activities) => activities))(
          createActivities({ workerIdentity: options.identity ?? 'lifecycle-test-worker', lifecycle }),
        ),
      });
      return await worker.runUntil(fn);
    },

    async view(managedCertificateId) {
      return await env.client.workflow.getHandle(lifecycleWorkflowId(managedCertificateId)).query(lifecycleStateQuery);
    },

    async waitFor(managedCertificateId, predicate, what) {
      return await waitForLifecycle(env, managedCertificateId, predicate, what);
    },

    async close() {
      await registry.closeAll();
      await store.close();
      await env.teardown();
      await fs.rm(folder, { recursive: true, force: true });
    },
  };
  return harness;
}
