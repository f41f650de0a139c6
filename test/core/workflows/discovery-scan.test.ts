/**
 * The scheduled discovery workflow on the time-skipping server, with its real activities over a SQLite inventory and
 * the real scan use case behind a fake network: who hears of a scan's findings, once.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openInventoryDatabase } from '../../../src/adapters/database/database';
import type { InventoryDatabase } from '../../../src/adapters/database/kysely-inventory-store';
import { SqlDiscoveryStore } from '../../../src/adapters/database/sql-discovery-store';
import { createDiscoveryActivities } from '../../../src/core/activities/discovery';
import { runScanDefinition } from '../../../src/core/application/discovery-schedules';
import { parseCertificateDer } from '../../../src/core/domain/certificates/parse-certificate';
import type { TicketRef } from '../../../src/core/domain/lifecycle/model';
import { DEFAULT_POLICY } from '../../../src/core/domain/policy/load-policy';
import type { DiscoveryScans, ScanDefinition } from '../../../src/core/ports/discovery-scans';
import type { InventoryStore } from '../../../src/core/ports/inventory-store';
import type { discoveryScanWorkflow } from '../../../src/core/workflows/discovery-scan';
import { createIntermediateCa, createLeaf, createRootCa } from '../../support/certificate-factory';
import { FakeNetworkScanner } from '../../support/fakes/fake-network-scanner';
import { RecordingDiscoveryNotifier } from '../../support/fakes/recording-discovery-notifier';
import { RecordingNotifier } from '../../support/fakes/recording-notifier';
import { RecordingTicketing } from '../../support/fakes/recording-ticketing';
import { ownerGroupFixture, summaryFixture } from '../../support/lifecycle-fixtures';
import { createTimeSkippingEnv, uniqueTaskQueue, workflowBundle } from '../../support/temporal';

const DAY = 86_400_000;
// TLS-style checks in the use case read the wall clock: certificates are dated around it.
const NOW = Date.now();
const root = createRootCa();
const issuing = createIntermediateCa(root);
const leaf = (name: string, fromDaysAgo: number, toDaysAhead: number) =>
  parseCertificateDer(
    createLeaf(issuing, {
      subject: `CN=${name}, O=Example Corp, C=US`,
      subjectAltNames: { dns: [name] },
      notBefore: new Date(NOW - fromDaysAgo * DAY),
      notAfter: new Date(NOW + toDaysAhead * DAY),
    }).der,
  );
const SHOP = leaf('shop.example.com', 10, 60);
const OLD = leaf('old.example.com', 100, -5);
const INTERMEDIATE = parseCertificateDer(issuing.der);
const GROUP = ownerGroupFixture({ id: 'payments', name: 'Payments' });

const DEFINITION: ScanDefinition = {
  targets: ['127.0.0.2:443=shop.example.com', '127.0.0.3:443=old.example.com'],
  limits: { concurrency: 4, connectTimeoutMs: 1000, handshakeTimeoutMs: 1000 },
  maxAddresses: 16,
  trustStore: null,
};

describe('discoveryScanWorkflow on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  let store: InventoryStore;
  let db: Kysely<InventoryDatabase>;
  let network: FakeNetworkScanner;
  let notifier: RecordingDiscoveryNotifier;
  let notifications: RecordingNotifier;
  let ticketing: RecordingTicketing;
  let oldTicket: TicketRef;
  let oldManagedId: string;

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  beforeEach(async () => {
    ({ store, db } = await openInventoryDatabase({ url: ':memory:' }));
    network = new FakeNetworkScanner(() => new Date().toISOString());
    network.endpoints.set('127.0.0.2:443=shop.example.com', { chain: [SHOP, INTERMEDIATE] });
    network.endpoints.set('127.0.0.3:443=old.example.com', { chain: [OLD, INTERMEDIATE] });
    notifier = new RecordingDiscoveryNotifier();
    notifications = new RecordingNotifier();
    ticketing = new RecordingTicketing();
    // The expired certificate is known, owned by payments and managed, and its lifecycle has a ticket open.
    await store.upsertOwnerGroup(GROUP);
    const at = new Date().toISOString();
    await store.upsertCertificates([{ facts: OLD.facts, der: OLD.der, metadata: { ownerGroup: 'payments' } }], at);
    await store.assignManagedCertificates([OLD.facts.fingerprintSha256], at);
    oldManagedId = (await store.findManagedCertificateByFingerprint(OLD.facts.fingerprintSha256))?.id ?? '';
    oldTicket = await ticketing.ensureChangeTicket({
      idempotencyKey: `${oldManagedId}/c1/ticket`,
      certificate: summaryFixture({ managedCertificateId: oldManagedId }),
      group: GROUP,
      renewalDeadline: at,
      violations: [],
      link: null,
    });
  });
  afterEach(() => store.close());

  /** Runs one scan of DEFINITION on a worker of its own and returns its result. */
  async function runScan(runId: string) {
    const taskQueue = uniqueTaskQueue('discovery-scan');
    const scans: DiscoveryScans = {
      run: (input) =>
        runScanDefinition({
          definition: input.definition,
          scanner: network,
          store,
          discovery: new SqlDiscoveryStore({ db }),
          policy: DEFAULT_POLICY,
          actor: input.actor,
          where: input.where,
          onProgress: input.onProgress,
          whenReachable: () => Promise.resolve({ unavailable: 'no lifecycles in this test' }),
        }),
      openTicket: (managedCertificateId) =>
        Promise.resolve(
          managedCertificateId === oldManagedId
            ? { ticket: oldTicket, certificate: summaryFixture({ managedCertificateId }) }
            : { ticket: null, certificate: null },
        ),
    };
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: workflowBundle(),
      activities: createDiscoveryActivities({
        scans: () => scans,
        store,
        notifier,
        notifications,
        ticketing,
        loadPolicy: () => Promise.resolve(DEFAULT_POLICY),
        security: { channelId: 'C0SECURITY', leads: ['slack:U0LEAD'] },
        publicUrl: null,
      }),
    });
    return await worker.runUntil(
      env.client.workflow.execute<typeof discoveryScanWorkflow>('discoveryScanWorkflow', {
        taskQueue,
        workflowId: runId,
        args: [{ scan: 'lab', definition: DEFINITION }],
      }),
    );
  }

  it('R-MON-6, R-MON-3: one digest per owner group, a comment on the open ticket, the incident path for an expired certificate still served; R-INV-2: unowned ones to security once', async () => {
    const first = await runScan('discovery:lab-1');

    expect(first.summary.endpoints).toMatchObject({ scanned: 2, served: 2, failed: 0 });
    expect(first.delivered).toEqual({ digests: 1, certificates: 1, incidents: 1, unowned: 1 });
    expect(first.failedDeliveries).toEqual([]);
    // The owner group's digest: its channel and owners, the expired certificate's incident among the findings.
    expect(notifier.digests).toHaveLength(1);
    const digest = notifier.digests[0];
    expect(digest?.idempotencyKey).toBe('discovery:lab-1/digest/payments');
    expect(digest?.audience.channelId).toBe('C0PAYMENTS');
    expect(digest?.opened.map((finding) => finding.kind)).toContain('expired-served');
    expect(digest?.opened.every((finding) => finding.fingerprint === OLD.facts.fingerprintSha256)).toBe(true);
    // The lifecycle's incident path: the incident notification and the ticket's incident escalation.
    expect(notifications.sent.map((sent) => [sent.kind, sent.idempotencyKey])).toEqual([
      ['incident', `discovery:lab-1/certificate/${oldManagedId}/incident`],
    ]);
    const ticket = ticketing.tickets[0];
    expect(ticket?.comments.map((comment) => comment.step)).toEqual(['discovery-findings']);
    expect(ticket?.comments[0]?.body).toContain('127.0.0.3:443');
    expect(ticket?.escalations.map((escalation) => escalation.level)).toEqual(['incident']);
    // The new certificate nobody owns, to the security channel and leads.
    expect(notifier.announcements).toHaveLength(1);
    expect(notifier.announcements[0]?.audience).toEqual({
      channelId: 'C0SECURITY',
      people: [{ slackUserId: 'U0LEAD' }],
    });
    expect(notifier.announcements[0]?.certificates.map((certificate) => certificate.fingerprint)).toEqual([
      SHOP.facts.fingerprintSha256,
    ]);
    const audit = await store.queryAudit({ action: 'discovery.' }, { limit: 50 });
    expect(new Set(audit.items.map((entry) => entry.action))).toEqual(
      new Set([
        'discovery.completed',
        'discovery.digest-sent',
        'discovery.ticket-commented',
        'discovery.ticket-escalated',
        'discovery.unowned-announced',
      ]),
    );

    // The next scan finds the same: nothing new to announce, to anyone.
    const second = await runScan('discovery:lab-2');
    expect(second.summary.findings).toMatchObject({ opened: 0, stillOpen: first.summary.findings.opened });
    expect(second.delivered).toEqual({ digests: 0, certificates: 0, incidents: 0, unowned: 0 });
    expect(notifier.digests).toHaveLength(1);
    expect(notifier.announcements).toHaveLength(1);
    expect(notifications.sent).toHaveLength(1);

    // The expired certificate is replaced at its endpoint: its findings resolve and the group hears so.
    network.endpoints.set('127.0.0.3:443=old.example.com', { chain: [SHOP, INTERMEDIATE] });
    const third = await runScan('discovery:lab-3');
    expect(third.delivered.digests).toBe(1);
    expect(notifier.digests[1]?.resolved.map((finding) => finding.kind)).toContain('expired-served');
  });
});
