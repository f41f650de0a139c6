import { createHash } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLifecycleClient, type LifecycleClient } from '../../../src/core/application/lifecycle-client';
import {
  InvalidRequestIdError,
  LifecycleTimeoutError,
  SearchAttributesMissingError,
  TemporalUnavailableError,
} from '../../../src/core/application/lifecycle-errors';
import { LifecycleNotFoundError, LifecycleRefusedError } from '../../../src/core/ports/lifecycle-port';
import {
  ManagedCertificateNotFoundError,
  resolveManagedCertificate,
} from '../../../src/core/application/resolve-managed-certificate';
import { decodeCertificates } from '../../../src/core/domain/certificates/decode-certificates';
import type { OwnerGroup } from '../../../src/core/domain/inventory/model';
import { DEFAULT_POLICY } from '../../../src/core/domain/policy/load-policy';
import { openInventoryStore } from '../../../src/adapters/database/database';
import { importCertificates, type ImportReport } from '../../../src/core/application/import-certificates';
import {
  decodeCertificateFiles,
  type CertificateFile,
} from '../../../src/adapters/certificate-files/decode-certificate-file';
import { InventoryInputError } from '../../../src/core/ports/inventory-errors';
import type { InventoryStore, ManagedCertificate } from '../../../src/core/ports/inventory-store';
import { lifecycleWorkflowId } from '../../../src/core/workflows/definitions';
import type { LifecycleView } from '../../../src/core/domain/lifecycle/lifecycle-view';
import {
  createIntermediateCa,
  createLeaf,
  createRootCa,
  generateLeafSet,
  type IssuedCertificate,
} from '../../support/certificate-factory';
import { startLifecycleTestWorker, type LifecycleTestWorker } from '../../support/lifecycle-test-worker';
import { freePort } from '../../support/ports';
import { createDevServerEnv, createTimeSkippingEnv, uniqueTaskQueue } from '../../support/temporal';

const DAY = 86_400_000;
// The real workflow plans on the server's clock, which starts at the wall clock: certificates are dated from the
// start of today (UTC), one fixed instant for the whole file.
const NOW = new Date(Math.floor(Date.now() / DAY) * DAY);
const alice = { id: 'email:alice@example.com' };
const bob = { id: 'email:bob@example.com' };
const carol = { id: 'email:carol@example.com' };
const mallory = { id: 'email:mallory@example.com' };

const root = createRootCa();
const issuing = createIntermediateCa(root);
const leaf = (name: string, expiresInDays: number, issuedDaysAgo = 100) =>
  createLeaf(issuing, {
    subject: `CN=${name}, O=Example Corp, C=US`,
    notBefore: new Date(NOW.getTime() - issuedDaysAgo * DAY),
    notAfter: new Date(NOW.getTime() + expiresInDays * DAY),
  });
const fingerprintOf = (certificate: IssuedCertificate) => createHash('sha256').update(certificate.der).digest('hex');

/** An owner group: the lifecycle's roster (who owns, who approves) comes from the inventory's groups. */
function ownerGroup(id: string, contacts: readonly string[], approvers: readonly string[]): OwnerGroup {
  return {
    id,
    name: id,
    contacts: contacts.map((email) => ({ email })),
    approvers: approvers.map((email) => ({ email })),
    managementContact: null,
    incidentResponseContact: null,
    slack: {},
    jira: {},
    reminderDays: null,
    autoRenew: false,
  };
}

/** alice owns; bob and carol approve. */
const GROUPS = [
  ownerGroup('payments', ['alice@example.com'], ['bob@example.com', 'carol@example.com']),
  ownerGroup('mail', ['alice@example.com'], ['bob@example.com']),
];

/** Imports `certificates` into `store` for `ownerGroup` (`none`: unowned). */
async function importInto(
  store: InventoryStore,
  ownerGroup: string,
  certificates: readonly IssuedCertificate[],
): Promise<ImportReport> {
  const sources: CertificateFile[] = certificates.map((certificate, index) => ({
    name: `${ownerGroup}-${index}.pem`,
    bytes: new TextEncoder().encode(certificate.pem),
  }));
  const report = await importCertificates(decodeCertificateFiles(sources), {
    store,
    policy: DEFAULT_POLICY,
    actor: 'user:tester',
    where: 'test',
    now: () => NOW,
    metadata: ownerGroup === 'none' ? undefined : { ownerGroup },
  });
  expect(report.errors).toEqual([]);
  return report;
}

/**
 * An in-memory inventory with the owner groups of {@link GROUPS}, holding `groups` of certificates; returns the store
 * and the managed ids in `groups` order.
 */
async function inventory(
  groups: Record<string, readonly IssuedCertificate[]>,
): Promise<{ store: InventoryStore; ids: string[] }> {
  const store = await openInventoryStore({ url: ':memory:' });
  for (const group of GROUPS) await store.upsertOwnerGroup(group);
  const ids: string[] = [];
  const fingerprints: string[] = [];
  for (const [ownerGroup, certificates] of Object.entries(groups)) {
    await importInto(store, ownerGroup, certificates);
    fingerprints.push(...certificates.map(fingerprintOf));
  }
  for (const fingerprint of fingerprints) {
    const managed = await store.findManagedCertificateByFingerprint(fingerprint);
    if (managed) ids.push(managed.id);
  }
  return { store, ids };
}

describe('the lifecycle client on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  let worker: LifecycleTestWorker;
  let store: InventoryStore;
  let lifecycles: LifecycleClient;
  let ids: string[];
  const taskQueue = uniqueTaskQueue('lifecycle-client');

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    ({ store, ids } = await inventory({
      payments: [leaf('pay-1.example.com', 100), leaf('pay-2.example.com', 100), leaf('old.example.com', -5)],
      mail: [leaf('mail.example.com', 200)],
      none: [issuing],
    }));
    worker = await startLifecycleTestWorker(env, taskQueue, store);
    // The time-skipping server cannot hold custom search attributes.
    lifecycles = createLifecycleClient({
      client: env.client,
      taskQueue,
      store,
      searchAttributes: false,
      now: () => NOW,
    });
  });

  afterAll(async () => {
    await worker?.stop();
    await store?.close();
    await env?.teardown();
  });

  /** An in-memory inventory of `count` generated leaves, a lifecycle worker on it and a client, handed to `work`. */
  async function withLeafInventory(
    leaves: { seed: string; count: number; issuedFrom: Date },
    work: (inventory: {
      bulk: InventoryStore;
      client: LifecycleClient;
      bulkWorker: LifecycleTestWorker;
    }) => Promise<void>,
  ): Promise<void> {
    const set = generateLeafSet(leaves);
    const bulk = await openInventoryStore({ url: ':memory:' });
    try {
      await importCertificates(
        decodeCertificateFiles(set.leaves.map((der, index) => ({ name: `leaf-${index}.der`, bytes: der }))),
        { store: bulk, policy: DEFAULT_POLICY, actor: 'user:tester', where: 'test', now: () => NOW },
      );
      const bulkQueue = uniqueTaskQueue(leaves.seed);
      const bulkWorker = await startLifecycleTestWorker(env, bulkQueue, bulk);
      try {
        const client = createLifecycleClient({
          client: env.client,
          taskQueue: bulkQueue,
          store: bulk,
          searchAttributes: false,
          now: () => NOW,
        });
        await work({ bulk, client, bulkWorker });
      } finally {
        await bulkWorker.stop();
      }
    } finally {
      await bulk.close();
    }
  }

  it('R-MON-1: starts one lifecycle per managed certificate; starting again is a no-op; expired, retired and unknown ones are reported', async () => {
    const [pay1, pay2, expired, mail] = ids as [string, string, string, string];
    const first = await lifecycles.ensureLifecycles([pay1, pay2], { concurrency: 2 });
    expect(first).toEqual({ started: 2, alreadyRunning: 0, skipped: [], failed: [] });
    const runId = (await env.client.workflow.getHandle(lifecycleWorkflowId(pay1)).describe()).runId;

    await store.updateManagedLifecycle(mail, { phase: 'retired', detail: null, retired: true }, NOW.toISOString());
    const progress: number[] = [];
    const second = await lifecycles.ensureLifecycles([pay1, pay2, expired, mail, 'ffffffffffffffff'], {
      total: 5,
      onProgress: ({ done, total }) => progress.push(done / (total ?? 1)),
    });
    expect(second.started).toBe(0);
    expect(second.alreadyRunning).toBe(2);
    expect(second.skipped).toHaveLength(2);
    expect(second.skipped).toEqual(
      expect.arrayContaining([
        {
          managedCertificateId: expired,
          reason: `expired ${new Date(NOW.getTime() - 5 * DAY).toISOString()}: nothing to watch`,
        },
        { managedCertificateId: mail, reason: 'retired: nothing to watch' },
      ]),
    );
    expect(second.failed).toEqual([
      { managedCertificateId: 'ffffffffffffffff', reason: 'not a managed certificate in the inventory' },
    ]);
    expect(progress.at(-1)).toBe(1);
    expect((await env.client.workflow.getHandle(lifecycleWorkflowId(pay1)).describe()).runId).toBe(runId);
    await store.updateManagedLifecycle(mail, { phase: 'monitoring', detail: null, retired: false }, NOW.toISOString());
  });

  it('R-RA-2: a renewal request is answered synchronously; only another approver decides it; refusals are typed, say why and are logged', async () => {
    const id = ids[0]!;
    await lifecycles.ensureLifecycles([id]);
    const refused = await lifecycles
      .requestRenewal(id, { requestedBy: mallory, reason: 'mine now' })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(LifecycleRefusedError);
    expect(refused).toMatchObject({ code: 'not-owner', message: expect.stringMatching(/mallory.*not an owner/) });

    const request = await lifecycles.requestRenewal(id, { requestedBy: bob, reason: 'key rotation' });
    expect(request).toMatchObject({ id: `${id}.1.1`, kind: 'renewal', status: 'awaiting-approval', requestedBy: bob });
    expect((await lifecycles.status(id)).request?.id).toBe(request.id);

    const decide = (decidedBy: typeof bob, decision: 'approve' | 'reject', reason?: string) =>
      lifecycles.decide({ requestId: request.id, decision, decidedBy, reason }).catch((error: unknown) => error);
    expect(await decide(alice, 'approve')).toMatchObject({ code: 'not-approver' });
    expect(await decide(bob, 'approve')).toMatchObject({ code: 'self-approval' });
    expect(await decide(carol, 'reject')).toMatchObject({ code: 'reason-required' });
    const approved = await lifecycles.decide({ requestId: ` ${request.id} `, decision: 'approve', decidedBy: carol });
    expect(approved).toMatchObject({ status: 'approved', decidedBy: carol });
    expect(await decide(carol, 'approve')).toMatchObject({ code: 'already-decided' });

    // The approval request went to the group's approvers; the approved renewal was issued, then stopped at
    // installation because the certificate has no recorded location, and the decision was shown to them.
    const failed = await worker.waitFor(id, (view) => view.request?.status === 'failed', 'the renewal to stop');
    expect(failed.lastProblem).toMatch(/no recorded location to install to/);
    const approvals = worker.notifier.ofKind('approval-request');
    expect(approvals.map((sent) => [sent.request.id, sent.audience.people.map((person) => person.email)])).toEqual([
      [request.id, ['bob@example.com', 'carol@example.com']],
    ]);
    expect(worker.notifier.decisions.map((shown) => shown.update.decidedBy)).toEqual([carol]);

    const logged = await store.queryAudit({ action: 'lifecycle.refused' }, { limit: 10 });
    expect(logged.items.map((entry) => [entry.actor, entry.subject, entry.details.code])).toEqual([
      ['email:mallory@example.com', id, 'not-owner'],
      ['email:alice@example.com', id, 'not-approver'],
      ['email:bob@example.com', id, 'self-approval'],
      ['email:carol@example.com', id, 'reason-required'],
      ['email:carol@example.com', id, 'already-decided'],
    ]);
  });

  it('R-REV-1: a revocation request carries its reason and whether to replace first', async () => {
    const id = ids[1]!;
    await lifecycles.ensureLifecycles([id]);
    const request = await lifecycles.requestRevocation(id, {
      requestedBy: alice,
      reason: 'key leaked',
      revocationReason: 'keyCompromise',
      replace: false,
    });
    expect(request).toMatchObject({ kind: 'revocation', revocationReason: 'keyCompromise', replace: false });
    const view = await worker.waitFor(
      id,
      (state) => state.records.some((record) => record.kind === 'approval.requested'),
      'the approval request',
    );
    expect(view).toMatchObject({
      phase: 'awaiting-approval',
      request: { id: request.id, status: 'awaiting-approval' },
    });
  });

  it('names the fix when no lifecycle runs or a request id is malformed', async () => {
    const stranger = 'abcdefabcdefabcd';
    await expect(lifecycles.status(stranger)).rejects.toThrow(LifecycleNotFoundError);
    await expect(lifecycles.requestRenewal(stranger, { requestedBy: alice, reason: 'x' })).rejects.toThrow(
      /no lifecycle is running for managed certificate abcdefabcdefabcd: run `certflow lifecycle sync`/,
    );
    await expect(
      lifecycles.decide({ requestId: `${stranger}.1.1`, decision: 'approve', decidedBy: carol }),
    ).rejects.toThrow(LifecycleNotFoundError);
    for (const requestId of ['', 'approve-it', `${stranger}.1`, 'ABCDEFXY.1.1']) {
      await expect(lifecycles.decide({ requestId, decision: 'approve', decidedBy: carol })).rejects.toThrow(
        InvalidRequestIdError,
      );
    }
  });

  it('R-MON-1: signals a replaced certificate and changed inputs to one lifecycle or to an owner group (from the inventory where visibility is missing)', async () => {
    const [pay1, pay2, , mail] = ids as [string, string, string, string];
    await lifecycles.ensureLifecycles([pay1, pay2, mail]);
    // Renewed by hand: the inventory records a newer version with the same names, and the import tells the lifecycle.
    const newer = leaf('pay-1.example.com', 300, 1);
    const imported = await importInto(store, 'payments', [newer]);
    expect(imported.managed.replaced.map((replaced) => replaced.managedCertificateId)).toEqual([pay1]);
    expect(
      await lifecycles.notifyReplaced(pay1, { fingerprintSha256: fingerprintOf(newer), detectedBy: 'user:tester' }),
    ).toBe('signalled');
    expect(
      await lifecycles.notifyReplaced('abcdefabcdefabcd', { fingerprintSha256: fingerprintOf(newer), detectedBy: 'x' }),
    ).toBe('not-running');
    const next = await worker.waitFor(pay1, (view) => view.cycle === 2 && view.certificate !== null, 'cycle 2');
    expect(next.certificate?.fingerprintSha256).toBe(fingerprintOf(newer));
    expect(next.records.map((record) => record.kind)).toContain('certificate.replaced-outside-certflow');
    expect(
      worker.notifier.ofKind('renewal-progress').map((sent) => [sent.certificate.managedCertificateId, sent.step]),
    ).toEqual([[pay1, 'replaced-outside-certflow']]);

    const input = { reason: 'owner-group', by: 'user:tester' } as const;
    expect(await lifecycles.notifyInputsChanged({ ownerGroup: 'payments' }, input)).toEqual({
      signalled: 2,
      notRunning: 0,
      via: 'inventory',
    });
    expect(
      await lifecycles.notifyInputsChanged({ managedCertificateId: mail }, { ...input, reason: 'metadata' }),
    ).toEqual({
      signalled: 1,
      notRunning: 0,
      via: 'direct',
    });
    expect(await lifecycles.notifyInputsChanged({ ownerGroup: 'nobody' }, input)).toEqual({
      signalled: 0,
      notRunning: 0,
      via: 'inventory',
    });
    const replanned = (detail: string) => (view: LifecycleView) =>
      view.records.some((record) => record.kind === 're-planned' && record.detail === detail);
    for (const id of [pay1, pay2]) {
      await worker.waitFor(id, replanned('owner-group changed (user:tester)'), `${id} to re-plan`);
    }
    await worker.waitFor(mail, replanned('metadata changed (user:tester)'), 'mail to re-plan');
    expect((await lifecycles.status(pay1)).cycle).toBe(2);
  });

  it('R-MON-2: a change ticket update reaches the lifecycle whose ticket it is, and an unknown ticket is said to be one', async () => {
    const [, pay2] = ids as [string, string];
    await lifecycles.ensureLifecycles([pay2]);
    await store.updateManagedLifecycle(
      pay2,
      { phase: 'monitoring', detail: null, ticketKey: 'CHG-404' },
      NOW.toISOString(),
    );
    const update = {
      ticketKey: 'CHG-404',
      decision: 'approved',
      reason: null,
      changeWindowStart: null,
      changedBy: { id: 'jira:5b10ac8d82e05b22cc7d4ef5' },
      at: '2026-12-01T10:00:00.000Z',
    } as const;
    expect(await lifecycles.notifyChangeTicketUpdated(update)).toBe('signalled');
    expect(await lifecycles.notifyChangeTicketUpdated({ ...update, ticketKey: 'OPS-1' })).toBe('unknown-ticket');
    // The lifecycle itself opened no ticket CHG-404: it records the update and ignores it.
    await worker.waitFor(
      pay2,
      (view) => view.records.some((record) => record.kind === 'change.ignored' && record.detail.startsWith('CHG-404')),
      'the ignored change update',
    );
  });

  it('R-MON-1: sync starts the lifecycle of every active managed certificate that has not expired, in bounded parallel', async () => {
    const leaves = { count: 120, seed: 'lifecycle-sync', issuedFrom: new Date(NOW.getTime() - 273 * DAY) };
    await withLeafInventory(leaves, async ({ bulk, client, bulkWorker }) => {
      const current: ManagedCertificate[] = [];
      for await (const batch of bulk.eachManagedCertificate({ notAfterFrom: NOW.toISOString() }, 1000)) {
        current.push(...batch.map((item) => item.managed));
      }
      const seen: number[] = [];
      const first = await client.syncLifecycles({ concurrency: 8, onProgress: ({ done }) => seen.push(done) });
      const count = current.length;
      expect(count).toBeGreaterThan(20);
      expect(first).toEqual({ total: count, started: count, alreadyRunning: 0, skipped: [], failed: [] });
      expect(seen).toHaveLength(count);
      expect(await client.syncLifecycles()).toMatchObject({ started: 0, alreadyRunning: count, failed: [] });
      // The real lifecycles run: one loaded its certificate from the inventory.
      const sample = current[count - 1]!;
      const view = await bulkWorker.waitFor(sample.id, (state) => state.certificate !== null, 'a lifecycle to load');
      expect(view.certificate?.fingerprintSha256).toBe(sample.currentFingerprint);
    });
  });

  it('R-CAM-4: a sync stopped part-way resumes: the next one starts only the rest, each lifecycle once', async () => {
    const leaves = { count: 30, seed: 'lifecycle-resume', issuedFrom: new Date(NOW.getTime() - 20 * DAY) };
    await withLeafInventory(leaves, async ({ bulk, client }) => {
      // Ctrl-C after the seventh start: one lane, so nothing starts after the interruption.
      const interrupted = client.syncLifecycles({
        concurrency: 1,
        onProgress: ({ done }) => {
          if (done === 7) throw new Error('interrupted');
        },
      });
      await expect(interrupted).rejects.toThrow('interrupted');
      const resumed = await client.syncLifecycles();
      expect(resumed.alreadyRunning).toBe(7);
      expect(resumed.started).toBe(resumed.total - 7);
      expect(resumed.failed).toEqual([]);
      const runs: string[] = [];
      for await (const batch of bulk.eachManagedCertificate({ notAfterFrom: NOW.toISOString() }, 100)) {
        for (const item of batch) {
          runs.push((await env.client.workflow.getHandle(lifecycleWorkflowId(item.managed.id)).describe()).runId);
        }
      }
      expect(runs).toHaveLength(resumed.total);
      expect(new Set(runs).size).toBe(resumed.total);
    });
  });

  it('R-MON-1: sync gives certificates recorded before lifecycles existed their managed certificate and lifecycle', async () => {
    const set = generateLeafSet({ count: 5, seed: 'lifecycle-backfill', issuedFrom: NOW });
    const legacy = await openInventoryStore({ url: ':memory:' });
    try {
      const items = set.leaves.map((der) => decodeCertificates(der, 'legacy').certificates[0]!);
      await legacy.upsertCertificates(items, NOW.toISOString());
      const before: string[] = [];
      for await (const batch of legacy.eachManagedCertificate({}, 100)) before.push(...batch.map((e) => e.managed.id));
      expect(before).toEqual([]);
      const queue = uniqueTaskQueue('lifecycle-backfill');
      const legacyWorker = await startLifecycleTestWorker(env, queue, legacy);
      try {
        const client = createLifecycleClient({
          client: env.client,
          taskQueue: queue,
          store: legacy,
          searchAttributes: false,
          now: () => NOW,
        });
        const report = await client.syncLifecycles();
        const unexpired = items.filter((item) => Date.parse(item.facts.notAfter) > NOW.getTime()).length;
        expect(unexpired).toBeGreaterThan(0);
        expect(report).toMatchObject({ total: unexpired, started: unexpired, failed: [] });
        const backfilled = await legacy.findManagedCertificateByFingerprint(items[0]!.facts.fingerprintSha256);
        expect(backfilled).not.toBeNull();
      } finally {
        await legacyWorker.stop();
      }
    } finally {
      await legacy.close();
    }
  });

  it('refuses to start lifecycles without their search attributes, saying how to register them', async () => {
    const fresh = leaf('fresh.example.com', 50);
    const report = await importCertificates(
      decodeCertificateFiles([{ name: 'fresh.pem', bytes: new TextEncoder().encode(fresh.pem) }]),
      {
        store,
        policy: DEFAULT_POLICY,
        actor: 'user:tester',
        where: 'test',
        now: () => NOW,
      },
    );
    const strict = createLifecycleClient({ client: env.client, taskQueue, store, now: () => NOW });
    const error = await strict.ensureLifecycles(report.managed.created).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SearchAttributesMissingError);
    expect((error as Error).message).toMatch(/CertflowCertificateId.*start the certflow worker once \(npm start\)/);
    await expect(strict.ensureLifecycles([ids[0]!], { concurrency: 0 })).rejects.toThrow(/concurrency 0/);
  });

  it('gives up on a lifecycle no worker answers, naming the task queue', async () => {
    const idleQueue = uniqueTaskQueue('no-worker');
    const unattended = 'aaaaaaaaaaaaaaaa';
    await env.client.workflow.start('certificateLifecycleWorkflow', {
      taskQueue: idleQueue,
      workflowId: lifecycleWorkflowId(unattended),
      args: [{ managedCertificateId: unattended }],
    });
    const idle = createLifecycleClient({ client: env.client, taskQueue: idleQueue, store, callTimeoutMs: 500 });
    const error = await idle.status(unattended).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LifecycleTimeoutError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `did not answer within 1 s: is the certflow worker running \\(npm start\\) and polling task queue "${idleQueue}"`,
      ),
    );
  });

  it('says to start certflow when Temporal is not reachable', async () => {
    const port = await freePort();
    // Without the default retry interceptor, which would retry the refused connection for most of a minute.
    const connection = Connection.lazy({ address: `127.0.0.1:${port}`, interceptors: [] });
    try {
      const client = new Client({ connection });
      const offline = createLifecycleClient({ client, taskQueue, store, searchAttributes: false, now: () => NOW });
      await expect(offline.ensureLifecycles([ids[0]!])).rejects.toThrow(TemporalUnavailableError);
      await expect(offline.status(ids[0]!)).rejects.toThrow(
        /Temporal is not reachable: .*Start certflow with `npm start`/,
      );
    } finally {
      await connection.close();
    }
  });

  it('resolves what a user types: a managed id, or any version id, fingerprint or prefix; bad ids are typed errors', async () => {
    const id = ids[0]!;
    const managed = await store.getManagedCertificate(id);
    expect((await resolveManagedCertificate(store, id.toUpperCase())).id).toBe(id);
    expect((await resolveManagedCertificate(store, managed!.currentFingerprint)).id).toBe(id);
    expect((await resolveManagedCertificate(store, ` ${id.slice(0, 10)} `)).id).toBe(id);
    await expect(resolveManagedCertificate(store, 'not-an-id')).rejects.toThrow(InventoryInputError);
    await expect(resolveManagedCertificate(store, '1234567')).rejects.toThrow(/too short/);
    await expect(resolveManagedCertificate(store, '00000000')).rejects.toThrow(ManagedCertificateNotFoundError);
    const ca = (await store.searchCertificates({ role: 'intermediate' }, { limit: 1 })).items[0]!;
    await expect(resolveManagedCertificate(store, ca.id)).rejects.toThrow(/is a CA certificate/);
  });
});

describe('the lifecycle client on a dev server with search attributes', () => {
  let env: TestWorkflowEnvironment;
  let worker: LifecycleTestWorker;
  let store: InventoryStore;
  let ids: string[];
  const taskQueue = uniqueTaskQueue('lifecycle-visibility');

  beforeAll(async () => {
    env = await createDevServerEnv();
    ({ store, ids } = await inventory({
      payments: [leaf('a.pay.example', 100), leaf('b.pay.example', 100), leaf('c.pay.example', 100)],
      mail: [leaf('mx.example', 100)],
    }));
    worker = await startLifecycleTestWorker(env, taskQueue, store);
  });

  afterAll(async () => {
    await worker?.stop();
    await store?.close();
    await env?.teardown();
  });

  it('R-MON-1: starts lifecycles with their search attributes and signals an owner group through visibility', async () => {
    const lifecycles = createLifecycleClient({ client: env.client, taskQueue, store, now: () => NOW });
    expect(await lifecycles.ensureLifecycles(ids)).toMatchObject({ started: 4, failed: [] });
    const description = await env.client.workflow.getHandle(lifecycleWorkflowId(ids[0]!)).describe();
    expect(
      description.typedSearchAttributes
        .getAll()
        .map((pair) => pair.key.name)
        .sort(),
    ).toEqual(['CertflowCertificateId', 'CertflowNotAfter', 'CertflowOwnerGroup']);
    // Visibility is eventually consistent: wait until it lists the three lifecycles of the group.
    const query = `CertflowOwnerGroup = 'payments' AND ExecutionStatus = 'Running'`;
    while ((await env.client.workflow.count(query)).count < 3) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const report = await lifecycles.notifyInputsChanged(
      { ownerGroup: 'payments' },
      { reason: 'owner-group', by: 'user:tester' },
    );
    expect(report).toEqual({ signalled: 3, notRunning: 0, via: 'visibility' });
    for (const id of ids.slice(0, 3)) {
      await worker.waitFor(
        id,
        (view) => view.records.some((record) => record.detail === 'owner-group changed (user:tester)'),
        `${id} to re-plan`,
      );
    }
    // Sync skips what visibility lists as running; whatever it has not caught up with is found running by its start.
    expect(await lifecycles.syncLifecycles()).toEqual({
      total: 4,
      started: 0,
      alreadyRunning: 4,
      skipped: [],
      failed: [],
    });
  });
});
