import fs from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCanaryActivities } from '../../../src/core/activities/canary';
import { timerCanaryStateQuery } from '../../../src/core/workflows/definitions';
import { INVALID_CANARY_INPUT, type timerCanaryWorkflow } from '../../../src/core/workflows/timer-canary';
import { createTimeSkippingEnv, uniqueTaskQueue, workflowBundle } from '../../support/temporal';
import { DAY_MS } from '../../../src/core/domain/duration';

/** Where this test records its history for replay-recorded-histories.test.ts. */
const HISTORIES = path.join(__dirname, 'histories');
const WORKER_IDENTITY = 'timer-canary-test-worker';

type StartCanary = (sleepMs: number) => Promise<WorkflowHandle<typeof timerCanaryWorkflow>>;

describe('timerCanaryWorkflow on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });

  /** Runs `fn` while a worker of its own (a worker runs once) polls a task queue of its own. */
  async function withWorker<T>(fn: (startCanary: StartCanary) => Promise<T>): Promise<T> {
    const taskQueue = uniqueTaskQueue('timer-canary');
    const startCanary: StartCanary = async (sleepMs) =>
      await env.client.workflow.start<typeof timerCanaryWorkflow>('timerCanaryWorkflow', {
        taskQueue,
        workflowId: uniqueTaskQueue('canary'),
        args: [{ sleepMs, label: 'test' }],
      });
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: workflowBundle(),
      activities: createCanaryActivities({ workerIdentity: WORKER_IDENTITY }),
    });
    return await worker.runUntil(() => fn(startCanary));
  }

  afterAll(async () => {
    await env?.teardown();
  });

  it(
    'R-MON-1: a 90-day durable timer fires on the skipped clock and its activity sees that clock',
    { timeout: 10_000 },
    async () => {
      const wallStart = Date.now();
      const report = await withWorker(async (startCanary) => (await startCanary(90 * DAY_MS)).result());

      const startedAt = Date.parse(report.startedAt);
      expect(Date.parse(report.dueAt) - startedAt).toBe(90 * DAY_MS);
      // The activity read the server's clock when it was scheduled: 90 days after the start, not a few seconds.
      expect(Date.parse(report.firedAt) - startedAt).toBeGreaterThanOrEqual(90 * DAY_MS);
      expect(report.lateByMs).toBeGreaterThanOrEqual(0);
      expect(report.lateByMs).toBeLessThan(60_000);
      expect(Date.parse(report.firedAt)).toBeGreaterThan(wallStart + 89 * DAY_MS);
      expect(report.observedBy).toBe(WORKER_IDENTITY);
      expect(report.label).toBe('test');
    },
  );

  it('R-MON-1: the state query shows the dated plan while the timer is pending', async () => {
    await withWorker(async (startCanary) => {
      const handle = await startCanary(30 * DAY_MS);
      const state = await handle.query(timerCanaryStateQuery);
      expect(state.phase).toBe('sleeping');
      expect(Date.parse(state.dueAt) - Date.parse(state.startedAt)).toBe(30 * DAY_MS);
      await handle.result();
      expect((await handle.query(timerCanaryStateQuery)).phase).toBe('done');
    });
  });

  it('rejects a negative timer with a non-retryable failure that says why', async () => {
    const failure = await withWorker(async (startCanary) => {
      const handle = await startCanary(-1);
      return await handle.result().then(
        () => undefined,
        (error: unknown) => error,
      );
    });
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe(INVALID_CANARY_INPUT);
    expect((cause as ApplicationFailure).nonRetryable).toBe(true);
    expect((cause as ApplicationFailure).message).toMatch(/sleepMs must be a non-negative number/);
  });

  describe('replay', () => {
    let history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

    beforeAll(async () => {
      history = await withWorker(async (startCanary) => {
        const handle = await startCanary(90 * DAY_MS);
        await handle.result();
        return await handle.fetchHistory();
      });
    });

    it("replays a 90-day canary's history deterministically with the current workflow code", async () => {
      await expect(Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history)).resolves.toBeUndefined();
    });

    // CERTFLOW_RECORD_HISTORIES=1 npx vitest run test/core/workflows/timer-canary.test.ts adds today's history to the set.
    it.runIf(process.env.CERTFLOW_RECORD_HISTORIES === '1')('records this history for future replay tests', () => {
      const file = path.join(HISTORIES, `timer-canary-90d-${new Date().toISOString().slice(0, 10)}.json`);
      fs.writeFileSync(file, `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 2)}\n`);
    });

    it('catches a non-deterministic change to the workflow', async () => {
      const reordered = await bundleWorkflowCode({
        workflowsPath: path.join(__dirname, 'fixtures', 'reordered-timer-canary.ts'),
        logger: new DefaultLogger('WARN'),
      });
      await expect(Worker.runReplayHistory({ workflowBundle: reordered }, history)).rejects.toBeInstanceOf(
        DeterminismViolationError,
      );
    });
  });
});
