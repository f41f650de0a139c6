/**
 * The R-KEY-1 tests' common path: a worker and a client with certflow's production data converter and the test
 * services' payload keys, and a renewal of the one bootstrapped endpoint certificate, requested by its owner and
 * approved, so its history carries subjects, SANs, e-mail addresses and reasons.
 */
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createLifecycleClient, type LifecycleClient } from '../../src/core/application/lifecycle-client';
import type { LifecycleActivityDeps } from '../../src/core/activities/lifecycle';
import { payloadDataConverter } from '../../src/runtime/payload-codec';
import { bootstrapEndpointCertificates } from '../../src/runtime/services';
import { createCertflowWorker } from '../../src/runtime/worker';
import { ownerGroupFixture } from './lifecycle-fixtures';
import type { TestServices } from './services';
import { uniqueTaskQueue, workflowBundle } from './temporal';
import { until } from './until';

/** The owner group `payroll` with one contact and two approvers, and one endpoint certificate it owns. */
export async function seedPayrollCertificate(
  services: TestServices,
  emails: { owner: string; approvers: readonly [string, string] },
): Promise<void> {
  await services.store.upsertOwnerGroup(
    ownerGroupFixture({
      id: 'payroll',
      name: 'Payroll',
      contacts: [{ email: emails.owner }],
      approvers: emails.approvers.map((email) => ({ email })),
      slack: {},
    }),
  );
  await bootstrapEndpointCertificates(services, { ownerGroup: 'payroll', lifetimeDays: 90, now: new Date() });
}

/** A worker and a client sealing payloads with the services' keys; `lifecycle` defaults to the services' ports. */
export async function encryptedLifecycles(
  env: TestWorkflowEnvironment,
  services: TestServices,
  lifecycle: LifecycleActivityDeps = services.lifecycle,
): Promise<{ worker: Worker; client: Client; lifecycles: LifecycleClient }> {
  const taskQueue = uniqueTaskQueue('payload-encryption');
  const worker = await createCertflowWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: workflowBundle(),
    lifecycle,
    payloadKeys: services.config.payloadKeys,
  });
  const client = new Client({
    connection: env.connection,
    namespace: 'default',
    dataConverter: payloadDataConverter(services.config.payloadKeys),
  });
  return { worker, client, lifecycles: createLifecycleClient({ client, taskQueue, store: services.store }) };
}

/** Requests a renewal of the managed certificate as `owner` and approves it as `approver`; returns its id. */
export async function approvedRenewal(
  services: TestServices,
  lifecycles: LifecycleClient,
  request: { owner: string; approver: string; reason: string },
): Promise<string> {
  await lifecycles.syncLifecycles();
  let id = '';
  for await (const batch of services.store.eachManagedCertificate({}, 10)) id = batch[0]?.managed.id ?? id;
  const renewal = await lifecycles.requestRenewal(id, {
    requestedBy: { id: `email:${request.owner}` },
    reason: request.reason,
  });
  await until(async () => {
    const view = await lifecycles.status(id);
    return view.records.some((record) => record.kind === 'approval.requested') ? view : undefined;
  }, 'the approval request');
  await lifecycles.decide({
    requestId: renewal.id,
    decision: 'approve',
    decidedBy: { id: `email:${request.approver}` },
  });
  return id;
}
