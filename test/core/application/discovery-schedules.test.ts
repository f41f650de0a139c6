/**
 * Discovery schedules against a Temporal dev server (R-INV-2): a Temporal Schedule per scan definition, refused at
 * create when the definition would fail at its first run, paused, triggered and deleted through the use case. The
 * worker here runs the real workflow with stand-in activities: the scan itself is the workflow test's subject.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInventoryDatabase } from '../../../src/adapters/database/database';
import type { DiscoveryActivities } from '../../../src/core/activities/discovery';
import {
  createDiscoverySchedules,
  DiscoveryScheduleExistsError,
  DiscoveryScheduleNotFoundError,
  InvalidDiscoveryScheduleError,
  type DiscoverySchedules,
} from '../../../src/core/application/discovery-schedules';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { ScanDefinition, ScanOutcome } from '../../../src/core/ports/discovery-scans';
import type { InventoryStore } from '../../../src/core/ports/inventory-store';
import { createDevServerEnv, uniqueTaskQueue, workflowBundle } from '../../support/temporal';
import { until } from '../../support/until';

const DEFINITION: ScanDefinition = {
  targets: ['127.0.0.2:443,8443', '127.0.0.0/30:443=www.example.com'],
  limits: { concurrency: 8, connectTimeoutMs: 1000, handshakeTimeoutMs: 2000 },
  maxAddresses: 64,
  trustStore: null,
};

const OUTCOME: ScanOutcome = {
  summary: {
    endpoints: { scanned: 6, served: 2, failed: 4 },
    certificates: { read: 2, new: 1, known: 1 },
    findings: { opened: 0, resolved: 0, stillOpen: 0, incidents: 0 },
    unowned: 0,
    lifecycles: { started: 0, told: 0 },
    failures: ['127.0.0.1:443: connection refused'],
  },
  opened: [],
  resolved: [],
  unowned: [],
};

describe('discovery schedules on a Temporal dev server', () => {
  let env: TestWorkflowEnvironment;
  let store: InventoryStore;
  let schedules: DiscoverySchedules;
  let taskQueue: string;
  let worker: Worker;
  let running: Promise<void>;

  beforeAll(async () => {
    env = await createDevServerEnv();
    ({ store } = await openInventoryDatabase({ url: ':memory:' }));
    taskQueue = uniqueTaskQueue('discovery-schedules');
    schedules = createDiscoverySchedules({ client: env.client, taskQueue, audit: store, where: 'test' });
    const activities: Pick<DiscoveryActivities, 'runDiscoveryScan'> = {
      runDiscoveryScan: () => Promise.resolve(OUTCOME),
    };
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: workflowBundle(),
      activities,
    });
    running = worker.run();
  }, 60_000);
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await store?.close();
    await env?.teardown();
  });

  it('R-INV-2: a schedule per scan definition, id discovery:<name>, overlap skip; a trigger runs the scan and show reports it', async () => {
    const created = await schedules.create({
      name: 'dmz',
      everyMs: 6 * 3_600_000,
      definition: DEFINITION,
      by: 'user:alice',
    });
    expect(created).toMatchObject({
      name: 'dmz',
      everyMs: 21_600_000,
      paused: false,
      definition: DEFINITION,
      runs: [],
    });
    const description = await env.client.schedule.getHandle('discovery:dmz').describe();
    expect(description.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(description.memo).toMatchObject({ createdBy: 'user:alice' });

    await schedules.trigger('dmz', { by: 'user:alice' });
    const shown = await until(async () => {
      const details = await schedules.show('dmz');
      return details.runs[0]?.status === 'COMPLETED' ? details : undefined;
    }, 'the triggered run to complete');
    expect(shown.runs[0]?.workflowId).toMatch(/^discovery:dmz-/);
    expect(shown.runs[0]?.result).toMatchObject({ scan: 'dmz', summary: OUTCOME.summary, failedDeliveries: [] });

    await schedules.pause('dmz', { by: 'user:alice', reason: 'maintenance window' });
    expect(await schedules.show('dmz')).toMatchObject({
      paused: true,
      note: 'paused by user:alice: maintenance window',
    });
    await schedules.unpause('dmz', { by: 'user:alice' });
    expect((await schedules.show('dmz')).paused).toBe(false);

    await expect(
      schedules.create({ name: 'dmz', everyMs: 3_600_000, definition: DEFINITION, by: 'user:alice' }),
    ).rejects.toThrow(DiscoveryScheduleExistsError);
    await schedules.delete('dmz', { by: 'user:alice' });
    await expect(schedules.show('dmz')).rejects.toThrow(DiscoveryScheduleNotFoundError);
    await expect(schedules.pause('dmz', { by: 'user:alice', reason: null })).rejects.toThrow(
      DiscoveryScheduleNotFoundError,
    );

    const audit = await store.queryAudit({ action: 'discovery.' }, { limit: 20 });
    expect(audit.items.map((entry) => entry.action).sort()).toEqual([
      'discovery.schedule-created',
      'discovery.schedule-deleted',
      'discovery.schedule-paused',
      'discovery.schedule-triggered',
      'discovery.schedule-unpaused',
    ]);
  });

  it.each([
    ['a bad name', { name: 'DMZ_1' }, /lower-case letters/],
    ['an interval under a minute', { everyMs: 10_000 }, /at least 1m/],
    ['no target', { definition: { ...DEFINITION, targets: [] } }, /needs targets/],
    ['a malformed target', { definition: { ...DEFINITION, targets: ['127.0.0.1:70000'] } }, /out of range/],
    ['a range over the limit', { definition: { ...DEFINITION, targets: ['10.0.0.0/16:443'] } }, /65,536 addresses/],
  ])('R-INV-2: %s is refused at create, and no schedule is made', async (_what, change, message) => {
    const input = { name: 'refused', everyMs: 3_600_000, definition: DEFINITION, by: 'user:alice', ...change };
    await expect(schedules.create(input)).rejects.toThrow(InvalidDiscoveryScheduleError);
    await expect(schedules.create(input)).rejects.toThrow(message);
    expect((await schedules.list()).map((schedule) => schedule.name)).not.toContain(input.name);
  });
});
