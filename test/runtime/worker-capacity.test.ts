import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timerCanaryStateQuery } from '../../src/core/workflows/definitions';
import { createCertflowWorker, workerCapacity } from '../../src/runtime/worker';
import { openTestServices, type TestServices } from '../support/services';
import { createDevServerEnv, uniqueTaskQueue, workflowBundle } from '../support/temporal';
import { until } from '../support/until';

const MiB = 2 ** 20;

describe('workerCapacity', () => {
  it.each([
    ['a 4 GiB heap: a sixty-fourth of it at 0.25 MiB each', {}, 4096 * MiB, [256, 40, 100]],
    ['a 32 GiB heap: the ceiling of 1000', {}, 32_768 * MiB, [1000, 40, 100]],
    ['a 256 MiB heap: workflow tasks no more than the cache', {}, 256 * MiB, [16, 16, 100]],
    ['a tiny heap: a cache of 2 at least', {}, 8 * MiB, [2, 2, 100]],
    ['configured values win', { cachedWorkflows: 50, workflowTasks: 20, activities: 300 }, 4096 * MiB, [50, 20, 300]],
    ['no cache: workflow tasks not bound by it', { cachedWorkflows: 0 }, 4096 * MiB, [0, 40, 100]],
    ['a small configured cache bounds the default workflow tasks', { cachedWorkflows: 10 }, 4096 * MiB, [10, 10, 100]],
  ])('R-CAM-4: %s', (_, settings, heap, [cached, tasks, activities]) => {
    expect(workerCapacity(settings, heap)).toEqual({
      maxCachedWorkflows: cached,
      maxConcurrentWorkflowTaskExecutions: tasks,
      maxConcurrentActivityTaskExecutions: activities,
    });
  });
});

describe("certflow's worker with a bounded workflow cache", () => {
  let env: TestWorkflowEnvironment;
  let services: TestServices;

  beforeAll(async () => {
    env = await createDevServerEnv({ searchAttributes: false });
    services = await openTestServices({ CERTFLOW_WORKER_CACHED_WORKFLOWS: '3' });
  });
  afterAll(async () => {
    await services?.close();
    await env?.teardown();
  });

  it('R-CAM-4: parks more workflows than its cache holds, keeps at most the configured number, and each still answers', async () => {
    const taskQueue = uniqueTaskQueue('bounded-cache');
    const worker = await createCertflowWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle: workflowBundle(),
      lifecycle: services.lifecycle,
      capacity: services.config.workerCapacity,
    });
    const client = new Client({ connection: env.connection });
    const ids = Array.from({ length: 8 }, (_, index) => `${taskQueue}-parked-${index}`);
    let mostCached = 0;
    await worker.runUntil(async () => {
      const handles = await Promise.all(
        ids.map((workflowId) =>
          client.workflow.start('timerCanaryWorkflow', { taskQueue, workflowId, args: [{ sleepMs: 24 * 3_600_000 }] }),
        ),
      );
      for (const handle of handles) {
        // Each query of a workflow evicted from the cache replays its history into the cache again.
        const state = await until(
          async () => (await handle.query(timerCanaryStateQuery)).phase === 'sleeping' || undefined,
          `${handle.workflowId} asleep on its timer`,
        );
        expect(state).toBe(true);
        mostCached = Math.max(mostCached, worker.getStatus().numCachedWorkflows);
      }
      await Promise.all(handles.map((handle) => handle.terminate('test over')));
    });
    expect(mostCached).toBeGreaterThan(0);
    expect(mostCached).toBeLessThanOrEqual(3);
  });
});
