import fs from 'node:fs/promises';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLifecycleClient } from '../../src/core/application/lifecycle-client';
import type { Actor } from '../../src/core/domain/lifecycle/model';
import { x509 } from '../../src/adapters/shared/x509';
import { verifyTlsEndpoint } from '../../src/adapters/deploy/verify-tls';
import type { LifecycleView } from '../../src/core/domain/lifecycle/lifecycle-view';
import { notAfterAttribute, ownerGroupAttribute } from '../../src/core/workflows/search-attributes';
import { bootstrapEndpointCertificates } from '../../src/runtime/services';
import { createCertflowWorker } from '../../src/runtime/worker';
import { openTestServices, type TestServices } from '../support/services';
import { until as untilValue } from '../support/until';
import { createDevServerEnv, uniqueTaskQueue, workflowBundle } from '../support/temporal';

const OWNER: Actor = { id: 'email:owner@example.com' };
const APPROVER: Actor = { id: 'email:bob@example.com' };

describe('the certificate lifecycle end to end: dev server, production worker wiring, internal CA, TLS endpoint', () => {
  let env: TestWorkflowEnvironment;
  let services: TestServices;

  beforeAll(async () => {
    env = await createDevServerEnv();
    services = await openTestServices({}, { tlsEndpoints: [{ host: '127.0.0.1', port: 0 }] });
    // Short, policy-configured durations: the replaced certificate is revoked about a second after verification.
    const policyFile = path.join(services.folder, 'policy.yaml');
    await fs.writeFile(policyFile, 'renewal:\n  revocationDelayDays: 0.00001\n');
    Object.assign(services.config, { policyFile });
    await services.store.upsertOwnerGroup({
      id: 'demo',
      name: 'Demo',
      contacts: [{ email: 'owner@example.com' }],
      approvers: [{ email: 'ann@example.com' }, { email: 'bob@example.com' }],
      managementContact: null,
      incidentResponseContact: null,
      slack: {},
      jira: {},
      reminderDays: null,
      autoRenew: false,
    });
  });
  afterAll(async () => {
    await services?.close();
    await env?.teardown();
  });

  it(
    'R-MON-1, R-RA-1, R-REN-1, R-REN-2, R-REV-1: sync starts the lifecycle; request, approval, issuance, installation, verification and revocation happen for real',
    { timeout: 120_000 },
    async () => {
      const [endpoint] = await bootstrapEndpointCertificates(services, {
        ownerGroup: 'demo',
        lifetimeDays: 90,
        now: new Date(),
      });
      expect(endpoint).toMatch(/^127\.0\.0\.1:\d+$/);
      const taskQueue = uniqueTaskQueue('lifecycle-e2e');
      const worker = await createCertflowWorker({
        connection: env.nativeConnection,
        namespace: 'default',
        taskQueue,
        workflowBundle: workflowBundle(),
        lifecycle: services.lifecycle,
      });
      const lifecycles = createLifecycleClient({ client: env.client, taskQueue, store: services.store });

      const { before, after } = await worker.runUntil(async () => {
        const sync = await lifecycles.syncLifecycles();
        expect(sync).toMatchObject({ total: 1, started: 1, alreadyRunning: 0, failed: [] });
        expect(await lifecycles.syncLifecycles()).toMatchObject({ started: 0, alreadyRunning: 1 });
        const [managed] = await collect(services);
        const id = managed!;
        const first = await until(
          () => lifecycles.status(id),
          (v) => v.certificate !== null,
          'the first state',
        );

        const request = await lifecycles.requestRenewal(id, { requestedBy: OWNER, reason: 'end-to-end test' });
        await until(
          () => lifecycles.status(id),
          (v) => v.records.some((r) => r.kind === 'approval.requested'),
          'the approval request',
        );
        await lifecycles.decide({ requestId: request.id, decision: 'approve', decidedBy: APPROVER });
        const renewed = await until(
          () => lifecycles.status(id),
          (v) => v.cycle === 2 && v.pendingRevocation === null && v.phase === 'monitoring',
          'the renewal and the revocation of the old certificate',
        );
        // Visibility queries and the Web UI see the installed version's expiry, not the replaced one's (issue 14.9).
        const installedNotAfter = Date.parse(renewed.certificate!.notAfter);
        const indexed = await untilValue(async () => {
          const { typedSearchAttributes } = await env.client.workflow.getHandle(renewed.workflowId).describe();
          return typedSearchAttributes.get(notAfterAttribute)?.getTime() === installedNotAfter
            ? typedSearchAttributes
            : undefined;
        }, 'CertflowNotAfter to follow the renewal');
        expect(indexed.get(ownerGroupAttribute)).toBe('demo');
        expect(renewed.certificate!.notAfter).not.toBe(first.certificate!.notAfter);
        // A policy change (certflow policy check) reaches every running lifecycle, which re-reads it and re-plans.
        expect(await lifecycles.notifyInputsChanged({ all: true }, { reason: 'policy', by: 'user:e2e' })).toMatchObject(
          {
            signalled: 1,
            via: 'visibility',
          },
        );
        await until(
          () => lifecycles.status(id),
          (v) => v.records.some((r) => r.kind === 're-planned'),
          'the re-plan',
        );
        await env.client.workflow.getHandle(renewed.workflowId).terminate('test done');
        return { before: first, after: renewed };
      });

      const port = Number(endpoint!.split(':')[1]);
      const served = await verifyTlsEndpoint({
        host: '127.0.0.1',
        port,
        servername: 'localhost',
        expectedFingerprint: after.certificate!.fingerprintSha256,
        trustAnchorPems: [services.ca.rootPem()],
        names: ['localhost', '127.0.0.1'],
        timeoutMs: 5_000,
      });
      expect(served).toMatchObject({ ok: true, chainComplete: true, namesMatch: true });

      // The CRL published over certflow's HTTP server lists the replaced certificate.
      const response = await fetch(`${services.http.url}/ca/internal/crl`);
      expect(response.headers.get('content-type')).toBe('application/pkix-crl');
      const crl = new x509.X509Crl(new Uint8Array(await response.arrayBuffer()));
      expect(crl.entries.map((entry) => entry.serialNumber.toLowerCase())).toEqual([before.certificate!.serialNumber]);

      // Without Slack and Jira the console adapters report every step.
      expect(services.log.some((line) => /^\[notify\] approval requested: renewal /.test(line))).toBe(true);
      expect(services.log.some((line) => /^\[ticket\] LOCAL-1 → done$/.test(line))).toBe(true);
      const actions = (await services.store.queryAudit({}, { limit: 500 })).items.map((entry) => entry.action);
      expect(actions).toEqual(
        expect.arrayContaining([
          'certificate.issued',
          'certificate.installed',
          'certificate.verified',
          'certificate.revoked',
        ]),
      );
    },
  );
});

async function collect(services: TestServices): Promise<string[]> {
  const ids: string[] = [];
  for await (const batch of services.store.eachManagedCertificate({}, 100))
    ids.push(...batch.map((entry) => entry.managed.id));
  return ids;
}

/** Polls `read` until `predicate` holds: waits for a state of the real workflow, not for a guessed time. */
async function until(
  read: () => Promise<LifecycleView>,
  predicate: (view: LifecycleView) => boolean,
  what: string,
): Promise<LifecycleView> {
  const deadline = Date.now() + 60_000;
  let last: LifecycleView | null = null;
  while (Date.now() < deadline) {
    last = await read();
    if (predicate(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}; last state: ${JSON.stringify(last, null, 2)}`);
}
