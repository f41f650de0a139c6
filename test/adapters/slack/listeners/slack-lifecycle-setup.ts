/**
 * The Slack app over real lifecycles, for the `/certflow` and App Home tests: a time-skipping server, an in-memory
 * inventory with two owner groups and their certificates, the real lifecycle workflow on a test worker, the lifecycle
 * client, the Slack stand-in with the groups' people, and the Bolt app mounted on certflow's HTTP server.
 */
import { createHash } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createSlackApp, SLACK_EVENTS_PATH, type SlackApp } from '../../../../src/adapters/slack/app';
import { createLifecycleClient, type LifecycleClient } from '../../../../src/core/application/lifecycle-client';
import type { OwnerGroup } from '../../../../src/core/domain/inventory/model';
import { DEFAULT_POLICY } from '../../../../src/core/domain/policy/load-policy';
import { startHttpServer, type RunningHttpServer } from '../../../../src/adapters/shared/http';
import { openInventoryStore } from '../../../../src/adapters/database/database';
import { importCertificates } from '../../../../src/core/application/import-certificates';
import { decodeCertificateFiles } from '../../../../src/adapters/certificate-files/decode-certificate-file';
import type { InventoryStore } from '../../../../src/core/ports/inventory-store';
import { startSlackStandIn, type SlackStandIn } from '../../../../src/adapters/slack/stand-in/slack-stand-in';
import type { SlackUserDriver } from '../../../../src/adapters/slack/stand-in/user-driver';
import { createIntermediateCa, createLeaf, createRootCa } from '../../../support/certificate-factory';
import { startLifecycleTestWorker, type LifecycleTestWorker } from '../../../support/lifecycle-test-worker';
import { ownerGroupFixture } from '../../../support/lifecycle-fixtures';
import { createTimeSkippingEnv, uniqueTaskQueue } from '../../../support/temporal';
import { DAY_MS } from '../../../../src/core/domain/duration';

const BOT_TOKEN = 'xoxb-test-token';
const SIGNING_SECRET = 'test-signing-secret';

/**
 * Slack users: alice owns payments, bob and carol approve it, dave owns mail, erin owns edge through its Slack user
 * group, mallory is in no group.
 */
export const USERS = {
  alice: { id: 'U0ALICE', name: 'alice', email: 'alice@example.com' },
  bob: { id: 'U0BOB', name: 'bob', email: 'bob@example.com' },
  carol: { id: 'U0CAROL', name: 'carol', email: 'carol@example.com' },
  dave: { id: 'U0DAVE', name: 'dave', email: 'dave@example.com' },
  erin: { id: 'U0ERIN', name: 'erin', email: 'erin@example.com' },
  mallory: { id: 'U0MALLORY', name: 'mallory', email: 'Mallory@Example.com' },
} as const;

/** The Slack user group whose members own the edge group. */
export const EDGE_USER_GROUP = 'S0EDGE';

/** The owner groups; people are listed by e-mail, so Slack users hold roles through their e-mail alias. */
export const GROUPS: readonly OwnerGroup[] = [
  ownerGroupFixture({
    id: 'payments',
    name: 'Payments',
    contacts: [{ email: USERS.alice.email }],
    approvers: [{ email: USERS.bob.email }, { email: USERS.carol.email }],
  }),
  ownerGroupFixture({ id: 'mail', name: 'Mail', contacts: [{ email: USERS.dave.email }], approvers: [] }),
  ownerGroupFixture({ id: 'edge', name: 'Edge', contacts: [], approvers: [], slack: { userGroupId: EDGE_USER_GROUP } }),
];

/** The certificates by name: owner group and days left; each expires at a different time. */
export const CERTIFICATES = {
  'soon.example.com': { group: 'payments', daysLeft: 20 },
  'later.example.com': { group: 'payments', daysLeft: 60 },
  'far.example.com': { group: 'payments', daysLeft: 200 },
  'mail.example.com': { group: 'mail', daysLeft: 10 },
  'edge.example.com': { group: 'edge', daysLeft: 45 },
} as const;

/** A certificate's name in {@link CERTIFICATES}. */
export type CertificateName = keyof typeof CERTIFICATES;

/** A running set-up. */
export interface SlackLifecycleSetup {
  readonly env: TestWorkflowEnvironment;
  readonly store: InventoryStore;
  readonly worker: LifecycleTestWorker;
  readonly lifecycles: LifecycleClient;
  readonly standIn: SlackStandIn;
  readonly slack: SlackApp;
  /** Managed certificate ids by name. */
  readonly ids: Readonly<Record<CertificateName, string>>;
  /** Lines the Slack app logged. */
  readonly logged: string[];
  /** Inventory methods that fail for the Slack app (and only for it) while named here, as on a broken disk. */
  readonly failing: Set<keyof InventoryStore>;
  /** A Slack user acting against the app. */
  as(user: keyof typeof USERS): SlackUserDriver;
  close(): Promise<void>;
}

/** Starts everything; `close()` stops it in reverse order. */
export async function startSlackLifecycleSetup(): Promise<SlackLifecycleSetup> {
  const now = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS);
  const env = await createTimeSkippingEnv();
  const store = await openInventoryStore({ url: ':memory:' });
  for (const group of GROUPS) await store.upsertOwnerGroup(group);
  const issuing = createIntermediateCa(createRootCa());
  const ids: Partial<Record<CertificateName, string>> = {};
  for (const [name, { group, daysLeft }] of Object.entries(CERTIFICATES) as [
    CertificateName,
    { group: string; daysLeft: number },
  ][]) {
    const leaf = createLeaf(issuing, {
      subject: `CN=${name}, O=Example Corp, C=US`,
      notBefore: new Date(now.getTime() - 100 * DAY_MS),
      notAfter: new Date(now.getTime() + daysLeft * DAY_MS),
    });
    await importCertificates(
      decodeCertificateFiles([{ name: `${name}.pem`, bytes: new TextEncoder().encode(leaf.pem) }]),
      {
        store,
        policy: DEFAULT_POLICY,
        actor: 'user:tester',
        where: 'test',
        now: () => now,
        metadata: { ownerGroup: group },
      },
    );
    const managed = await store.findManagedCertificateByFingerprint(
      createHash('sha256').update(leaf.der).digest('hex'),
    );
    if (!managed) throw new Error(`${name} was not assigned to a managed certificate`);
    ids[name] = managed.id;
  }
  const taskQueue = uniqueTaskQueue('slack-commands');
  const worker = await startLifecycleTestWorker(env, taskQueue, store);
  // The time-skipping server cannot hold custom search attributes.
  const lifecycles = createLifecycleClient({
    client: env.client,
    taskQueue,
    store,
    searchAttributes: false,
    where: 'slack',
  });
  const report = await lifecycles.ensureLifecycles(Object.values(ids));
  if (report.started !== Object.keys(CERTIFICATES).length)
    throw new Error(`lifecycles did not start: ${JSON.stringify(report)}`);
  // Until a lifecycle has read its context its state query knows no certificate: tests start from loaded ones.
  for (const id of Object.values(ids)) {
    await worker.waitFor(id, (view) => view.certificate !== null, `the lifecycle of ${id} to load`);
  }
  const standIn = await startSlackStandIn({
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    users: Object.values(USERS),
    userGroups: [{ id: EDGE_USER_GROUP, handle: 'edge-owners', users: [USERS.erin.id] }],
    channels: [{ id: 'C0PAYMENTS', name: 'payments' }],
  });
  const logged: string[] = [];
  const failing = new Set<keyof InventoryStore>();
  // The Slack app's view of the inventory: the same store, except that the methods in `failing` fail.
  const slackStore = new Proxy(store, {
    get(target, property, receiver) {
      if (failing.has(property as keyof InventoryStore)) return () => Promise.reject(new Error('disk I/O error'));
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  const slack = await createSlackApp({
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
    slackApiUrl: standIn.apiUrl,
    lifecycles,
    store: slackStore,
    log: (message) => logged.push(message),
  });
  if (!slack.mount) throw new Error('the Slack app runs over HTTP in these tests');
  const server: RunningHttpServer = await startHttpServer({ host: '127.0.0.1', port: 0, handlers: [slack.mount] });
  return {
    env,
    store,
    worker,
    lifecycles,
    standIn,
    slack,
    ids: ids as Record<CertificateName, string>,
    logged,
    failing,
    as: (user) => standIn.as(USERS[user].id, { appUrl: `${server.url}${SLACK_EVENTS_PATH}` }),
    async close() {
      await server.close();
      await standIn.close();
      await worker.stop();
      await store.close();
      await env.teardown();
    },
  };
}
