import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { timerCanaryWorkflow } from '../../workflows/timer-canary';
import { certflowSearchAttributes } from '../../workflows/search-attributes';
import { createCertflowWorker } from '../../worker/worker';
import { openTestServices } from '../support/services';
import { createDevServerEnv, uniqueTaskQueue, workflowBundle } from '../support/temporal';

describe('timerCanaryWorkflow on the dev server with the production worker wiring', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await createDevServerEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('R-MON-1: a short real timer fires and the activity runs on the worker built by createCertflowWorker', async () => {
    const taskQueue = uniqueTaskQueue('canary-dev');
    const services = await openTestServices();
    const worker = await createCertflowWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle: workflowBundle(),
      identity: 'dev-server-test-worker',
      lifecycle: services.lifecycle,
    });
    const report = await worker.runUntil(
      env.client.workflow.execute<typeof timerCanaryWorkflow>('timerCanaryWorkflow', {
        taskQueue,
        workflowId: uniqueTaskQueue('canary'),
        args: [{ sleepMs: 500 }],
      }),
    );
    expect(Date.parse(report.dueAt) - Date.parse(report.startedAt)).toBe(500);
    expect(Date.parse(report.firedAt)).toBeGreaterThanOrEqual(Date.parse(report.dueAt));
    expect(report.observedBy).toBe('dev-server-test-worker');
    await services.close();
  });

  it("registers certflow's search attributes with their types", async () => {
    const { customAttributes } = await env.connection.operatorService.listSearchAttributes({ namespace: 'default' });
    for (const key of certflowSearchAttributes) {
      expect(Object.keys(customAttributes), key.name).toContain(key.name);
    }
  });
});
