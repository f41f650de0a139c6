/**
 * Everything a campaign test (and the campaign benchmark) runs against: a Temporal server of its own (time-skipping
 * by default, the dev server for the benchmark), a SQLite inventory with the campaign store, a compromised "old" CA
 * that issued the certificates in service and certflow's internal CA that renews them, a file key store, the files
 * deployer (certificates are PEM files in a temporary folder), recording Slack and Jira campaign adapters, and the
 * real lifecycle and campaign clients.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Kysely } from 'kysely';
import { Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities } from '../../src/core/activities';
import type { CampaignActivityDeps } from '../../src/core/activities/campaign';
import type { LifecycleActivityDeps } from '../../src/core/activities/lifecycle';
import { createCampaignClient } from '../../src/core/application/campaign-client';
import type { CampaignOperations } from '../../src/core/application/campaign-operations';
import { createLifecycleClient, type LifecycleClient } from '../../src/core/application/lifecycle-client';
import type { CampaignProgress } from '../../src/core/domain/campaigns/model';
import { decodeCertificates } from '../../src/core/domain/certificates/decode-certificates';
import type { CertificateLocation, OwnerGroup } from '../../src/core/domain/inventory/model';
import { DEFAULT_POLICY } from '../../src/core/domain/policy/load-policy';
import type { Policy } from '../../src/core/domain/policy/policy';
import { SqlCampaignStore } from '../../src/adapters/database/sql-campaign-store';
import type { CampaignStore, MemberStateChange } from '../../src/core/ports/campaign-store';
import type { CampaignNotifier } from '../../src/core/ports/notification-port';
import type { CampaignTicketing } from '../../src/core/ports/ticketing-port';
import type { CertificateAuthorityPort } from '../../src/core/ports/certificate-authority';
import { openInternalCa, type InternalCa } from '../../src/adapters/ca/internal-ca';
import type { Deployer } from '../../src/core/ports/deployer';
import { FileDeployer } from '../../src/adapters/deploy/file-deployer';
import { openInventoryDatabase } from '../../src/adapters/database/database';
import { SqlPublishedRoles } from '../../src/adapters/database/sql-published-roles';
import type { InventoryStore } from '../../src/core/ports/inventory-store';
import type { InventoryDatabase } from '../../src/adapters/database/kysely-inventory-store';
import { FileKeyStore } from '../../src/adapters/keys/file-key-store';
import { RecordingNotifier } from './fakes/recording-notifier';
import { RecordingTicketing } from './fakes/recording-ticketing';
import { campaignProgressQuery, campaignWorkflowId, type CampaignTimings } from '../../src/core/workflows/definitions';
import { createTimeSkippingEnv, uniqueTaskQueue, workflowBundle } from './temporal';
import { waitForQuietQuery } from './wait-for-lifecycle';
import { certificateAuthorities } from '../../src/core/ports/certificate-authorities';

export { DAY_MS } from '../../src/core/domain/duration';

/** People of the campaign tests. */
export const CAMPAIGN_PEOPLE = {
  securityLead: { id: 'email:sec@example.com', displayName: 'Sam Security' },
  approver: { id: 'email:approver@example.com', displayName: 'Ann Approver' },
  stranger: { id: 'email:mallory@example.com' },
} as const;

/** An owner group of the campaign tests: `group-<n>` with its own approver, channel and escalation contacts. */
export function campaignGroup(id: string): OwnerGroup {
  return {
    id,
    name: `Group ${id}`,
    contacts: [{ email: `owner@${id}.example.com` }],
    approvers: [{ email: 'approver@example.com' }],
    managementContact: { email: `boss@${id}.example.com` },
    incidentResponseContact: { email: `ir@${id}.example.com` },
    slack: { channelId: `C${id.toUpperCase().replace(/[^A-Z0-9]/g, '')}` },
    jira: { projectKey: 'CHG' },
    reminderDays: null,
    autoRenew: false,
  };
}

/** A certificate in service the campaign may replace. */
export interface CampaignSeed {
  readonly managedCertificateId: string;
  readonly fingerprint: string;
  readonly serialNumber: string;
  readonly ownerGroup: string;
  readonly location: CertificateLocation;
}

/** Options of {@link createCampaignHarness}. */
export interface CampaignHarnessOptions {
  /** A server of the caller's (the benchmark's dev server); a time-skipping one by default. */
  readonly env?: TestWorkflowEnvironment;
  /** The caller's workflow bundle; the one global-setup built by default. */
  readonly workflowBundle?: WorkflowBundleOption;
  readonly timings?: Partial<CampaignTimings>;
}

/** A running campaign test setup; `close()` tears everything down. */
export interface CampaignHarness {
  readonly env: TestWorkflowEnvironment;
  readonly taskQueue: string;
  readonly folder: string;
  readonly store: InventoryStore;
  /** The inventory database (for `certflow import` through the CLI's code). */
  readonly db: Kysely<InventoryDatabase>;
  readonly campaignStore: SqlCampaignStore;
  /** Every member state change the lifecycles wrote to the store, in order (what the campaign's counts follow). */
  readonly memberChanges: MemberStateChange[];
  /** The CA that issued the certificates in service (the compromised one). */
  readonly oldCa: InternalCa;
  /** certflow's CA: renewals come from it. */
  readonly newCa: InternalCa;
  /** Issuer DN of the old CA's issuing certificate. */
  readonly oldIssuerDn: string;
  readonly notifier: RecordingNotifier;
  readonly ticketing: RecordingTicketing;
  /** The campaign's own Slack and Jira fakes, apart from the lifecycles', so each numbers its receipts and keys. */
  readonly campaignNotifier: RecordingNotifier;
  readonly campaignTicketing: RecordingTicketing;
  /** The Slack and Jira adapters the next worker's campaign activities use; tests wrap them to fail or hold. */
  publishing: { notifier: CampaignNotifier; ticketing: CampaignTicketing };
  readonly lifecycles: LifecycleClient;
  readonly campaigns: CampaignOperations;
  policy: Policy;
  /** The deployers the activities use; tests wrap them to fail. */
  deployers: Deployer[];
  /**
   * Issues `count` certificates per group from the old CA (or the new one), installs them as files and records them
   * (`record: false`: only the files and the groups, for `certflow import`; the seeds' managed ids are then empty).
   */
  seed(
    groups: readonly string[],
    count: number,
    options?: { ca?: 'old' | 'new'; daysLeft?: number; record?: boolean },
  ): Promise<CampaignSeed[]>;
  /** Starts (or finds) the lifecycles of the seeded certificates. */
  startLifecycles(seeds: readonly CampaignSeed[]): Promise<void>;
  /** Runs a worker (a new one each call) while `fn` runs. */
  withWorker<T>(fn: () => Promise<T>, options?: { identity?: string; maxCachedWorkflows?: number }): Promise<T>;
  /** Starts a worker and returns a function that stops it mid-campaign (in-flight activities finish first). */
  startWorker(options?: { identity?: string; maxCachedWorkflows?: number }): Promise<() => Promise<void>>;
  progress(campaignId: string): Promise<CampaignProgress>;
  /** Activity calls the harness's workers have run so far (attempts included), for the benchmark's baseline. */
  activityCalls(): number;
  /** Polls the progress query until `predicate` holds: waits for a state, not for a guessed time. */
  waitForProgress(
    campaignId: string,
    predicate: (progress: CampaignProgress) => boolean,
    what: string,
  ): Promise<CampaignProgress>;
  close(): Promise<void>;
}

/** Creates a campaign harness with a server, inventory, two CAs, key store and file deployer of its own. */
export async function createCampaignHarness(options: CampaignHarnessOptions = {}): Promise<CampaignHarness> {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'certflow-campaign-'));
  const ownEnv = options.env === undefined;
  const env = options.env ?? (await createTimeSkippingEnv());
  const { store, db } = await openInventoryDatabase({ url: `sqlite:${path.join(folder, 'inventory.sqlite')}` });
  const campaignStore = new SqlCampaignStore({ db });
  const caBase = { passphrase: 'test passphrase', publicBaseUrl: 'http://127.0.0.1:1' };
  const oldCa = await openInternalCa({
    ...caBase,
    folder: path.join(folder, 'old-ca'),
    name: 'old',
    organization: 'Old Corp',
  });
  const newCa = await openInternalCa({ ...caBase, folder: path.join(folder, 'ca') });
  const keyStore = new FileKeyStore(path.join(folder, 'keys'));
  const fileDeployer = new FileDeployer({ keyStore });
  const notifier = new RecordingNotifier();
  const ticketing = new RecordingTicketing();
  const campaignNotifier = new RecordingNotifier();
  const campaignTicketing = new RecordingTicketing('CAMP');
  const taskQueue = uniqueTaskQueue('campaign');
  const securityLeads = [CAMPAIGN_PEOPLE.securityLead.id];
  // As a certflow worker does when it starts: the client reads the roles the worker publishes.
  const publishedRoles = new SqlPublishedRoles({ db });
  await publishedRoles.publish(taskQueue, {
    securityLeads,
    admins: [],
    publishedBy: 'campaign harness',
    publishedAt: new Date().toISOString(),
  });
  const lifecycles = createLifecycleClient({ client: env.client, taskQueue, store, searchAttributes: false });
  const campaigns = createCampaignClient({
    client: env.client,
    taskQueue,
    store,
    campaigns: campaignStore,
    roles: publishedRoles.readerFor(taskQueue),
    defaultChannelId: 'CCAMPAIGN',
    searchAttributes: false,
    ...(options.timings ? { timings: options.timings } : {}),
  });
  const oldIssuerDn = decodeCertificates(new TextEncoder().encode(oldCa.issuingPem()), 'old CA').certificates[0]?.facts
    .subject.text;
  if (!oldIssuerDn) throw new Error('the old CA has no issuing certificate');
  // Renewals come from the new CA; revocations go to whichever CA issued the certificate.
  const ca: CertificateAuthorityPort = {
    name: 'internal',
    issue: (request) => newCa.issue(request),
    revoke: async (request) => ((await oldCa.issues(request.issuer)) ? oldCa : newCa).revoke(request),
    issues: async (issuer) => (await oldCa.issues(issuer)) || (await newCa.issues(issuer)),
  };
  let seeds = 0;
  let activityCalls = 0;
  const memberChanges: MemberStateChange[] = [];
  /** The campaign store as the lifecycles see it: every state change they write is observed first. */
  const observedStore = new Proxy(campaignStore, {
    get(target, property) {
      if (property === 'updateMemberState') {
        return (change: MemberStateChange) => {
          memberChanges.push(change);
          return target.updateMemberState(change);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  }) as CampaignStore;
  /** Counts every activity call, so the benchmark's baseline runs as many no-op activities. */
  const counted = <T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T =>
    Object.fromEntries(
      Object.entries(activities).map(([name, fn]) => [
        name,
        (...args: never[]) => {
          activityCalls += 1;
          return fn(...args);
        },
      ]),
    ) as T;

  const workerOptions = (identity: string, maxCachedWorkflows: number | undefined) => {
    const lifecycle: LifecycleActivityDeps = {
      store,
      loadPolicy: () => Promise.resolve(harness.policy),
      keyStore,
      issuers: certificateAuthorities([ca]),
      deployers: harness.deployers,
      notifications: notifier,
      ticketing,
      securityLeads,
      admins: [],
      publicUrl: 'https://certflow.test',
      campaigns: observedStore,
    };
    const campaign: CampaignActivityDeps = {
      store,
      campaigns: campaignStore,
      notifier: harness.publishing.notifier,
      ticketing: harness.publishing.ticketing,
      lifecycles: () => lifecycles,
      securityLeads,
      admins: [],
    };
    return {
      connection: env.nativeConnection,
      taskQueue,
      identity,
      workflowBundle: options.workflowBundle ?? workflowBundle(),
      ...(maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows }),
      activities: counted(createActivities({ workerIdentity: identity, lifecycle, campaign })),
    };
  };

  const harness: CampaignHarness = {
    env,
    taskQueue,
    folder,
    store,
    db,
    campaignStore,
    memberChanges,
    oldCa,
    newCa,
    oldIssuerDn,
    notifier,
    ticketing,
    campaignNotifier,
    campaignTicketing,
    publishing: { notifier: campaignNotifier, ticketing: campaignTicketing },
    lifecycles,
    campaigns,
    policy: DEFAULT_POLICY,
    deployers: [fileDeployer],

    async seed(groups, count, seedOptions = {}) {
      const issuer = seedOptions.ca === 'new' ? newCa : oldCa;
      const daysLeft = seedOptions.daysLeft ?? 200;
      const made: CampaignSeed[] = [];
      for (const group of groups) {
        if ((await store.getOwnerGroup(group)) === null) await store.upsertOwnerGroup(campaignGroup(group));
        const upserts = [];
        for (let i = 0; i < count; i += 1) {
          seeds += 1;
          const name = `svc-${seeds}.${group}.example.com`;
          const keyRef = `seed/${seeds}`;
          await keyStore.ensureKeyPair(keyRef, { algorithm: 'EC', curve: 'P-256' });
          const subject = `CN=${name}, O=Example`;
          const issued = await issuer.issue({
            idempotencyKey: `seed-${seeds}`,
            csrPem: await keyStore.createCsr(keyRef, { subject, dnsNames: [name], ipAddresses: [] }),
            subject,
            dnsNames: [name],
            ipAddresses: [],
            validityDays: daysLeft + 30,
          });
          const location: CertificateLocation = {
            kind: 'file',
            path: path.join(folder, 'deploy', group, String(seeds), 'cert.pem'),
          };
          await fs.mkdir(path.dirname(location.path), { recursive: true });
          await fileDeployer.install({
            idempotencyKey: `seed-${seeds}`,
            location,
            certificatePem: issued.certificatePem,
            chainPems: issued.chainPems,
            keyRef,
            fingerprintSha256: issued.fingerprintSha256,
          });
          const parsed = decodeCertificates(new TextEncoder().encode(issued.certificatePem), 'seed').certificates[0];
          if (!parsed) throw new Error('seed certificate did not parse');
          upserts.push({ parsed, issued, location, group });
        }
        if (seedOptions.record === false) {
          made.push(
            ...upserts.map(({ parsed, issued, location }) => ({
              managedCertificateId: '',
              fingerprint: parsed.facts.fingerprintSha256,
              serialNumber: issued.serialNumber,
              ownerGroup: group,
              location,
            })),
          );
          continue;
        }
        const at = new Date().toISOString();
        await store.upsertCertificates(
          upserts.map(({ parsed, location }) => ({
            facts: parsed.facts,
            der: parsed.der,
            metadata: { ownerGroup: group, locations: [location] },
          })),
          at,
        );
        const assigned = await store.assignManagedCertificates(
          upserts.map(({ parsed }) => parsed.facts.fingerprintSha256),
          at,
        );
        const byFingerprint = new Map(assigned.created.map((managed) => [managed.currentFingerprint, managed.id]));
        for (const { parsed, issued, location } of upserts) {
          const managedCertificateId = byFingerprint.get(parsed.facts.fingerprintSha256);
          if (!managedCertificateId) throw new Error(`seed ${parsed.facts.subject.text} was not assigned`);
          made.push({
            managedCertificateId,
            fingerprint: parsed.facts.fingerprintSha256,
            serialNumber: issued.serialNumber,
            ownerGroup: group,
            location,
          });
        }
      }
      return made;
    },

    async startLifecycles(seeded) {
      const report = await lifecycles.ensureLifecycles(seeded.map((seed) => seed.managedCertificateId));
      if (report.failed.length > 0 || report.skipped.length > 0) {
        throw new Error(`lifecycles did not start: ${JSON.stringify([...report.failed, ...report.skipped])}`);
      }
    },

    async withWorker(fn, runOptions = {}) {
      const worker = await Worker.create(
        workerOptions(runOptions.identity ?? 'campaign-test-worker', runOptions.maxCachedWorkflows),
      );
      return await worker.runUntil(fn);
    },

    async startWorker(runOptions = {}) {
      const worker = await Worker.create({
        ...workerOptions(runOptions.identity ?? 'campaign-test-worker', runOptions.maxCachedWorkflows),
        // Stopping waits for the activities under way to finish, as a rolling restart does, however slow the machine
        // is: an abandoned one would hold the time-skipping server's clock until its timeout (issue 14 item 17).
        shutdownGraceTime: '1 hour',
      });
      const running = worker.run();
      return async () => {
        worker.shutdown();
        await running;
      };
    },

    activityCalls: () => activityCalls,

    async progress(campaignId) {
      return await env.client.workflow.getHandle(campaignWorkflowId(campaignId)).query(campaignProgressQuery);
    },

    async waitForProgress(campaignId, predicate, what) {
      return await waitForQuietQuery(
        env,
        campaignWorkflowId(campaignId),
        campaignProgressQuery,
        predicate,
        what,
        // Generous: under load (other test files on the same cores) a campaign is slow, not stuck; a stuck one fails
        // the test at its own timeout with this wait's last state.
        540_000,
      );
    },

    async close() {
      await store.close();
      if (ownEnv) await env.teardown();
      await fs.rm(folder, { recursive: true, force: true });
    },
  };
  return harness;
}
